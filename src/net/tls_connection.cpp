#include "net/tls_connection.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <variant>

#include "server/session.hpp"

namespace salon::net {
namespace asio = boost::asio;
using asio::awaitable;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
/// A client that has not finished its handshake by then is gone: it holds a connection slot of
/// its address and a share of the pool.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
/// How much one read asks of the stream; a frame longer than that takes several.
constexpr std::size_t kReadChunk = 4096;
/// The most bytes of frames one write takes: four full TLS records, so that a burst of small
/// frames costs few records and system calls, and the batch buffer stays small.
constexpr std::size_t kWriteBatch = 64 * 1024;

}  // namespace

TlsConnection::TlsConnection(
    ConnectionSocket socket,
    std::shared_ptr<asio::ssl::context> context,
    server::ChatServer& server,
    ConnectionRegistry& registry,
    std::size_t max_frame_bytes,
    std::string address
)
    : executor_(socket.get_executor()),
      context_(std::move(context)),
      stream_(std::move(socket), *context_),
      server_(server),
      registry_(registry),
      max_frame_bytes_(max_frame_bytes),
      address_(std::move(address)),
      driver_(executor_, server, *this),
      writer_signal_(executor_) {}

TlsConnection::~TlsConnection() = default;

void TlsConnection::start(asio::any_io_executor handshakes, std::unique_ptr<proto::Codec> codec) {
    codec_ = std::move(codec);
    boost::system::error_code ignored;
    stream_.next_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
    asio::co_spawn(
        handshakes,
        [self = shared_from_this()] { return self->handshake(); },
        // Back on the I/O thread, which owns the connection from here on.
        asio::bind_executor(
            executor_,
            [self = shared_from_this()](std::exception_ptr error, bool ok) {
                if (error) log_connection_error(self->address_, error);
                if (error || !ok || self->shutting_down_) {
                    self->end_now();
                    self->leave();
                    return;
                }
                asio::co_spawn(
                    self->executor_,
                    [self] { return self->serve(); },
                    [self](std::exception_ptr e) { log_connection_error(self->address_, e); }
                );
            }
        )
    );
}

awaitable<bool> TlsConnection::handshake() {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(co_await asio::this_coro::executor, kHandshakeTimeout);
    auto outcome = co_await (
        stream_.async_handshake(asio::ssl::stream_base::server, use_nothrow) ||
        timer.async_wait(use_nothrow)
    );
    if (outcome.index() == 1) {
        spdlog::debug("{}: TLS handshake timed out", address_);
        co_return false;
    }
    const auto [ec] = std::get<0>(outcome);
    if (ec) {
        spdlog::debug("{}: TLS handshake failed: {}", address_, ec.message());
        co_return false;
    }
    co_return true;
}

awaitable<void> TlsConnection::serve() {
    using namespace asio::experimental::awaitable_operators;
    session_ = server_.open_session(weak_from_this(), address_, std::move(codec_));
    driver_.heard();
    driver_.start_watchdog(*session_);
    try {
        co_await (read_loop() || write_loop());
    } catch (const std::exception& e) {
        spdlog::warn("{}: TLS connection error: {}", address_, e.what());
    }
    driver_.stop_watchdog();
    end_now();
    leave();
    session_->handle_disconnect(driver_.close_reason());
}

void TlsConnection::leave() {
    registry_.remove(address_, shared_from_this());
}

void TlsConnection::end_now() {
    boost::system::error_code ignored;
    auto& socket = stream_.lowest_layer();
    socket.shutdown(asio::socket_base::shutdown_both, ignored);
    socket.close(ignored);
}

void TlsConnection::close_after_flush(std::string reason) {
    asio::post(executor_, [self = shared_from_this(), reason = std::move(reason)]() mutable {
        if (self->driver_.begin_close(std::move(reason))) self->writer_signal_.cancel();
    });
}

void TlsConnection::shut_down() {
    asio::post(executor_, [self = shared_from_this()] {
        if (!self->session_) {
            // Still in the handshake: the connection ends when it completes or times out.
            self->shutting_down_ = true;
            return;
        }
        if (self->driver_.closing()) return;
        self->session_->notice("shutting_down", "the server is shutting down");
        if (self->driver_.begin_close("server shutting down")) self->writer_signal_.cancel();
    });
}

