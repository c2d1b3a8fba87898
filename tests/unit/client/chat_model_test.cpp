#include "client/chat_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace salon::client {
namespace {

class FixedClock final : public core::Clock {
public:
    core::SteadyTime steady_now() const override { return {}; }

    core::UnixMillis unix_now_ms() const override { return now_ms; }

    core::UnixMillis now_ms = 1'000'000;
};

core::Message msg(std::int64_t id, std::string channel, std::string from, std::string text) {
    core::Message m;
    m.id = id;
    m.channel = std::move(channel);
    m.from = std::move(from);
    m.text = std::move(text);
    m.ts_ms = 5000 + id;
    return m;
}

class ChatModelTest : public ::testing::Test {
protected:
    ChatModelTest() : model(clock) { model.set_self("ann"); }

    std::size_t join_home() {
        model.on_join(core::JoinEvent{"home", "ann"});
        return *model.find(BufferKind::channel, "home");
    }

    FixedClock clock;
    ChatModel model;
};

TEST_F(ChatModelTest, StartsWithOnlyTheStatusBuffer) {
    ASSERT_EQ(model.buffers().size(), 1u);
    EXPECT_EQ(model.buffers()[0].kind, BufferKind::status);
    EXPECT_EQ(model.active(), 0u);
}

TEST_F(ChatModelTest, OwnJoinCreatesAJoinedBufferWithAJoinLine) {
    const auto i = join_home();
    const auto& b = model.buffers()[i];
    EXPECT_TRUE(b.joined);
    ASSERT_EQ(b.lines.size(), 1u);
    EXPECT_EQ(b.lines[0].kind, LineKind::join);
    EXPECT_EQ(b.lines[0].nick, "ann");
    EXPECT_EQ(b.lines[0].ts_ms, clock.now_ms);
    ASSERT_EQ(b.members.size(), 1u);
}

TEST_F(ChatModelTest, MessagesInOtherBuffersCountAsUnreadAndMentionsAreMarked) {
    const auto home = join_home();
    model.on_join(core::JoinEvent{"dev", "ann"});
    const auto dev = *model.find(BufferKind::channel, "dev");
    model.switch_to(home);
    model.on_msg(msg(1, "dev", "bob", "hello all"));
    EXPECT_EQ(model.buffers()[dev].unread, 1);
    EXPECT_FALSE(model.buffers()[dev].mentioned);
    model.on_msg(msg(2, "dev", "bob", "ANN, look"));
    EXPECT_EQ(model.buffers()[dev].unread, 2);
    EXPECT_TRUE(model.buffers()[dev].mentioned);
    EXPECT_TRUE(model.buffers()[dev].lines.back().mention);
    model.on_msg(msg(3, "home", "bob", "here"));
    EXPECT_EQ(model.buffers()[home].unread, 0) << "the shown buffer is read";
    model.on_msg(msg(4, "dev", "ann", "my own"));
    EXPECT_EQ(model.buffers()[dev].unread, 2) << "own messages are not unread";
    model.switch_to(dev);
    EXPECT_EQ(model.buffers()[dev].unread, 0);
    EXPECT_FALSE(model.buffers()[dev].mentioned);
}

TEST_F(ChatModelTest, DirectMessagesGoToAPeerBufferAndAreAlwaysMentions) {
    join_home();
    core::Message in = msg(7, "", "Bob", "psst");
    in.to = "ann";
    model.on_dm(in);
    const auto i = model.find(BufferKind::direct, "bob");
    ASSERT_TRUE(i);
    EXPECT_EQ(model.buffers()[*i].label(), "@Bob");
    EXPECT_TRUE(model.buffers()[*i].mentioned);
    core::Message out = msg(8, "", "ann", "ok");
    out.to = "bob";
    model.on_dm(out);
    EXPECT_EQ(model.buffers()[*i].lines.size(), 2u) << "own DM lands in the same buffer";
}

TEST_F(ChatModelTest, ARenameFollowsTheUserIntoMembersTheirDmWindowAndSharedChannelsOnly) {
    const auto home = join_home();
    model.on_join(core::JoinEvent{"home", "Guest12"});
    model.on_join(core::JoinEvent{"dev", "ann"});
    const auto dev = *model.find(BufferKind::channel, "dev");
    core::Message in = msg(7, "", "Guest12", "psst");
    in.to = "ann";
    model.on_dm(in);
    const auto dm = *model.find(BufferKind::direct, "Guest12");
    model.switch_to(home);
    const auto unread = model.buffers()[dm].unread;
    const auto dev_lines = model.buffers()[dev].lines.size();

    model.apply(core::RenameEvent{"guest12", "zoe"});

    const auto& members = model.buffers()[home].members;
    ASSERT_EQ(members.size(), 2u);
    EXPECT_TRUE(std::any_of(members.begin(), members.end(), [](const auto& m) {
        return m.user == "zoe" && !m.guest;
    }));
    EXPECT_EQ(model.buffers()[home].lines.back().text, "guest12 is now zoe");
    EXPECT_EQ(model.buffers()[dev].lines.size(), dev_lines) << "not shared: nothing said";
    // The same window, its history and unread count, now under the new name.
    EXPECT_EQ(model.find(BufferKind::direct, "zoe"), dm);
    EXPECT_FALSE(model.find(BufferKind::direct, "Guest12"));
    EXPECT_EQ(model.buffers()[dm].unread, unread);
    EXPECT_EQ(model.buffers()[dm].lines.front().nick, "Guest12") << "what was written stays";
    EXPECT_EQ(model.self(), "ann");
}

TEST_F(ChatModelTest, OurOwnRenameChangesSelf) {
    model.set_self("Guest3");
    model.on_join(core::JoinEvent{"home", "Guest3"});
    model.on_rename(core::RenameEvent{"Guest3", "ann"});
    EXPECT_EQ(model.self(), "ann");
    EXPECT_TRUE(model.is_self("ANN"));
    EXPECT_EQ(model.buffers()[0].lines.back().text, "you are now ann");
    const auto& home = model.buffers()[*model.find(BufferKind::channel, "home")];
    EXPECT_EQ(home.members.at(0).user, "ann");
    // A second RENAME of the same change (the OK came first) changes nothing more.
    const auto lines = home.lines.size();
    model.on_rename(core::RenameEvent{"Guest3", "ann"});
    EXPECT_EQ(home.lines.size(), lines);
}

TEST_F(ChatModelTest, JoinPartAndQuitMaintainMembersAndShowLines) {
    const auto i = join_home();
    model.on_join(core::JoinEvent{"home", "bob", true});
    model.on_join(core::JoinEvent{"home", "cy"});
    EXPECT_EQ(model.buffers()[i].members.size(), 3u);
    for (const auto& m : model.buffers()[i].members)
        EXPECT_EQ(m.op, m.user == "bob") << m.user << ": an operator's JOIN says so";
    model.on_part(core::PartEvent{"home", "bob", "", ""});
    EXPECT_EQ(model.buffers()[i].members.size(), 2u);
    EXPECT_EQ(model.buffers()[i].lines.back().kind, LineKind::part);
    EXPECT_EQ(model.buffers()[i].lines.back().nick, "bob");
    model.on_quit(core::QuitEvent{"cy", "gone"});
    EXPECT_EQ(model.buffers()[i].members.size(), 1u);
    EXPECT_EQ(model.buffers()[i].lines.back().text, "quit: gone");
    const auto lines = model.buffers()[i].lines.size();
    model.on_quit(core::QuitEvent{"cy", "gone"});
    EXPECT_EQ(model.buffers()[i].lines.size(), lines)
        << "a second QUIT for the same user is a no-op";
}

TEST_F(ChatModelTest, KickMarksTheBufferNotJoined) {
    const auto i = join_home();
    model.on_part(core::PartEvent{"home", "ann", "op", "bye"});
    EXPECT_FALSE(model.buffers()[i].joined);
    EXPECT_EQ(model.buffers()[i].lines.back().text, "kicked by op: bye");
    EXPECT_TRUE(model.channels_to_rejoin().empty());
}

TEST_F(ChatModelTest, HistoryReplayAfterRejoinDoesNotDuplicate) {
    const auto i = join_home();
    model.on_history_event(core::HistoryEvent{
        "home", {msg(1, "home", "bob", "a"), msg(2, "home", "bob", "b")}});
    model.on_msg(msg(3, "home", "bob", "c"));
    model.on_history_event(core::HistoryEvent{
        "home",
        {msg(2, "home", "bob", "b"), msg(3, "home", "bob", "c"), msg(4, "home", "bob", "d")}});
    std::vector<std::int64_t> ids;
    for (const auto& l : model.buffers()[i].lines) {
        if (l.id != 0) ids.push_back(l.id);
    }
    EXPECT_EQ(ids, (std::vector<std::int64_t>{1, 2, 3, 4}));
    model.on_msg(msg(4, "home", "bob", "d"));
    EXPECT_EQ(model.buffers()[i].newest_id(), 4);
}

TEST_F(ChatModelTest, HistoryPagesArePrependedAndAShortPageMarksTheBeginning) {
    const auto i = join_home();
    model.on_history_event(core::HistoryEvent{"home", {msg(10, "home", "bob", "x")}, true});
    model.buffer(i).history_pending = true;
    model.on_history_page(
        core::HistoryResult{"home", {msg(8, "home", "a", "1"), msg(9, "home", "a", "2")}}, 2
    );
    EXPECT_EQ(model.buffers()[i].oldest_id(), 8);
    EXPECT_FALSE(model.buffers()[i].at_beginning);
    EXPECT_FALSE(model.buffers()[i].history_pending);
    model.on_history_page(core::HistoryResult{"home", {msg(7, "home", "a", "0")}}, 2);
    EXPECT_EQ(model.buffers()[i].oldest_id(), 7);
    EXPECT_TRUE(model.buffers()[i].at_beginning);
}

TEST_F(ChatModelTest, AReplayShorterThanTheServersFiftyIsTheWholeChannel) {
    const auto i = join_home();
    model.on_history_event(core::HistoryEvent{"home", {msg(10, "home", "bob", "x")}, false});
    EXPECT_TRUE(model.buffers()[i].at_beginning) << "no 'PgUp loads older' on a tiny channel";
}

TEST_F(ChatModelTest, AShortPageThatSaysMoreIsNotTheBeginning) {
    const auto i = join_home();
    model.on_history_event(core::HistoryEvent{"home", {msg(10, "home", "bob", "x")}, true});
    model.on_history_page(core::HistoryResult{"home", {msg(9, "home", "a", "big")}, true}, 50);
    EXPECT_EQ(model.buffers()[i].oldest_id(), 9);
    EXPECT_FALSE(model.buffers()[i].at_beginning) << "the server cut the page to bound the reply";
}

TEST_F(ChatModelTest, DisconnectKeepsChannelsForRejoin) {
    join_home();
    model.on_join(core::JoinEvent{"dev", "ann"});
    model.mark_disconnected();
    for (const auto& b : model.buffers()) EXPECT_FALSE(b.joined);
    EXPECT_EQ(model.channels_to_rejoin(), (std::vector<std::string>{"home", "dev"}));
    model.on_join(core::JoinEvent{"home", "ann"});
    EXPECT_EQ(model.channels_to_rejoin(), (std::vector<std::string>{"home", "dev"}));
}

TEST_F(ChatModelTest, MemberListsPutOperatorsFirst) {
    const auto i = join_home();
    core::WhoResult who;
    who.channel = "home";
    who.members = {{"zed", false, false}, {"Amy", false, false}, {"op", false, true}};
    model.on_who_result(who);
    const auto& m = model.buffers()[i].members;
    ASSERT_EQ(m.size(), 3u);
    EXPECT_EQ(m[0].user, "op");
    EXPECT_EQ(m[1].user, "Amy");
}

TEST_F(ChatModelTest, CloseKeepsTheActiveIndexValid) {
    const auto home = join_home();
    model.on_join(core::JoinEvent{"dev", "ann"});
    const auto dev = *model.find(BufferKind::channel, "dev");
    model.switch_to(dev);
    model.close(home);
    EXPECT_EQ(model.active_buffer().name, "dev");
    model.close(0);
    EXPECT_EQ(model.buffers().size(), 2u) << "the status buffer cannot be closed";
}

TEST_F(ChatModelTest, OldLinesAreTrimmed) {
    ChatModel small(clock, 3);
    small.set_self("ann");
    for (int k = 1; k <= 5; ++k) small.on_msg(msg(k, "home", "bob", "m"));
    const auto i = *small.find(BufferKind::channel, "home");
    EXPECT_EQ(small.buffers()[i].lines.size(), 3u);
    EXPECT_EQ(small.buffers()[i].oldest_id(), 3);
}

TEST(NickColourTest, IsStableAndIgnoresCase) {
    EXPECT_EQ(nick_colour("alice", 6), nick_colour("ALICE", 6));
    EXPECT_EQ(nick_colour("alice", 6), nick_colour("alice", 6));
    int distinct = 0;
    std::vector<bool> seen(6);
    for (const char* n : {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}) {
        const int c = nick_colour(n, 6);
        ASSERT_GE(c, 0);
        ASSERT_LT(c, 6);
        if (!seen[static_cast<std::size_t>(c)]) ++distinct;
        seen[static_cast<std::size_t>(c)] = true;
    }
    EXPECT_GE(distinct, 3) << "nicks should spread over the palette";
}

}  // namespace
}  // namespace salon::client

