#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "store/store_test_support.hpp"

namespace salon::store {
namespace {

namespace fs = std::filesystem;

using namespace test_support;

std::vector<std::string> masks_of(const std::vector<core::UserMask>& masks) {
    std::vector<std::string> out;
    for (const auto& mask : masks) out.push_back(mask.str());
    return out;
}

core::UserMask mask(std::string_view text) {
    return *core::UserMask::parse(text);
}

using SqliteStoreTest = StoreTest;

TEST_F(SqliteStoreTest, OpenCreatesParentDirectoryAndFile) {
    auto store = open();
    EXPECT_TRUE(fs::exists(db_file()));
}

TEST_F(SqliteStoreTest, AccountNamesAreUniqueIgnoringCase) {
    auto store = open();
    const Account alice{.name = "Alice", .password_hash = "h1", .admin = true, .created_ms = 42};
    EXPECT_TRUE(store->create_account(alice));
    EXPECT_FALSE(store->create_account({.name = "ALICE", .password_hash = "h2"}));
    EXPECT_FALSE(store->create_account({.name = "alice", .password_hash = "h3"}));

    const auto found = store->find_account(user_name("aLiCe"));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->name, "Alice");  // display form as first registered
    EXPECT_EQ(found->password_hash, "h1");
    EXPECT_TRUE(found->admin);
    EXPECT_EQ(found->created_ms, 42);
    EXPECT_FALSE(store->find_account(user_name("bob")).has_value());
}

TEST_F(SqliteStoreTest, SetPasswordReplacesTheHashOfAnExistingAccountOnly) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "old"}));
    EXPECT_TRUE(store->set_password(user_name("BOB"), "new"));
    EXPECT_EQ(store->find_account(user_name("bob"))->password_hash, "new");
    EXPECT_FALSE(store->set_password(user_name("carol"), "x"));
    EXPECT_FALSE(store->find_account(user_name("carol")).has_value());
}

TEST_F(SqliteStoreTest, AnInvalidAccountNameIsRefused) {
    auto store = open();
    for (const char* name : {"", "bad name", "élise", "#home"}) {
        EXPECT_THROW(store->create_account({.name = name, .password_hash = "h"}), StorageError)
            << name;
    }
    EXPECT_TRUE(store->list_accounts().empty());
}

TEST_F(SqliteStoreTest, ListAccountsIsOrderedByFoldedName) {
    auto store = open();
    for (const char* name : {"carol", "Bob", "alice", "Dave"}) {
        ASSERT_TRUE(store->create_account({.name = name, .password_hash = "h"}));
    }
    std::vector<std::string> names;
    for (const auto& account : store->list_accounts()) names.push_back(account.name);
    EXPECT_EQ(names, (std::vector<std::string>{"alice", "Bob", "carol", "Dave"}));
}

TEST_F(SqliteStoreTest, DeleteAccountRemovesItsMembershipsAndPendingDms) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "Bob", .password_hash = "h"}));
    ASSERT_TRUE(store->create_account({.name = "carol", .password_hash = "h"}));
    store->set_membership(user_name("bob"), {.channel = channel_name("home"), .op = true});
    store->set_membership(user_name("carol"), {.channel = channel_name("home"), .op = false});
    const std::vector<MessageWrite> dms{
        direct_write(1, "Bob", "for bob", {user_name("bob")}),
        direct_write(2, "carol", "for carol", {user_name("carol")}),
    };
    commit_messages(*store, dms);

    EXPECT_TRUE(store->delete_account(user_name("BOB"), {}));
    EXPECT_FALSE(store->delete_account(user_name("bob"), {}));
    EXPECT_FALSE(store->find_account(user_name("bob")).has_value());
    EXPECT_TRUE(store->memberships_of(user_name("bob")).empty());
    EXPECT_TRUE(store->pending_dms(user_name("bob"), 0, 100).empty());

    // A re-registered "bob" starts clean, and carol is untouched.
    ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "h"}));
    EXPECT_TRUE(store->memberships_of(user_name("bob")).empty());
    EXPECT_EQ(store->memberships_of(user_name("carol")).size(), 1U);
    EXPECT_EQ(
        ids_of(store->pending_dms(user_name("carol"), 0, 100)), std::vector<core::MessageId>{2}
    );
}

