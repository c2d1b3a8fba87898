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
      driver_(socket_.get_executor(), server) {
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
    driver_.heard();

    try {
        co_await (read_loop() || write_loop() || driver_.watchdog(*session_));
    } catch (const std::exception& e) {
        spdlog::warn("{}: connection error: {}", address_, e.what());
    }

    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    registry_.remove(address_, self);
    session_->handle_disconnect(driver_.close_reason());
}

void TcpConnection::close_after_flush(std::string reason) {
    asio::post(
        socket_.get_executor(),
        [self = shared_from_this(), reason = std::move(reason)]() mutable {
            self->driver_.begin_close(std::move(reason));
        }
    );
}

void TcpConnection::shut_down() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
        if (self->driver_.closing() || !self->session_) return;
        self->session_->notice("shutting_down", "the server is shutting down");
        self->driver_.begin_close("server shutting down");
    });
}

void TcpConnection::wake_writer() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
        self->driver_.wake_writer();
    });
}

awaitable<void> TcpConnection::read_loop() {
    const std::size_t max_frame = max_frame_bytes_;
    std::string buffer;
    for (;;) {
        co_await driver_.pause_while_backlogged(*session_);
        // +2 leaves room for the "\r\n" after a frame of exactly the limit.
        auto [ec, n] = co_await asio::async_read_until(
            socket_, asio::dynamic_buffer(buffer, max_frame + 2), '\n', use_nothrow
        );
        if (ec == asio::error::not_found) {
            session_->handle_oversized_frame();
            break;
        }
        if (ec) co_return;  // the peer went away (EOF, reset) or we are being cancelled
        driver_.heard();

        std::string_view frame(buffer.data(), n - 1);
        if (frame.ends_with('\r')) frame.remove_suffix(1);
        if (driver_.closing()) break;
        if (frame.size() > max_frame) {
            session_->handle_oversized_frame();
            break;
        }
        if (!frame.empty()) co_await session_->handle_frame(std::string(frame));
        buffer.erase(0, n);
        if (driver_.closing()) break;
        // A long idle connection should not keep the largest buffer it ever needed.
        if (buffer.empty() && buffer.capacity() > 4096) buffer.shrink_to_fit();
    }
    // Closing: let the writer flush (it or the watchdog ends the connection).
    co_await driver_.park();
}

awaitable<void> TcpConnection::write_loop() {
    std::vector<server::Frame> frames;
    std::vector<asio::const_buffer> buffers;
    for (;;) {
        frames.clear();
        if (!session_->outbox().take(frames)) {
            // Everything written, and no reply still owed: the connection may end.
            if (driver_.closing() && !session_->outbox().owes_replies()) co_return;
            co_await driver_.wait_for_frames();
            continue;
        }
        buffers.clear();
        for (const auto& frame : frames) buffers.emplace_back(asio::buffer(*frame));
        auto [ec, written] = co_await asio::async_write(socket_, buffers, use_nothrow);
        if (ec) co_return;
        driver_.wrote();
    }
}

}  // namespace salon::net
