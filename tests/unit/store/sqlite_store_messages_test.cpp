#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store_test_support.hpp"

// The version-2 message model: commit() with its checked changes, history by conversation and
// by rev, search, direct-message partners, read markers and conversation figures.
namespace salon::store {
namespace {

using namespace test_support;
namespace fs = std::filesystem;

MessageChange react_of(
    core::MessageId id,
    core::MessageId rev,
    std::string_view actor,
    std::string emoji,
    bool on = true
) {
    MessageChange change =
        change_by(on ? MessageChange::Kind::react : MessageChange::Kind::unreact, id, rev, actor);
    change.emoji = std::move(emoji);
    return change;
}

/// A channel message by `from` that mentions `mentioned` (registered users).
MessageWrite mentioning(
    core::MessageId id,
    std::string channel,
    std::string from,
    const std::vector<std::string>& mentioned
) {
    std::string text = "hey";
    for (const std::string& name : mentioned) text += " @" + name;
    MessageWrite write = channel_write(id, std::move(channel), text, std::move(from));
    for (const std::string& name : mentioned) {
        write.message.mentions.push_back(name);
        write.mention_keys.push_back(key_of(name));
    }
    return write;
}

WriteOutcome commit_one(Store& store, Write write) {
    const std::vector<Write> batch{std::move(write)};
    auto outcomes = store.commit(batch);
    EXPECT_EQ(outcomes.size(), 1U);
    return outcomes.at(0);
}

std::vector<std::string> users_of(const core::Message& message, std::string_view emoji) {
    for (const auto& reaction : message.reactions) {
        if (reaction.emoji == emoji) return reaction.users;
    }
    return {};
}

std::vector<std::string> emoji_of(const core::Message& message) {
    std::vector<std::string> emoji;
    for (const auto& reaction : message.reactions) emoji.push_back(reaction.emoji);
    return emoji;
}

using MessageStoreTest = StoreTest;

TEST_F(MessageStoreTest, CommitAnswersEachWriteInOrderAndANewMessageHasRevEqualToId) {
    auto store = open();
    MessageWrite reply = channel_write(2, "home", "answer", "bob");
    reply.message.reply_to = 1;
    const std::vector<Write> batch{channel_write(1, "home", "question"), reply};
    const auto outcomes = store->commit(batch);
    ASSERT_EQ(outcomes.size(), 2U);
    EXPECT_EQ(outcomes[0].status, ChangeStatus::applied);
    EXPECT_EQ(outcomes[0].message.id, 1);
    EXPECT_EQ(outcomes[0].message.rev, 1);
    EXPECT_EQ(outcomes[1].message.text, "answer");

    const auto history = store->history("home", std::nullopt, 10);
    ASSERT_EQ(history.size(), 2U);
    EXPECT_EQ(history[1].rev, 2);
    EXPECT_EQ(history[1].reply_to, 1);
    EXPECT_EQ(history[1].from, "bob");
    EXPECT_EQ(history[1].edited_ms, 0);
    EXPECT_FALSE(history[1].deleted);
    EXPECT_TRUE(history[0].reactions.empty());
    EXPECT_TRUE(store->commit({}).empty());
}

TEST_F(MessageStoreTest, FindMessageReturnsTheBodyWithItsConversationAndKeys) {
    auto store = open();
    commit_messages(
        *store, {direct_write(1, "Bob", "psst"), mentioning(2, "home", "bob", {"Alice"})}
    );

    const auto dm = store->find_message(1);
    ASSERT_TRUE(dm.has_value());
    EXPECT_EQ(dm->message.text, "psst");
    EXPECT_EQ(dm->message.to, "Bob");
    EXPECT_EQ(dm->conversation, "alice bob");
    EXPECT_EQ(dm->from_key, "alice");
    EXPECT_EQ(dm->to_key, "bob");

    const auto channel = store->find_message(2);
    ASSERT_TRUE(channel.has_value());
    EXPECT_EQ(channel->conversation, "home");
    EXPECT_EQ(channel->to_key, "");
    EXPECT_EQ(channel->message.mentions, std::vector<std::string>{"Alice"});
    EXPECT_FALSE(store->find_message(3).has_value());
}

TEST_F(MessageStoreTest, DirectMessagesStayInTheirConversationsHistoryAfterDelivery) {
    auto store = open();
    commit_messages(
        *store,
        {direct_write(1, "bob", "to bob", {user_name("bob")}),
         direct_write(2, "alice", "to alice", {}, "Bob"),
         direct_write(3, "carol", "to carol"),
         channel_write(4, "home")}
    );
    store->forget_pending_dms(user_name("bob"), 1);
    EXPECT_EQ(
        ids_of(store->history("alice bob", std::nullopt, 10)), (std::vector<core::MessageId>{1, 2})
    );
    EXPECT_EQ(
        ids_of(store->history("alice carol", std::nullopt, 10)), std::vector<core::MessageId>{3}
    );
    EXPECT_EQ(ids_of(store->history("home", std::nullopt, 10)), std::vector<core::MessageId>{4});
}

TEST_F(MessageStoreTest, TheAuthorEditsTextAndMentionsAndTheRevMoves) {
    auto store = open();
    commit_messages(*store, {mentioning(1, "home", "alice", {"bob"})});

    MessageChange edit = edit_of(1, 5, "alice", "now for @carol");
    edit.mentions = {"carol"};
    edit.mention_keys = {"carol"};
    const auto outcome = commit_one(*store, edit);
    EXPECT_EQ(outcome.status, ChangeStatus::applied);
    EXPECT_EQ(outcome.message.text, "now for @carol");
    EXPECT_EQ(outcome.message.rev, 5);
    EXPECT_EQ(outcome.message.edited_ms, 1'800'000'000'005);
    EXPECT_EQ(outcome.message.mentions, std::vector<std::string>{"carol"});

    const auto stored = store->history("home", std::nullopt, 1).at(0);
    EXPECT_EQ(stored.text, "now for @carol");
    EXPECT_EQ(stored.rev, 5);
    EXPECT_EQ(stored.id, 1);
    EXPECT_EQ(stored.mentions, std::vector<std::string>{"carol"});
    // The mention counts follow the new text.
    const std::vector<std::string> home{"home"};
    EXPECT_EQ(store->conversation_stats("bob", home, 100).at(0).mentions, 0U);
    EXPECT_EQ(store->conversation_stats("carol", home, 100).at(0).mentions, 1U);
}

TEST_F(MessageStoreTest, OnlyTheAuthorMayEditAndNeverAMissingOrDeletedMessage) {
    auto store = open();
    commit_messages(*store, {channel_write(1, "home", "mine"), channel_write(2, "home", "gone")});
    ASSERT_EQ(commit_one(*store, remove_of(2, 3, "alice")).status, ChangeStatus::applied);

    const auto forbidden = commit_one(*store, edit_of(1, 4, "bob", "hijacked"));
    EXPECT_EQ(forbidden.status, ChangeStatus::forbidden);
    EXPECT_EQ(
        commit_one(*store, edit_of(9, 5, "alice", "x")).status, ChangeStatus::no_such_message
    );
    EXPECT_EQ(
        commit_one(*store, edit_of(2, 6, "alice", "x")).status, ChangeStatus::no_such_message
    );

    const auto history = store->history("home", std::nullopt, 10);
    EXPECT_EQ(history[0].text, "mine");
    EXPECT_EQ(history[0].rev, 1);
    EXPECT_EQ(history[1].text, "");
    EXPECT_EQ(history[1].rev, 3);
}

TEST_F(MessageStoreTest, ADeletedMessageIsATombstoneWithoutTextEditMentionsOrReactions) {
    auto store = open();
    MessageWrite write = mentioning(1, "home", "alice", {"bob"});
    write.message.reply_to = 7;
    commit_messages(*store, {channel_write(7, "home"), write});
    ASSERT_EQ(commit_one(*store, edit_of(1, 8, "alice", "edited")).status, ChangeStatus::applied);
    ASSERT_EQ(commit_one(*store, react_of(1, 9, "bob", "👍")).status, ChangeStatus::applied);

    const auto outcome = commit_one(*store, remove_of(1, 10, "alice"));
    EXPECT_EQ(outcome.status, ChangeStatus::applied);
    const core::Message& tombstone = outcome.message;
    EXPECT_TRUE(tombstone.deleted);
    EXPECT_EQ(tombstone.text, "");
    EXPECT_EQ(tombstone.edited_ms, 0);
    EXPECT_TRUE(tombstone.mentions.empty());
    EXPECT_TRUE(tombstone.reactions.empty());
    EXPECT_EQ(tombstone.rev, 10);
    EXPECT_EQ(tombstone.reply_to, 7);
    EXPECT_EQ(tombstone.ts_ms, 1'700'000'000'001);
    EXPECT_EQ(tombstone.channel, "home");
    EXPECT_EQ(tombstone.from, "alice");

    // It takes no further change, but stays in history.
    EXPECT_EQ(commit_one(*store, remove_of(1, 11, "alice")).status, ChangeStatus::no_such_message);
    EXPECT_EQ(
        commit_one(*store, react_of(1, 12, "bob", "🎉")).status, ChangeStatus::no_such_message
    );
    EXPECT_EQ(
        commit_one(*store, react_of(1, 13, "bob", "👍", false)).status, ChangeStatus::no_such_message
    );
    const auto history = store->history("home", std::nullopt, 10);
    ASSERT_EQ(ids_of(history), (std::vector<core::MessageId>{1, 7}));
    EXPECT_TRUE(history[0].deleted);
    EXPECT_EQ(history[0].rev, 10);
}

TEST_F(MessageStoreTest, OthersMayRemoveAMessageOnlyWhenAllowed) {
    auto store = open();
    commit_messages(*store, {channel_write(1, "home", "by alice")});
    EXPECT_EQ(commit_one(*store, remove_of(1, 2, "bob")).status, ChangeStatus::forbidden);
    EXPECT_FALSE(store->find_message(1)->message.deleted);
    EXPECT_EQ(commit_one(*store, remove_of(1, 3, "bob", true)).status, ChangeStatus::applied);
    EXPECT_TRUE(store->find_message(1)->message.deleted);
    EXPECT_EQ(
        commit_one(*store, remove_of(5, 6, "bob", true)).status, ChangeStatus::no_such_message
    );
}

TEST_F(MessageStoreTest, ReactionsListEmojiByFirstUseAndUsersInTheOrderTheyReacted) {
    auto store = open();
    commit_messages(*store, {channel_write(1, "home")});
    EXPECT_EQ(commit_one(*store, react_of(1, 2, "bob", "👍")).status, ChangeStatus::applied);
    EXPECT_EQ(commit_one(*store, react_of(1, 3, "carol", "🎉")).status, ChangeStatus::applied);
    const auto outcome = commit_one(*store, react_of(1, 4, "alice", "👍"));
    EXPECT_EQ(outcome.status, ChangeStatus::applied);
    EXPECT_EQ(outcome.message.rev, 4);
    EXPECT_EQ(emoji_of(outcome.message), (std::vector<std::string>{"👍", "🎉"}));
    EXPECT_EQ(users_of(outcome.message, "👍"), (std::vector<std::string>{"bob", "alice"}));

    // Again: nothing changes, the rev included.
    const auto again = commit_one(*store, react_of(1, 5, "bob", "👍"));
    EXPECT_EQ(again.status, ChangeStatus::unchanged);
    EXPECT_EQ(again.message.rev, 4);
    EXPECT_EQ(store->find_message(1)->message.rev, 4);

    // Removing one that is not there changes nothing; removing the last user drops the emoji.
    EXPECT_EQ(
        commit_one(*store, react_of(1, 6, "bob", "🎉", false)).status, ChangeStatus::unchanged
    );
    const auto removed = commit_one(*store, react_of(1, 7, "carol", "🎉", false));
    EXPECT_EQ(removed.status, ChangeStatus::applied);
    EXPECT_EQ(removed.message.rev, 7);
    EXPECT_EQ(emoji_of(removed.message), std::vector<std::string>{"👍"});

    const auto history = store->history("home", std::nullopt, 1);
    EXPECT_EQ(users_of(history.at(0), "👍"), (std::vector<std::string>{"bob", "alice"}));
}

TEST_F(MessageStoreTest, TheEmojiLimitCountsEmojiWithUsersAndAlwaysLetsOneJoinAnEmoji) {
    auto store = open();
    commit_messages(*store, {channel_write(1, "home")});
    auto limited = [](MessageChange change) {
        change.max_reactions = 2;
        return change;
    };
    EXPECT_EQ(
        commit_one(*store, limited(react_of(1, 2, "bob", "a"))).status, ChangeStatus::applied
    );
    EXPECT_EQ(
        commit_one(*store, limited(react_of(1, 3, "bob", "b"))).status, ChangeStatus::applied
    );
    const auto refused = commit_one(*store, limited(react_of(1, 4, "carol", "c")));
    EXPECT_EQ(refused.status, ChangeStatus::too_many_reactions);
    EXPECT_EQ(refused.message.rev, 3);
    // Joining an emoji already there is fine at the limit.
    EXPECT_EQ(
        commit_one(*store, limited(react_of(1, 5, "carol", "a"))).status, ChangeStatus::applied
    );
    // An emoji whose last user left no longer counts.
    EXPECT_EQ(commit_one(*store, react_of(1, 6, "bob", "b", false)).status, ChangeStatus::applied);
    EXPECT_EQ(
        commit_one(*store, limited(react_of(1, 7, "carol", "c"))).status, ChangeStatus::applied
    );
    EXPECT_EQ(emoji_of(store->find_message(1)->message), (std::vector<std::string>{"a", "c"}));
}

TEST_F(MessageStoreTest, ChangesInOneBatchSeeTheOnesBeforeThemAndAFailedCheckIsOnlyAnOutcome) {
    auto store = open();
    const std::vector<Write> batch{
        channel_write(1, "home", "first"),
        edit_of(1, 2, "bob", "not bob's"),
        edit_of(1, 3, "alice", "second"),
        react_of(1, 4, "bob", "👍"),
        react_of(1, 5, "bob", "👍"),
        remove_of(1, 6, "alice"),
        edit_of(1, 7, "alice", "too late"),
    };
    const auto outcomes = store->commit(batch);
    std::vector<ChangeStatus> statuses;
    for (const auto& outcome : outcomes) statuses.push_back(outcome.status);
    EXPECT_EQ(
        statuses,
        (std::vector<ChangeStatus>{
            ChangeStatus::applied,
            ChangeStatus::forbidden,
            ChangeStatus::applied,
            ChangeStatus::applied,
            ChangeStatus::unchanged,
            ChangeStatus::applied,
            ChangeStatus::no_such_message,
        })
    );
    EXPECT_EQ(outcomes[2].message.text, "second");
    EXPECT_EQ(users_of(outcomes[3].message, "👍"), std::vector<std::string>{"bob"});
    EXPECT_TRUE(store->find_message(1)->message.deleted);
    EXPECT_EQ(store->max_message_id(), 7);
}

TEST_F(MessageStoreTest, AStorageErrorUndoesTheChangesOfTheBatchToo) {
    auto store = open();
    commit_messages(*store, {channel_write(1, "home", "original")});
    const std::vector<Write> batch{
        edit_of(1, 2, "alice", "changed"),
        react_of(1, 3, "bob", "👍"),
        channel_write(1, "home", "duplicate id"),
    };
    EXPECT_THROW(store->commit(batch), StorageError);
    const auto message = store->find_message(1)->message;
    EXPECT_EQ(message.text, "original");
    EXPECT_EQ(message.rev, 1);
    EXPECT_TRUE(message.reactions.empty());
    EXPECT_EQ(store->max_message_id(), 1);
    wait_for_search_index(*store);
    const SearchQuery query{
        .text = "changed", .conversations = {"home"}, .from_folded = {}, .before = {}, .limit = 10};
    EXPECT_TRUE(store->search(query).messages.empty());
}

TEST_F(MessageStoreTest, ChangedAfterListsEveryMessageChangedPastARevInRevOrder) {
    auto store = open();
    commit_messages(
        *store,
        {channel_write(1, "home"),
         channel_write(2, "home"),
         channel_write(3, "dev"),
         channel_write(4, "home")}
    );
    const std::vector<Write> changes{
        edit_of(2, 5, "alice", "edited"),
        react_of(1, 6, "bob", "👍"),
        remove_of(4, 7, "alice"),
        react_of(3, 8, "bob", "👍"),
    };
    store->commit(changes);

    EXPECT_EQ(ids_of(store->changed_after("home", 0, 10)), (std::vector<core::MessageId>{2, 1, 4}));
    EXPECT_EQ(ids_of(store->changed_after("home", 3, 10)), (std::vector<core::MessageId>{2, 1, 4}));
    EXPECT_EQ(ids_of(store->changed_after("home", 5, 10)), (std::vector<core::MessageId>{1, 4}));
    EXPECT_EQ(ids_of(store->changed_after("home", 5, 1)), std::vector<core::MessageId>{1});
    EXPECT_TRUE(store->changed_after("home", 7, 10).empty());
    EXPECT_TRUE(store->changed_after("home", 0, 0).empty());
    const auto page = store->changed_after("home", 5, 10);
    EXPECT_EQ(page[0].rev, 6);
    EXPECT_EQ(users_of(page[0], "👍"), std::vector<std::string>{"bob"});
    EXPECT_TRUE(page[1].deleted);
    EXPECT_EQ(ids_of(store->changed_after("dev", 3, 10)), std::vector<core::MessageId>{3});
}

TEST_F(MessageStoreTest, MaxMessageIdCountsRevsAndOutlivesTheMessagesThatCarriedThem) {
    auto store = open();
    EXPECT_EQ(store->max_message_id(), 0);
    commit_messages(*store, {channel_write(1, "tmp"), direct_write(2, "bob", "dm")});
    EXPECT_EQ(store->max_message_id(), 2);
    commit_one(*store, react_of(1, 9, "bob", "👍"));
    EXPECT_EQ(store->max_message_id(), 9);
    // A rev taken by a change that failed its check is not handed out again either.
    commit_one(*store, edit_of(1, 12, "bob", "no"));
    EXPECT_EQ(store->max_message_id(), 12);

    store->forget_channel(channel_name("tmp"), 12);
    store.reset();
    EXPECT_EQ(open()->max_message_id(), 12);
}

class SearchTest : public StoreTest {
protected:
    void SetUp() override {
        store_ = open();
        MessageWrite by_guest = channel_write(10, "home", "ärger from a guest", "Guest7");
        by_guest.from_key = "guest7#12";
        commit_messages(
            *store_,
            {
                channel_write(1, "home", "Ärger im Büro"),
                channel_write(2, "home", "ärgerlich, sagte bob", "bob"),
                channel_write(3, "home", "ÉCOLE normale"),
                channel_write(4, "home", "the quick brown fox"),
                channel_write(5, "home", "say \"OR\" * please", "bob"),
                channel_write(6, "dev", "ärger in dev"),
                direct_write(7, "bob", "ärger privately"),
                channel_write(8, "home", "to be deleted ärger"),
                channel_write(9, "home", "old words"),
                by_guest,
                channel_write(11, "home", "Привет, мир"),
            }
        );
        const std::vector<Write> changes{
            remove_of(8, 12, "alice"),
            edit_of(9, 13, "alice", "fresh ÄRGER"),
        };
        store_->commit(changes);
        wait_for_search_index(*store_);
    }

