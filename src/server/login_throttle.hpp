// Failed logins per account and address, and per address, so that guessing passwords costs time.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/names.hpp"
#include "core/rate_limiter.hpp"

namespace salon::server {

/// Thread-safe. Every password check is paid for before it runs (`rate_limited` once a budget
/// is used up) and refunded when the password was right: checks in parallel cannot exceed the
/// budget, and a user who types their password correctly is not charged.
///
/// Two budgets pay for each check: one of the account named from that address, so that many
/// users behind one address (a school's NAT) do not lock each other out, and a larger one of
/// the address, so that a spray over many account names stays bounded.
class LoginThrottle {
public:
    /// Which budget is used up.
    enum class Refusal { account, address };

    LoginThrottle(
        const core::Clock& clock, double failures_per_account_minute, double failures_per_minute
    );

    /// Takes one attempt from both budgets, in one step; the budget used up (nothing taken)
    /// when either is.
    std::optional<Refusal> try_reserve(const core::UserName& account, const std::string& address);
    /// Returns an attempt that try_reserve() took: the password was right, or none was checked.
    void give_back(const core::UserName& account, const std::string& address);

    /// New budgets (a reload); attempts already made still count, up to the new budgets.
    void retune(double failures_per_account_minute, double failures_per_minute);

private:
    static constexpr std::size_t kMaxTrackedKeys = 100'000;  // bounds each map's memory

    const core::Clock& clock_;
    std::mutex mutex_;
    core::KeyedTokenBuckets by_account_;  // by "account@address"
    core::KeyedTokenBuckets by_address_;
};

}  // namespace salon::server
