// A hashed timing wheel: many deadlines served by one timer instead of a timer each.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>

namespace salon::net {

/// Deadlines of many objects, kept so that a single periodic tick finds the due ones without
/// looking at the others (Varghese and Lauck's hashed timing wheel, as in the Linux kernel's
/// timers). A deadline is rounded up to a whole tick and filed in bucket `tick % buckets`; a
/// tick walks one bucket, and an entry filed a whole turn or more ahead stays for a later turn.
/// Each entry costs three words inside its owner and nothing on the heap.
///
/// Not thread-safe: the owner of the wheel serializes every call.
class DeadlineWheel {
public:
    using Clock = std::chrono::steady_clock;

    /// What an object embeds to be kept in the wheel. Unlinked when constructed and after it is
    /// reported due or removed; the owner must remove it before destroying it.
    class Entry {
    public:
        Entry() = default;
        Entry(const Entry&) = delete;
        Entry& operator=(const Entry&) = delete;

        bool scheduled() const noexcept { return next_ != nullptr; }

    private:
        friend class DeadlineWheel;
        Entry* prev_ = nullptr;
        Entry* next_ = nullptr;
        std::uint64_t tick_ = 0;  // the tick at which it is due
    };

    /// `tick` is the resolution: an entry is reported at the first tick at or after its deadline,
    /// so at most one tick late. A turn of the wheel is `tick * buckets`.
    DeadlineWheel(Clock::duration tick, std::size_t buckets, Clock::time_point start);
    DeadlineWheel(const DeadlineWheel&) = delete;
    DeadlineWheel& operator=(const DeadlineWheel&) = delete;

    /// Files the entry (moving it if it was filed already). A deadline already past is due at
    /// the next tick.
    void insert(Entry& entry, Clock::time_point deadline);
    /// Unlinks the entry; nothing happens if it is not filed.
    void remove(Entry& entry) noexcept;

    /// Moves the wheel to `now`: every entry due by then is unlinked and passed to `due`, which
    /// must not call the wheel (it is in the middle of a bucket). Returns how many were due.
    template <typename Due>
    std::size_t advance(Clock::time_point now, Due&& due) {
        const std::uint64_t target = ticks_until(now, false);
        if (target <= current_) return 0;
        // Past a whole turn every bucket is looked at once, and that finds every due entry.
        const std::uint64_t steps = std::min<std::uint64_t>(target - current_, bucket_count_);
        std::size_t count = 0;
        for (std::uint64_t step = 1; step <= steps; ++step) {
            Entry& head = buckets_[(current_ + step) % bucket_count_];
            for (Entry* entry = head.next_; entry != &head;) {
                Entry* const next = entry->next_;
                if (entry->tick_ <= target) {
                    remove(*entry);
                    ++count;
                    due(*entry);
                }
                entry = next;
            }
        }
        current_ = target;
        return count;
    }

    /// Unlinks every entry (the owner is going away).
    void clear() noexcept;

    bool empty() const noexcept { return size_ == 0; }

    Clock::duration tick() const noexcept { return tick_; }

private:
    /// Whole ticks from the start to `time`.
    std::uint64_t ticks_until(Clock::time_point time, bool round_up) const;

    Clock::duration tick_;
    Clock::time_point start_;
    std::uint64_t current_ = 0;  // the last tick advanced to
    std::size_t size_ = 0;       // entries filed
    std::size_t bucket_count_;
    std::unique_ptr<Entry[]> buckets_;  // each the head of a circular list of its entries
};

}  // namespace salon::net