    std::vector<core::MessageId> search(
        std::string text,
        std::vector<std::string> conversations = {"home"},
        std::optional<std::string> from = std::nullopt,
        std::optional<core::MessageId> before = std::nullopt,
        std::size_t limit = 20
    ) {
        const SearchQuery query{
            .text = std::move(text),
            .conversations = std::move(conversations),
            .from_folded = std::move(from),
            .before = before,
            .limit = limit,
        };
        return ids_of(store_->search(query).messages);
    }

    std::unique_ptr<Store> store_;
};

using Ids = std::vector<core::MessageId>;

TEST_F(SearchTest, MatchesIgnoringCaseBeyondAsciiNewestFirst) {
    EXPECT_EQ(search("ärger"), (Ids{10, 9, 2, 1}));
    EXPECT_EQ(search("ÄRGER"), (Ids{10, 9, 2, 1}));
    EXPECT_EQ(search("école"), Ids{3});
    EXPECT_EQ(search("ПРИВЕТ"), Ids{11});
}

TEST_F(SearchTest, MatchesASubstringInTheMiddleOfAWord) {
    EXPECT_EQ(search("uic"), Ids{4});
    EXPECT_EQ(search("COLE"), Ids{3});
    EXPECT_EQ(search("gerlich, sag"), Ids{2});
    EXPECT_TRUE(search("quick fox").empty());
}

TEST_F(SearchTest, NeverMatchesADeletedMessageAndMatchesAnEditedOneByItsNewText) {
    EXPECT_TRUE(search("to be deleted").empty());
    EXPECT_TRUE(search("old words").empty());
    EXPECT_EQ(search("fresh"), Ids{9});
}

TEST_F(SearchTest, SearchesOnlyTheGivenConversations) {
    EXPECT_EQ(search("ärger", {"home", "dev", "alice bob"}), (Ids{10, 9, 7, 6, 2, 1}));
    EXPECT_EQ(search("ärger", {"alice bob"}), Ids{7});
    EXPECT_EQ(search("ärger", {"dev", "elsewhere"}), Ids{6});
    EXPECT_TRUE(search("ärger", {}).empty());
}

TEST_F(SearchTest, FromMatchesTheAuthorsFoldedNameAndEveryGuestLoginOfIt) {
    EXPECT_EQ(search("ärger", {"home"}, "bob"), Ids{2});
    EXPECT_EQ(search("ärger", {"home"}, "alice"), (Ids{9, 1}));
    EXPECT_EQ(search("ärger", {"home"}, "guest7"), Ids{10});
    EXPECT_TRUE(search("ärger", {"home"}, "guest").empty());
}

TEST_F(SearchTest, PagesBackByIdAndReturnsOneMoreThanTheLimit) {
    EXPECT_EQ(search("ärger", {"home"}, std::nullopt, std::nullopt, 2), (Ids{10, 9, 2}));
    EXPECT_EQ(search("ärger", {"home"}, std::nullopt, 9, 2), (Ids{2, 1}));
    EXPECT_EQ(search("ärger", {"home"}, std::nullopt, 2, 2), Ids{1});
    EXPECT_TRUE(search("ärger", {"home"}, std::nullopt, 1, 2).empty());
}

TEST_F(SearchTest, QuerySyntaxIsSearchedForLiterally) {
    EXPECT_EQ(search("\"OR\" *"), Ids{5});
    EXPECT_EQ(search("\"or\""), Ids{5});
    EXPECT_TRUE(search("ärger OR fresh").empty());
    EXPECT_TRUE(search("fre*").empty());
    EXPECT_TRUE(search("NEAR(a b)").empty());
}

TEST_F(MessageStoreTest, DirectPartnersAreListedNewestFirstAndFoundByNameAcrossGuestLogins) {
    auto store = open();
    MessageWrite from_old_guest = direct_write(2, "alice", "hi", {}, "Guest5");
    from_old_guest.from_key = "guest5#1";
    from_old_guest.conversation = core::direct_conversation("alice", "guest5#1");
    MessageWrite from_new_guest = direct_write(3, "alice", "hi again", {}, "GUEST5");
    from_new_guest.from_key = "guest5#2";
    from_new_guest.conversation = core::direct_conversation("alice", "guest5#2");
    commit_messages(
        *store,
        {direct_write(1, "Bob", "hello"),
         from_old_guest,
         from_new_guest,
         direct_write(4, "guest5x", "not guest5"),
         direct_write(5, "Alice", "back to you", {}, "bob")}
    );

    std::vector<std::string> keys;
    std::vector<std::string> names;
    for (const auto& partner : store->direct_partners("alice")) {
        keys.push_back(partner.key);
        names.push_back(partner.name);
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"bob", "guest5x", "guest5#2", "guest5#1"}));
    // The name as last written.
    EXPECT_EQ(names, (std::vector<std::string>{"bob", "guest5x", "GUEST5", "Guest5"}));

