// Accounts in the SQLite store: locks, last logins, and what a deletion keeps and removes.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store_test_support.hpp"

namespace salon::store {
namespace {

using namespace test_support;

using SqliteAccountsTest = StoreTest;

TEST_F(SqliteAccountsTest, LockAndUnlockAreStoredAndListed) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "Ann", .password_hash = "h"}));
    ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "h"}));
    EXPECT_FALSE(store->find_account(user_name("ann"))->locked);
    EXPECT_TRUE(store->locked_accounts().empty());

    EXPECT_TRUE(store->set_locked(user_name("ANN"), true));
    EXPECT_TRUE(store->find_account(user_name("ann"))->locked);
    EXPECT_EQ(store->locked_accounts(), std::vector<std::string>{"ann"});
    EXPECT_TRUE(store->list_accounts().front().locked);
    EXPECT_FALSE(store->list_accounts().back().locked);

    EXPECT_TRUE(store->set_locked(user_name("ann"), false));
    EXPECT_FALSE(store->find_account(user_name("ann"))->locked);
    EXPECT_FALSE(store->set_locked(user_name("nobody"), true));
}

TEST_F(SqliteAccountsTest, ServerBansAreAddedOnceUpToTheCapListedInOrderAndRemoved) {
    const auto target = [](std::string_view text) { return *core::ServerBanTarget::parse(text); };
    {
        auto store = open();
        EXPECT_TRUE(store->server_bans().empty());
        EXPECT_EQ(store->add_server_ban({target("spam*"), "spam runs", 2000}, 2), BanAdded::added);
        EXPECT_EQ(store->add_server_ban({target("10.1.2.3/8"), "", 1000}, 2), BanAdded::added);
        EXPECT_EQ(store->add_server_ban({target("SPAM*!*@*"), "again", 3000}, 5), BanAdded::exists);
        EXPECT_EQ(store->add_server_ban({target("bob"), "", 3000}, 2), BanAdded::full);
    }
    auto store = open();  // kept across a reopen, oldest first, canonical
    const auto bans = store->server_bans();
    ASSERT_EQ(bans.size(), 2u);
    EXPECT_EQ(bans[0].target.str(), "10.0.0.0/8");
    EXPECT_EQ(bans[0].created_ms, 1000);
    EXPECT_EQ(bans[1].target.str(), "spam*!*@*");
    EXPECT_EQ(bans[1].reason, "spam runs");

    EXPECT_TRUE(store->remove_server_ban(target("10.9.9.9/8")));
    EXPECT_FALSE(store->remove_server_ban(target("10.0.0.0/8")));
    EXPECT_EQ(store->server_bans().size(), 1u);
    EXPECT_EQ(store->add_server_ban({target("bob"), "", 3000}, 2), BanAdded::added);
}

TEST_F(SqliteAccountsTest, LastLoginIsRecordedAndNeverGoesBack) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "ann", .password_hash = "h"}));
    EXPECT_FALSE(store->find_account(user_name("ann"))->last_login_ms.has_value());
    store->record_login(user_name("Ann"), 5000);
    EXPECT_EQ(store->find_account(user_name("ann"))->last_login_ms, 5000);
    store->record_login(user_name("ann"), 4000);  // a slower worker finishing late
    EXPECT_EQ(store->list_accounts().front().last_login_ms, 5000);
    store->record_login(user_name("nobody"), 6000);  // gone meanwhile: nothing happens
    EXPECT_EQ(store->list_accounts().size(), 1U);
}

