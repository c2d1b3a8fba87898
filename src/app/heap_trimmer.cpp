#include "app/heap_trimmer.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "metrics/process.hpp"

// jemalloc's control interface: defined when jemalloc is the process's allocator, null with
// glibc's. A weak reference, so that salond links either way.
extern "C" int mallctl(
    const char* name, void* old, std::size_t* old_size, void* value, std::size_t value_size
) __attribute__((weak));

namespace salon::app {

bool HeapTrimmer::needed() noexcept {
    return mallctl == nullptr;
}

HeapTrimmer::HeapTrimmer(std::chrono::milliseconds interval, std::uint64_t growth_bytes)
    : thread_([this, interval, growth_bytes] { run(interval, growth_bytes); }) {}

HeapTrimmer::~HeapTrimmer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void HeapTrimmer::run(std::chrono::milliseconds interval, std::uint64_t growth_bytes) {
    // Growth smaller than this over one interval counts as none: the burst is over.
    const std::uint64_t settled_slack = growth_bytes / 16;
    std::uint64_t baseline = metrics::resident_memory_bytes().value_or(0);
    std::uint64_t previous = baseline;
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
        const auto resident = metrics::resident_memory_bytes();
        if (!resident) return;  // no /proc: nothing to go by
        // Trimming while a burst still allocates would return little, and its pages would be
        // taken again at once: wait until the resident size stops growing.
        const bool settled = *resident <= previous + settled_slack;
        previous = *resident;
        baseline = std::min(baseline, *resident);
        if (!settled || *resident < baseline + growth_bytes) continue;

        const auto started = std::chrono::steady_clock::now();
        malloc_trim(0);
        baseline = previous = metrics::resident_memory_bytes().value_or(*resident);
        spdlog::debug(
            "heap trim: resident {} → {} MiB in {} ms",
            *resident >> 20,
            baseline >> 20,
            std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started
            )
                .count()
        );
    }
}

}  // namespace salon::app
