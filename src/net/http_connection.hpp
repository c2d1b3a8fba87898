// One HTTP client connection: requests answered by HttpService, or an upgrade to WebSocket.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <string>

#include "net/codec_factory.hpp"
#include "net/connection_registry.hpp"
#include "net/http_service.hpp"
#include "net/websocket_connection.hpp"
#include "server/chat_server.hpp"

namespace salon::net {

/// Serves HTTP/1.1 requests (keep-alive) until the peer closes, a request is malformed (a 4xx
/// and close), or `/ws` is upgraded, after which the WebSocketConnection owns the socket and
/// this object stays the registry's handle for it (shutdown, per-address count).
///
/// `Stream` is a beast::tcp_stream (HTTP) or a TLS stream over one (HTTPS). Over TLS the
/// handshake runs first, on a handshake thread (as TlsHandshake does: its CPU work stays off
/// the I/O threads), and the connection then continues on its I/O thread.
template <typename Stream>
class BasicHttpConnection final : public Connection,
                                  public std::enable_shared_from_this<BasicHttpConnection<Stream>> {
public:
    static constexpr bool kTls = !std::is_same_v<Stream, boost::beast::tcp_stream>;

    /// `stream` is the accepted connection, as a TLS stream for HTTPS, whose `context` (null
    /// for plain HTTP) is kept for the connection's life; the TLS handshake runs on `handshakes`.
    BasicHttpConnection(
        Stream stream,
        std::shared_ptr<boost::asio::ssl::context> context,
        boost::asio::any_io_executor handshakes,
        server::ChatServer& server,
        HttpService& service,
        ConnectionRegistry& registry,
        const WebSocketCodecs& codecs
    );

    /// The registry did not admit it (limit per address, or shutting down): run() reads one
    /// request, answers 503 and closes, and never touches the registry. Before run().
    void refuse() noexcept { admitted_ = false; }

    /// Serves the connection. Call once, on the socket's thread.
    boost::asio::awaitable<void> run();

    const std::string& address() const noexcept { return address_; }

    boost::asio::any_io_executor executor() { return executor_; }

    void shut_down() override;

private:
    using std::enable_shared_from_this<BasicHttpConnection>::shared_from_this;

    void init_address();
    /// On a handshake thread: true once the TLS handshake succeeded within its bound.
    boost::asio::awaitable<bool> handshake();
    /// Writes the response; false when the connection must end (error or not keep-alive).
    boost::asio::awaitable<bool> write(HttpResponse response);

    std::shared_ptr<boost::asio::ssl::context> context_;  // HTTPS only
    boost::asio::any_io_executor handshakes_;             // HTTPS only
    Stream stream_;
    // stream_'s, kept: after an upgrade stream_ is moved from (a TLS stream then has no executor).
    boost::asio::any_io_executor executor_;
    server::ChatServer& server_;
    HttpService& service_;
    ConnectionRegistry& registry_;
    const WebSocketCodecs& codecs_;  // the listener's: what a WebSocket speaks
    bool admitted_ = true;
    std::string address_;
    // set on upgrade; owns the socket then
    std::shared_ptr<BasicWebSocketConnection<Stream>> websocket_;
    bool shutting_down_ = false;
    // The TLS handshake runs on the pool: nothing on the I/O thread may touch the stream.
    bool handshaking_ = false;
};

using HttpConnection = BasicHttpConnection<boost::beast::tcp_stream>;
using HttpsConnection = BasicHttpConnection<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

}  // namespace salon::net
