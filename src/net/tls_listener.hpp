// Accepts TLS connections for one line protocol (native or IRC).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/accept.hpp"
#include "net/codec_factory.hpp"
#include "net/connection_registry.hpp"
#include "net/handshake_threads.hpp"
#include "net/io_threads.hpp"
#include "net/tls_context.hpp"
#include "server/chat_server.hpp"

namespace salon::net {

/// TcpListener's twin for TLS: each connection gets the certificate `tls` holds at the time,
/// shakes hands on one of the `handshakes` threads (TlsHandshake) and is then served on an I/O
/// thread, in turn, as a TcpConnection in the protocol of a codec from `make_codec`.
class TlsListener {
public:
    /// Binds and listens at once. `max_frame_bytes` 0 means the server's limit.
    /// @throws boost::system::system_error when the address cannot be bound.
    /// @throws std::invalid_argument when `make_codec` is empty.
    TlsListener(
        IoThreads& threads,
        HandshakeThreads& handshakes,
        const TlsContext& tls,
        server::ChatServer& server,
        ConnectionRegistry& registry,
        const boost::asio::ip::tcp::endpoint& endpoint,
        CodecFactory make_codec,
        std::size_t max_frame_bytes = 0
    );

    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

    /// Accepts until stop().
    boost::asio::awaitable<void> accept_loop();
    void stop();

private:
    /// Starts the connection's handshake unless the registry refuses it. On its I/O thread.
    void admit(AcceptedSocket socket);

    IoThreads& threads_;
    HandshakeThreads& handshakes_;
    const TlsContext& tls_;
    server::ChatServer& server_;
    ConnectionRegistry& registry_;
    CodecFactory make_codec_;
    std::size_t max_frame_bytes_;
    boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace salon::net
