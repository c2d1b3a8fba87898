// A mutex in four bytes, for the locks that every connection carries.
#pragma once

#include <atomic>
#include <cstdint>

namespace salon::server {

/// Mutual exclusion in 4 bytes where std::mutex takes 40: every connection's Outbox has one, so
/// it counts in what an idle connection costs. An uncontended lock or unlock is one atomic
/// operation; a contended lock sleeps on the word (a futex, through std::atomic::wait) until
/// the holder's unlock wakes it, and never spins. Not recursive. Meets Lockable, for
/// std::lock_guard and std::unique_lock.
class CompactMutex {
public:
    void lock() noexcept {
        std::uint32_t expected = kUnlocked;
        if (state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire)) return;
        // Someone holds it: say that a waiter sleeps, so that their unlock wakes one. Whoever
        // takes it this way keeps the contended mark, which costs at most a spurious wake-up.
        while (state_.exchange(kContended, std::memory_order_acquire) != kUnlocked)
            state_.wait(kContended, std::memory_order_relaxed);
    }

    bool try_lock() noexcept {
        std::uint32_t expected = kUnlocked;
        return state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire);
    }

    void unlock() noexcept {
        if (state_.exchange(kUnlocked, std::memory_order_release) == kContended)
            state_.notify_one();
    }

private:
    static constexpr std::uint32_t kUnlocked = 0;
    static constexpr std::uint32_t kLocked = 1;
    static constexpr std::uint32_t kContended = 2;  // locked, and a locker may be asleep
    std::atomic<std::uint32_t> state_{kUnlocked};
};

}  // namespace salon::server
