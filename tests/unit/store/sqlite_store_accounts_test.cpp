// Accounts in the SQLite store: locks, last logins, and what a deletion keeps and removes.
#include <gtest/gtest.h>

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
