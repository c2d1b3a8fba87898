#include "net/io_threads.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace salon::net {
namespace {

/// The listeners' nice value: accepting is cheap, but at normal priority it falls behind a burst
/// while logins keep the core busy, and each SYN the backlog drops costs its client a second or
/// more (docs/benchmarks.md). A flood cannot turn this into the whole core: the listeners stop
/// while 65,536 accepted connections wait for their I/O thread (accept.cpp).
constexpr int kListenerNice = -10;

/// Raises the calling thread's priority to kListenerNice if allowed (root, CAP_SYS_NICE, or an
/// RLIMIT_NICE of at least 30, as `LimitNICE=30` gives a systemd unit); otherwise says so and
/// runs at the normal priority.
void raise_listener_priority() {
    if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kListenerNice) != 0) {
        spdlog::info(
            "listeners keep normal priority: nice {} refused ({})",
            kListenerNice,
            std::strerror(errno)
        );
    }
}

}  // namespace

IoThreads::IoThreads(unsigned count) {
    const unsigned n = std::max(1u, count);
    contexts_.reserve(n);
    keep_running_.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
        // One thread per context, as the hint tells Asio: that thread's own posts then skip
        // the scheduler's lock.
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
        keep_running_.emplace_back(contexts_.back()->get_executor());
    }
    keep_running_.emplace_back(accepting_.get_executor());
}

boost::asio::io_context& IoThreads::upcoming() noexcept {
    return *contexts_[turn_.load(std::memory_order_relaxed) % contexts_.size()];
}

void IoThreads::advance() noexcept {
    turn_.fetch_add(1, std::memory_order_relaxed);
}

void IoThreads::run() {
    std::vector<std::jthread> threads;
    threads.reserve(contexts_.size());
    threads.emplace_back([this] {
        raise_listener_priority();
        accepting_.run();
    });
    for (std::size_t i = 1; i < contexts_.size(); ++i)
        threads.emplace_back([context = contexts_[i].get()] { context->run(); });
    contexts_.front()->run();
}

void IoThreads::stop() {
    for (auto& context : contexts_) context->stop();
    accepting_.stop();
}

}  // namespace salon::net
