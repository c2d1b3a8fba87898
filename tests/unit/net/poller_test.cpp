#include "net/poller.hpp"

// The Poller calls a watched descriptor's target on the io_context's thread when it becomes
// readable or writable, once per change (edge-triggered), stops after forget(), and takes more
// ready descriptors than one epoll_wait returns. Deferred turns run in order, a few per handler.

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

    void on_turn() override { ++turns; }

    int calls = 0;
    int turns = 0;
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

/// A target that records the order of its turns.
class Turn final : public Pollable {
public:
    Turn(std::vector<int>& order, int id) : order_(order), id_(id) {}

    void on_ready(std::uint32_t) override {}

    void on_turn() override { order_.push_back(id_); }

private:
    std::vector<int>& order_;
    int id_;
};

TEST(PollerTest, RunsDeferredTurnsInOrderAFewPerHandler) {
    asio::io_context io(1);
    Poller& poller = Poller::of(io);
    constexpr int kTurns = 100;
    std::vector<int> order;
    std::vector<std::unique_ptr<Turn>> targets;
    for (int i = 0; i < kTurns; ++i) targets.push_back(std::make_unique<Turn>(order, i));
    for (auto& target : targets) poller.defer(*target);
    // A handler posted after the turns runs before the last of them: the queue of turns does
    // not keep the io_context's other handlers waiting.
    std::size_t turns_before_other = 0;
    asio::post(io, [&] { turns_before_other = order.size(); });
    settle(io);
    ASSERT_EQ(order.size(), static_cast<std::size_t>(kTurns));
    for (int i = 0; i < kTurns; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
    EXPECT_GT(turns_before_other, 0u);
    EXPECT_LT(turns_before_other, static_cast<std::size_t>(kTurns));

    // A target may be deferred again once its turn has run.
    poller.defer(*targets.front());
    settle(io);
    EXPECT_EQ(order.back(), 0);
}

}  // namespace
}  // namespace salon::net
