#include "server/hashing_pool.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <ctime>
#include <future>
#include <thread>

namespace salon::server {
namespace {

using namespace std::chrono_literals;

/// Burns `cpu` of this thread's own CPU time, however long the scheduler makes that take.
void burn(std::chrono::nanoseconds cpu) {
    timespec start{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
    for (;;) {
        timespec now{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
        const auto used = std::chrono::seconds(now.tv_sec - start.tv_sec) +
                          std::chrono::nanoseconds(now.tv_nsec - start.tv_nsec);
        if (used >= cpu) return;
    }
}

TEST(HashingPoolTest, RunsEveryJob) {
    boost::asio::thread_pool guard(1);
    HashingPool pool(2, guard.get_executor(), 1s);
    std::atomic<int> ran{0};
    std::promise<void> all;
    for (int i = 0; i < 10; ++i) {
        pool.post([&] {
            if (++ran == 10) all.set_value();
        });
    }
    EXPECT_EQ(all.get_future().wait_for(10s), std::future_status::ready);
    pool.stop();
    guard.join();
}

TEST(HashingPoolTest, AMachineBusyWithOtherWorkDoesNotStarveHashing) {
    // One CPU for everything: a thread of normal priority that never sleeps, as a build on the
    // same machine would be, leaves a SCHED_IDLE thread almost nothing of it.
    cpu_set_t original{};
    ASSERT_EQ(sched_getaffinity(0, sizeof original, &original), 0);
    cpu_set_t one{};
    CPU_ZERO(&one);
    CPU_SET(static_cast<std::size_t>(sched_getcpu()), &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);  // threads made below inherit it

    boost::asio::thread_pool guard(1);
    HashingPool pool(1, guard.get_executor(), 200ms);
    std::atomic<bool> busy{true};
    std::thread hog([&] {
        while (busy.load(std::memory_order_relaxed)) {
        }
    });
    std::promise<void> done;
    const auto started = std::chrono::steady_clock::now();
    pool.post([&] {
        burn(50ms);  // a verification's worth of CPU
        done.set_value();
    });
    const auto status = done.get_future().wait_for(5s);
    const auto took = std::chrono::steady_clock::now() - started;
    busy = false;
    hog.join();
    pool.stop();
    guard.join();
    sched_setaffinity(0, sizeof original, &original);

    ASSERT_EQ(status, std::future_status::ready) << "the job starved for 5 s";
    EXPECT_LT(took, 2s);
}

}  // namespace
}  // namespace salon::server