    const auto guest = store->direct_partner_named("alice", user_name("guest5"));
    ASSERT_TRUE(guest.has_value());
    EXPECT_EQ(guest->key, "guest5#2");
    EXPECT_EQ(guest->conversation, "alice guest5#2");
    const auto bob = store->direct_partner_named("alice", user_name("BOB"));
    ASSERT_TRUE(bob.has_value());
    EXPECT_EQ(bob->conversation, "alice bob");
    EXPECT_EQ(store->direct_partner_named("bob", user_name("alice"))->name, "Alice");
    EXPECT_FALSE(store->direct_partner_named("alice", user_name("carol")).has_value());
    EXPECT_FALSE(store->direct_partner_named("alice", user_name("guest")).has_value());
    EXPECT_EQ(store->direct_partners("guest5#1").size(), 1U);
    EXPECT_TRUE(store->direct_partners("carol").empty());
}

TEST_F(MessageStoreTest, ReadMarkersOnlyMoveForwardAndPersist) {
    {
        auto store = open();
        EXPECT_EQ(store->read_marker("alice", "home"), 0);
        EXPECT_TRUE(store->advance_read_marker("alice", "home", 5));
        EXPECT_FALSE(store->advance_read_marker("alice", "home", 5));
        EXPECT_FALSE(store->advance_read_marker("alice", "home", 3));
        EXPECT_EQ(store->read_marker("alice", "home"), 5);
        EXPECT_TRUE(store->advance_read_marker("alice", "home", 8));
        EXPECT_TRUE(store->advance_read_marker("alice", "alice bob", 2));
    }
    auto store = open();
    EXPECT_EQ(store->read_marker("alice", "home"), 8);
    EXPECT_EQ(store->read_marker("alice", "alice bob"), 2);
    EXPECT_EQ(store->read_marker("bob", "home"), 0);
}

