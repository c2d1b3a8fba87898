#include "core/rate_limiter.hpp"

#include <algorithm>

namespace salon::core {

TokenBucket::TokenBucket(double rate_per_second, double burst, SteadyTime now) noexcept
    : rate_(rate_per_second), burst_(burst), tokens_(burst), last_(now) {}

void TokenBucket::refill(SteadyTime now) noexcept {
    tokens_ = available(now);
    last_ = std::max(last_, now);
}

bool TokenBucket::try_take(SteadyTime now, double cost) noexcept {
    refill(now);
    if (tokens_ < cost) return false;
    tokens_ -= cost;
    return true;
}

void TokenBucket::give_back(SteadyTime now, double cost) noexcept {
    refill(now);
    tokens_ = std::min(burst_, tokens_ + cost);
}

double TokenBucket::available(SteadyTime now) const noexcept {
    if (now <= last_) return tokens_;
    const std::chrono::duration<double> elapsed = now - last_;
    return std::min(burst_, tokens_ + elapsed.count() * rate_);
}

}  // namespace salon::core
