#include "net/session_driver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace salon::net {
namespace asio = boost::asio;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
/// How long a closing connection may take to flush before it is cut: a peer that stopped
/// reading must not hold its memory.
constexpr auto kCloseFlushBound = std::chrono::seconds(2);
/// How often a reader paused because the whole server is congested looks again.
constexpr auto kCongestionRecheck = std::chrono::milliseconds(1);

}  // namespace

SessionDriver::SessionDriver(asio::any_io_executor strand, server::ChatServer& server)
    : server_(server),
      writer_signal_(strand),
      reader_signal_(strand),
      watchdog_timer_(strand),
      last_heard_(server.clock().steady_now()) {}

void SessionDriver::heard() {
    last_heard_ = server_.clock().steady_now();
    pinged_ = false;
}

bool SessionDriver::begin_close(std::string reason) {
    if (closing_) return false;
    closing_ = true;
    close_reason_ = std::move(reason);
    closing_since_ = server_.clock().steady_now();
    writer_signal_.cancel();
    reader_signal_.cancel();
    if (watching_) arm_watchdog();  // the deadline is now the closing flush's bound
    return true;
}

asio::awaitable<void> SessionDriver::wait_for_frames() {
    writer_signal_.expires_at(asio::steady_timer::time_point::max());
    co_await writer_signal_.async_wait(use_nothrow);
}

asio::awaitable<void> SessionDriver::pause_while_backlogged(const server::Session& session) {
    const std::size_t pause_above = server_.settings().limits.send_queue_bytes / 2;
    for (;;) {
        if (closing_ || expired_) co_return;
        if (session.outbox().backlog_bytes() > pause_above) {
            // wrote() wakes it.
            reader_signal_.expires_at(asio::steady_timer::time_point::max());
        } else if (server_.pipeline().congested()) {
            // Nothing wakes a reader when the server catches up: it looks again shortly.
            reader_signal_.expires_after(kCongestionRecheck);
        } else {
            co_return;
        }
        co_await reader_signal_.async_wait(use_nothrow);
    }
}

void SessionDriver::start_watchdog(
    std::weak_ptr<void> owner, server::Session& session, std::function<void()> on_expired
) {
    owner_ = std::move(owner);
    session_ = &session;
    on_expired_ = std::move(on_expired);
    watching_ = true;
    arm_watchdog();
}

void SessionDriver::stop_watchdog() {
    watching_ = false;
    watchdog_timer_.cancel();
    on_expired_ = nullptr;
}

void SessionDriver::arm_watchdog() {
    const auto idle = server_.settings().limits.idle_timeout;
    const auto next = closing_  ? closing_since_ + kCloseFlushBound
                      : pinged_ ? last_heard_ + idle
                                : last_heard_ + idle / 2;
    // Setting the expiry cancels the wait in progress, whose handler then does nothing.
    watchdog_timer_.expires_at(next);
    watchdog_timer_.async_wait([this, owner = owner_](const boost::system::error_code& ec) {
        const auto alive = owner.lock();
        if (ec || !alive || !watching_) return;
        watchdog_tick();
    });
}

void SessionDriver::watchdog_tick() {
    const auto now = server_.clock().steady_now();
    const auto idle = server_.settings().limits.idle_timeout;
    const bool expired_now =
        closing_ ? now - closing_since_ >= kCloseFlushBound : now - last_heard_ >= idle;
    if (!expired_now) {
        if (!closing_ && !pinged_ && now - last_heard_ >= idle / 2) {
            pinged_ = true;
            session_->handle_idle();
        }
        arm_watchdog();
        return;
    }
    if (!closing_) close_reason_ = "ping timeout";
    closing_ = true;
    expired_ = true;
    watching_ = false;
    writer_signal_.cancel();
    reader_signal_.cancel();
    if (on_expired_) on_expired_();
}

asio::awaitable<void> SessionDriver::park() {
    asio::steady_timer forever(
        writer_signal_.get_executor(), asio::steady_timer::time_point::max()
    );
    co_await forever.async_wait(use_nothrow);
}

}  // namespace salon::net
