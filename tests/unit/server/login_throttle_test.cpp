// LoginThrottle: password checks are paid for before they run, so parallel attempts from one
// address stay within its budget, and a right password is refunded.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "server/chat_server.hpp"

namespace salon::server {
namespace {

// Three attempts, then one more every 20 s: nothing refills while a test runs.
constexpr double kPerMinute = 3.0;

TEST(LoginThrottleTest, ReservesUpToTheBudgetPerAddress) {
    const core::SystemClock clock;
    LoginThrottle throttle(clock, kPerMinute);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(throttle.try_reserve("10.0.0.1")) << i;
    EXPECT_FALSE(throttle.try_reserve("10.0.0.1"));
    EXPECT_FALSE(throttle.try_reserve("10.0.0.1"));  // a refusal takes nothing, and gives nothing
    EXPECT_TRUE(throttle.try_reserve("10.0.0.2"));   // another address has its own budget
}

TEST(LoginThrottleTest, AGivenBackAttemptCanBeReservedAgainButNeverBeyondTheBudget) {
    const core::SystemClock clock;
    LoginThrottle throttle(clock, kPerMinute);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(throttle.try_reserve("10.0.0.1"));
    throttle.give_back("10.0.0.1");
    EXPECT_TRUE(throttle.try_reserve("10.0.0.1"));
    EXPECT_FALSE(throttle.try_reserve("10.0.0.1"));

    // Giving back more than was taken does not raise the budget.
    for (int i = 0; i < 10; ++i) throttle.give_back("10.0.0.3");
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(throttle.try_reserve("10.0.0.3")) << i;
    EXPECT_FALSE(throttle.try_reserve("10.0.0.3"));
}

TEST(LoginThrottleTest, ParallelAttemptsGetExactlyTheBudget) {
    const core::SystemClock clock;
    LoginThrottle throttle(clock, kPerMinute);
    std::atomic<int> granted = 0;
    std::vector<std::jthread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 100; ++i) {
                if (throttle.try_reserve("10.0.0.1")) ++granted;
            }
        });
    }
    threads.clear();  // joins
    EXPECT_EQ(granted, 3);
}

}  // namespace
}  // namespace salon::server
