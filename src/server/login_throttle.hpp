// Failed logins per address, so that guessing passwords costs time.
#pragma once

#include <mutex>
#include <string>

#include "core/clock.hpp"
#include "core/rate_limiter.hpp"

namespace salon::server {

/// Thread-safe. Every password check is paid for before it runs (`rate_limited` once the
/// address's budget is used up) and refunded when the password was right: checks in parallel
/// cannot exceed the budget, and a user who types their password correctly is not charged.
class LoginThrottle {
public:
    LoginThrottle(const core::Clock& clock, double failures_per_minute);

    /// Takes one attempt from the address's budget, in one step; false (nothing taken) while
    /// the budget is used up.
    bool try_reserve(const std::string& address);
    /// Returns an attempt that try_reserve() took: the password was right, or none was checked.
    void give_back(const std::string& address);

private:
    static constexpr std::size_t kMaxTrackedAddresses = 100'000;  // bounds the map's memory

    const core::Clock& clock_;
    std::mutex mutex_;
    core::KeyedTokenBuckets failures_;
};

}  // namespace salon::server