TEST_F(MessageStoreTest, AMessageSaysWhetherItsAuthorWasAnAccount) {
    auto store = open();
    MessageWrite guest = channel_write(2, "home", "hi", "guest7");
    guest.from_key = core::user_key(user_name("guest7"), 40117);
    commit_messages(*store, {channel_write(1, "home"), guest});
    const auto page = store->history("home", std::nullopt, 10);
    ASSERT_EQ(page.size(), 2U);
    EXPECT_TRUE(page[0].by_account);
    EXPECT_FALSE(page[1].by_account);
    EXPECT_TRUE(store->find_message(1)->message.by_account);
    EXPECT_FALSE(store->find_message(2)->message.by_account);
}

TEST_F(MessageStoreTest, HistoryRangesAreBoundedByIdsOrTimesAndCutAtEitherEnd) {
    auto store = open();
    // Message n was accepted at 1'700'000'000'000 + n.
    commit_messages(
        *store,
        {channel_write(1, "home"),
         channel_write(2, "home"),
         channel_write(3, "dev"),
         channel_write(4, "home"),
         channel_write(6, "home"),
         channel_write(8, "home")}
    );
    constexpr core::UnixMillis kBase = 1'700'000'000'000;
    auto id = [](core::MessageId value) {
        return core::HistoryBound{.by = core::HistoryBound::By::id, .value = value};
    };
    auto time = [](core::UnixMillis value) {
        return core::HistoryBound{.by = core::HistoryBound::By::time, .value = kBase + value};
    };
    auto range = [&](HistoryRange r) { return ids_of(store->history_range("home", r)); };
    EXPECT_EQ(range({.limit = 2}), (Ids{6, 8}));
    EXPECT_EQ(range({.limit = 2, .oldest = true}), (Ids{1, 2}));
    EXPECT_EQ(range({.after = id(2), .before = id(8), .limit = 10}), (Ids{4, 6}));
    EXPECT_EQ(range({.after = id(1), .limit = 2, .oldest = true}), (Ids{2, 4}));
    EXPECT_EQ(range({.before = id(6), .limit = 2}), (Ids{2, 4}));
    // A time between messages, and one a message has: bounds leave out what is at them.
    EXPECT_EQ(range({.after = time(3), .before = time(8), .limit = 10}), (Ids{4, 6}));
    EXPECT_EQ(range({.after = time(2), .limit = 10, .oldest = true}), (Ids{4, 6, 8}));
    EXPECT_EQ(range({.before = time(5), .limit = 10}), (Ids{1, 2, 4}));
    EXPECT_EQ(range({.after = time(100), .limit = 10}), Ids{});
    EXPECT_EQ(range({.before = time(-100), .limit = 10}), Ids{});
    EXPECT_EQ(range({.limit = 10, .up_to = 4}), (Ids{1, 2, 4}));
    EXPECT_EQ(range({.limit = 0}), Ids{});
}

