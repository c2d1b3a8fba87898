// Backoff: initial * factor^n, capped, then jittered.
#include "client/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace salon::client {

std::chrono::milliseconds Backoff::next() {
    const double base = static_cast<double>(policy_.initial.count()) *
                        std::pow(policy_.factor, static_cast<double>(std::min(attempts_, 30)));
    const double capped = std::min(base, static_cast<double>(policy_.max.count()));
    ++attempts_;
    std::uniform_real_distribution<double> dist(1.0 - policy_.jitter, 1.0 + policy_.jitter);
    const double jittered = policy_.jitter > 0 ? capped * dist(rng_) : capped;
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::max(1.0, jittered)));
}

}  // namespace salon::client
