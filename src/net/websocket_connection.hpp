// A chat protocol over WebSocket, as the listener's codec says: one frame per text message,
// the same Session as TCP.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <memory>
#include <string>

#include "net/codec_factory.hpp"
#include "net/session_driver.hpp"
#include "proto/codec.hpp"
#include "server/chat_server.hpp"
#include "server/link.hpp"

namespace salon::net {

/// One WebSocket client, after the HTTP upgrade request was read and its Origin accepted, over
/// `Stream`: a beast::tcp_stream (ws://) or a TLS stream over one (wss://, the handshake already
/// done by the HttpConnection).
///
/// Two coroutines on the connection's thread — the reader (messages to the session, paused
/// while the Outbox backlog passes half its bound) and the writer (each queued frame as one
/// text message; Beast writes one message at a time) — and the driver's watchdog callback
/// (protocol PING at half the idle timeout, close at the full one, and the bound on a closing
/// flush), which closes the socket when it expires. The first coroutine to finish ends the
/// other. What differs from TcpConnection is the framing: the limit is checked while a message is
/// still arriving, so an oversized one is never buffered whole, and the close is a WebSocket close
/// with a status code (1009 for a message too big, 1001 when the server shuts down).
template <typename Stream>
class BasicWebSocketConnection final
    : public server::Link,
      private DrivenConnection,
      public std::enable_shared_from_this<BasicWebSocketConnection<Stream>> {
public:
    using Request = boost::beast::http::request<boost::beast::http::string_body>;

    BasicWebSocketConnection(Stream stream, server::ChatServer& server, std::string address);

    /// Completes the handshake for `upgrade` (naming the subprotocol of `format`, if any), then
    /// serves the connection in `codec`'s protocol until it closes. A message longer than
    /// `max_frame_bytes` (0: the server's max_frame_bytes) is refused. Call once, on the
    /// stream's thread.
    boost::asio::awaitable<void> run(
        Request upgrade,
        std::unique_ptr<proto::Codec> codec,
        WebSocketFormat format = WebSocketFormat::native,
        std::size_t max_frame_bytes = 0
    );

    void close_after_flush(std::string reason) override;
    void wake_writer() override;
    boost::asio::awaitable<bool> drained(std::size_t backlog_bytes) override;
    /// NOTICE shutting_down, then a close (1001) once it is written. Thread-safe.
    void shut_down();

    bool encrypted() const noexcept override {
        return !std::is_same_v<Stream, boost::beast::tcp_stream>;
    }

private:
    void post_watchdog_tick() override;
    void on_watchdog_expired() override;
    boost::asio::awaitable<void> read_loop();
    boost::asio::awaitable<void> write_loop();
    void end_now();  // on the connection's thread
    void begin_close(
        std::string reason, boost::beast::websocket::close_code code
    );  // on the connection's thread

    using std::enable_shared_from_this<BasicWebSocketConnection>::shared_from_this;
    using std::enable_shared_from_this<BasicWebSocketConnection>::weak_from_this;

    boost::beast::websocket::stream<Stream> ws_;
    server::ChatServer& server_;
    std::string address_;
    std::shared_ptr<server::Session> session_;
    SessionDriver driver_;
    // Wakes the writer coroutine (cancelled when frames arrive or the connection closes).
    boost::asio::steady_timer writer_signal_;
    boost::beast::websocket::close_code close_code_ = boost::beast::websocket::close_code::normal;
    // Part of a message has arrived, not its end: pings meanwhile are no sign of life.
    bool mid_message_ = false;
    WebSocketFormat format_ = WebSocketFormat::native;
    std::size_t max_frame_bytes_ = 0;
};

/// WebSocket over plain TCP (ws://).
using WebSocketConnection = BasicWebSocketConnection<boost::beast::tcp_stream>;
/// WebSocket over TLS (wss://).
using SecureWebSocketConnection =
    BasicWebSocketConnection<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

}  // namespace salon::net
