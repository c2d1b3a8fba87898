// Session tokens in the SQLite store: creation under the per-account cap, use with expiry and
// renewal, listing, revocation, password changes, and account deletion.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store_test_support.hpp"

namespace salon::store {
namespace {

using namespace test_support;

using SqliteTokensTest = StoreTest;

constexpr core::UnixMillis kDay = 24LL * 60 * 60 * 1000;
constexpr core::UnixMillis kT0 = 1'800'000'000'000;

/// A token record as the server fills it; `hash` stands for a SHA-256 (any bytes will do).
SessionToken token_for(std::string_view user, std::string hash, core::UnixMillis created) {
    SessionToken token;
    token.user = user_name(user).folded();
    token.hash = std::move(hash);
    token.label = "label of " + token.hash;
    token.created_ms = created;
    token.expires_ms = created + 30 * kDay;
    return token;
}

/// The id of a token made for an account that exists.
std::int64_t create(Store& store, const SessionToken& token, std::size_t cap) {
    auto created = store.create_token(token, cap);
    if (!created) throw std::runtime_error("create_token found no account");
    return created->id;
}

/// 32 bytes, NULs and high bytes included: the hash is stored as bytes, not text.
std::string hash_bytes(char seed) {
    std::string hash(32, '\0');
    for (std::size_t i = 0; i < hash.size(); ++i)
        hash[i] = static_cast<char>(static_cast<std::size_t>(seed) + i * 37);
    hash[3] = '\0';
    return hash;
}

TEST_F(SqliteTokensTest, ATokenIsUsedByItsHashForItsAccountOnlyAndRenewed) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "Ann", .password_hash = "h"}));
    ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "h"}));
    const auto id = store->create_token(token_for("ann", hash_bytes('a'), kT0), 50);
    ASSERT_TRUE(id.has_value());
    EXPECT_GT(id->id, 0);
    EXPECT_TRUE(id->revoked.empty());

    EXPECT_FALSE(store->use_token(user_name("bob"), hash_bytes('a'), kT0 + 1, kT0 + kDay));
    EXPECT_FALSE(store->use_token(user_name("ann"), hash_bytes('b'), kT0 + 1, kT0 + kDay));
    const auto used = store->use_token(user_name("ANN"), hash_bytes('a'), kT0 + 5, kT0 + 99 * kDay);
    ASSERT_TRUE(used.has_value());
    EXPECT_EQ(used->id, id->id);
    EXPECT_EQ(used->hash, hash_bytes('a'));
    EXPECT_EQ(used->last_used_ms, kT0 + 5);
    EXPECT_EQ(used->expires_ms, kT0 + 99 * kDay);

    const auto listed = store->tokens_of(user_name("ann"), kT0 + 6);
    ASSERT_EQ(listed.size(), 1U);
    EXPECT_EQ(listed[0].label, "label of " + hash_bytes('a'));
    EXPECT_EQ(listed[0].created_ms, kT0);
    EXPECT_EQ(listed[0].last_used_ms, kT0 + 5);
    EXPECT_EQ(listed[0].expires_ms, kT0 + 99 * kDay);
    EXPECT_TRUE(store->tokens_of(user_name("bob"), kT0).empty());
}

TEST_F(SqliteTokensTest, AnExpiredTokenIsNeitherUsedNorListedAndRenewalMovesTheExpiry) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "ann", .password_hash = "h"}));
    auto token = token_for("ann", hash_bytes('a'), kT0);
    token.expires_ms = kT0 + 1000;
    ASSERT_TRUE(store->create_token(token, 50));
    // Used just before it expires: renewed for another 1000 ms from then.
    ASSERT_TRUE(store->use_token(user_name("ann"), hash_bytes('a'), kT0 + 999, kT0 + 1999));
    EXPECT_EQ(store->tokens_of(user_name("ann"), kT0 + 1500).size(), 1U);
    ASSERT_TRUE(store->use_token(user_name("ann"), hash_bytes('a'), kT0 + 1500, kT0 + 2500));
    // Past it: gone for use and for the list.
    EXPECT_FALSE(store->use_token(user_name("ann"), hash_bytes('a'), kT0 + 2500, kT0 + 9999));
    EXPECT_TRUE(store->tokens_of(user_name("ann"), kT0 + 2500).empty());
}

TEST_F(SqliteTokensTest, TheCapRevokesTheLeastRecentlyUsedAndTheListIsMostRecentFirst) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "ann", .password_hash = "h"}));
    std::vector<std::int64_t> ids;
    for (char i = 0; i < 3; ++i) {
        ids.push_back(
            create(*store, token_for("ann", hash_bytes(static_cast<char>('a' + i)), kT0 + i), 3)
        );
    }
    // The oldest is used: it becomes the most recent; the second is now the least recent.
    ASSERT_TRUE(store->use_token(user_name("ann"), hash_bytes('a'), kT0 + 10, kT0 + 30 * kDay));
    const auto made = store->create_token(token_for("ann", hash_bytes('d'), kT0 + 20), 3);
    ASSERT_TRUE(made.has_value());
    EXPECT_EQ(made->revoked, (std::vector<std::int64_t>{ids[1]}));
    const auto fourth = made->id;
    std::vector<std::int64_t> listed;
    for (const auto& t : store->tokens_of(user_name("ann"), kT0 + 21)) listed.push_back(t.id);
    EXPECT_EQ(listed, (std::vector<std::int64_t>{fourth, ids[0], ids[2]}));
    EXPECT_FALSE(store->use_token(user_name("ann"), hash_bytes('b'), kT0 + 22, kT0 + kDay));
    // Ids are never handed out again.
    EXPECT_GT(fourth, ids[2]);
}