TEST_F(MessageStoreTest, ReadMarkersMoveByTimeToTheNewestMessageAtOrBeforeIt) {
    auto store = open();
    // Message n was accepted at 1'700'000'000'000 + n.
    commit_messages(*store, {channel_write(1, "home"), channel_write(5, "home")});
    constexpr core::UnixMillis kBase = 1'700'000'000'000;
    // A time before any message: no message read, but the time kept.
    EXPECT_TRUE(store->advance_read_time("alice", "home", kBase));
    EXPECT_EQ(store->read_position("alice", "home").id, 0);
    EXPECT_EQ(store->read_position("alice", "home").ts_ms, kBase);
    EXPECT_TRUE(store->advance_read_time("alice", "home", kBase + 3));
    EXPECT_EQ(store->read_position("alice", "home").id, 1);
    EXPECT_FALSE(store->advance_read_time("alice", "home", kBase + 2));  // never back
    // By id: the message's time, unless the marker stood later already.
    EXPECT_TRUE(store->advance_read_marker("alice", "home", 5));
    EXPECT_EQ(store->read_position("alice", "home").ts_ms, kBase + 5);
    EXPECT_TRUE(store->advance_read_time("alice", "home", kBase + 100));
    EXPECT_EQ(store->read_position("alice", "home").id, 5);
    EXPECT_EQ(store->read_position("bob", "home").ts_ms, 0);
}

