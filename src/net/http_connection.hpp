// One HTTP client connection: requests answered by HttpService, or an upgrade to WebSocket.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
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
class HttpConnection final : public Connection,
                             public std::enable_shared_from_this<HttpConnection> {
public:
    HttpConnection(
        boost::asio::ip::tcp::socket socket,
        server::ChatServer& server,
        HttpService& service,
        ConnectionRegistry& registry,
        const CodecFactory& make_codec
    );

    /// The registry did not admit it (limit per address, or shutting down): run() reads one
    /// request, answers 503 and closes, and never touches the registry. Before run().
    void refuse() noexcept { admitted_ = false; }

    /// Serves the connection. Call once, on the socket's thread.
    boost::asio::awaitable<void> run();

    const std::string& address() const noexcept { return address_; }

    boost::asio::any_io_executor executor() { return stream_.get_executor(); }

    void shut_down() override;

private:
    /// Writes the response; false when the connection must end (error or not keep-alive).
    boost::asio::awaitable<bool> write(HttpResponse response);

    boost::beast::tcp_stream stream_;
    server::ChatServer& server_;
    HttpService& service_;
    ConnectionRegistry& registry_;
    const CodecFactory& make_codec_;  // the listener's: what a WebSocket on /ws speaks
    bool admitted_ = true;
    std::string address_;
    std::shared_ptr<WebSocketConnection> websocket_;  // set on upgrade; owns the socket then
    bool shutting_down_ = false;
};

}  // namespace salon::net