TEST_F(SqliteStoreTest, SaveChannelInsertsThenReplaces) {
    auto store = open();
    store->save_channel({.name = channel_name("home"), .topic = "", .key = "", .created_ms = 1});
    store->save_channel({.name = channel_name("dev"), .topic = "code", .key = "k", .created_ms = 2}
    );
    store->save_channel(
        {.name = channel_name("home"),
         .topic = "welcome",
         .key = "",
         .created_ms = 1,
         .topic_by = "Alice",
         .topic_ms = 1'700'000'000'000}
    );

    const auto channels = store->load_channels();
    ASSERT_EQ(channels.size(), 2U);
    EXPECT_EQ(channels[0].name.str(), "dev");
    EXPECT_EQ(channels[0].topic, "code");
    EXPECT_EQ(channels[0].key, "k");
    EXPECT_EQ(channels[0].created_ms, 2);
    EXPECT_EQ(channels[1].name.str(), "home");
    EXPECT_EQ(channels[1].topic, "welcome");
    EXPECT_EQ(channels[1].key, "");
    EXPECT_EQ(channels[1].topic_by, "Alice");
    EXPECT_EQ(channels[1].topic_ms, 1'700'000'000'000);
    EXPECT_EQ(channels[0].topic_by, "") << "not known";
    EXPECT_EQ(channels[0].topic_ms, 0);
}

TEST_F(SqliteStoreTest, BansArePerChannelByFoldedMaskAndIdempotent) {
    auto store = open();
    store->set_ban(channel_name("home"), mask("Mallory"), true);
    store->set_ban(channel_name("home"), mask("MALLORY!*@*"), true);
    store->set_ban(channel_name("home"), mask("eve"), true);
    store->set_ban(channel_name("home"), mask("B?b*!*@*"), true);
    store->set_ban(channel_name("dev"), mask("eve"), true);
    EXPECT_EQ(
        masks_of(store->bans_of(channel_name("home"))),
        (std::vector<std::string>{"b?b*!*@*", "eve!*@*", "mallory!*@*"})
    );

    store->set_ban(channel_name("home"), mask("Eve"), false);
    store->set_ban(channel_name("home"), mask("nobody"), false);
    EXPECT_EQ(
        masks_of(store->bans_of(channel_name("home"))),
        (std::vector<std::string>{"b?b*!*@*", "mallory!*@*"})
    );
    EXPECT_EQ(masks_of(store->bans_of(channel_name("dev"))), std::vector<std::string>{"eve!*@*"});
    EXPECT_TRUE(masks_of(store->bans_of(channel_name("other"))).empty());
}

TEST_F(SqliteStoreTest, ExceptionListsArePerChannelAndListByFoldedMaskAndGoWithTheChannel) {
    auto store = open();
    using core::ExceptionList;
    store->save_channel({.name = channel_name("tmp"), .topic = "", .key = "", .created_ms = 1});
    store->set_exception(channel_name("tmp"), ExceptionList::ban, mask("Mallory"), true);
    store->set_exception(channel_name("tmp"), ExceptionList::ban, mask("MALLORY"), true);
    store->set_exception(channel_name("tmp"), ExceptionList::invite, mask("eve"), true);
    store->set_exception(channel_name("dev"), ExceptionList::invite, mask("eve"), true);
    store->set_exception(channel_name("tmp"), ExceptionList::invite, mask("bob"), true);
    store->set_exception(channel_name("tmp"), ExceptionList::invite, mask("Bob"), false);
    const auto exceptions = store->exceptions_of(channel_name("tmp"));
    ASSERT_EQ(exceptions.size(), 2U);
    EXPECT_EQ(exceptions[0].list, ExceptionList::invite);  // by its letter: 'I' before 'e'
    EXPECT_EQ(exceptions[0].mask.str(), "eve!*@*");
    EXPECT_EQ(exceptions[1].list, ExceptionList::ban);
    EXPECT_EQ(exceptions[1].mask.str(), "mallory!*@*");

    store->forget_channel(channel_name("tmp"), 0);
    EXPECT_TRUE(store->exceptions_of(channel_name("tmp")).empty());
    EXPECT_EQ(store->exceptions_of(channel_name("dev")).size(), 1U);
}

TEST_F(SqliteStoreTest, ForgetChannelRemovesItsRecordBansAndMessagesUpToTheBound) {
    auto store = open();
    store->save_channel({.name = channel_name("tmp"), .topic = "t", .key = "k", .created_ms = 1});
    store->save_channel({.name = channel_name("kept"), .topic = "", .key = "", .created_ms = 1});
    store->set_ban(channel_name("tmp"), mask("eve"), true);
    store->set_ban(channel_name("kept"), mask("eve"), true);
    append_channel_messages(*store, "tmp", 1, 3);
    append_channel_messages(*store, "kept", 4, 5);
    append_channel_messages(*store, "tmp", 6, 6);  // a later channel of the same name

    store->forget_channel(channel_name("tmp"), 5);
    const auto channels = store->load_channels();
    ASSERT_EQ(channels.size(), 1U);
    EXPECT_EQ(channels[0].name.str(), "kept");
    EXPECT_TRUE(masks_of(store->bans_of(channel_name("tmp"))).empty());
    EXPECT_EQ(masks_of(store->bans_of(channel_name("kept"))), std::vector<std::string>{"eve!*@*"});
    EXPECT_EQ(ids_of(store->history("tmp", std::nullopt, 10)), std::vector<core::MessageId>{6});
    EXPECT_EQ(
        ids_of(store->history("kept", std::nullopt, 10)), (std::vector<core::MessageId>{4, 5})
    );
    store->forget_channel(channel_name("never-was"), 6);  // nothing to forget is no error

    // Forgetting the newest message keeps its id taken: ids continue above it after a restart.
    store->forget_channel(channel_name("tmp"), 6);
    EXPECT_TRUE(store->history("tmp", std::nullopt, 10).empty());
    store.reset();
    EXPECT_EQ(open()->max_message_id(), 6);
}