TEST_F(MessageStoreTest, ConversationStatsCountUnreadAndMentionsAsTheUserSeesThem) {
    auto store = open();
    commit_messages(
        *store,
        {
            channel_write(1, "home", "mine"),
            mentioning(2, "home", "bob", {"alice"}),
            channel_write(3, "home", "unread", "bob"),
            mentioning(4, "home", "bob", {"alice"}),
            mentioning(5, "home", "alice", {"alice"}),
            channel_write(6, "home", "unread too", "carol"),
            mentioning(7, "home", "carol", {"alice", "bob"}),
            direct_write(8, "alice", "dm", {}, "bob"),
        }
    );
    commit_one(*store, remove_of(4, 9, "bob"));
    ASSERT_TRUE(store->advance_read_marker("alice", "home", 2));

    const std::vector<std::string> conversations{"dev", "home", "alice bob"};
    const auto stats = store->conversation_stats("alice", conversations, 100);
    ASSERT_EQ(stats.size(), 3U);
    EXPECT_EQ(stats[0].conversation, "dev");
    EXPECT_FALSE(stats[0].last_id.has_value());
    EXPECT_EQ(stats[0].read, 0);
    EXPECT_EQ(stats[0].unread, 0U);

    // After 2: 3, 6 and 7; 4 is deleted, 5 is alice's own (her mention of herself too).
    EXPECT_EQ(stats[1].conversation, "home");
    EXPECT_EQ(stats[1].last_id, 7);
    EXPECT_EQ(stats[1].last_ts, 1'700'000'000'007);
    EXPECT_EQ(stats[1].read, 2);
    EXPECT_EQ(stats[1].unread, 3U);
    EXPECT_EQ(stats[1].mentions, 1U);

    EXPECT_EQ(stats[2].last_id, 8);
    EXPECT_EQ(stats[2].unread, 1U);
    EXPECT_EQ(stats[2].mentions, 0U);

    const auto capped = store->conversation_stats("alice", conversations, 2);
    EXPECT_EQ(capped[1].unread, 2U);
    EXPECT_EQ(capped[1].mentions, 1U);

    // Bob has no marker: everything not his counts, and carol's mention of him.
    const auto bob = store->conversation_stats("bob", conversations, 100);
    EXPECT_EQ(bob[1].read, 0);
    EXPECT_EQ(bob[1].unread, 4U);
    EXPECT_EQ(bob[1].mentions, 1U);
    EXPECT_EQ(bob[2].unread, 0U);
}

