// The threads that hash and verify passwords, at idle priority with a floor on their progress.
#pragma once

#include <pthread.h>

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

namespace salon::server {

/// Thread-safe. Its threads run at SCHED_IDLE: the I/O threads, the workers and the pipeline
/// writer always preempt them, so a storm of logins slows logins rather than chat. But SCHED_IDLE
/// yields to every process of the machine, and a machine kept busy by something else (a build,
/// a neighbour's job) would starve logins without bound. So a guard, on a thread of normal
/// priority, checks every `starvation` while jobs wait: if none finished since its last look, it
/// lifts every hasher to normal priority for the job it runs or takes next. Hashing then never
/// gets less than one job per thread per `starvation`, and never more than idle time otherwise.
class HashingPool {
public:
    /// `guard` runs the guard's timer; it must not be an idle-priority executor.
    HashingPool(
        std::size_t threads,
        boost::asio::any_io_executor guard,
        std::chrono::milliseconds starvation
    );

    /// Runs `job` (which must not throw) on a hasher.
    template <typename Job>
    void post(Job job) {
        pending_.fetch_add(1, std::memory_order_relaxed);
        boost::asio::post(threads_, [this, job = std::move(job)]() mutable {
            enter_idle_priority();
            job();
            finished();  // also drops a lift the guard gave this thread
        });
        arm_guard();
    }

    /// Drops the jobs still queued and joins the threads.
    void stop();

private:
    void enter_idle_priority();
    void finished();
    void arm_guard();
    void look(const boost::system::error_code& ec);

    std::chrono::milliseconds starvation_;
    boost::asio::steady_timer guard_;  // used only on its strand
    std::atomic<std::size_t> pending_{0};
    std::atomic<std::uint64_t> finished_{0};
    std::uint64_t finished_at_last_look_ = 0;  // on the guard's strand
    std::mutex mutex_;
    std::vector<pthread_t> idle_threads_;  // those that lowered themselves, for the guard to lift
    bool guard_armed_ = false;
    bool stopped_ = false;
    boost::asio::thread_pool threads_;  // last: its threads use the members above
};

}  // namespace salon::server
