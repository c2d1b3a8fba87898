#include "net/tcp_connection.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "metrics/salon_metrics.hpp"
#include "server/session.hpp"

namespace salon::net {
namespace asio = boost::asio;
using asio::awaitable;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
/// How long a closing connection may take to flush before it is cut: a peer that stopped
/// reading must not hold its memory.
constexpr auto kCloseFlushBound = std::chrono::seconds(2);

}  // namespace

TcpConnection::TcpConnection(
    asio::ip::tcp::socket socket,
    server::ChatServer& server,
    ConnectionRegistry& registry,
    CodecFactory make_codec,
    std::size_t max_frame_bytes
)
    : socket_(std::move(socket)),
      server_(server),
      registry_(registry),
      make_codec_(std::move(make_codec)),
      max_frame_bytes_(max_frame_bytes),
      writer_signal_(socket_.get_executor()),
      reader_signal_(socket_.get_executor()),
      watchdog_timer_(socket_.get_executor()) {
    boost::system::error_code ec;
    const auto endpoint = socket_.remote_endpoint(ec);
    address_ = ec ? std::string("unknown") : endpoint.address().to_string();
}

awaitable<void> TcpConnection::run() {
    using namespace asio::experimental::awaitable_operators;
    auto self = shared_from_this();
    const metrics::GaugeScope counted(metrics::salon().tcp_connections);
    metrics::salon().tcp_accepted.inc();
    session_ = server_.open_session(weak_from_this(), address_, make_codec_());
    session_->outbox().attach([weak = weak_from_this()] {
        if (auto connection = weak.lock()) connection->wake_writer();
    });
    boost::system::error_code ec;
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    last_heard_ = server_.clock().steady_now();

    try {
        co_await (read_loop() || write_loop() || watchdog());
    } catch (const std::exception& e) {
        spdlog::warn("{}: connection error: {}", address_, e.what());
    }

    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    registry_.remove(address_, self);
    session_->handle_disconnect(close_reason_.empty() ? "connection closed" : close_reason_);
}

void TcpConnection::close_after_flush(std::string reason) {
    asio::post(
        socket_.get_executor(),
        [self = shared_from_this(), reason = std::move(reason)]() mutable {
            self->begin_close(std::move(reason));
        }
    );
}

void TcpConnection::shut_down() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
        if (self->closing_ || !self->session_) return;
        self->session_->notice("shutting_down", "the server is shutting down");
        self->begin_close("server shutting down");
    });
}

void TcpConnection::wake_writer() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
        self->writer_signal_.cancel();
    });
}

void TcpConnection::begin_close(std::string reason) {
    if (closing_) return;
    closing_ = true;
    close_reason_ = std::move(reason);
    closing_since_ = server_.clock().steady_now();
    writer_signal_.cancel();
    reader_signal_.cancel();
    watchdog_timer_.cancel();
}

awaitable<void> TcpConnection::read_loop() {
    const std::size_t max_frame = max_frame_bytes_;
    // Past half the send-queue bound the reader pauses until the writer catches up: a client
    // that pipelines requests faster than it reads the replies is slowed down, not dropped.
    // Only events pushed by others can then fill the queue to its limit.
    const std::size_t pause_above = server_.settings().limits.send_queue_bytes / 2;
    std::string buffer;
    for (;;) {
        while (!closing_ && session_->outbox().backlog_bytes() > pause_above) {
            reader_signal_.expires_at(asio::steady_timer::time_point::max());
            co_await reader_signal_.async_wait(use_nothrow);
        }
        // +2 leaves room for the "\r\n" after a frame of exactly the limit.
        auto [ec, n] = co_await asio::async_read_until(
            socket_, asio::dynamic_buffer(buffer, max_frame + 2), '\n', use_nothrow
        );
        if (ec == asio::error::not_found) {
            session_->handle_oversized_frame();
            break;
        }
        if (ec) co_return;  // the peer went away (EOF, reset) or we are being cancelled
        last_heard_ = server_.clock().steady_now();
        pinged_ = false;

        std::string_view frame(buffer.data(), n - 1);
        if (frame.ends_with('\r')) frame.remove_suffix(1);
        if (closing_) break;
        if (frame.size() > max_frame) {
            session_->handle_oversized_frame();
            break;
        }
        if (!frame.empty()) co_await session_->handle_frame(std::string(frame));
        buffer.erase(0, n);
        if (closing_) break;
        // A long idle connection should not keep the largest buffer it ever needed.
        if (buffer.empty() && buffer.capacity() > 4096) buffer.shrink_to_fit();
    }
    // Closing: let the writer flush (it or the watchdog ends the connection).
    asio::steady_timer forever(socket_.get_executor(), asio::steady_timer::time_point::max());
    co_await forever.async_wait(use_nothrow);
}

awaitable<void> TcpConnection::write_loop() {
    std::vector<server::Frame> frames;
    std::vector<asio::const_buffer> buffers;
    for (;;) {
        frames.clear();
        if (!session_->outbox().take(frames)) {
            if (closing_) co_return;  // everything written: the connection may end
            writer_signal_.expires_at(asio::steady_timer::time_point::max());
            co_await writer_signal_.async_wait(use_nothrow);
            continue;
        }
        buffers.clear();
        for (const auto& frame : frames) buffers.emplace_back(asio::buffer(*frame));
        auto [ec, written] = co_await asio::async_write(socket_, buffers, use_nothrow);
        if (ec) co_return;
        reader_signal_.cancel();
    }
}

awaitable<void> TcpConnection::watchdog() {
    const auto idle = server_.settings().limits.idle_timeout;
    for (;;) {
        const auto now = server_.clock().steady_now();
        if (closing_) {
            if (now - closing_since_ >= kCloseFlushBound) co_return;
        } else if (now - last_heard_ >= idle) {
            close_reason_ = "ping timeout";
            co_return;
        } else if (!pinged_ && now - last_heard_ >= idle / 2) {
            pinged_ = true;
            session_->handle_idle();
        }
        const auto next = closing_  ? closing_since_ + kCloseFlushBound
                          : pinged_ ? last_heard_ + idle
                                    : last_heard_ + idle / 2;
        watchdog_timer_.expires_at(next);
        co_await watchdog_timer_.async_wait(use_nothrow);
    }
}

}  // namespace salon::net