TEST_F(SqliteStoreTest, RenameChannelMovesEverythingStoredUnderItsName) {
    auto store = open();
    store->save_channel({.name = channel_name("books"), .topic = "t", .key = "k", .created_ms = 1});
    store->set_ban(channel_name("books"), mask("eve"), true);
    store->set_exception(channel_name("books"), core::ExceptionList::ban, mask("ann"), true);
    store->set_membership(user_name("ann"), {.channel = channel_name("books"), .op = true});
    store->set_membership(user_name("bob"), {.channel = channel_name("other"), .op = false});
    append_channel_messages(*store, "novels", 1, 1);  // an earlier channel's leftover
    append_channel_messages(*store, "books", 2, 3);
    ASSERT_TRUE(store->advance_read_marker(key_of("ann"), "books", 3));
    ASSERT_TRUE(store->advance_read_marker(key_of("bob"), "novels", 1));  // the leftover's

    store->rename_channel(channel_name("books"), channel_name("novels"));
    const auto channels = store->load_channels();
    ASSERT_EQ(channels.size(), 1U);
    EXPECT_EQ(channels[0].name.str(), "novels");
    EXPECT_EQ(channels[0].key, "k");
    EXPECT_EQ(
        masks_of(store->bans_of(channel_name("novels"))), std::vector<std::string>{"eve!*@*"}
    );
    EXPECT_EQ(store->exceptions_of(channel_name("novels")).size(), 1U);
    EXPECT_TRUE(store->bans_of(channel_name("books")).empty());
    const auto memberships = store->memberships_of(user_name("ann"));
    ASSERT_EQ(memberships.size(), 1U);
    EXPECT_EQ(memberships[0].channel.str(), "novels");
    EXPECT_TRUE(memberships[0].op);
    EXPECT_EQ(store->memberships_of(user_name("bob"))[0].channel.str(), "other");
    EXPECT_EQ(
        ids_of(store->history("novels", std::nullopt, 10)), (std::vector<core::MessageId>{2, 3})
    );
    EXPECT_EQ(store->history("novels", std::nullopt, 10)[0].channel, "novels");
    EXPECT_TRUE(store->history("books", std::nullopt, 10).empty());
    EXPECT_EQ(store->read_marker(key_of("ann"), "novels"), 3);
    EXPECT_EQ(store->read_marker(key_of("bob"), "novels"), 0);
}

TEST_F(SqliteStoreTest, DeleteChannelAlsoRemovesItsMembershipsAndReadMarkers) {
    auto store = open();
    store->save_channel({.name = channel_name("books"), .topic = "", .key = "", .created_ms = 1});
    store->set_membership(user_name("ann"), {.channel = channel_name("books"), .op = true});
    store->set_membership(user_name("ann"), {.channel = channel_name("other"), .op = false});
    append_channel_messages(*store, "books", 1, 2);
    ASSERT_TRUE(store->advance_read_marker(key_of("ann"), "books", 2));

    store->delete_channel(channel_name("books"), 2);
    EXPECT_TRUE(store->load_channels().empty());
    const auto memberships = store->memberships_of(user_name("ann"));
    ASSERT_EQ(memberships.size(), 1U);
    EXPECT_EQ(memberships[0].channel.str(), "other");
    EXPECT_TRUE(store->history("books", std::nullopt, 10).empty());
    EXPECT_EQ(store->read_marker(key_of("ann"), "books"), 0);
}

TEST_F(SqliteStoreTest, ChannelSummariesPageByNameWithCappedCounts) {
    auto store = open();
    for (const char* name : {"a", "b", "c"}) {
        store->save_channel({.name = channel_name(name), .topic = name, .key = "", .created_ms = 1}
        );
    }
    store->set_membership(user_name("ann"), {.channel = channel_name("b"), .op = false});
    store->set_membership(user_name("bob"), {.channel = channel_name("b"), .op = true});
    append_channel_messages(*store, "b", 1, 5);

    const auto first = store->channel_summaries(std::nullopt, 2, 3);
    ASSERT_EQ(first.size(), 2U);
    EXPECT_EQ(first[0].record.name.str(), "a");
    EXPECT_EQ(first[0].messages, 0U);
    EXPECT_FALSE(first[0].last_message_ms);
    EXPECT_EQ(first[1].record.name.str(), "b");
    EXPECT_EQ(first[1].members, 2U);
    EXPECT_EQ(first[1].messages, 3U);  // capped
    EXPECT_TRUE(first[1].last_message_ms);
    const auto rest = store->channel_summaries(first[1].record.name, 2, 3);
    ASSERT_EQ(rest.size(), 1U);
    EXPECT_EQ(rest[0].record.name.str(), "c");
}