TEST_F(SqliteTokensTest, AUseInTheMillisecondOfACreationCountsAsLater) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "ann", .password_hash = "h"}));
    const auto used = create(*store, token_for("ann", hash_bytes('a'), kT0), 2);
    const auto fresh = create(*store, token_for("ann", hash_bytes('b'), kT0), 2);
    ASSERT_TRUE(store->use_token(user_name("ann"), hash_bytes('a'), kT0, kT0 + kDay));
    const auto listed = store->tokens_of(user_name("ann"), kT0);
    ASSERT_EQ(listed.size(), 2U);
    EXPECT_EQ(listed[0].id, used);
    EXPECT_EQ(listed[1].id, fresh);
    // ...so the cap takes the one never used.
    const auto made = store->create_token(token_for("ann", hash_bytes('c'), kT0), 2);
    ASSERT_TRUE(made.has_value());
    EXPECT_EQ(made->revoked, (std::vector<std::int64_t>{fresh}));
}

TEST_F(SqliteTokensTest, TheCapHoldsUnderConcurrentCreations) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "ann", .password_hash = "h"}));
    std::vector<std::thread> threads;
    std::atomic<int> made{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                const std::string hash = "hash-" + std::to_string(t) + "-" + std::to_string(i);
                if (store->create_token(token_for("ann", hash, kT0 + i), 10)) ++made;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(made.load(), 100);
    EXPECT_EQ(store->tokens_of(user_name("ann"), kT0).size(), 10U);
}

TEST_F(SqliteTokensTest, RevokeTakesOnlyTheAccountsOwnToken) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "ann", .password_hash = "h"}));
    ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "h"}));
    const auto id = create(*store, token_for("ann", hash_bytes('a'), kT0), 50);
    EXPECT_FALSE(store->revoke_token(user_name("bob"), id));
    EXPECT_FALSE(store->revoke_token(user_name("ann"), id + 1));
    EXPECT_TRUE(store->revoke_token(user_name("ann"), id));
    EXPECT_FALSE(store->revoke_token(user_name("ann"), id));
    EXPECT_FALSE(store->use_token(user_name("ann"), hash_bytes('a'), kT0 + 1, kT0 + kDay));
}

TEST_F(SqliteTokensTest, ChangePasswordRevokesEveryTokenButTheOneKept) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "ann", .password_hash = "old"}));
    ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "h"}));
    const auto a = create(*store, token_for("ann", hash_bytes('a'), kT0), 50);
    const auto b = create(*store, token_for("ann", hash_bytes('b'), kT0), 50);
    const auto c = create(*store, token_for("ann", hash_bytes('c'), kT0), 50);
    ASSERT_TRUE(store->create_token(token_for("bob", hash_bytes('x'), kT0), 50));

    const auto revoked = store->change_password(user_name("ann"), "new", b);
    ASSERT_TRUE(revoked.has_value());
    EXPECT_EQ(*revoked, (std::vector<std::int64_t>{a, c}));
    EXPECT_EQ(store->find_account(user_name("ann"))->password_hash, "new");
    const auto left = store->tokens_of(user_name("ann"), kT0);
    ASSERT_EQ(left.size(), 1U);
    EXPECT_EQ(left[0].id, b);
    EXPECT_EQ(store->tokens_of(user_name("bob"), kT0).size(), 1U);

    // Without a token to keep: all go.
    EXPECT_EQ(
        *store->change_password(user_name("ann"), "newer", std::nullopt),
        (std::vector<std::int64_t>{b})
    );
    EXPECT_TRUE(store->tokens_of(user_name("ann"), kT0).empty());
    EXPECT_FALSE(store->change_password(user_name("nobody"), "x", std::nullopt).has_value());
}

TEST_F(SqliteTokensTest, DeletingTheAccountDeletesItsTokensAndNoAccountGetsNone) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "ann", .password_hash = "h"}));
    EXPECT_FALSE(store->create_token(token_for("nobody", hash_bytes('n'), kT0), 50));
    ASSERT_TRUE(store->create_token(token_for("ann", hash_bytes('a'), kT0), 50));
    ASSERT_TRUE(store->delete_account(user_name("ann"), {}));
    ASSERT_TRUE(store->create_account({.name = "ann", .password_hash = "h"}));
    EXPECT_TRUE(store->tokens_of(user_name("ann"), kT0).empty());
    EXPECT_FALSE(store->use_token(user_name("ann"), hash_bytes('a'), kT0 + 1, kT0 + kDay));
}

TEST_F(SqliteTokensTest, TokensSurviveReopen) {
    {
        auto store = open();
        ASSERT_TRUE(store->create_account({.name = "ann", .password_hash = "h"}));
        ASSERT_TRUE(store->create_token(token_for("ann", hash_bytes('a'), kT0), 50));
    }
    auto store = open();
    EXPECT_TRUE(store->use_token(user_name("ann"), hash_bytes('a'), kT0 + 1, kT0 + kDay));
}

}  // namespace
}  // namespace salon::store
