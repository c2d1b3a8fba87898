// What every transport connection does around its Session, whatever its framing.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>

#include "core/clock.hpp"
#include "server/chat_server.hpp"
#include "server/session.hpp"

namespace salon::net {

/// The flow control and timing a transport connection applies to its Session: the writer's
/// wake-up, the reader's pause while the outbox backlog is high (backpressure), PING after half
/// the idle timeout and the end after the whole of it, and the bound on a closing flush.
/// A connection runs its own reader and writer (they know the framing) and this watchdog side
/// by side, and ends when the first of them does.
///
/// Not thread-safe: every member is used on the connection's strand. Wake-ups from other
/// threads are posted there by the connection.
class SessionDriver {
public:
    SessionDriver(boost::asio::any_io_executor strand, server::ChatServer& server);

    /// The peer sent something (a frame or a protocol-level ping): it is alive.
    void heard();

    bool closing() const noexcept { return closing_; }

    /// Why the connection ended, for the QUIT that follows ("connection closed" by default).
    std::string close_reason() const {
        return close_reason_.empty() ? "connection closed" : close_reason_;
    }

    /// Starts closing after a flush; false when it was closing already (the first reason wins).
    bool begin_close(std::string reason);

    /// Wakes the writer waiting in wait_for_frames().
    void wake_writer() { writer_signal_.cancel(); }

    /// The writer has nothing to write: waits for wake_writer() or begin_close().
    boost::asio::awaitable<void> wait_for_frames();

    /// The writer wrote something: a reader paused for backpressure may go on.
    void wrote() { reader_signal_.cancel(); }

    /// Past half the send-queue bound the reader waits for the writer: a client that pipelines
    /// requests faster than it reads the replies is slowed down, not dropped. Only events from
    /// others can then fill the queue to its limit.
    boost::asio::awaitable<void> pause_while_backlogged(const server::Session& session);

    /// Returns when the connection must end: the peer was silent for the idle timeout (after a
    /// PING through the session at half of it), or a closing flush took longer than its bound.
    boost::asio::awaitable<void> watchdog(server::Session& session);

    /// Waits until cancelled: a closing reader's place while the writer flushes.
    boost::asio::awaitable<void> park();

private:
    server::ChatServer& server_;
    boost::asio::steady_timer writer_signal_;
    boost::asio::steady_timer reader_signal_;
    boost::asio::steady_timer watchdog_timer_;
    core::SteadyTime last_heard_;
    core::SteadyTime closing_since_;
    bool pinged_ = false;
    bool closing_ = false;
    std::string close_reason_;
};

}  // namespace salon::net