TEST_F(MessageStoreTest, DeleteAccountTakesItsDirectMessagesMarkersReactionsAndMentions) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "h"}));
    commit_messages(
        *store,
        {
            direct_write(1, "bob", "secret for bob", {user_name("bob")}),
            direct_write(2, "alice", "secret for alice", {}, "bob"),
            direct_write(3, "carol", "secret kept"),
            mentioning(4, "home", "alice", {"bob"}),
        }
    );
    commit_one(*store, react_of(4, 5, "bob", "👍"));
    commit_one(*store, react_of(4, 6, "carol", "👍"));
    ASSERT_TRUE(store->advance_read_marker("bob", "home", 1));
    ASSERT_TRUE(store->advance_read_marker("alice", "alice bob", 2));
    ASSERT_TRUE(store->advance_read_marker("bob", "alice bob", 2));

    ASSERT_TRUE(store->delete_account(user_name("Bob"), {}));
    EXPECT_TRUE(store->history("alice bob", std::nullopt, 10).empty());
    EXPECT_FALSE(store->find_message(1).has_value());
    EXPECT_EQ(ids_of(store->history("alice carol", std::nullopt, 10)), Ids{3});
    std::vector<std::string> partners;
    for (const auto& partner : store->direct_partners("alice")) partners.push_back(partner.key);
    EXPECT_EQ(partners, std::vector<std::string>{"carol"});
    EXPECT_TRUE(store->direct_partners("bob").empty());
    EXPECT_EQ(store->read_marker("bob", "home"), 0);
    EXPECT_EQ(store->read_marker("bob", "alice bob"), 0);
    EXPECT_EQ(store->read_marker("alice", "alice bob"), 0);
    EXPECT_EQ(users_of(store->find_message(4)->message, "👍"), std::vector<std::string>{"carol"});
    wait_for_search_index(*store);
    const SearchQuery query{
        .text = "secret",
        .conversations = {"alice bob", "alice carol"},
        .from_folded = {},
        .before = {},
        .limit = 10};
    EXPECT_EQ(ids_of(store->search(query).messages), Ids{3});

    // A new account of the same name starts without any of it.
    ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "h"}));
    const std::vector<std::string> home{"home"};
    EXPECT_EQ(store->conversation_stats("bob", home, 100).at(0).mentions, 0U);
    EXPECT_TRUE(store->pending_dms(user_name("bob"), 0, 10).empty());
}

TEST_F(MessageStoreTest, ForgetChannelTakesItsMentionsUpToTheBoundAndKeepsReadMarkers) {
    auto store = open();
    commit_messages(*store, {mentioning(1, "tmp", "alice", {"bob"}), channel_write(2, "kept")});
    ASSERT_TRUE(store->advance_read_marker("bob", "tmp", 1));
    ASSERT_TRUE(store->advance_read_marker("bob", "kept", 2));
    const auto marked_ts = store->read_position("bob", "tmp").ts_ms;
    store->forget_channel(channel_name("tmp"), 1);
    // A read marker is the user's, by conversation name: it outlives the channel (MARKREAD).
    EXPECT_EQ(store->read_marker("bob", "tmp"), 1);
    EXPECT_EQ(store->read_position("bob", "tmp").ts_ms, marked_ts);
    EXPECT_EQ(store->read_marker("bob", "kept"), 2);

    // A later channel of the same name starts with no unread and no mentions from before.
    commit_messages(*store, {channel_write(3, "tmp", "new", "carol")});
    const std::vector<std::string> tmp{"tmp"};
    const auto stats = store->conversation_stats("bob", tmp, 100).at(0);
    EXPECT_EQ(stats.unread, 1U);
    EXPECT_EQ(stats.mentions, 0U);
}

