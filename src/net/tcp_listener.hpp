// Accepts TCP connections for one line protocol (native or IRC), plain or over TLS.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/codec_factory.hpp"
#include "net/connection_registry.hpp"
#include "net/handshake_threads.hpp"
#include "net/io_threads.hpp"
#include "net/tcp_connection.hpp"
#include "net/tls_context.hpp"
#include "server/chat_server.hpp"

namespace salon::net {

class TcpListener {
public:
    /// Binds and listens at once (address reuse on, so a restart takes its port back). Each
    /// connection speaks the protocol of a codec from `make_codec`; `max_frame_bytes` 0 means
    /// the server's limit. With `tls`, each connection gets the certificate `tls` holds at the
    /// time and shakes hands on one of the `handshakes` threads (TlsHandshake) before it starts.
    /// @throws boost::system::system_error when the address cannot be bound.
    /// @throws std::invalid_argument when `make_codec` is empty.
    TcpListener(
        IoThreads& threads,
        server::ChatServer& server,
        ConnectionRegistry& registry,
        const boost::asio::ip::tcp::endpoint& endpoint,
        CodecFactory make_codec,
        std::size_t max_frame_bytes = 0,
        const TlsContext* tls = nullptr,
        HandshakeThreads* handshakes = nullptr
    );

    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

    /// Accepts until stop(); each connection runs on an I/O thread, in turn.
    boost::asio::awaitable<void> accept_loop();
    void stop();

private:
    /// Starts the connection unless the registry refuses it (per-address limit, shutdown). Runs
    /// on the connection's I/O thread.
    void admit(AcceptedSocket socket);

    IoThreads& threads_;
    server::ChatServer& server_;
    ConnectionRegistry& registry_;
    CodecFactory make_codec_;
    std::size_t max_frame_bytes_;  // 0: the server's limit at each connection
    const TlsContext* tls_;
    HandshakeThreads* handshakes_;  // with tls_
    boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace salon::net
