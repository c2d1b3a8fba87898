#include "net/session_driver.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace salon::net {
namespace asio = boost::asio;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
/// How long a closing connection may take to flush before it is cut: a peer that stopped
/// reading must not hold its memory.
constexpr std::chrono::milliseconds kCloseFlushBound = std::chrono::seconds(2);
/// How often a reader paused because the whole server is congested looks again.
constexpr auto kCongestionRecheck = std::chrono::milliseconds(1);
/// The watchdog's resolution: a PING or a close comes at most this late (and never early). Half
/// the shortest idle timeout the configuration allows (0.2 s).
constexpr auto kWatchdogTick = std::chrono::milliseconds(100);
/// A turn of the wheel is 51.2 s: a deadline further ahead (the PING at half the default 120 s
/// idle timeout) is looked at once per turn before it is due, which costs nothing worth
/// counting, and the empty buckets cost 8 KiB per io_context.
constexpr std::size_t kWatchdogBuckets = 512;

}  // namespace

/// Every watchdog deadline of one io_context, in one timing wheel ticked by one timer, which
/// runs only while some deadline is filed. Thread-safe: connections on any thread file and
/// remove their deadlines under its mutex, and a tick only posts to the connections that are
/// due.
class WatchdogService final : public asio::execution_context::service {
public:
    static asio::execution_context::id id;

    explicit WatchdogService(asio::io_context& io)
        : asio::execution_context::service(io),
          wheel_(kWatchdogTick, kWatchdogBuckets, DeadlineWheel::Clock::now()),
          timer_(io) {}

    /// The service of the io_context whose executor `executor` is.
    /// @throws std::logic_error for any other executor
    static WatchdogService& of(const asio::any_io_executor& executor) {
        if (const auto* io = executor.target<asio::io_context::executor_type>())
            return asio::use_service<WatchdogService>(io->context());
        throw std::logic_error("a connection's executor must be an io_context's");
    }

    void schedule(SessionDriver& driver, core::SteadyTime deadline) {
        std::lock_guard lock(mutex_);
        if (shut_down_) return;
        wheel_.insert(driver, deadline);
        if (!ticking_) arm();
    }

    void cancel(SessionDriver& driver) {
        std::lock_guard lock(mutex_);
        wheel_.remove(driver);
    }

private:
    void shutdown() override {
        std::lock_guard lock(mutex_);
        shut_down_ = true;
        wheel_.clear();  // the pending tick is destroyed with the io_context's timers
    }

    void arm() {  // requires mutex_
        ticking_ = true;
        timer_.expires_after(wheel_.tick());
        timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) tick();
        });
    }

    void tick() {
        std::lock_guard lock(mutex_);
        ticking_ = false;
        wheel_.advance(DeadlineWheel::Clock::now(), [](DeadlineWheel::Entry& entry) {
            static_cast<SessionDriver&>(entry).connection_.post_watchdog_tick();
        });
        if (!wheel_.empty() && !shut_down_) arm();
    }

    std::mutex mutex_;
    DeadlineWheel wheel_;
    asio::basic_waitable_timer<std::chrono::steady_clock> timer_;
    bool ticking_ = false;
    bool shut_down_ = false;
};

asio::execution_context::id WatchdogService::id;

SessionDriver::SessionDriver(
    asio::any_io_executor executor, server::ChatServer& server, DrivenConnection& connection
)
    : server_(server),
      connection_(connection),
      watchdog_(WatchdogService::of(executor)),
      since_(server.clock().steady_now()) {}

SessionDriver::~SessionDriver() {
    watchdog_.cancel(*this);
}

void SessionDriver::heard() {
    if (closing_) return;
    since_ = server_.clock().steady_now();
    pinged_ = false;
}

bool SessionDriver::begin_close(std::string reason) {
    if (closing_) return false;
    closing_ = true;
    close_reason_ = std::make_unique<std::string>(std::move(reason));
    since_ = server_.clock().steady_now();
    wake_reader();
    if (watching_) arm_watchdog();  // the deadline is now the closing flush's bound
    return true;
}