TEST_F(SqliteStoreTest, AdminRequestsAreClaimedOnceAnsweredAndTakenOrWithdrawn) {
    auto store = open();
    const auto first = store->enqueue_admin_request(
        {.action = AdminRequest::Action::rename_channel,
         .channel = "books",
         .argument = "novels",
         .created_ms = 5}
    );
    const auto second =
        store->enqueue_admin_request({.action = AdminRequest::Action::op, .channel = "b"});
    const auto third = store->enqueue_admin_request({.channel = "c"});

    const auto claimed = store->claim_admin_requests(2);
    ASSERT_EQ(claimed.size(), 2U);
    EXPECT_EQ(claimed[0].id, first);
    EXPECT_EQ(claimed[0].action, AdminRequest::Action::rename_channel);
    EXPECT_EQ(claimed[0].argument, "novels");
    EXPECT_EQ(claimed[0].created_ms, 5);
    EXPECT_EQ(claimed[1].id, second);
    EXPECT_EQ(claimed[1].action, AdminRequest::Action::op);
    EXPECT_FALSE(store->cancel_admin_request(first));  // claimed: too late to withdraw
    EXPECT_FALSE(store->take_admin_outcome(first));    // not answered yet

    store->finish_admin_request(first, {.ok = true, .message = "renamed"});
    const auto outcome = store->take_admin_outcome(first);
    ASSERT_TRUE(outcome);
    EXPECT_TRUE(outcome->ok);
    EXPECT_EQ(outcome->message, "renamed");
    EXPECT_FALSE(store->take_admin_outcome(first));  // taken once

    EXPECT_TRUE(store->cancel_admin_request(third));
    EXPECT_TRUE(store->claim_admin_requests(10).empty());
}

TEST_F(SqliteStoreTest, MembershipsComeBackInJoinOrderWithOpUpdatedInPlace) {
    auto store = open();
    store->set_membership(user_name("Alice"), {.channel = channel_name("zeta"), .op = false});
    store->set_membership(user_name("alice"), {.channel = channel_name("alpha"), .op = true});
    store->set_membership(user_name("alice"), {.channel = channel_name("mid"), .op = false});
    // Becoming operator later does not move the channel to the end.
    store->set_membership(user_name("ALICE"), {.channel = channel_name("zeta"), .op = true});

    auto memberships = store->memberships_of(user_name("alice"));
    ASSERT_EQ(memberships.size(), 3U);
    EXPECT_EQ(memberships[0].channel.str(), "zeta");
    EXPECT_TRUE(memberships[0].op);
    EXPECT_EQ(memberships[1].channel.str(), "alpha");
    EXPECT_TRUE(memberships[1].op);
    EXPECT_EQ(memberships[2].channel.str(), "mid");
    EXPECT_FALSE(memberships[2].op);

    // Leaving and rejoining puts the channel last.
    store->remove_membership(user_name("Alice"), channel_name("zeta"));
    store->set_membership(user_name("alice"), {.channel = channel_name("zeta"), .op = false});
    memberships = store->memberships_of(user_name("alice"));
    ASSERT_EQ(memberships.size(), 3U);
    EXPECT_EQ(memberships[0].channel.str(), "alpha");
    EXPECT_EQ(memberships[2].channel.str(), "zeta");
    EXPECT_FALSE(memberships[2].op);
    EXPECT_TRUE(store->memberships_of(user_name("bob")).empty());
}

TEST_F(SqliteStoreTest, HistoryPagesBackwardsOldestFirst) {
    auto store = open();
    append_channel_messages(*store, "home", 1, 10);
    append_channel_messages(*store, "dev", 11, 15);
    append_channel_messages(*store, "home", 16, 20);

    const auto newest = store->history("home", std::nullopt, 4);
    EXPECT_EQ(ids_of(newest), (std::vector<core::MessageId>{17, 18, 19, 20}));
    EXPECT_EQ(newest[0].channel, "home");
    EXPECT_EQ(newest[0].from, "alice");
    EXPECT_EQ(newest[0].to, "");
    EXPECT_EQ(newest[0].text, "hi");
    EXPECT_EQ(newest[0].ts_ms, 1'700'000'000'017);

    // `before` is exclusive and skips other channels' ids.
    EXPECT_EQ(ids_of(store->history("home", 17, 4)), (std::vector<core::MessageId>{8, 9, 10, 16}));
    EXPECT_EQ(ids_of(store->history("home", 3, 50)), (std::vector<core::MessageId>{1, 2}));
    EXPECT_TRUE(store->history("home", 1, 50).empty());
    EXPECT_TRUE(store->history("home", std::nullopt, 0).empty());
    EXPECT_TRUE(store->history("nowhere", std::nullopt, 50).empty());
    EXPECT_EQ(store->history("home", std::nullopt, 1000).size(), 15U);
}

