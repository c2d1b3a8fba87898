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

}  // namespace
}  // namespace salon::core