TEST_F(SqliteAccountsTest, DeletionKeepsChannelMessagesUnderTheDeletedAuthorWithNewRevs) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "Bob", .password_hash = "h"}));
    ASSERT_TRUE(store->create_account({.name = "carol", .password_hash = "h"}));
    const std::vector<MessageWrite> writes{
        channel_write(1, "home", "hello from bob", "Bob"),
        channel_write(2, "home", "hello from carol", "carol"),
        direct_write(3, "carol", "secret from bob", {}, "Bob"),
        direct_write(4, "Bob", "secret to bob", {user_name("bob")}, "carol"),
        channel_write(5, "home", "again from bob", "Bob"),
    };
    commit_messages(*store, writes);
    ASSERT_TRUE(store->advance_read_marker(key_of("carol"), "bob carol", 4));

    std::vector<std::size_t> asked;
    core::MessageId next = 100;
    auto reserve = [&](std::size_t count) {
        asked.push_back(count);
        const core::MessageId first = next;
        next += static_cast<core::MessageId>(count);
        return first;
    };
    ASSERT_TRUE(store->delete_account(user_name("bob"), reserve));
    EXPECT_EQ(asked, std::vector<std::size_t>{2});
    EXPECT_FALSE(store->find_account(user_name("bob")).has_value());

    // The channel keeps both of bob's messages, by nobody anyone can log in as, with new revs.
    const auto home = store->history("home", std::nullopt, 10);
    ASSERT_EQ(ids_of(home), (std::vector<core::MessageId>{1, 2, 5}));
    EXPECT_EQ(home[0].from, kDeletedAuthor);
    EXPECT_EQ(home[0].text, "hello from bob");
    EXPECT_EQ(home[0].rev, 100);
    EXPECT_EQ(home[1].from, "carol");
    EXPECT_EQ(home[2].from, kDeletedAuthor);
    EXPECT_EQ(home[2].rev, 101);
    EXPECT_EQ(ids_of(store->changed_after("home", 5, 10)), (std::vector<core::MessageId>{1, 5}));
    EXPECT_TRUE(store->find_message(1)->from_key.empty());
    EXPECT_GE(store->max_message_id(), 101);

    // The direct conversation is gone for both, with carol's marker and partner entry.
    EXPECT_FALSE(store->find_message(3).has_value());
    EXPECT_FALSE(store->find_message(4).has_value());
    EXPECT_TRUE(store->direct_partners(key_of("carol")).empty());
    EXPECT_EQ(store->read_marker(key_of("carol"), "bob carol"), 0);

    // The name is free again, and its new owner inherits nothing.
    ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "h"}));
    EXPECT_TRUE(store->direct_partners(key_of("bob")).empty());
    EXPECT_TRUE(store->pending_dms(user_name("bob"), 0, 10).empty());
}

/// `write` as the server makes it when `guest_name` is one of its parties, logged in as a guest
/// under `guest_key`.
MessageWrite by_guest(
    MessageWrite write, std::string_view guest_name, const std::string& guest_key
) {
    if (write.message.from == guest_name) write.from_key = guest_key;
    if (write.message.to == guest_name) write.to_key = guest_key;
    if (write.message.is_direct())
        write.conversation = core::direct_conversation(write.from_key, write.to_key);
    if (write.message.text.find("@" + std::string(guest_name)) != std::string::npos) {
        write.message.mentions = {std::string(guest_name)};
        write.mention_keys = {guest_key};
    }
    return write;
}

