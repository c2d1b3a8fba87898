// What every transport connection does around its Session, whatever its framing.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "server/chat_server.hpp"
#include "server/session.hpp"

namespace salon::net {

/// The flow control and timing a transport connection applies to its Session: the writer's
/// wake-up, the reader's pause while the outbox backlog is high (backpressure), and the
/// watchdog: PING after half the idle timeout, the end after the whole of it, and the bound on
/// a closing flush. A connection runs its own reader and writer (they know the framing); the
/// watchdog is a timer callback, not a coroutine, because every coroutine a connection keeps
/// suspended costs it a frame for as long as it lives.
///
/// Not thread-safe: every member is used on the connection's strand. Wake-ups from other
/// threads are posted there by the connection.
class SessionDriver {
public:
    SessionDriver(boost::asio::any_io_executor strand, server::ChatServer& server);

    /// The peer sent something (a frame or a protocol-level ping): it is alive.
    void heard();

    /// Closing: a close was asked for, or the watchdog expired.
    bool closing() const noexcept { return closing_; }

    /// The watchdog ended the connection: the peer was silent for the idle timeout, or a closing
    /// flush took longer than its bound. Waits in this driver return; readers and writers stop.
    bool expired() const noexcept { return expired_; }

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
    /// others can then fill the queue to its limit. The reader also waits while the message
    /// pipeline is congested (the server accepts more than it delivers).
    boost::asio::awaitable<void> pause_while_backlogged(const server::Session& session);

    /// Starts the watchdog. When it expires it sets expired(), wakes this driver's waits and
    /// calls `on_expired`, which must stop the connection's socket operations. `owner` is what
    /// keeps this driver alive (its connection): a tick runs only while it does.
    void start_watchdog(
        std::weak_ptr<void> owner, server::Session& session, std::function<void()> on_expired
    );
    /// Stops the watchdog for good; call when the connection ends.
    void stop_watchdog();

    /// Waits until cancelled: a closing reader's place while the writer flushes.
    boost::asio::awaitable<void> park();

private:
    void arm_watchdog();
    void watchdog_tick();

    server::ChatServer& server_;
    boost::asio::steady_timer writer_signal_;
    boost::asio::steady_timer reader_signal_;
    boost::asio::steady_timer watchdog_timer_;
    core::SteadyTime last_heard_;
    core::SteadyTime closing_since_;
    bool pinged_ = false;
    bool closing_ = false;
    bool expired_ = false;
    bool watching_ = false;
    std::string close_reason_;
    std::weak_ptr<void> owner_;
    server::Session* session_ = nullptr;
    std::function<void()> on_expired_;
};

}  // namespace salon::net
