// LoginThrottle: password checks are paid for before they run, so parallel attempts stay within
// the budgets of the account named from an address and of the address, and a right password is
// refunded.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "server/chat_server.hpp"

namespace salon::server {
namespace {

using Refusal = LoginThrottle::Refusal;

// Three attempts per account and address, eight per address, then one more every 20 s (and
// 7.5 s): nothing refills while a test runs.
constexpr double kPerAccount = 3.0;
constexpr double kPerAddress = 8.0;

core::UserName user(const std::string& name) {
    return *core::UserName::parse(name);
}

/// `user0`, `user1`, …: the names a spray tries.
core::UserName numbered(int i) {
    return user("user" + std::to_string(i));
}

/// Spends the whole budget of `account` from `address`.
void spend(LoginThrottle& throttle, const core::UserName& account, const std::string& address) {
    for (int i = 0; i < 3; ++i) ASSERT_EQ(throttle.try_reserve(account, address), std::nullopt);
}

TEST(LoginThrottleTest, ReservesUpToTheBudgetPerAccountAndAddress) {
    const core::SystemClock clock;
    LoginThrottle throttle(clock, kPerAccount, kPerAddress);
    spend(throttle, user("ann"), "10.0.0.1");
    EXPECT_EQ(throttle.try_reserve(user("ann"), "10.0.0.1"), Refusal::account);
    EXPECT_EQ(throttle.try_reserve(user("ANN"), "10.0.0.1"), Refusal::account);  // one account
    // Another account behind the same address, and the same account from another address,
    // have budgets of their own.
    EXPECT_EQ(throttle.try_reserve(user("bob"), "10.0.0.1"), std::nullopt);
    EXPECT_EQ(throttle.try_reserve(user("ann"), "10.0.0.2"), std::nullopt);
}

TEST(LoginThrottleTest, TheAddressCeilingStopsASprayOverManyAccounts) {
    const core::SystemClock clock;
    LoginThrottle throttle(clock, kPerAccount, kPerAddress);
    int granted = 0;
    for (int i = 0; i < 20; ++i) {
        const auto refusal = throttle.try_reserve(numbered(i), "10.0.0.1");
        if (!refusal) {
            ++granted;
        } else {
            EXPECT_EQ(*refusal, Refusal::address);
        }
    }
    EXPECT_EQ(granted, 8);
    EXPECT_EQ(throttle.try_reserve(user("ann"), "10.0.0.2"), std::nullopt);
}

TEST(LoginThrottleTest, ARefusalTakesNothingFromTheOtherBudget) {
    const core::SystemClock clock;
    LoginThrottle throttle(clock, kPerAccount, kPerAddress);
    // ann's budget used up: her further attempts do not eat into the address's.
    spend(throttle, user("ann"), "10.0.0.1");
    for (int i = 0; i < 10; ++i) throttle.try_reserve(user("ann"), "10.0.0.1");
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(throttle.try_reserve(numbered(i), "10.0.0.1"), std::nullopt) << i;
    }
    EXPECT_EQ(throttle.try_reserve(user("bob"), "10.0.0.1"), Refusal::address);
}

TEST(LoginThrottleTest, AGivenBackAttemptCanBeReservedAgainButNeverBeyondTheBudget) {
    const core::SystemClock clock;
    LoginThrottle throttle(clock, kPerAccount, kPerAddress);
    spend(throttle, user("ann"), "10.0.0.1");
    throttle.give_back(user("ann"), "10.0.0.1");
    EXPECT_EQ(throttle.try_reserve(user("ann"), "10.0.0.1"), std::nullopt);
    EXPECT_EQ(throttle.try_reserve(user("ann"), "10.0.0.1"), Refusal::account);

    // Giving back more than was taken does not raise the budget.
    for (int i = 0; i < 10; ++i) throttle.give_back(user("ann"), "10.0.0.3");
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(throttle.try_reserve(user("ann"), "10.0.0.3"), std::nullopt) << i;
    EXPECT_EQ(throttle.try_reserve(user("ann"), "10.0.0.3"), Refusal::account);
}

TEST(LoginThrottleTest, ParallelAttemptsGetExactlyTheBudget) {
    const core::SystemClock clock;
    LoginThrottle throttle(clock, kPerAccount, kPerAddress);
    std::atomic<int> granted = 0;
    std::vector<std::jthread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            // Two threads per account: four accounts of three attempts, eight for the address.
            const auto name = numbered(t / 2);
            for (int i = 0; i < 100; ++i) {
                if (!throttle.try_reserve(name, "10.0.0.1")) ++granted;
            }
        });
    }
    threads.clear();  // joins
    EXPECT_EQ(granted, 8);
}

}  // namespace
}  // namespace salon::server
