#include "net/websocket_connection.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "metrics/salon_metrics.hpp"
#include "server/session.hpp"

namespace salon::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::awaitable;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
/// How much of a message is read at a time; the frame limit is checked after each piece.
constexpr std::size_t kReadChunk = 4096;
/// Bounds the opening and closing handshakes (the idle rules are the protocol's own).
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

/// The subprotocol the handshake answers with; empty for none.
std::string_view subprotocol_of(WebSocketFormat format) {
    switch (format) {
        case WebSocketFormat::irc_text:
            return "text.ircv3.net";
        case WebSocketFormat::irc_binary:
            return "binary.ircv3.net";
        case WebSocketFormat::native:
            break;
    }
    return {};
}

}  // namespace

template <typename Stream>
BasicWebSocketConnection<Stream>::BasicWebSocketConnection(
    Stream stream, server::ChatServer& server, std::string address
)
    : ws_(std::move(stream)),
      server_(server),
      address_(std::move(address)),
      driver_(ws_.get_executor(), server, *this),
      writer_signal_(ws_.get_executor()) {}

template <typename Stream>
awaitable<void> BasicWebSocketConnection<Stream>::run(
    Request upgrade,
    std::unique_ptr<proto::Codec> codec,
    WebSocketFormat format,
    std::size_t max_frame_bytes
) {
    using namespace asio::experimental::awaitable_operators;
    auto self = shared_from_this();
    format_ = format;
    max_frame_bytes_ =
        max_frame_bytes != 0 ? max_frame_bytes : server_.settings().limits.max_frame_bytes;
    beast::get_lowest_layer(ws_).expires_never();  // the watchdog owns timing from here on
    ws_.set_option(websocket::stream_base::timeout{
        kHandshakeTimeout, websocket::stream_base::none(), false});
    ws_.set_option(websocket::stream_base::decorator([subprotocol = subprotocol_of(format
                                                      )](websocket::response_type& response) {
        response.set(beast::http::field::server, "salond");
        if (!subprotocol.empty())
            response.set(beast::http::field::sec_websocket_protocol, subprotocol);
    }));
    // The frame limit is enforced by read_loop, which answers `NO line_too_long` before the
    // close; Beast's own limit would close with 1009 before that reply could be sent.
    ws_.read_message_max(0);
    ws_.auto_fragment(false);

    auto [accept_error] = co_await ws_.async_accept(upgrade, use_nothrow);
    if (accept_error) {
        // Beast has answered the bad handshake with a 400 already.
        spdlog::info("{}: WebSocket handshake failed: {}", address_, accept_error.message());
        metrics::salon().http_rejected.inc();
        co_return;
    }
    const metrics::GaugeScope counted(metrics::salon().websocket_connections);
    metrics::salon().websocket_accepted.inc();

    session_ = server_.open_session(weak_from_this(), address_, std::move(codec));
    driver_.heard();
    // A ping or pong from the peer is a sign of life like any frame, unless it comes in the
    // middle of a message that must complete first. Runs inside our reads, on the connection's
    // thread.
    ws_.control_callback([this](websocket::frame_type, beast::string_view) {
        if (!mid_message_) driver_.heard();
    });
    boost::system::error_code ec;
    beast::get_lowest_layer(ws_).socket().set_option(asio::ip::tcp::no_delay(true), ec);

    // Some WebSocket operations ignore cancellation: closing the socket ends them.
    driver_.start_watchdog(*session_);
    try {
        co_await (read_loop() || write_loop());
    } catch (const std::exception& e) {
        spdlog::warn("{}: WebSocket connection error: {}", address_, e.what());
    }
    driver_.stop_watchdog();

    ws_.control_callback();
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket.close(ec);
    session_->handle_disconnect(driver_.close_reason());
}

template <typename Stream>
void BasicWebSocketConnection<Stream>::close_after_flush(std::string reason) {
    asio::post(
        ws_.get_executor(),
        [self = shared_from_this(), reason = std::move(reason)]() mutable {
            self->begin_close(std::move(reason), self->close_code_);
        }
    );
}

template <typename Stream>
void BasicWebSocketConnection<Stream>::shut_down() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
        if (self->driver_.closing()) return;
        if (!self->session_) {
            // Still in the opening handshake: nothing to say goodbye to yet.
            self->driver_.begin_close("server shutting down");
            self->end_now();
            return;
        }
        self->session_->notice("shutting_down", "the server is shutting down");
        self->begin_close("server shutting down", websocket::close_code::going_away);
    });
}

template <typename Stream>
void BasicWebSocketConnection<Stream>::wake_writer() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->writer_signal_.cancel(); });
}

