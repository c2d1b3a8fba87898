#include "net/poller.hpp"

// The Poller calls a watched descriptor's target on the io_context's thread when it becomes
// readable or writable, once per change (edge-triggered), stops after forget(), and takes more
// ready descriptors than one epoll_wait returns.

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace salon::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

/// One end of a socket pair, recording what the Poller says of it.
class Recorder final : public Pollable {
public:
    Recorder() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_.data()), 0); }

    ~Recorder() {
        for (const int fd : fds_) ::close(fd);
    }

    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    int watched() const { return fds_[0]; }

    int peer() const { return fds_[1]; }

    void on_ready(std::uint32_t events) override {
        ++calls;
        if ((events & EPOLLIN) != 0) ++readable;
        if ((events & EPOLLOUT) != 0) ++writable;
        thread = std::this_thread::get_id();
    }

    int calls = 0;
    int readable = 0;
    int writable = 0;
    std::thread::id thread;

private:
    std::array<int, 2> fds_{-1, -1};
};

/// Runs the context until nothing is ready for a moment.
void settle(asio::io_context& io) {
    for (int i = 0; i < 5; ++i) {
        io.run_for(10ms);
        io.restart();
    }
}

void send_byte(int fd) {
    const char byte = 'x';
    ASSERT_EQ(::send(fd, &byte, 1, 0), 1);
}

TEST(PollerTest, SaysReadableOncePerEdgeOnTheContextsThread) {
    asio::io_context io(1);
    Poller& poller = Poller::of(io);
    Recorder target;
    ASSERT_EQ(poller.watch(target.watched(), target), 0);
    settle(io);
    // Registering reports the state already there: writable, nothing to read.
    EXPECT_EQ(target.writable, 1);
    EXPECT_EQ(target.readable, 0);
    EXPECT_EQ(target.thread, std::this_thread::get_id());

    send_byte(target.peer());
    settle(io);
    EXPECT_EQ(target.readable, 1);

    // Unread input is not said again: edge-triggered.
    settle(io);
    EXPECT_EQ(target.readable, 1);

    // New input is a new edge, even though the old byte was never read.
    send_byte(target.peer());
    settle(io);
    EXPECT_EQ(target.readable, 2);
    poller.forget(target.watched());
}

TEST(PollerTest, SaysNothingAfterForget) {
    asio::io_context io(1);
    Poller& poller = Poller::of(io);
    Recorder target;
    ASSERT_EQ(poller.watch(target.watched(), target), 0);
    settle(io);
    const int calls = target.calls;
    poller.forget(target.watched());
    send_byte(target.peer());
    settle(io);
    EXPECT_EQ(target.calls, calls);
}

TEST(PollerTest, TakesMoreReadyDescriptorsThanOneWaitReturns) {
    asio::io_context io(1);
    Poller& poller = Poller::of(io);
    constexpr int kTargets = 700;  // several of the Poller's turns
    std::vector<std::unique_ptr<Recorder>> targets;
    for (int i = 0; i < kTargets; ++i) {
        targets.push_back(std::make_unique<Recorder>());
        ASSERT_EQ(poller.watch(targets.back()->watched(), *targets.back()), 0);
    }
    settle(io);
    for (const auto& target : targets) send_byte(target->peer());
    settle(io);
    int readable = 0;
    for (const auto& target : targets) readable += target->readable;
    EXPECT_EQ(readable, kTargets);
    for (const auto& target : targets) poller.forget(target->watched());
}

TEST(PollerTest, ReportsAWriterBlockedOnAFullBufferOnceTheBufferDrains) {
    asio::io_context io(1);
    Poller& poller = Poller::of(io);
    Recorder target;
    ASSERT_EQ(poller.watch(target.watched(), target), 0);
    settle(io);
    const int writable = target.writable;

    std::vector<char> chunk(64 * 1024, 'x');
    while (::send(target.watched(), chunk.data(), chunk.size(), 0) > 0) {
    }
    ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
    settle(io);
    EXPECT_EQ(target.writable, writable);  // still full

    while (::recv(target.peer(), chunk.data(), chunk.size(), 0) > 0) {
    }
    settle(io);
    EXPECT_GT(target.writable, writable);
    poller.forget(target.watched());
}

}  // namespace
}  // namespace salon::net
