// Token bucket: the per-connection message rate limit and the per-address login throttle.
#pragma once

#include "core/clock.hpp"

namespace salon::core {

/// Allows `rate` actions per second on average with bursts of up to `burst`.
/// Not thread-safe: each bucket belongs to one session (or is guarded by its owner's lock).
class TokenBucket {
public:
    TokenBucket(double rate_per_second, double burst, SteadyTime now) noexcept;

    /// Takes `cost` tokens if there are that many; false (and nothing taken) otherwise.
    bool try_take(SteadyTime now, double cost = 1.0) noexcept;

    /// Returns `cost` tokens taken for something that turned out free (never above the burst).
    void give_back(SteadyTime now, double cost = 1.0) noexcept;

    /// Tokens available at `now`, without taking any.
    double available(SteadyTime now) const noexcept;

private:
    void refill(SteadyTime now) noexcept;

    double rate_;
    double burst_;
    double tokens_;
    SteadyTime last_;
};

}  // namespace salon::core