void SessionDriver::wake_reader() {
    if (paused_reader_ != nullptr) paused_reader_->cancel();
}

asio::awaitable<void> SessionDriver::pause_while_backlogged(const server::Session& session) {
    const std::size_t pause_above = server_.settings().limits.send_queue_bytes / 2;
    std::optional<asio::steady_timer> timer;  // made only when the reader must wait
    for (;;) {
        if (closing_ || expired_) co_return;
        const bool backlogged = session.outbox().backlog_bytes() > pause_above;
        if (!backlogged && !server_.pipeline().congested()) co_return;
        // Nothing wakes a reader when the server catches up: it looks again shortly.
        co_await wait_for_write(
            timer, backlogged ? std::nullopt : std::optional(kCongestionRecheck)
        );
    }
}

asio::awaitable<bool> SessionDriver::drained(
    const server::Session& session, std::size_t backlog_bytes
) {
    const auto& outbox = session.outbox();
    const auto queued = outbox.mark();
    std::optional<asio::steady_timer> timer;
    for (;;) {
        if (closing_ || expired_) co_return false;
        if (backlog_bytes == 0 ? outbox.written_through(queued)
                               : outbox.backlog_bytes() <= backlog_bytes)
            co_return true;
        co_await wait_for_write(timer);
    }
}

asio::awaitable<void> SessionDriver::wait_for_write(
    std::optional<asio::steady_timer>& timer, std::optional<std::chrono::milliseconds> recheck
) {
    if (!timer) timer.emplace(co_await asio::this_coro::executor);
    if (recheck) {
        timer->expires_after(*recheck);
    } else {
        timer->expires_at(asio::steady_timer::time_point::max());  // wrote() wakes it
    }
    paused_reader_ = &*timer;
    co_await timer->async_wait(use_nothrow);
    paused_reader_ = nullptr;
}

void SessionDriver::start_watchdog(server::Session& session) {
    session_ = &session;
    watching_ = true;
    opened_ = server_.clock().steady_now();
    arm_watchdog();
}

void SessionDriver::stop_watchdog() {
    watching_ = false;
    watchdog_.cancel(*this);
}

bool SessionDriver::awaiting_login() const {
    return !closing_ && !login_timed_out_ && !session_->logged_in();
}

void SessionDriver::arm_watchdog() {
    const auto& limits = server_.settings().limits;
    const auto idle = limits.idle_timeout;
    auto deadline = since_ + (closing_ ? kCloseFlushBound : pinged_ ? idle : idle / 2);
    if (awaiting_login()) deadline = std::min(deadline, opened_ + limits.login_timeout);
    watchdog_.schedule(*this, deadline);
}

void SessionDriver::watchdog_tick() {
    if (!watching_) return;  // stopped after the tick was posted
    const auto now = server_.clock().steady_now();
    const auto idle = server_.settings().limits.idle_timeout;
    if (awaiting_login() && now - opened_ >= server_.settings().limits.login_timeout) {
        // Answering PINGs is not enough to hold a connection without logging in.
        login_timed_out_ = true;
        session_->notice("login_timeout", "you did not log in in time; closing the connection");
        session_->close("login timeout");
    }
    const bool expired_now = now - since_ >= (closing_ ? kCloseFlushBound : idle);
    if (!expired_now) {
        if (!closing_ && !pinged_ && now - since_ >= idle / 2) {
            pinged_ = true;
            session_->handle_idle();
        }
        arm_watchdog();
        return;
    }
    if (!closing_) close_reason_ = std::make_unique<std::string>("ping timeout");
    closing_ = true;
    expired_ = true;
    watching_ = false;
    wake_reader();
    connection_.on_watchdog_expired();
}

asio::awaitable<void> SessionDriver::park() {
    asio::steady_timer forever(
        co_await asio::this_coro::executor, asio::steady_timer::time_point::max()
    );
    co_await forever.async_wait(use_nothrow);
}

}  // namespace salon::net
