// Gives back to the system the heap memory that a burst of work leaves free.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace salon::app {

/// glibc keeps freed memory for reuse and returns only the top of the heap by itself. After a
/// burst (a login storm queues a batch of presence notices on every connection) most of what
/// was freed lies in pages between live objects, and the process keeps it resident until
/// malloc_trim() hands those pages back.
///
/// Checks the resident size every `interval` on a thread of its own, and trims once it has grown
/// by `growth_bytes` since the last trim and then stopped growing (the burst is over). A trim
/// locks each malloc arena while it walks it, so it never runs on an I/O thread, and a server
/// whose memory is steady never trims at all: chat latency does not pay for it. Stops when
/// destroyed.
class HeapTrimmer {
public:
    /// Whether the process allocates with glibc's malloc, which needs this. salond is linked
    /// with jemalloc (SALON_JEMALLOC) unless built with sanitizers; jemalloc returns free pages
    /// by itself (apps/salond/jemalloc_conf.cpp).
    static bool needed() noexcept;

    HeapTrimmer(std::chrono::milliseconds interval, std::uint64_t growth_bytes);
    ~HeapTrimmer();

    HeapTrimmer(const HeapTrimmer&) = delete;
    HeapTrimmer& operator=(const HeapTrimmer&) = delete;

private:
    void run(std::chrono::milliseconds interval, std::uint64_t growth_bytes);

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;  // last: it starts once the members above exist
};

}  // namespace salon::app