void TlsConnection::wake_writer() {
    asio::post(executor_, [self = shared_from_this()] { self->writer_signal_.cancel(); });
}

void TlsConnection::post_watchdog_tick() {
    if (auto self = weak_from_this().lock())  // empty while the connection is being destroyed
        asio::post(executor_, [self] { self->driver_.watchdog_tick(); });
}

void TlsConnection::on_watchdog_expired() {
    end_now();
    writer_signal_.cancel();  // the writer sees expired() and stops
}

awaitable<bool> TlsConnection::drained(std::size_t backlog_bytes) {
    co_return co_await driver_.drained(*session_, backlog_bytes);
}

awaitable<void> TlsConnection::read_loop() {
    // A frame of exactly the limit plus its "\r\n" must fit.
    const std::size_t max_buffered = max_frame_bytes_ + 2;
    std::string buffer;
    std::size_t search_from = 0;
    for (;;) {
        std::size_t consumed = 0;
        for (std::size_t newline;
             (newline = buffer.find('\n', search_from)) != std::string::npos;) {
            driver_.heard();
            co_await driver_.pause_while_backlogged(*session_);
            if (driver_.closing()) break;
            std::string frame(buffer.data() + consumed, newline - consumed);
            consumed = search_from = newline + 1;
            if (frame.ends_with('\r')) frame.pop_back();
            if (frame.size() > max_frame_bytes_) {
                session_->handle_oversized_frame();  // answers, then closes
                break;
            }
            if (!frame.empty()) co_await session_->handle_frame(std::move(frame));
            if (driver_.closing()) break;
        }
        if (driver_.closing()) break;
        buffer.erase(0, consumed);
        search_from = buffer.size();
        if (buffer.size() >= max_buffered) {
            session_->handle_oversized_frame();
            break;
        }
        co_await driver_.pause_while_backlogged(*session_);
        if (driver_.closing()) break;
        const std::size_t had = buffer.size();
        const std::size_t room = std::min(kReadChunk, max_buffered - had);
        buffer.resize(had + room);
        auto [ec, n] =
            co_await stream_.async_read_some(asio::buffer(buffer.data() + had, room), use_nothrow);
        buffer.resize(had + n);
        if (ec) {
            // Closed by the peer (with or without close_notify), reset, or a bad record.
            spdlog::debug("{}: TLS read ended: {}", address_, ec.message());
            end_now();
            co_return;
        }
        if (buffer.capacity() > 2 * kReadChunk && buffer.size() < kReadChunk)
            buffer.shrink_to_fit();
    }
    // Closing: the writer flushes and ends the connection (or the watchdog cuts it short).
    co_await driver_.park();
}

awaitable<void> TlsConnection::write_loop() {
    server::FrameQueue frames;
    for (;;) {
        if (driver_.expired()) co_return;  // the socket is closed: nothing more can be written
        if (!session_->outbox().take(frames)) {
            if (driver_.closing() && !session_->outbox().owes_replies()) {
                // Everything is written. No close_notify: the reader may have a read pending,
                // and OpenSSL's shutdown would read too; the FIN ends the stream.
                end_now();
                co_return;
            }
            writer_signal_.expires_at(asio::steady_timer::time_point::max());
            co_await writer_signal_.async_wait(use_nothrow);
            continue;
        }
        // Gathered by hand: the SSL stream writes one buffer of a sequence per record.
        std::string batch;
        while (!frames.empty()) {
            batch.clear();
            std::size_t taken = 0;
            for (const server::Frame& frame : frames) {
                if (!batch.empty() && batch.size() + frame->size() > kWriteBatch) break;
                batch += *frame;
                ++taken;
            }
            frames.pop_front(taken);
            auto [ec, written] =
                co_await asio::async_write(stream_, asio::buffer(batch), use_nothrow);
            if (ec) {
                end_now();
                co_return;
            }
        }
        driver_.wrote();
    }
}

}  // namespace salon::net
