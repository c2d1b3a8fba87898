// The I/O threads: one io_context each, and every connection on one of them for life.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <vector>

namespace salon::net {

/// One io_context per I/O thread, each run by that thread alone.
///
/// A connection is accepted onto one of them, in turn, and stays there: its handlers can
/// never run at the same time, so it needs no strand, which would cost memory and a dispatch
/// on every handler (docs/benchmarks.md); a context's queue serves every handler in turn.
///
/// The first context also runs what is not a connection: signals, the server's own timers and
/// its delivery strand. Listeners have a context and a thread of their own, so that accepting
/// never waits behind connection work: while logins and fan-out keep an I/O thread busy, a
/// burst of connections (everyone reconnecting after a restart) would otherwise overflow the
/// listen backlog, and each SYN the kernel drops costs its client a second or more.
class IoThreads {
public:
    /// `count` contexts (at least one).
    explicit IoThreads(unsigned count);

    IoThreads(const IoThreads&) = delete;
    IoThreads& operator=(const IoThreads&) = delete;

    boost::asio::io_context& main() noexcept { return *contexts_.front(); }

    /// The listeners' context.
    boost::asio::io_context& accepting() noexcept { return accepting_; }

    /// Connections accepted and handed to an I/O thread that has not admitted them yet.
    std::atomic<std::size_t>& admissions_waiting() noexcept { return admissions_waiting_; }

    /// The context whose turn it is to get the next connection: each in turn. Any thread.
    boost::asio::io_context& upcoming() noexcept;
    /// Passes the turn on, once a connection was accepted onto upcoming(): an accept that found
    /// nothing must not skip a context, or the end of every burst would.
    void advance() noexcept;

    std::size_t size() const noexcept { return contexts_.size(); }

    /// Runs the first context on the calling thread and every other (the listeners' too) on a
    /// thread of its own; returns when stop() has been called and every thread has returned.
    void run();
    /// Lets run() return: every context stops. Any thread.
    void stop();

private:
    using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    boost::asio::io_context accepting_{1};
    std::atomic<std::size_t> admissions_waiting_ = 0;
    // Until stop(): a context would return from run() whenever it has nothing to do.
    std::vector<WorkGuard> keep_running_;
    std::atomic<std::size_t> turn_ = 0;
};

}  // namespace salon::net
