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

void TokenBucket::retune(double rate_per_second, double burst, SteadyTime now) noexcept {
    refill(now);
    rate_ = rate_per_second;
    burst_ = burst;
    tokens_ = std::min(tokens_, burst_);
}

KeyedTokenBuckets::KeyedTokenBuckets(
    double rate_per_second, double burst, std::size_t max_keys
) noexcept
    : rate_(rate_per_second), burst_(burst), max_keys_(std::max<std::size_t>(1, max_keys)) {}

void KeyedTokenBuckets::give_back(const std::string& key, SteadyTime now) {
    if (const auto it = buckets_.find(key); it != buckets_.end()) it->second.give_back(now);
}

double KeyedTokenBuckets::available(const std::string& key, SteadyTime now) const {
    const auto it = buckets_.find(key);
    return it == buckets_.end() ? burst_ : it->second.available(now);
}

bool KeyedTokenBuckets::try_take(const std::string& key, SteadyTime now) {
    auto it = buckets_.find(key);
    if (it == buckets_.end()) {
        if (buckets_.size() >= max_keys_) make_room(now);
        it = buckets_.try_emplace(key, rate_, burst_, now).first;
    }
    return it->second.try_take(now);
}

void KeyedTokenBuckets::retune(double rate_per_second, double burst, SteadyTime now) noexcept {
    rate_ = rate_per_second;
    burst_ = burst;
    for (auto& [key, bucket] : buckets_) bucket.retune(rate_, burst_, now);
}

void KeyedTokenBuckets::make_room(SteadyTime now) {
    std::erase_if(buckets_, [&](const auto& entry) {
        return entry.second.available(now) >= burst_;
    });
    const std::size_t keep = max_keys_ - std::max<std::size_t>(1, max_keys_ / 10);
    while (buckets_.size() > keep) buckets_.erase(buckets_.begin());
}

}  // namespace salon::core
