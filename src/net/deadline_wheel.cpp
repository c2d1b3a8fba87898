#include "net/deadline_wheel.hpp"

namespace salon::net {

DeadlineWheel::DeadlineWheel(Clock::duration tick, std::size_t buckets, Clock::time_point start)
    : tick_(tick),
      start_(start),
      bucket_count_(buckets),
      buckets_(std::make_unique<Entry[]>(buckets)) {
    for (std::size_t i = 0; i < bucket_count_; ++i)
        buckets_[i].prev_ = buckets_[i].next_ = &buckets_[i];
}

std::uint64_t DeadlineWheel::ticks_until(Clock::time_point time, bool round_up) const {
    if (time <= start_) return 0;
    const auto since_start = time - start_;
    return static_cast<std::uint64_t>(
        round_up ? (since_start + tick_ - Clock::duration(1)) / tick_ : since_start / tick_
    );
}

void DeadlineWheel::insert(Entry& entry, Clock::time_point deadline) {
    remove(entry);
    // Rounded up, and advance() rounds down: an entry is never reported before its deadline.
    entry.tick_ = std::max(ticks_until(deadline, true), current_ + 1);
    Entry& head = buckets_[entry.tick_ % bucket_count_];
    entry.prev_ = head.prev_;
    entry.next_ = &head;
    head.prev_->next_ = &entry;
    head.prev_ = &entry;
    ++size_;
}

void DeadlineWheel::remove(Entry& entry) noexcept {
    if (!entry.scheduled()) return;
    entry.prev_->next_ = entry.next_;
    entry.next_->prev_ = entry.prev_;
    entry.prev_ = entry.next_ = nullptr;
    --size_;
}

void DeadlineWheel::clear() noexcept {
    for (std::size_t i = 0; i < bucket_count_; ++i) {
        Entry& head = buckets_[i];
        while (head.next_ != &head) remove(*head.next_);
    }
}

}  // namespace salon::net
