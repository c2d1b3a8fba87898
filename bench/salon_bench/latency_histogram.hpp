// Log-linear latency histogram for salon-bench: constant memory, about 3% relative precision.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace salon::bench {

/// Counts durations in nanoseconds. Values below 64 ns are exact; above, each power of two
/// is split into 32 buckets, so a reported quantile is within 1/32 of the true value. Not
/// thread-safe (salon-bench is one thread).
class LatencyHistogram {
public:
    void record(std::uint64_t nanoseconds) {
        ++counts_[bucket_of(nanoseconds)];
        ++total_;
        max_ = std::max(max_, nanoseconds);
    }

    [[nodiscard]] std::uint64_t count() const { return total_; }

    [[nodiscard]] std::uint64_t max() const { return max_; }

    /// The smallest bucket value v such that at least q of the samples are <= v (the bucket's
    /// upper bound, capped by the largest sample). 0 when empty.
    [[nodiscard]] std::uint64_t quantile(double q) const {
        if (total_ == 0) return 0;
        const auto wanted = static_cast<std::uint64_t>(q * static_cast<double>(total_) + 0.999999);
        const std::uint64_t rank = std::clamp<std::uint64_t>(wanted, 1, total_);
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            seen += counts_[i];
            if (seen >= rank) return std::min(upper_bound_of(i), max_);
        }
        return max_;
    }

    static constexpr std::size_t kSubBits = 5;  // 32 buckets per power of two
    static constexpr std::size_t kSub = std::size_t{1} << kSubBits;

    static constexpr std::size_t bucket_of(std::uint64_t v) {
        if (v < 2 * kSub) return static_cast<std::size_t>(v);
        const auto exponent = static_cast<std::size_t>(std::bit_width(v)) - 1 - kSubBits;
        // v >> exponent lies in [kSub, 2*kSub): the top bits after the leading one.
        return (exponent + 1) * kSub + static_cast<std::size_t>(v >> exponent);
    }

    static constexpr std::uint64_t upper_bound_of(std::size_t bucket) {
        if (bucket < 2 * kSub) return bucket;
        const std::size_t exponent = bucket / kSub - 2;
        const std::uint64_t mantissa = bucket % kSub + kSub;
        return ((mantissa + 1) << exponent) - 1;
    }

private:
    std::array<std::uint64_t, (64 - kSubBits + 2) * kSub> counts_{};
    std::uint64_t total_ = 0;
    std::uint64_t max_ = 0;
};

}  // namespace salon::bench