template <typename Stream>
void BasicWebSocketConnection<Stream>::post_watchdog_tick() {
    if (auto self = weak_from_this().lock())  // empty while the connection is being destroyed
        asio::post(ws_.get_executor(), [self] { self->driver_.watchdog_tick(); });
}

template <typename Stream>
void BasicWebSocketConnection<Stream>::on_watchdog_expired() {
    end_now();
    writer_signal_.cancel();  // the writer sees expired() and stops
}

template <typename Stream>
void BasicWebSocketConnection<Stream>::end_now() {
    // Whichever coroutine ends the connection closes the socket, so that the WebSocket
    // operations still pending in the others complete at once (they do not all honour
    // cancellation).
    beast::get_lowest_layer(ws_).close();
}

template <typename Stream>
void BasicWebSocketConnection<Stream>::begin_close(std::string reason, websocket::close_code code) {
    if (!driver_.begin_close(std::move(reason))) return;
    close_code_ = code;
    writer_signal_.cancel();  // the writer flushes what is left, then closes
}

template <typename Stream>
awaitable<bool> BasicWebSocketConnection<Stream>::drained(std::size_t backlog_bytes) {
    co_return co_await driver_.drained(*session_, backlog_bytes);
}

template <typename Stream>
awaitable<void> BasicWebSocketConnection<Stream>::read_loop() {
    const std::size_t max_frame = max_frame_bytes_;
    std::string message;
    for (;;) {
        co_await driver_.pause_while_backlogged(*session_);
        message.clear();
        bool too_big = false;
        do {
            const std::size_t had = message.size();
            message.resize(had + kReadChunk);
            auto [ec, n] = co_await ws_.async_read_some(
                asio::buffer(message.data() + had, kReadChunk), use_nothrow
            );
            message.resize(had + n);
            mid_message_ = !ws_.is_message_done();
            if (ec) {
                // Closed by the peer, reset, bad framing or bad UTF-8 (1007).
                spdlog::debug("{}: WebSocket read ended: {}", address_, ec.message());
                end_now();
                co_return;
            }
            if (message.size() > max_frame) {
                too_big = true;
                break;
            }
        } while (!ws_.is_message_done());
        driver_.heard();

        if (driver_.closing()) break;
        if (too_big) {
            close_code_ = websocket::close_code::too_big;
            session_->handle_oversized_frame();
            break;
        }
        if (!message.empty()) co_await session_->handle_frame(std::move(message));
        if (driver_.closing()) break;
        if (message.capacity() > 2 * kReadChunk) message = std::string();
    }
    // Closing: the writer flushes and sends the close frame (or the watchdog cuts it short).
    co_await driver_.park();
}

template <typename Stream>
awaitable<void> BasicWebSocketConnection<Stream>::write_loop() {
    server::FrameQueue frames;
    ws_.text(format_ != WebSocketFormat::irc_binary);
    const bool irc = format_ != WebSocketFormat::native;
    for (;;) {
        if (driver_.expired()) co_return;  // the socket is closed: nothing more can be written
        if (!session_->outbox().take(frames)) {
            if (driver_.closing() && !session_->outbox().owes_replies()) {
                // Everything is written: say goodbye with the close code, then end.
                auto [ec] =
                    co_await ws_.async_close(websocket::close_reason(close_code_), use_nothrow);
                spdlog::debug("{}: WebSocket closed ({})", address_, ec.message());
                end_now();
                co_return;
            }
            writer_signal_.expires_at(asio::steady_timer::time_point::max());
            co_await writer_signal_.async_wait(use_nothrow);
            continue;
        }
        for (; !frames.empty(); frames.pop_front()) {
            // The message boundary is the frame boundary: the line ending is not sent. An IRC
            // frame may hold several lines (a reply's numerics): each is a message of its own.
            std::string_view rest = *frames.front();
            while (!rest.empty()) {
                const auto end = irc ? rest.find('\n') : std::string_view::npos;
                std::string_view text = rest.substr(0, end);
                rest = end == std::string_view::npos ? "" : rest.substr(end + 1);
                if (text.ends_with('\n')) text.remove_suffix(1);
                if (irc && text.ends_with('\r')) text.remove_suffix(1);
                if (irc && text.empty()) continue;
                auto [ec, written] =
                    co_await ws_.async_write(asio::buffer(text.data(), text.size()), use_nothrow);
                if (ec) {
                    end_now();
                    co_return;
                }
            }
        }
        driver_.wrote();
    }
}

template class BasicWebSocketConnection<beast::tcp_stream>;
template class BasicWebSocketConnection<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace salon::net
