// Readiness of the line-protocol connections of one io_context, from an epoll set of their own.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>

namespace salon::net {

/// A descriptor that a Poller watches.
class Pollable {
public:
    /// The descriptor became readable or writable, or failed: `events` holds epoll's EPOLLIN,
    /// EPOLLOUT, EPOLLERR and EPOLLHUP bits. Edge-triggered: it is said once per change, so the
    /// target reads (or writes) until the kernel says EAGAIN before it waits again. On the
    /// context's thread.
    virtual void on_ready(std::uint32_t events) = 0;
    /// The turn asked for with Poller::defer(). On the context's thread.
    virtual void on_turn() = 0;

protected:
    virtual ~Pollable() = default;

private:
    friend class Poller;
    Pollable* next_turn_ = nullptr;  // the next in the Poller's queue of turns
};

/// One epoll set per io_context for the TCP connections of the line protocols, watched by the
/// io_context's own reactor as a single descriptor.
///
/// Why not Asio's socket for them: Asio gives every registered descriptor a state of its own
/// (a mutex and an operation queue per direction) and every idle connection waiting for input
/// a pending wait operation with its handler, a large share of what an idle connection costs
/// (docs/benchmarks.md). Here a connection is a pointer in the kernel's epoll item, registered
/// once, edge-triggered, for input and output together.
///
/// Not thread-safe: watch() and forget() run on the context's thread, where the targets are
/// called.
class Poller final : public boost::asio::execution_context::service {
public:
    static boost::asio::execution_context::id id;

    /// @throws boost::system::system_error when the epoll set cannot be made
    explicit Poller(boost::asio::io_context& io);

    /// The io_context's Poller (made on first use).
    static Poller& of(boost::asio::io_context& io) { return boost::asio::use_service<Poller>(io); }

    boost::asio::io_context::executor_type executor() noexcept { return io_.get_executor(); }

    /// Calls `target` whenever `fd` changes readiness, until forget(fd). 0, or the errno of
    /// epoll_ctl.
    int watch(int fd, Pollable& target);
    /// Stops calling the target of `fd`; call before closing it.
    void forget(int fd);

    /// Runs `target.on_turn()` in a later handler of the io_context, in the order asked. The
    /// target must not be queued already, and must live until its turn.
    ///
    /// Why a queue of turns and not a post each: a post allocates its handler, so a burst of
    /// readiness (every idle connection answering its PING at once) would hold an allocation
    /// per connection; and why not run them at once: hundreds of readers served in one go
    /// starve every other handler. A handler takes kTurnsPerHandler turns, then lets the rest
    /// of the queue run.
    void defer(Pollable& target) noexcept;

private:
    void shutdown() override;
    /// Waits for the epoll set to have something ready, then dispatches it.
    void await_ready();
    /// Calls the target of every ready descriptor.
    void dispatch();
    /// Posts run_turns() unless it is posted already.
    void post_turns();
    /// Runs the first deferred turns.
    void run_turns();

    boost::asio::io_context& io_;
    boost::asio::posix::stream_descriptor epoll_;
    Pollable* first_turn_ = nullptr;
    Pollable* last_turn_ = nullptr;
    bool turns_posted_ = false;
};

}  // namespace salon::net