TEST_F(SqliteAccountsTest, AGuestClaimingAnAccountTakesItsDirectMessagesMarkersAndAuthorship) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "h"}));
    const std::string guest = "guest7#42";
    const std::string other_guest = "guest7#41";  // an earlier login of the same name
    const std::string with_bob = core::direct_conversation(guest, "bob");
    commit_messages(
        *store,
        {by_guest(channel_write(1, "home", "by the guest", "Guest7"), "Guest7", guest),
         by_guest(direct_write(2, "bob", "hi bob", {}, "Guest7"), "Guest7", guest),
         by_guest(direct_write(3, "Guest7", "hi @Guest7", {}, "bob"), "Guest7", guest),
         by_guest(channel_write(4, "home", "by the earlier one", "Guest7"), "Guest7", other_guest),
         channel_write(5, "home", "by bob", "bob")}
    );
    MessageChange react = change_by(MessageChange::Kind::react, 5, 6, "Guest7");
    react.actor_key = guest;
    react.emoji = "👍";
    ASSERT_EQ(store->commit(std::vector<Write>{react}).size(), 1U);
    ASSERT_TRUE(store->advance_read_marker(guest, with_bob, 2));
    ASSERT_TRUE(store->advance_read_marker(guest, "home", 5));
    ASSERT_TRUE(store->advance_read_marker(key_of("bob"), with_bob, 3));
    const std::array<std::string, 1> conversation{with_bob};
    const auto before = store->conversation_stats(guest, conversation, 100).front();
    ASSERT_EQ(before.unread, 1U);
    ASSERT_EQ(before.mentions, 1U);

    core::MessageId next = 100;
    auto reserve = [&](std::size_t count) {
        const core::MessageId first = next;
        next += static_cast<core::MessageId>(count);
        return first;
    };
    EXPECT_FALSE(store->claim_guest({.name = "BOB", .password_hash = "h"}, guest, reserve));
    const auto reauthored =
        store->claim_guest({.name = "Ann", .password_hash = "h"}, guest, reserve);
    ASSERT_TRUE(reauthored.has_value());
    ASSERT_EQ(reauthored->size(), 1U);
    EXPECT_EQ(reauthored->front().id, 1);
    EXPECT_TRUE(store->find_account(user_name("ann")).has_value());

    // The conversation is ann's and bob's now, whole, with both markers and ann's mention.
    const std::string with_ann = core::direct_conversation("ann", "bob");
    const auto dms = store->history(with_ann, std::nullopt, 10);
    ASSERT_EQ(ids_of(dms), (std::vector<core::MessageId>{2, 3}));
    EXPECT_EQ(dms[0].from, "Ann");
    EXPECT_EQ(dms[1].to, "Ann");
    EXPECT_GE(dms[0].rev, 100);
    EXPECT_TRUE(store->history(with_bob, std::nullopt, 10).empty());
    EXPECT_EQ(store->direct_partner_named(key_of("bob"), user_name("ann"))->conversation, with_ann);
    EXPECT_EQ(store->direct_partner_named(key_of("ann"), user_name("bob"))->conversation, with_ann);
    EXPECT_FALSE(store->direct_partner_named(key_of("bob"), user_name("Guest7")).has_value());
    const std::array<std::string, 1> moved{with_ann};
    const auto after = store->conversation_stats(key_of("ann"), moved, 100).front();
    EXPECT_EQ(after.read, 2);
    EXPECT_EQ(after.unread, 1U);
    EXPECT_EQ(after.mentions, 1U);
    EXPECT_EQ(store->read_marker(key_of("bob"), with_ann), 3);
    EXPECT_EQ(store->read_marker(key_of("ann"), "home"), 5);
    EXPECT_EQ(store->read_marker(guest, "home"), 0);

    // Authorship: the guest's channel message and reaction, not the earlier login's message.
    const auto home = store->history("home", std::nullopt, 10);
    EXPECT_EQ(home[0].from, "Ann");
    EXPECT_EQ(home[0].rev, reauthored->front().rev);
    EXPECT_EQ(store->find_message(1)->from_key, "ann");
    EXPECT_EQ(store->find_message(4)->from_key, other_guest);
    EXPECT_EQ(home[2].reactions.front().users, std::vector<std::string>{"Ann"});
    EXPECT_GE(home[2].rev, 100);
    EXPECT_EQ(ids_of(store->changed_after("home", 6, 10)), (std::vector<core::MessageId>{1, 5}));
    EXPECT_GE(store->max_message_id(), next - 1);

    // Undone (the login could not become ann after all): everything is the guest's again.
    ASSERT_TRUE(store->unclaim_guest(user_name("ann"), guest, "Guest7", reserve));
    EXPECT_FALSE(store->find_account(user_name("ann")).has_value());
    EXPECT_EQ(
        ids_of(store->history(with_bob, std::nullopt, 10)), (std::vector<core::MessageId>{2, 3})
    );
    EXPECT_EQ(store->find_message(1)->from_key, guest);
    EXPECT_EQ(store->find_message(2)->message.from, "Guest7");
    EXPECT_EQ(store->read_marker(guest, with_bob), 2);
    EXPECT_EQ(store->read_marker(key_of("bob"), with_bob), 3);
    EXPECT_EQ(store->direct_partner_named(key_of("bob"), user_name("Guest7"))->key, guest);
}

