// Accepts TCP connections for the native protocol.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/connection_registry.hpp"
#include "server/chat_server.hpp"

namespace salon::net {

class TcpListener {
public:
    /// Binds and listens at once (address reuse on, so a restart takes its port back).
    /// @throws boost::system::system_error when the address cannot be bound.
    TcpListener(
        boost::asio::io_context& io,
        server::ChatServer& server,
        ConnectionRegistry& registry,
        const boost::asio::ip::tcp::endpoint& endpoint
    );

    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

    /// Accepts until stop(); each connection runs on a strand of its own.
    boost::asio::awaitable<void> accept_loop();
    void stop();

private:
    boost::asio::io_context& io_;
    server::ChatServer& server_;
    ConnectionRegistry& registry_;
    boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace salon::net