TEST_F(SqliteStoreTest, HistoryUpToCapsTheNewestIdInclusive) {
    auto store = open();
    append_channel_messages(*store, "home", 1, 20);
    EXPECT_EQ(
        ids_of(store->history("home", std::nullopt, 3, 12)),
        (std::vector<core::MessageId>{10, 11, 12})
    );
    // The tighter of `before` and `up_to` wins.
    EXPECT_EQ(ids_of(store->history("home", 11, 3, 12)), (std::vector<core::MessageId>{8, 9, 10}));
    EXPECT_EQ(ids_of(store->history("home", 15, 2, 5)), (std::vector<core::MessageId>{4, 5}));
}

TEST_F(SqliteStoreTest, DirectMessagesStayOutOfChannelHistory) {
    auto store = open();
    const std::vector<MessageWrite> batch{
        channel_write(1, "home"),
        direct_write(2, "bob", "secret"),
        channel_write(3, "home"),
    };
    commit_messages(*store, batch);
    EXPECT_EQ(
        ids_of(store->history("home", std::nullopt, 50)), (std::vector<core::MessageId>{1, 3})
    );
}

TEST_F(SqliteStoreTest, MaxMessageIdSurvivesReopen) {
    {
        auto store = open();
        EXPECT_EQ(store->max_message_id(), 0);
        append_channel_messages(*store, "home", 5, 9);
        const std::vector<MessageWrite> dm{direct_write(12, "bob", "x", {user_name("bob")})};
        commit_messages(*store, dm);
        EXPECT_EQ(store->max_message_id(), 12);
    }
    auto store = open();
    EXPECT_EQ(store->max_message_id(), 12);
    EXPECT_EQ(store->history("home", std::nullopt, 50).size(), 5U);
}

TEST_F(SqliteStoreTest, PendingDmsAreReadOldestFirstAndStayUntilForgotten) {
    auto store = open();
    const std::vector<MessageWrite> batch{
        direct_write(3, "Bob", "first", {user_name("Bob")}),
        direct_write(4, "carol", "to carol", {user_name("carol")}),
        direct_write(7, "bob", "second", {user_name("bob")}),
        // Listed twice in different case: still handed over once.
        direct_write(8, "Bob", "third", {user_name("bob"), user_name("BOB")}),
    };
    commit_messages(*store, batch);

    const auto pending = store->pending_dms(user_name("BOB"), 0, 100);
    EXPECT_EQ(ids_of(pending), (std::vector<core::MessageId>{3, 7, 8}));
    ASSERT_EQ(pending.size(), 3U);
    EXPECT_TRUE(pending[0].is_direct());
    EXPECT_EQ(pending[0].from, "Alice");
    EXPECT_EQ(pending[0].to, "Bob");
    EXPECT_EQ(pending[0].text, "first");
    EXPECT_EQ(pending[0].ts_ms, 1'700'000'000'003);
    EXPECT_EQ(
        ids_of(store->pending_dms(user_name("bob"), 0, 100)),
        (std::vector<core::MessageId>{3, 7, 8})
    );

    store->forget_pending_dms(user_name("bob"), 7);
    EXPECT_EQ(
        ids_of(store->pending_dms(user_name("bob"), 0, 100)), std::vector<core::MessageId>{8}
    );
    store->forget_pending_dms(user_name("BOB"), 8);
    EXPECT_TRUE(store->pending_dms(user_name("bob"), 0, 100).empty());
    EXPECT_EQ(
        ids_of(store->pending_dms(user_name("carol"), 0, 100)), std::vector<core::MessageId>{4}
    );
}

TEST_F(SqliteStoreTest, PendingDmsArePagedAfterAnId) {
    auto store = open();
    std::vector<MessageWrite> batch;
    for (core::MessageId id = 1; id <= 5; ++id)
        batch.push_back(direct_write(id, "bob", "dm", {user_name("bob")}));
    commit_messages(*store, batch);

    EXPECT_EQ(
        ids_of(store->pending_dms(user_name("bob"), 0, 2)), (std::vector<core::MessageId>{1, 2})
    );
    EXPECT_EQ(
        ids_of(store->pending_dms(user_name("bob"), 2, 2)), (std::vector<core::MessageId>{3, 4})
    );
    EXPECT_EQ(ids_of(store->pending_dms(user_name("bob"), 4, 2)), std::vector<core::MessageId>{5});
    EXPECT_TRUE(store->pending_dms(user_name("bob"), 5, 2).empty());
}

