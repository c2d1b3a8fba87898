// Reconnect delays: exponential growth with a cap and jitter, so that many clients cut off by
// one server restart do not all come back in the same millisecond.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace salon::client {

struct BackoffPolicy {
    std::chrono::milliseconds initial{500};
    std::chrono::milliseconds max{15000};
    double factor = 2.0;
    /// Each delay is scaled by a random factor in [1 - jitter, 1 + jitter].
    double jitter = 0.2;
};

/// Not thread-safe. Pure computation: the caller owns the timer.
class Backoff {
public:
    explicit Backoff(BackoffPolicy policy = {}, std::uint32_t seed = std::random_device{}())
        : policy_(policy), rng_(seed) {}

    /// The delay before the next attempt; grows with every call until reset().
    std::chrono::milliseconds next();

    /// After a successful connection: the next delay is `initial` again.
    void reset() noexcept { attempts_ = 0; }

    /// Calls to next() since the last reset().
    int attempts() const noexcept { return attempts_; }

private:
    BackoffPolicy policy_;
    std::minstd_rand rng_;
    int attempts_ = 0;
};

}  // namespace salon::client
