// Token buckets: the per-connection message rate limit, and buckets by key (an address, an
// account) for the login throttle and channel creation.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>

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

    /// Goes on at a new rate and burst (a reload): what was used stays used, up to the new burst.
    void retune(double rate_per_second, double burst, SteadyTime now) noexcept;

private:
    void refill(SteadyTime now) noexcept;

    double rate_;
    double burst_;
    double tokens_;
    SteadyTime last_;
};

/// One TokenBucket per key, all with the same rate and burst, in a map that never holds more
/// than `max_keys`: a flood of distinct keys costs bounded memory. A key without a bucket has a
/// full one; when the map is full, the buckets that have refilled are forgotten (they would
/// start full anyway), and if that frees too little, arbitrary others are, so that a flood
/// pays for a sweep only once per tenth of the map. Not thread-safe (see TokenBucket).
class KeyedTokenBuckets {
public:
    KeyedTokenBuckets(double rate_per_second, double burst, std::size_t max_keys) noexcept;

    /// Takes a token from the key's bucket; false (and nothing taken) when it has none.
    bool try_take(const std::string& key, SteadyTime now);

    /// Returns a token taken by try_take(). A key forgotten meanwhile was full, and starts so.
    void give_back(const std::string& key, SteadyTime now);

    /// Tokens the key's bucket holds at `now`.
    double available(const std::string& key, SteadyTime now) const;

    std::size_t tracked() const noexcept { return buckets_.size(); }

    /// Every bucket, and those made from now on, at a new rate and burst (TokenBucket::retune).
    void retune(double rate_per_second, double burst, SteadyTime now) noexcept;

private:
    void make_room(SteadyTime now);

    double rate_;
    double burst_;
    std::size_t max_keys_;
    std::unordered_map<std::string, TokenBucket> buckets_;
};

}  // namespace salon::core