TEST_F(SqliteStoreTest, PendingDmsSurviveReopen) {
    {
        auto store = open();
        const std::vector<MessageWrite> batch{direct_write(1, "bob", "later", {user_name("bob")})};
        commit_messages(*store, batch);
    }
    auto store = open();
    const auto pending = store->pending_dms(user_name("bob"), 0, 100);
    ASSERT_EQ(pending.size(), 1U);
    EXPECT_EQ(pending[0].text, "later");
}

TEST_F(SqliteStoreTest, FailedBatchLeavesNothingBehind) {
    auto store = open();
    append_channel_messages(*store, "home", 1, 3);
    // Id 2 exists already: the whole batch, including the messages before it, is refused.
    const std::vector<MessageWrite> batch{
        direct_write(4, "bob", "x", {user_name("bob")}),
        channel_write(5, "home"),
        channel_write(2, "home"),
        channel_write(6, "home"),
    };
    try {
        commit_messages(*store, batch);
        FAIL() << "duplicate id accepted";
    } catch (const StorageError& e) {
        EXPECT_NE(std::string(e.what()).find("UNIQUE constraint failed"), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(store->max_message_id(), 3);
    EXPECT_EQ(
        ids_of(store->history("home", std::nullopt, 50)), (std::vector<core::MessageId>{1, 2, 3})
    );
    EXPECT_TRUE(store->pending_dms(user_name("bob"), 0, 100).empty());

    // The store is still usable after the failure.
    append_channel_messages(*store, "home", 4, 4);
    EXPECT_EQ(store->max_message_id(), 4);
}

TEST_F(SqliteStoreTest, EmptyAndSpecialTextRoundTrips) {
    auto store = open();
    const std::string with_nul("a\0b", 3);
    const std::vector<MessageWrite> batch{
        channel_write(1, "home", ""),
        channel_write(2, "home", "héllo 🌍 'quoted' \"x\""),
        channel_write(3, "home", with_nul),
    };
    commit_messages(*store, batch);
    const auto history = store->history("home", std::nullopt, 10);
    ASSERT_EQ(history.size(), 3U);
    EXPECT_EQ(history[0].text, "");
    EXPECT_EQ(history[1].text, "héllo 🌍 'quoted' \"x\"");
    EXPECT_EQ(history[2].text, with_nul);
}

TEST_F(SqliteStoreTest, ReopeningKeepsSchemaAndData) {
    {
        SqliteStore store(db_file(), {});
        EXPECT_EQ(store.schema_version(), kSqliteSchemaVersion);
        ASSERT_TRUE(store.create_account({.name = "alice", .password_hash = "h"}));
    }
    SqliteStore store(db_file(), {});
    EXPECT_EQ(store.schema_version(), kSqliteSchemaVersion);
    EXPECT_TRUE(store.find_account(user_name("alice")).has_value());
}

/// Writes PRAGMA user_version straight into the file header (big-endian int at offset 60), as
/// a newer salond would have left it. The store must be closed so the WAL is checkpointed.
void set_user_version_in_header(const fs::path& file, std::uint32_t version) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.is_open());
    f.seekp(60);
    const char bytes[4] = {
        static_cast<char>((version >> 24) & 0xFFU),
        static_cast<char>((version >> 16) & 0xFFU),
        static_cast<char>((version >> 8) & 0xFFU),
        static_cast<char>(version & 0xFFU),
    };
    f.write(bytes, 4);
    ASSERT_TRUE(f.good());
}

TEST_F(SqliteStoreTest, DatabaseFromANewerReleaseIsRefused) {
    { open()->create_account({.name = "alice", .password_hash = "h"}); }
    ASSERT_FALSE(fs::exists(db_file().string() + "-wal")) << "WAL not checkpointed at close";
    set_user_version_in_header(db_file(), kSqliteSchemaVersion + 1);
    try {
        open();
        FAIL() << "a future schema was accepted";
    } catch (const StorageError& e) {
        EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
    }
}

TEST_F(SqliteStoreTest, GarbageFileIsNotADatabase) {
    fs::create_directories(db_file().parent_path());
    {
        std::ofstream f(db_file(), std::ios::binary);
        for (int i = 0; i < 4096; ++i) f.put(static_cast<char>('x' + i % 3));
    }
    try {
        open();
        FAIL() << "garbage accepted";
    } catch (const StorageError& e) {
        EXPECT_NE(std::string(e.what()).find("not a database"), std::string::npos) << e.what();
    }
}

TEST_F(SqliteStoreTest, DamagedPagesSurfaceAsStorageError) {
    {
        auto store = open();
        for (core::MessageId first = 1; first <= 2000; first += 500) {
            append_channel_messages(*store, "home", first, first + 499);
        }
    }
    // Overwrite every page after the first (schema) page with noise.
    const auto size = fs::file_size(db_file());
    ASSERT_GT(size, 8192U);
    {
        std::fstream f(db_file(), std::ios::in | std::ios::out | std::ios::binary);
        std::mt19937 noise(7);
        f.seekp(4096);
        for (auto i = std::uintmax_t{4096}; i < size; ++i) f.put(static_cast<char>(noise()));
    }
    EXPECT_THROW(
        {
            auto store = open();
            store->history("home", std::nullopt, 50);
            store->max_message_id();
        },
        StorageError
    );
}

