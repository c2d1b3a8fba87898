#include "core/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace salon::core {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucketTest, AllowsTheBurstThenRefusesUntilTimeRefills) {
    const SteadyTime t0{};
    TokenBucket bucket(2.0, 3.0, t0);
    EXPECT_TRUE(bucket.try_take(t0));
    EXPECT_TRUE(bucket.try_take(t0));
    EXPECT_TRUE(bucket.try_take(t0));
    EXPECT_FALSE(bucket.try_take(t0));
    EXPECT_FALSE(bucket.try_take(t0 + 400ms));  // 0.8 tokens
    EXPECT_TRUE(bucket.try_take(t0 + 500ms));   // 1.0 token
}

TEST(TokenBucketTest, NeverHoldsMoreThanTheBurst) {
    const SteadyTime t0{};
    TokenBucket bucket(100.0, 2.0, t0);
    EXPECT_DOUBLE_EQ(bucket.available(t0 + 10s), 2.0);
}

TEST(KeyedTokenBucketsTest, EachKeyHasItsOwnBucket) {
    const SteadyTime t0{};
    KeyedTokenBuckets buckets(1.0, 2.0, 10);
    EXPECT_DOUBLE_EQ(buckets.available("a", t0), 2.0);  // unseen: full
    EXPECT_TRUE(buckets.try_take("a", t0));
    EXPECT_TRUE(buckets.try_take("a", t0));
    EXPECT_FALSE(buckets.try_take("a", t0));
    EXPECT_TRUE(buckets.try_take("b", t0));
    EXPECT_DOUBLE_EQ(buckets.available("a", t0), 0.0);
    EXPECT_TRUE(buckets.try_take("a", t0 + 1s));
}

TEST(KeyedTokenBucketsTest, AFloodOfKeysNeverGrowsTheMapPastItsBound) {
    const SteadyTime t0{};
    KeyedTokenBuckets buckets(1.0, 1.0, 100);
    for (int i = 0; i < 10'000; ++i) {
        EXPECT_TRUE(buckets.try_take("key" + std::to_string(i), t0));
        ASSERT_LE(buckets.tracked(), 100U);
    }
}

TEST(KeyedTokenBucketsTest, RefilledBucketsAreForgottenBeforeEmptyOnes) {
    const SteadyTime t0{};
    KeyedTokenBuckets buckets(1.0, 1.0, 10);
    for (int i = 0; i < 9; ++i) buckets.try_take("old" + std::to_string(i), t0);
    buckets.try_take("recent", t0 + 5s);  // the old ones have refilled by then
    buckets.try_take("new", t0 + 5s);     // full: the refilled ones make room
    EXPECT_EQ(buckets.tracked(), 2U);
    EXPECT_DOUBLE_EQ(buckets.available("recent", t0 + 5s), 0.0);
}

TEST(KeyedTokenBucketsTest, ARetuneKeepsWhatWasUsedAndRefillsAtTheNewRate) {
    const SteadyTime t0{};
    KeyedTokenBuckets buckets(1.0, 4.0, 10);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(buckets.try_take("a", t0));  // 1 left
    buckets.retune(0.5, 2.0, t0);
    EXPECT_DOUBLE_EQ(buckets.available("a", t0), 1.0);
    EXPECT_DOUBLE_EQ(buckets.available("a", t0 + 1s), 1.5);   // half a token a second now
    EXPECT_DOUBLE_EQ(buckets.available("a", t0 + 10s), 2.0);  // up to the new burst
    EXPECT_DOUBLE_EQ(buckets.available("unseen", t0), 2.0);
    buckets.retune(1.0, 10.0, t0 + 10s);  // a larger burst fills over time, not at once
    EXPECT_DOUBLE_EQ(buckets.available("a", t0 + 10s), 2.0);
    EXPECT_DOUBLE_EQ(buckets.available("a", t0 + 13s), 5.0);
}

}  // namespace
}  // namespace salon::core
