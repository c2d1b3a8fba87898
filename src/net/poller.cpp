#include "net/poller.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <span>

namespace salon::net {
namespace asio = boost::asio;

namespace {

/// Ready descriptors taken per epoll_wait, and at most kWaitsPerTurn waits per turn of the
/// io_context; more than that wait for a posted turn, so that other handlers run in between.
/// Large turns matter in a login storm: each turn waits behind every handler queued since the
/// last, so fewer, larger turns log everyone in sooner (docs/benchmarks.md).
constexpr int kEventsPerWait = 512;
constexpr int kWaitsPerTurn = 8;

/// Deferred turns per handler: few enough that the io_context's other handlers (fan-out,
/// writers, timers) keep their place in the queue.
constexpr int kTurnsPerHandler = 16;

int make_epoll_set() {
    const int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) {
        throw boost::system::system_error(
            boost::system::error_code(errno, boost::system::system_category()), "epoll_create1"
        );
    }
    return fd;
}

}  // namespace

asio::execution_context::id Poller::id;

Poller::Poller(asio::io_context& io)
    : asio::execution_context::service(io), io_(io), epoll_(io, make_epoll_set()) {
    await_ready();
}

int Poller::watch(int fd, Pollable& target) {
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.ptr = &target;
    return ::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_ADD, fd, &event) == 0 ? 0 : errno;
}

void Poller::forget(int fd) {
    ::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_DEL, fd, nullptr);
}

void Poller::shutdown() {
    boost::system::error_code ignored;
    epoll_.close(ignored);  // the pending wait is destroyed with the io_context's operations
}

void Poller::await_ready() {
    // The io_context's reactor watches the epoll set edge-triggered: a descriptor becoming ready
    // in it is a new edge, even while others wait to be taken. So nothing is missed as long as
    // this wait is armed again before the handler that took the set's events returns.
    epoll_.async_wait(
        asio::posix::stream_descriptor::wait_read,
        [this](boost::system::error_code ec) {
            if (!ec) dispatch();
        }
    );
}

void Poller::dispatch() {
    std::array<epoll_event, kEventsPerWait> events;
    for (int turn = 0; turn < kWaitsPerTurn; ++turn) {
        int n = 0;
        do {
            n = ::epoll_wait(epoll_.native_handle(), events.data(), kEventsPerWait, 0);
        } while (n < 0 && errno == EINTR);
        for (const epoll_event& event :
             std::span(events.data(), static_cast<std::size_t>(std::max(n, 0))))
            static_cast<Pollable*>(event.data.ptr)->on_ready(event.events);
        if (n < kEventsPerWait) {
            await_ready();
            return;
        }
    }
    asio::post(io_, [this] { dispatch(); });
}

void Poller::defer(Pollable& target) noexcept {
    target.next_turn_ = nullptr;
    if (last_turn_ != nullptr) {
        last_turn_->next_turn_ = &target;
    } else {
        first_turn_ = &target;
    }
    last_turn_ = &target;
    post_turns();
}

void Poller::post_turns() {
    if (turns_posted_) return;
    turns_posted_ = true;
    asio::post(io_, [this] { run_turns(); });
}

void Poller::run_turns() {
    turns_posted_ = false;
    for (int i = 0; i < kTurnsPerHandler && first_turn_ != nullptr; ++i) {
        Pollable& target = *first_turn_;
        first_turn_ = target.next_turn_;
        if (first_turn_ == nullptr) last_turn_ = nullptr;
        target.next_turn_ = nullptr;
        target.on_turn();
    }
    if (first_turn_ != nullptr) post_turns();
}

}  // namespace salon::net