TEST_F(SqliteStoreTest, UnwritablePathIsRefused) {
    // A regular file where the parent directory should be.
    std::ofstream(dir_.path() / "file") << "x";
    EXPECT_THROW(open_sqlite_store(dir_.path() / "file" / "salon.db"), StorageError);
    // A directory where the database file should be.
    fs::create_directories(dir_.path() / "dir.db");
    EXPECT_THROW(open_sqlite_store(dir_.path() / "dir.db"), StorageError);
}

/// Opens `file` as an unprivileged user in a child process: root ignores file modes, so the
/// child drops to `nobody` first. Exit code 0: StorageError was thrown.
int open_as_unprivileged_child(const fs::path& file) {
    const pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
        try {
            open_sqlite_store(file);
        } catch (const StorageError&) {
            _exit(0);
        } catch (...) {
            _exit(2);
        }
        _exit(1);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

TEST_F(SqliteStoreTest, ReadOnlyFileIsRefusedAtOpen) {
    { open()->create_account({.name = "alice", .password_hash = "h"}); }
    // Readable by everyone, writable by no one; the directory is readable but not writable.
    fs::permissions(
        db_file(), fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read
    );
    const auto dir_perms = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec;
    fs::permissions(dir_.path(), dir_perms);
    fs::permissions(db_file().parent_path(), dir_perms);
    EXPECT_EQ(open_as_unprivileged_child(db_file()), 0);
}

TEST_F(SqliteStoreTest, AcknowledgedWriteSurvivesKillOfTheProcess) {
    const pid_t pid = fork();
    if (pid == 0) {
        try {
            auto store = open();
            const std::vector<MessageWrite> batch{
                channel_write(1, "home", "kept"),
                direct_write(2, "bob", "waiting", {user_name("bob")}),
            };
            commit_messages(*store, batch);
            // Die with the store open: no checkpoint, no close, the commit is only in the WAL.
            std::raise(SIGKILL);
        } catch (...) {
        }
        _exit(1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status));
    ASSERT_EQ(WTERMSIG(status), SIGKILL);

    auto store = open();
    const auto history = store->history("home", std::nullopt, 50);
    ASSERT_EQ(history.size(), 1U);
    EXPECT_EQ(history[0].text, "kept");
    EXPECT_EQ(
        ids_of(store->pending_dms(user_name("bob"), 0, 100)), std::vector<core::MessageId>{2}
    );
}

TEST_F(SqliteStoreTest, TwoStoresOnOneFileSeeEachOthersWrites) {
    // What `salond user add` does while the server runs: a second process opens the same file.
    auto server = open();
    auto admin_tool = open();
    ASSERT_TRUE(admin_tool->create_account({.name = "newbie", .password_hash = "h"}));
    EXPECT_TRUE(server->find_account(user_name("newbie")).has_value());
    append_channel_messages(*server, "home", 1, 2);
    EXPECT_EQ(admin_tool->max_message_id(), 2);
}

TEST_F(SqliteStoreTest, FullSyncModeWorksToo) {
    auto store = open_sqlite_store(db_file(), {.sync = SqliteOptions::Sync::full});
    append_channel_messages(*store, "home", 1, 3);
    EXPECT_EQ(store->history("home", std::nullopt, 50).size(), 3U);
}

TEST_F(SqliteStoreTest, TheCheckpointerKeepsTheWalSmallUnderSteadyWrites) {
    // Automatic checkpoints are off (the writer's commits never copy the WAL back), so without
    // the checkpointer thread this WAL would hold all 1,000 commits: about 12 MB. The pause
    // between commits is steady chat's, and leaves a loaded machine time to run the thread.
    auto store = open_sqlite_store(db_file(), {.checkpoint_pages = 16});
    constexpr core::MessageId kBatches = 1000;
    constexpr core::MessageId kBatchSize = 10;
    for (core::MessageId b = 0; b < kBatches; ++b) {
        append_channel_messages(*store, "home", b * kBatchSize + 1, (b + 1) * kBatchSize);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const fs::path wal = db_file().string() + "-wal";
    ASSERT_TRUE(fs::exists(wal));
    EXPECT_LT(fs::file_size(wal), 6U * 1024 * 1024);
    EXPECT_EQ(store->max_message_id(), kBatches * kBatchSize);
    EXPECT_EQ(store->history("home", std::nullopt, 5).back().id, kBatches * kBatchSize);

    store.reset();
    auto reopened = open();
    EXPECT_EQ(reopened->max_message_id(), kBatches * kBatchSize);
}

TEST_F(SqliteStoreTest, ConcurrentWritersAndReadersSeeNoErrors) {
    // One reader connection fewer than reader threads, so leases are contended too.
    auto store = open_sqlite_store(db_file(), {.reader_connections = 2});
    constexpr int kWriters = 3;
    constexpr int kReaders = 3;
    constexpr int kBatchesPerWriter = 60;
    constexpr int kBatchSize = 5;
    std::atomic<int> writers_done{0};
    std::atomic<int> errors{0};
    std::atomic<long> reads{0};
    std::vector<std::thread> threads;

    for (int w = 0; w < kWriters; ++w) {
        threads.emplace_back([&, w] {
            try {
                const std::string user = "user" + std::to_string(w);
                store->create_account({.name = user, .password_hash = "h"});
                for (int b = 0; b < kBatchesPerWriter; ++b) {
                    std::vector<MessageWrite> batch;
                    for (int i = 0; i < kBatchSize; ++i) {
                        // Writers own disjoint id ranges, as the server's id counter guarantees.
                        const core::MessageId id = 1 + w * 100'000 + b * kBatchSize + i;
                        batch.push_back(channel_write(id, "chan" + std::to_string(w)));
                    }
                    commit_messages(*store, batch);
                    store->set_membership(
                        user_name(user),
                        {.channel = channel_name("c" + std::to_string(b)), .op = false}
                    );
                }
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                ++errors;
            }
            ++writers_done;
        });
    }
    for (int r = 0; r < kReaders; ++r) {
        threads.emplace_back([&, r] {
            try {
                // Readers keep going until every writer is done, and at least a few rounds.
                for (int round = 0; round < 5 || writers_done.load() < kWriters; ++round) {
                    const auto page = store->history("chan" + std::to_string(r), std::nullopt, 20);
                    for (std::size_t i = 1; i < page.size(); ++i) {
                        if (page[i - 1].id >= page[i].id) ++errors;
                    }
                    store->find_account(user_name("user" + std::to_string(r)));
                    store->max_message_id();
                    store->memberships_of(user_name("user" + std::to_string(r)));
                    ++reads;
                }
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                ++errors;
            }
        });
    }
    for (auto& t : threads) t.join();

    EXPECT_EQ(errors.load(), 0);
    EXPECT_GT(reads.load(), 0);
    EXPECT_EQ(store->list_accounts().size(), static_cast<std::size_t>(kWriters));
    for (int w = 0; w < kWriters; ++w) {
        const auto all = store->history("chan" + std::to_string(w), std::nullopt, 100'000);
        EXPECT_EQ(all.size(), static_cast<std::size_t>(kBatchesPerWriter * kBatchSize));
        EXPECT_EQ(
            store->memberships_of(user_name("user" + std::to_string(w))).size(),
            static_cast<std::size_t>(kBatchesPerWriter)
        );
    }
    EXPECT_EQ(
        store->max_message_id(), 1 + (kWriters - 1) * 100'000 + kBatchesPerWriter * kBatchSize - 1
    );
}

/// The StorageError message of `read`, or "" when it throws none.
template <typename Read>
std::string storage_error_of(Read&& read) {
    try {
        read();
    } catch (const StorageError& e) {
        return e.what();
    }
    return "";
}

TEST_F(SqliteStoreTest, StoredNamesThatDoNotParseAreStorageErrors) {
    {
        open()->save_channel({.name = channel_name("home"), .topic = "", .key = "", .created_ms = 1}
        );
    }
    run_sql_behind_the_stores_back(
        db_file(),
        "INSERT INTO channels (name, created_ms) VALUES ('Not Canonical', 1);"
        "INSERT INTO bans (channel, mask) VALUES ('home', 'Mallory!*@*');"
        "INSERT INTO memberships (user_folded, channel, op, joined) VALUES ('bob', '#home', 0, 1);"
    );
    auto store = open();

    const auto channels = storage_error_of([&] { store->load_channels(); });
    EXPECT_NE(channels.find("'Not Canonical' in channels.name"), std::string::npos) << channels;
    // Not folded, although valid: it would never match a folded lookup.
    const auto bans = storage_error_of([&] { store->bans_of(channel_name("home")); });
    EXPECT_NE(bans.find("'Mallory!*@*' in bans.mask"), std::string::npos) << bans;
    // Parses, to another name: it would never match the channel it claims to be.
    const auto memberships = storage_error_of([&] { store->memberships_of(user_name("bob")); });
    EXPECT_NE(memberships.find("'#home' in memberships.channel"), std::string::npos) << memberships;

    // What was not damaged is still read.
    EXPECT_TRUE(store->memberships_of(user_name("carol")).empty());
    EXPECT_TRUE(store->bans_of(channel_name("dev")).empty());
}

}  // namespace
}  // namespace salon::store