TEST_F(SqliteAccountsTest, DeletionRemovesTheUsersReactionsWithANewRevForEachMessage) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "h"}));
    commit_messages(*store, {channel_write(1, "home", "react to me", "carol")});
    MessageChange react = change_by(MessageChange::Kind::react, 1, 2, "bob");
    react.emoji = "👍";
    MessageChange other = change_by(MessageChange::Kind::react, 1, 3, "carol");
    other.emoji = "🎉";
    const std::vector<Write> batch{react, other};
    ASSERT_EQ(store->commit(batch).size(), 2U);
    ASSERT_EQ(store->find_message(1)->message.reactions.size(), 2U);

    core::MessageId next = 10;
    auto reserve = [&](std::size_t count) {
        const core::MessageId first = next;
        next += static_cast<core::MessageId>(count);
        return first;
    };
    ASSERT_TRUE(store->delete_account(user_name("bob"), reserve));
    const auto message = store->find_message(1)->message;
    ASSERT_EQ(message.reactions.size(), 1U);
    EXPECT_EQ(message.reactions.front().emoji, "🎉");
    EXPECT_EQ(message.rev, 10);
    EXPECT_EQ(message.from, "carol");  // not bob's: the author stays
    EXPECT_EQ(ids_of(store->changed_after("home", 3, 10)), std::vector<core::MessageId>{1});
}

TEST_F(SqliteAccountsTest, DeletedDirectMessagesLeaveTheSearchIndex) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "h"}));
    ASSERT_TRUE(store->create_account({.name = "carol", .password_hash = "h"}));
    commit_messages(
        *store,
        {channel_write(1, "home", "findable words", "bob"),
         direct_write(2, "carol", "findable secret", {}, "bob")}
    );
    wait_for_search_index(*store);
    ASSERT_TRUE(store->delete_account(user_name("bob"), {}));
    wait_for_search_index(*store);
    SearchQuery query;
    query.text = "findable";
    query.conversations = {"home", "bob carol"};
    const auto page = store->search(query);
    ASSERT_EQ(ids_of(page.messages), std::vector<core::MessageId>{1});
    EXPECT_EQ(page.messages.front().from, kDeletedAuthor);
}

TEST_F(SqliteAccountsTest, DeletingTheAuthorOfManyMessagesWorksInBoundedSteps) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "h"}));
    constexpr core::MessageId kMessages = 50'000;
    std::vector<MessageWrite> batch;
    for (core::MessageId id = 1; id <= kMessages; ++id) {
        batch.push_back(channel_write(id, "home", "m", id % 2 == 0 ? "bob" : "alice"));
        if (batch.size() == 5000) {
            commit_messages(*store, batch);
            batch.clear();
        }
    }
    std::size_t calls = 0;
    std::size_t renamed = 0;
    core::MessageId next = kMessages + 1;
    auto reserve = [&](std::size_t count) {
        ++calls;
        renamed += count;
        const core::MessageId first = next;
        next += static_cast<core::MessageId>(count);
        return first;
    };
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(store->delete_account(user_name("bob"), reserve));
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(renamed, kMessages / 2);
    EXPECT_GT(calls, 1U);  // more than one transaction: the writer was let go in between
    std::cout << "renamed " << renamed << " messages in " << calls << " steps, "
              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
    EXPECT_EQ(store->history("home", std::nullopt, 1).front().from, kDeletedAuthor);
}

}  // namespace
}  // namespace salon::store
