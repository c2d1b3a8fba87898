// Accepts HTTP connections: the web client, /healthz, /metrics and WebSocket on /ws.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "net/codec_factory.hpp"
#include "net/connection_registry.hpp"
#include "net/handshake_threads.hpp"
#include "net/http_service.hpp"
#include "net/io_threads.hpp"
#include "net/tls_context.hpp"
#include "server/chat_server.hpp"

namespace salon::net {

class HttpListener {
public:
    /// Binds and listens at once (address reuse on, so a restart takes its port back). A
    /// WebSocket speaks the protocol of a codec from `codecs`, by its subprotocol. With `tls`, the
    /// listener serves HTTPS (and wss://) with the certificate `tls` holds at each accept, the
    /// handshakes running on the `handshakes` threads.
    /// @throws boost::system::system_error when the address cannot be bound.
    /// @throws std::invalid_argument when `codecs.native` is empty.
    HttpListener(
        IoThreads& threads,
        server::ChatServer& server,
        HttpService& service,
        ConnectionRegistry& registry,
        const boost::asio::ip::tcp::endpoint& endpoint,
        WebSocketCodecs codecs,
        const TlsContext* tls = nullptr,
        HandshakeThreads* handshakes = nullptr
    );

    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

    /// Accepts until stop(); each connection runs on an I/O thread, in turn. Connections the
    /// registry refuses (per-address limit, shutdown) get a 503, so a load balancer polling
    /// /healthz during shutdown sees "not ready" rather than a refused connection.
    boost::asio::awaitable<void> accept_loop();
    void stop();

private:
    /// Serves the connection, or answers 503 if the registry refuses it.
    void admit(boost::asio::ip::tcp::socket socket);
    template <typename HttpLike>
    void admit_connection(std::shared_ptr<HttpLike> connection);

    IoThreads& threads_;
    server::ChatServer& server_;
    HttpService& service_;
    ConnectionRegistry& registry_;
    WebSocketCodecs codecs_;
    const TlsContext* tls_;
    HandshakeThreads* handshakes_;  // HTTPS only
    boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace salon::net