/// The version-1 database in tests/data was written by the release before version 2 (see
/// tests/data/make_salon_v1_db.py): channel messages in home and dev, DMs between Alice and bob
/// (one still pending for bob), and one from the guest Guest28512 to Alice; ids 1-8.
class MigrationTest : public StoreTest {
protected:
    void SetUp() override {
        fs::create_directories(db_file().parent_path());
        fs::copy_file(fs::path(SALON_TEST_DATA_DIR) / "salon-v1.db", db_file());
        fs::permissions(db_file(), fs::perms::owner_read | fs::perms::owner_write);
    }
};

TEST_F(MigrationTest, AVersion1DatabaseIsMigratedInPlace) {
    auto store = std::make_unique<SqliteStore>(db_file(), SqliteOptions{});
    EXPECT_EQ(store->schema_version(), kSqliteSchemaVersion);
    EXPECT_TRUE(store->find_account(user_name("alice")).has_value());
    EXPECT_EQ(store->max_message_id(), 8);

    const auto home = store->history("home", std::nullopt, 10);
    ASSERT_EQ(ids_of(home), (Ids{1, 2}));
    EXPECT_EQ(home[0].rev, 1);
    EXPECT_EQ(home[0].from, "Alice");
    EXPECT_EQ(home[0].text, "Hello Ärger über alles");
    EXPECT_EQ(home[1].rev, 2);
    EXPECT_EQ(ids_of(store->history("dev", std::nullopt, 10)), (Ids{3, 8}));

    const auto dms = store->history("alice bob", std::nullopt, 10);
    ASSERT_EQ(ids_of(dms), (Ids{4, 5, 6}));
    EXPECT_EQ(dms[1].from, "bob");
    EXPECT_EQ(dms[1].to, "Alice");
    const auto dm = store->find_message(5);
    EXPECT_EQ(dm->from_key, "bob");
    EXPECT_EQ(dm->to_key, "alice");
    EXPECT_EQ(dm->conversation, "alice bob");
    EXPECT_EQ(ids_of(store->history("alice guest28512", std::nullopt, 10)), Ids{7});
    EXPECT_EQ(ids_of(store->pending_dms(user_name("bob"), 0, 10)), Ids{6});
    EXPECT_EQ(ids_of(store->changed_after("alice bob", 4, 10)), (Ids{5, 6}));

    std::vector<std::string> partners;
    for (const auto& partner : store->direct_partners("alice")) {
        partners.push_back(partner.key + "=" + partner.name);
    }
    EXPECT_EQ(partners, (std::vector<std::string>{"guest28512=Guest28512", "bob=bob"}));
    EXPECT_EQ(store->direct_partner_named("bob", user_name("alice"))->name, "Alice");

    wait_for_search_index(*store);
    const SearchQuery query{
        .text = "ÄRGER",
        .conversations = {"home", "dev"},
        .from_folded = "alice",
        .before = {},
        .limit = 10};
    EXPECT_EQ(ids_of(store->search(query).messages), Ids{1});
    const SearchQuery in_dms{
        .text = "PLAN",
        .conversations = {"alice bob"},
        .from_folded = {},
        .before = {},
        .limit = 10};
    EXPECT_EQ(ids_of(store->search(in_dms).messages), Ids{4});

    // Old messages take version-2 changes, and new ones continue the sequence.
    EXPECT_EQ(commit_one(*store, edit_of(1, 9, "alice", "edited")).status, ChangeStatus::applied);
    EXPECT_EQ(
        commit_one(*store, edit_of(2, 10, "alice", "not hers")).status, ChangeStatus::forbidden
    );
    commit_messages(*store, {channel_write(11, "home", "new", "bob")});
    const std::vector<std::string> conversations{"home"};
    EXPECT_EQ(store->conversation_stats("bob", conversations, 100).at(0).unread, 1U);
    store.reset();
    EXPECT_EQ(open()->max_message_id(), 11);
}

TEST_F(MigrationTest, BansOfNamesBecomeTheMasksOfThoseNames) {
    run_sql_behind_the_stores_back(
        db_file(), "INSERT INTO bans (channel, user_folded) VALUES ('home', 'mallory');"
    );
    auto store = std::make_unique<SqliteStore>(db_file(), SqliteOptions{});
    const auto bans = store->bans_of(channel_name("home"));
    ASSERT_EQ(bans.size(), 1U);
    EXPECT_EQ(bans[0].str(), "mallory!*@*");
    EXPECT_TRUE(bans[0].matches("mallory"));
    store->set_ban(channel_name("home"), *core::UserMask::parse("Mallory"), false);
    EXPECT_TRUE(store->bans_of(channel_name("home")).empty());
}

TEST_F(MigrationTest, Version1IdMarksGoButTheIdTheyKeptStaysTaken) {
    // What version 1's forget_channel left when it removed the newest message.
    run_sql_behind_the_stores_back(
        db_file(),
        "INSERT INTO messages (id, channel, from_name, to_name, text, ts_ms) "
        "VALUES (20, NULL, '', NULL, '', 0)"
    );
    auto store = open();
    EXPECT_EQ(store->max_message_id(), 20);
    EXPECT_FALSE(store->find_message(20).has_value());
    EXPECT_EQ(ids_of(store->history("home", std::nullopt, 10)), (Ids{1, 2}));
}

}  // namespace
}  // namespace salon::store
