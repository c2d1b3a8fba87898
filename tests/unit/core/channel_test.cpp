#include "core/channel.hpp"

// Channel's rules: who may join, who is a member or an operator, who may moderate, and the
// ring of recent messages replayed on join.

#include <gtest/gtest.h>

#include <string>

#include "core/conversation.hpp"
#include "core/names.hpp"

namespace salon::core {
namespace {

Actor user(const std::string& name) {
    const auto parsed = *UserName::parse(name);
    return Actor{.name = parsed, .key = user_key(parsed, 0)};
}

Actor guest(const std::string& name) {
    Actor actor = user(name);
    actor.guest = true;
    return actor;
}

Actor admin(const std::string& name) {
    Actor actor = user(name);
    actor.admin = true;
    return actor;
}

Message message(MessageId id) {
    return Message{
        .id = id,
        .channel = "home",
        .from = "alice",
        .to = "",
        .text = "message " + std::to_string(id),
        .ts_ms = 1'700'000'000'000 + id,
        .reactions = {},
        .mentions = {},
    };
}

std::vector<MessageId> ids_of(const std::vector<Message>& messages) {
    std::vector<MessageId> ids;
    for (const auto& m : messages) ids.push_back(m.id);
    return ids;
}

TEST(ChannelTest, KeepsTheNameTopicAndKeyItWasCreatedWith) {
    const Channel channel(*ChannelName::parse("home"), "welcome", "secret", 10);
    EXPECT_EQ(channel.name().str(), "home");
    EXPECT_EQ(channel.topic(), "welcome");
    EXPECT_EQ(channel.key(), "secret");
    EXPECT_EQ(channel.member_count(), 0U);
    EXPECT_EQ(channel.last_message_id(), 0);
    EXPECT_TRUE(channel.recent().empty());
}

TEST(ChannelJoinTest, AnOpenChannelAdmitsAnyoneWithOrWithoutAKey) {
    const Channel channel(*ChannelName::parse("home"), "", "", 10);
    EXPECT_EQ(channel.join_refusal(user("alice"), ""), std::nullopt);
    EXPECT_EQ(channel.join_refusal(guest("Guest1"), "whatever"), std::nullopt);
}

TEST(ChannelJoinTest, ABannedUserIsRefusedWhateverTheCaseOfTheirName) {
    Channel channel(*ChannelName::parse("home"), "", "", 10);
    channel.set_ban(*UserMask::parse("alice"), true);
    EXPECT_EQ(channel.join_refusal(user("ALICE"), ""), Errc::banned);
    EXPECT_EQ(channel.join_refusal(user("bob"), ""), std::nullopt);
}

TEST(ChannelJoinTest, UnbanningLetsTheUserJoinAgain) {
    Channel channel(*ChannelName::parse("home"), "", "", 10);
    channel.set_ban(*UserMask::parse("alice"), true);
    EXPECT_TRUE(channel.is_banned("alice"));
    channel.set_ban(*UserMask::parse("alice"), false);
    EXPECT_FALSE(channel.is_banned("alice"));
    EXPECT_EQ(channel.join_refusal(user("alice"), ""), std::nullopt);
}

TEST(ChannelJoinTest, ABanExceptionLetsABannedUserJoinButNotPastAKey) {
    Channel channel(*ChannelName::parse("home"), "", "sesame", 10);
    channel.set_ban(*UserMask::parse("alice"), true);
    channel.set_exception(ExceptionList::ban, *UserMask::parse("alice"), true);
    EXPECT_EQ(channel.join_refusal(user("Alice"), "sesame"), std::nullopt);
    EXPECT_EQ(channel.join_refusal(user("alice"), ""), Errc::bad_key);
    channel.set_exception(ExceptionList::ban, *UserMask::parse("alice"), false);
    EXPECT_EQ(channel.join_refusal(user("alice"), "sesame"), Errc::banned);
}

TEST(ChannelJoinTest, AnInviteExceptionPassesInviteOnlyAloneNotABan) {
    Channel channel(*ChannelName::parse("home"), "", "", 10);
    ChannelModes modes;
    modes.invite_only = true;
    channel.set_modes(modes);
    channel.set_exception(ExceptionList::invite, *UserMask::parse("bob"), true);
    EXPECT_EQ(channel.join_refusal(user("BOB"), ""), std::nullopt);
    EXPECT_EQ(channel.join_refusal(user("carol"), ""), Errc::invite_only);
    EXPECT_TRUE(channel.is_excepted(ExceptionList::invite, "bob"));
    EXPECT_FALSE(channel.is_excepted(ExceptionList::ban, "bob"));
    channel.set_ban(*UserMask::parse("bob"), true);
    EXPECT_EQ(channel.join_refusal(user("bob"), ""), Errc::banned);
}

TEST(ChannelJoinTest, BansAndExceptionsMatchAsMasksWithWildcards) {
    Channel channel(*ChannelName::parse("dev"), "", "", 10);
    ASSERT_TRUE(channel.set_ban(*UserMask::parse("ba*!*@*"), true));
    EXPECT_FALSE(channel.set_ban(*UserMask::parse("BA*"), true));  // the same mask, normalised
    EXPECT_EQ(channel.join_refusal(user("Bar"), ""), Errc::banned);
    EXPECT_EQ(channel.join_refusal(user("bob"), ""), std::nullopt);
    ASSERT_TRUE(channel.set_exception(ExceptionList::ban, *UserMask::parse("*ar!*@*"), true));
    EXPECT_EQ(channel.join_refusal(user("bar"), ""), std::nullopt);
    EXPECT_EQ(channel.join_refusal(user("baz"), ""), Errc::banned);

    channel.set_modes(ChannelModes{.invite_only = true});
    channel.set_exception(ExceptionList::invite, *UserMask::parse("c?rl!*@salon"), true);
    EXPECT_EQ(channel.join_refusal(user("carl"), ""), std::nullopt);
    EXPECT_EQ(channel.join_refusal(user("carla"), ""), Errc::invite_only);
}

TEST(ChannelModeParseTest, ExceptionListsTakeAUserEachWay) {
    const auto parsed = parse_mode_changes("+e-I", {"alice!*@*", "bob"});
    const auto& changes = std::get<std::vector<ModeChange>>(parsed);
    ASSERT_EQ(changes.size(), 2U);
    EXPECT_EQ(changes[0].letter, 'e');
    EXPECT_TRUE(changes[0].on);
    EXPECT_EQ(changes[0].arg, "alice!*@*");
    EXPECT_EQ(changes[1].letter, 'I');
    EXPECT_FALSE(changes[1].on);
    EXPECT_EQ(changes[1].arg, "bob");
    EXPECT_EQ(
        std::get<ModeError>(parse_mode_changes("+I", {})).kind, ModeError::Kind::missing_argument
    );
}

TEST(ChannelJoinTest, AKeyedChannelRefusesAMissingOrWrongKeyAndAdmitsTheRightOne) {
    const Channel channel(*ChannelName::parse("home"), "", "sesame", 10);
    EXPECT_EQ(channel.join_refusal(user("alice"), ""), Errc::bad_key);
    EXPECT_EQ(channel.join_refusal(user("alice"), "Sesame"), Errc::bad_key);
    EXPECT_EQ(channel.join_refusal(user("alice"), "sesame"), std::nullopt);
}

TEST(ChannelJoinTest, ABanIsReportedBeforeABadKey) {
    Channel channel(*ChannelName::parse("home"), "", "sesame", 10);
    channel.set_ban(*UserMask::parse("alice"), true);
    EXPECT_EQ(channel.join_refusal(user("alice"), "wrong"), Errc::banned);
    EXPECT_EQ(channel.join_refusal(user("alice"), "sesame"), Errc::banned);
}

TEST(ChannelJoinTest, RemovingTheKeyOpensTheChannel) {
    Channel channel(*ChannelName::parse("home"), "", "sesame", 10);
    channel.set_key("");
    EXPECT_EQ(channel.join_refusal(user("alice"), ""), std::nullopt);
}

TEST(ChannelJoinTest, AnAdministratorPassesBansAndKeys) {
    Channel channel(*ChannelName::parse("home"), "", "sesame", 10);
    channel.set_ban(*UserMask::parse("root"), true);
    EXPECT_EQ(channel.join_refusal(admin("root"), "wrong"), std::nullopt);
    EXPECT_EQ(channel.join_refusal(admin("root"), ""), std::nullopt);
}

TEST(ChannelMembersTest, AddingAMemberTwiceChangesNothing) {
    Channel channel(*ChannelName::parse("home"), "", "", 10);
    EXPECT_TRUE(channel.add_member(user("Alice"), true));
    EXPECT_FALSE(channel.add_member(user("ALICE"), false));
    EXPECT_EQ(channel.member_count(), 1U);
    EXPECT_TRUE(channel.is_op("alice"));
    EXPECT_EQ(channel.members().at("alice").name, "Alice");
}

TEST(ChannelMembersTest, MembersAreFoundByTheirFoldedName) {
    Channel channel(*ChannelName::parse("home"), "", "", 10);
    channel.add_member(user("Alice"), false);
    EXPECT_TRUE(channel.is_member("alice"));
    EXPECT_FALSE(channel.is_member("Alice"));  // callers fold before asking
    EXPECT_FALSE(channel.is_member("bob"));
}

TEST(ChannelMembersTest, RemovingAMemberReportsWhetherTheyWereThere) {
    Channel channel(*ChannelName::parse("home"), "", "", 10);
    channel.add_member(user("alice"), true);
    EXPECT_TRUE(channel.remove_member("alice"));
    EXPECT_FALSE(channel.remove_member("alice"));
    EXPECT_FALSE(channel.is_member("alice"));
    EXPECT_FALSE(channel.is_op("alice"));
    EXPECT_EQ(channel.member_count(), 0U);
}

TEST(ChannelLifetimeTest, AGuestsChannelPersistsOnceARegisteredUserIsItsOperator) {
    Channel channel(*ChannelName::parse("attic"), "", "", 10, Channel::Lifetime::temporary);
    channel.add_member(guest("Guest1"), true);
    channel.add_member(guest("Guest2"), false);
    channel.add_member(user("ann"), false);
    channel.grant_op("guest2");
    EXPECT_TRUE(channel.temporary()) << "only guests operate it";
    channel.grant_op("ann");
    EXPECT_FALSE(channel.temporary());

    Channel rejoined(*ChannelName::parse("loft"), "", "", 10, Channel::Lifetime::temporary);
    rejoined.add_member(user("bob"), true);
    EXPECT_FALSE(rejoined.temporary());
}

TEST(ChannelMembersTest, MemberInfosShowDisplayNamesOrderedByFoldedName) {
    Channel channel(*ChannelName::parse("home"), "", "", 10);
    channel.add_member(user("carol"), false);
    channel.add_member(guest("Guest7"), false);
    channel.add_member(user("Bob"), true);
    channel.add_member(user("alice"), false);

    const auto infos = channel.member_infos();
    ASSERT_EQ(infos.size(), 4U);
    EXPECT_EQ(infos[0].user, "alice");
    EXPECT_EQ(infos[1].user, "Bob");
    EXPECT_TRUE(infos[1].op);
    EXPECT_FALSE(infos[1].guest);
    EXPECT_EQ(infos[2].user, "carol");
    EXPECT_EQ(infos[3].user, "Guest7");
    EXPECT_TRUE(infos[3].guest);
    EXPECT_FALSE(infos[3].op);
}

TEST(ChannelModerationTest, OnlyOperatorsAndAdministratorsMayModerate) {
    Channel channel(*ChannelName::parse("home"), "", "", 10);
    channel.add_member(user("op"), true);
    channel.add_member(user("member"), false);

    EXPECT_TRUE(channel.may_moderate(user("op")));
    EXPECT_FALSE(channel.may_moderate(user("member")));
    EXPECT_FALSE(channel.may_moderate(user("stranger")));
    EXPECT_TRUE(channel.may_moderate(admin("root")));  // not even a member
}

TEST(ChannelModerationTest, AnOperatorWhoLeavesAndRejoinsAsAPlainMemberLosesModeration) {
    Channel channel(*ChannelName::parse("home"), "", "", 10);
    channel.add_member(user("alice"), true);
    channel.remove_member("alice");
    channel.add_member(user("alice"), false);
    EXPECT_FALSE(channel.may_moderate(user("alice")));
}

TEST(ChannelModerationTest, GrantingOperatorWorksOnlyForMembers) {
    Channel channel(*ChannelName::parse("home"), "", "", 10);
    channel.add_member(user("bob"), false);

    EXPECT_FALSE(channel.grant_op("carol"));
    EXPECT_FALSE(channel.is_member("carol"));

    EXPECT_TRUE(channel.grant_op("bob"));
    EXPECT_TRUE(channel.is_op("bob"));
    EXPECT_TRUE(channel.may_moderate(user("Bob")));
    EXPECT_TRUE(channel.grant_op("bob"));  // already an operator: still true, still op
    EXPECT_TRUE(channel.is_op("bob"));
}

TEST(ChannelTopicTest, SettingTheTopicReplacesItAndKeepsWhoSetItAndWhen) {
    Channel channel(*ChannelName::parse("home"), "old", "", 10);
    EXPECT_EQ(channel.topic_by(), "");
    channel.set_topic("new", "Alice", 1'700'000'000'000);
    EXPECT_EQ(channel.topic(), "new");
    EXPECT_EQ(channel.topic_by(), "Alice");
    EXPECT_EQ(channel.topic_ms(), 1'700'000'000'000);
}

TEST(ChannelRecentTest, KeepsOnlyTheNewestMessagesUpToCapacityOldestFirst) {
    Channel channel(*ChannelName::parse("home"), "", "", 3);
    for (MessageId id = 1; id <= 5; ++id) channel.remember(message(id));
    EXPECT_EQ(ids_of(channel.recent()), (std::vector<MessageId>{3, 4, 5}));
    EXPECT_EQ(channel.recent().back().text, "message 5");
    EXPECT_EQ(channel.last_message_id(), 5);
}

TEST(ChannelRecentTest, BelowCapacityEveryMessageIsKept) {
    Channel channel(*ChannelName::parse("home"), "", "", 3);
    channel.remember(message(10));
    channel.remember(message(20));
    EXPECT_EQ(ids_of(channel.recent()), (std::vector<MessageId>{10, 20}));
    EXPECT_EQ(channel.last_message_id(), 20);
}

TEST(ChannelRecentTest, ZeroCapacityKeepsNothingButStillTracksTheLastId) {
    Channel channel(*ChannelName::parse("home"), "", "", 0);
    channel.remember(message(7));
    channel.remember(message(9));
    EXPECT_TRUE(channel.recent().empty());
    EXPECT_EQ(channel.last_message_id(), 9);
}

TEST(ChannelRecentTest, RetentionDropsTheMessagesSentBeforeItsCutoffByTime) {
    Channel channel(*ChannelName::parse("home"), "", "", 10);
    for (MessageId id = 1; id <= 5; ++id) channel.remember(message(id));
    // A clock step: message 6 was sent "before" message 5.
    Message stepped = message(6);
    stepped.ts_ms = 1'700'000'000'000 + 2;
    channel.remember(stepped);
    channel.forget_recent_before(1'700'000'000'000 + 4);
    EXPECT_EQ(ids_of(channel.recent()), (std::vector<MessageId>{4, 5}));
    EXPECT_EQ(channel.last_message_id(), 6);  // ids go on from the newest, pruned or not
}

TEST(ChannelRecentTest, TheRingKeepsWorkingLongAfterItFirstFills) {
    Channel channel(*ChannelName::parse("home"), "", "", 50);
    for (MessageId id = 1; id <= 1000; ++id) channel.remember(message(id));
    const auto recent = channel.recent();
    ASSERT_EQ(recent.size(), 50U);
    EXPECT_EQ(recent.front().id, 951);
    EXPECT_EQ(recent.back().id, 1000);
    EXPECT_EQ(channel.last_message_id(), 1000);
}

TEST(ChannelModesTest, ChangesParseInOrderWithTheirArguments) {
    const auto parsed = parse_mode_changes("+mk-t+lv-k", {"sesame", "7", "ann"});
    const auto& changes = std::get<std::vector<ModeChange>>(parsed);
    ASSERT_EQ(changes.size(), 6U);
    EXPECT_EQ(changes[1].arg, "sesame");
    EXPECT_FALSE(changes[2].on);
    EXPECT_EQ(changes[3].limit, 7U);
    EXPECT_EQ(changes[4].arg, "ann");
    EXPECT_TRUE(changes[5].arg.empty());  // -k takes none
}

TEST(ChannelModesTest, BadChangesNameTheirFault) {
    using Kind = ModeError::Kind;
    const auto kind = [](std::string_view modes, std::vector<std::string> args) {
        return std::get<ModeError>(parse_mode_changes(modes, args)).kind;
    };
    EXPECT_EQ(kind("+q", {}), Kind::unknown_mode);
    EXPECT_EQ(kind("+o", {}), Kind::missing_argument);
    EXPECT_EQ(kind("+l", {"0"}), Kind::bad_argument);
    EXPECT_EQ(kind("+l", {"12x"}), Kind::bad_argument);
    EXPECT_EQ(kind("+k", {"a b"}), Kind::bad_argument);
    EXPECT_EQ(kind("+k", {""}), Kind::bad_argument);
    EXPECT_EQ(kind("+vvvvv", {"a", "b", "c", "d", "e"}), Kind::too_many);
}

TEST(ChannelModesTest, ModeratedInviteOnlyAndFullChannelsRefuseWhomTheyShould) {
    Channel channel(*ChannelName::parse("den"), "", "", 0);
    const Actor op{*UserName::parse("olga")};
    const Actor guest{*UserName::parse("gus"), true};
    channel.add_member(op, true);
    channel.set_modes(ChannelModes{true, true, false, true, true, 2});
    EXPECT_EQ(channel.join_refusal(guest, ""), Errc::invite_only);
    channel.invite(guest.name.folded());
    EXPECT_EQ(channel.join_refusal(guest, ""), std::nullopt);
    channel.add_member(guest, false);
    EXPECT_EQ(channel.post_refusal(guest), Errc::moderated);
    channel.set_voice(guest.name.folded(), true);
    EXPECT_EQ(channel.post_refusal(guest), std::nullopt);
    EXPECT_EQ(channel.post_refusal(op), std::nullopt);
    EXPECT_EQ(ChannelModes::from_letters("imnt", 2), channel.modes());
}

}  // namespace
}  // namespace salon::core