namespace salon::client {
namespace {

TEST(ChatModelReplayTest, JoinReplayGoesAboveTheJoinLine) {
    struct Zero final : core::Clock {
        core::SteadyTime steady_now() const override { return {}; }

        core::UnixMillis unix_now_ms() const override { return 0; }
    } clock;

    ChatModel model(clock);
    model.set_self("ann");
    model.on_join(core::JoinEvent{"home", "ann"});
    core::Message m;
    m.id = 5;
    m.channel = "home";
    m.from = "bob";
    m.text = "earlier";
    model.on_history_event(core::HistoryEvent{"home", {m}});
    const auto& lines = model.buffers()[*model.find(BufferKind::channel, "home")].lines;
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].kind, LineKind::message);
    EXPECT_EQ(lines[1].kind, LineKind::join);
    EXPECT_EQ(model.buffers()[1].unread, 0);
}

std::vector<std::int64_t> message_ids(const Buffer& b) {
    std::vector<std::int64_t> ids;
    for (const auto& l : b.lines)
        if (l.kind == LineKind::message) ids.push_back(l.id);
    return ids;
}

TEST_F(ChatModelTest, AResumePageFillsTheGapInIdOrderAndAppliesChanges) {
    const auto i = join_home();
    model.on_msg(msg(1, "home", "bob", "before"));
    model.on_msg(msg(2, "home", "bob", "to edit"));
    EXPECT_EQ(model.buffers()[i].max_rev, 2);
    model.mark_disconnected();
    model.buffer(i).resuming = true;
    // The rejoin's replay is not needed while resuming: it would leave a hole.
    model.on_history_event(core::HistoryEvent{"home", {msg(9, "home", "bob", "newest")}, false});
    EXPECT_EQ(message_ids(model.buffers()[i]), (std::vector<std::int64_t>{1, 2}));
    auto edited = msg(2, "home", "bob", "edited");
    edited.rev = 6;
    edited.edited_ms = 7000;
    core::HistoryResult page{
        "home", {msg(3, "home", "bob", "gap 1"), msg(4, "home", "bob", "gap 2")}, true};
    model.on_resume_page(page);
    EXPECT_TRUE(model.buffers()[i].resuming);
    model.on_resume_page(core::HistoryResult{
        "home", {msg(5, "home", "bob", "gap 3"), edited}, false});
    const auto& b = model.buffers()[i];
    EXPECT_FALSE(b.resuming);
    EXPECT_EQ(message_ids(b), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
    EXPECT_EQ(b.message(2)->text, "edited");
    EXPECT_TRUE(b.message(2)->edited);
    EXPECT_EQ(b.max_rev, 6);
}

TEST_F(ChatModelTest, UpdatesReplaceTheMessageAndActionsAreParsed) {
    const auto i = join_home();
    model.on_msg(
        msg(1,
            "home",
            "bob",
            "\x01"
            "ACTION waves\x01")
    );
    EXPECT_TRUE(model.buffers()[i].message(1)->action);
    EXPECT_EQ(model.buffers()[i].message(1)->text, "waves");
    auto gone = msg(1, "home", "bob", "");
    gone.deleted = true;
    gone.rev = 3;
    model.on_update(gone);
    EXPECT_TRUE(model.buffers()[i].message(1)->deleted);
    EXPECT_EQ(message_ids(model.buffers()[i]).size(), 1U);
}

TEST_F(ChatModelTest, ConversationsSetUnreadAndAReadFromElsewhereClearsIt) {
    join_home();
    core::ConversationsResult r;
    r.conversations.push_back(core::ConversationSummary{
        .channel = {},
        .with = "bob",
        .last_id = 7,
        .last_ts = 0,
        .read = 3,
        .unread = 2,
        .mentions = 0});
    model.on_conversations(r);
    const auto dm = model.find(BufferKind::direct, "bob");
    ASSERT_TRUE(dm);
    EXPECT_EQ(model.buffers()[*dm].unread, 2);
    EXPECT_TRUE(model.buffers()[*dm].mentioned);
    core::Message hi;
    hi.id = 7;
    hi.from = "bob";
    hi.to = "ann";
    hi.text = "hi";
    model.on_dm(hi);
    model.on_read(core::ReadEvent{{}, "bob", 7});
    EXPECT_EQ(model.buffers()[*dm].unread, 0);
}

TEST_F(ChatModelTest, PendingLinesStayLastUntilTaken) {
    const auto i = join_home();
    model.add_pending(i, "typed offline");
    model.on_msg(msg(4, "home", "bob", "meanwhile"));
    const auto& lines = model.buffers()[i].lines;
    EXPECT_TRUE(lines.back().pending);
    EXPECT_EQ(model.take_pending(i), std::vector<std::string>{"typed offline"});
    EXPECT_FALSE(model.buffers()[i].lines.back().pending);
}

}  // namespace
}  // namespace salon::client
