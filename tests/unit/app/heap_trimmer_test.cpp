#include "app/heap_trimmer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "metrics/process.hpp"

namespace salon::app {
namespace {

using namespace std::chrono_literals;

std::uint64_t resident() {
    return metrics::resident_memory_bytes().value_or(0);
}

TEST(HeapTrimmerTest, GivesBackFreedMemoryLeftBetweenLiveObjects) {
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "AddressSanitizer's allocator is not glibc's heap";
#endif
    // 64 MiB of 16 KiB blocks, each followed by a small block that stays: once the large ones
    // are freed, the heap's top is live, so free() alone cannot return their pages.
    constexpr std::size_t kBlocks = 4096;
    constexpr std::size_t kBlockBytes = 16 * 1024;
    const HeapTrimmer trimmer(10ms, 1 << 20);
    std::vector<std::unique_ptr<char[]>> large;
    std::vector<std::unique_ptr<char[]>> small;
    for (std::size_t i = 0; i < kBlocks; ++i) {
        large.push_back(std::make_unique<char[]>(kBlockBytes));
        std::memset(large.back().get(), 1, kBlockBytes);
        small.push_back(std::make_unique<char[]>(32));
    }
    large.clear();
    const std::uint64_t fragmented = resident();
    ASSERT_GT(fragmented, 0u) << "no /proc/self/status";

    std::uint64_t now = fragmented;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (now + (32u << 20) > fragmented && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
        now = resident();
    }
    EXPECT_LT(now + (32u << 20), fragmented)
        << "resident " << (fragmented >> 20) << " → " << (now >> 20) << " MiB";
}

TEST(HeapTrimmerTest, LeavesASteadyHeapAlone) {
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "AddressSanitizer's allocator is not glibc's heap";
#endif
    constexpr std::size_t kBlocks = 1024;
    constexpr std::size_t kBlockBytes = 16 * 1024;
    std::vector<std::unique_ptr<char[]>> large;
    std::vector<std::unique_ptr<char[]>> small;
    for (std::size_t i = 0; i < kBlocks; ++i) {
        large.push_back(std::make_unique<char[]>(kBlockBytes));
        std::memset(large.back().get(), 1, kBlockBytes);
        small.push_back(std::make_unique<char[]>(32));
    }
    const HeapTrimmer trimmer(10ms, 1 << 20);  // the heap does not grow from here on
    large.clear();
    const std::uint64_t fragmented = resident();
    std::this_thread::sleep_for(200ms);
    EXPECT_GT(resident() + (4u << 20), fragmented);
}

}  // namespace
}  // namespace salon::app
