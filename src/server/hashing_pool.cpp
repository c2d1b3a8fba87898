#include "server/hashing_pool.hpp"

#include <sched.h>
#include <spdlog/spdlog.h>

#include <boost/asio/strand.hpp>
#include <cstring>

namespace salon::server {
namespace {

int set_policy(pthread_t thread, int policy) {
    const sched_param param{};
    return pthread_setschedparam(thread, policy, &param);
}

thread_local bool lowered = false;  // this thread runs at SCHED_IDLE between jobs

}  // namespace

HashingPool::HashingPool(
    std::size_t threads, boost::asio::any_io_executor guard, std::chrono::milliseconds starvation
)
    : starvation_(starvation),
      guard_(boost::asio::make_strand(std::move(guard))),
      threads_(threads) {}

void HashingPool::enter_idle_priority() {
    // Per thread, on its first job: asio::thread_pool has no start-up hook, and waiting at
    // construction for threads that may be starved on a busy machine would delay start-up.
    thread_local bool tried = false;
    if (tried) return;
    tried = true;
    // Linux applies the policy per thread; lowering it needs no privilege.
    const int rc = set_policy(pthread_self(), SCHED_IDLE);
    if (rc != 0) {
        spdlog::warn(
            "password hashing keeps normal priority: SCHED_IDLE refused ({})", std::strerror(rc)
        );
        return;
    }
    lowered = true;
    std::lock_guard lock(mutex_);
    idle_threads_.push_back(pthread_self());
}

void HashingPool::finished() {
    finished_.fetch_add(1, std::memory_order_relaxed);
    pending_.fetch_sub(1, std::memory_order_relaxed);
    // A no-op unless the guard lifted this thread; cheaper than asking.
    if (lowered) set_policy(pthread_self(), SCHED_IDLE);
}

void HashingPool::arm_guard() {
    {
        std::lock_guard lock(mutex_);
        if (guard_armed_ || stopped_) return;
        guard_armed_ = true;
    }
    boost::asio::post(guard_.get_executor(), [this] {
        finished_at_last_look_ = finished_.load(std::memory_order_relaxed);
        guard_.expires_after(starvation_);
        guard_.async_wait([this](const boost::system::error_code& ec) { look(ec); });
    });
}

void HashingPool::look(const boost::system::error_code& ec) {
    if (ec) return;  // cancelled by stop()
    const std::uint64_t finished = finished_.load(std::memory_order_relaxed);
    {
        std::lock_guard lock(mutex_);
        if (stopped_ || pending_.load(std::memory_order_relaxed) == 0) {
            guard_armed_ = false;
            return;
        }
        if (finished == finished_at_last_look_) {
            for (const pthread_t thread : idle_threads_) set_policy(thread, SCHED_OTHER);
        }
    }
    finished_at_last_look_ = finished;
    guard_.expires_after(starvation_);
    guard_.async_wait([this](const boost::system::error_code& e) { look(e); });
}

void HashingPool::stop() {
    bool first = false;
    {
        std::lock_guard lock(mutex_);
        first = !stopped_;
        stopped_ = true;
    }
    if (first) boost::asio::post(guard_.get_executor(), [this] { guard_.cancel(); });
    threads_.stop();
    threads_.join();
}

}  // namespace salon::server
