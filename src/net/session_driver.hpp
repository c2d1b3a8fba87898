// What every transport connection does around its Session, whatever its framing.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "net/deadline_wheel.hpp"
#include "server/chat_server.hpp"
#include "server/session.hpp"

namespace salon::net {

class WatchdogService;

/// What a SessionDriver needs of the connection it drives.
class DrivenConnection {
public:
    /// Runs the driver's watchdog_tick() on the connection's thread, unless the connection is
    /// already being destroyed. Called from any thread with the watchdog's lock held: it must
    /// only post.
    virtual void post_watchdog_tick() = 0;
    /// The watchdog expired: the connection must stop its socket operations. On the connection's
    /// thread.
    virtual void on_watchdog_expired() = 0;

protected:
    ~DrivenConnection() = default;
};

/// The flow control and timing a transport connection applies to its Session: the reader's
/// pause while the outbox backlog is high (backpressure), and the watchdog: PING after half the
/// idle timeout, the end after the whole of it, the login deadline, and the bound on a closing
/// flush. A connection runs its own reader and writer (they know the framing).
///
/// The watchdog is a deadline in one timing wheel per io_context (WatchdogService), not a timer
/// per connection: an Asio timer costs every connection its own executor, per-timer state, a
/// pending wait operation and a slot in the timer heap, while a deadline in the wheel costs
/// three words. The wheel's tick posts watchdog_tick() to the thread of a connection whose
/// deadline passed, and only then is anything decided.
///
/// Not thread-safe: every member is used on the connection's thread, except that the
/// WatchdogService reads the deadline under its own lock.
class SessionDriver : private DeadlineWheel::Entry {
public:
    SessionDriver(
        boost::asio::any_io_executor executor,
        server::ChatServer& server,
        DrivenConnection& connection
    );
    SessionDriver(const SessionDriver&) = delete;
    SessionDriver& operator=(const SessionDriver&) = delete;
    ~SessionDriver();

    /// The peer sent a complete frame (or a protocol-level ping between frames): it is alive.
    /// Bytes of a frame still incomplete do not count, so a frame trickled forever is silence.
    void heard();

    /// Closing: a close was asked for, or the watchdog expired.
    bool closing() const noexcept { return closing_; }

    /// The watchdog ended the connection: the peer was silent for the idle timeout, or a closing
    /// flush took longer than its bound. Waits in this driver return; readers and writers stop.
    bool expired() const noexcept { return expired_; }

    /// Why the connection ended, for the QUIT that follows ("connection closed" by default).
    std::string close_reason() const {
        return close_reason_ && !close_reason_->empty() ? *close_reason_ : "connection closed";
    }

    /// Starts closing after a flush; false when it was closing already (the first reason wins).
    bool begin_close(std::string reason);

    /// The writer wrote something: a reader paused for backpressure may go on.
    void wrote() { wake_reader(); }

    /// Past half the send-queue bound the reader waits for the writer: a client that pipelines
    /// requests faster than it reads the replies is slowed down, not dropped. Only events from
    /// others can then fill the queue to its limit. The reader also waits while the message
    /// pipeline is congested (the server accepts more than it delivers). Run it on the connection's
    /// thread.
    boost::asio::awaitable<void> pause_while_backlogged(const server::Session& session);

    /// What server::Link::drained() asks of a transport: waits until the session's backlog is at
    /// most `backlog_bytes`, or for 0 until what its Outbox holds now has been written. False
    /// once closing.
    boost::asio::awaitable<bool> drained(const server::Session& session, std::size_t backlog_bytes);

    /// Starts the watchdog. When it expires it sets expired(), wakes a paused reader and calls
    /// the connection's on_watchdog_expired(). A session not logged in by the login timeout
    /// gets `NOTICE login_timeout` and is closed after the flush.
    void start_watchdog(server::Session& session);
    /// Stops the watchdog for good; call when the connection ends.
    void stop_watchdog();
    /// Checks the deadlines now: PING, expiry, or the next deadline. What the connection's
    /// post_watchdog_tick() runs.
    void watchdog_tick();

    /// Waits until cancelled: a closing reader's place while the writer flushes.
    boost::asio::awaitable<void> park();

private:
    friend class WatchdogService;

    void arm_watchdog();
    void wake_reader();
    /// Waits for the writer's next write (wrote()), or for `recheck` when given; on the
    /// connection's thread, with `timer` made once per waiting caller.
    boost::asio::awaitable<void> wait_for_write(
        std::optional<boost::asio::steady_timer>& timer,
        std::optional<std::chrono::milliseconds> recheck = std::nullopt
    );
    /// Still to log in, and the login timeout not yet acted on.
    bool awaiting_login() const;

    server::ChatServer& server_;
    DrivenConnection& connection_;
    WatchdogService& watchdog_;
    // The timer a paused reader waits on, which lives in the pause's coroutine frame: a
    // connection that is not paused keeps no timer.
    boost::asio::steady_timer* paused_reader_ = nullptr;
    server::Session* session_ = nullptr;
    // When the peer was last heard from; once closing, when the close began (what is heard
    // from a closing peer no longer matters).
    core::SteadyTime since_;
    // When the watchdog started: the login timeout counts from here.
    core::SteadyTime opened_;
    bool pinged_ = false;
    bool login_timed_out_ = false;
    bool closing_ = false;
    bool expired_ = false;
    bool watching_ = false;
    // Out of line: only a closing connection has one, and every idle connection stays smaller.
    std::unique_ptr<std::string> close_reason_;
};

}  // namespace salon::net
