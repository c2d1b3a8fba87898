// The parts of accepting connections that every listener shares.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salon::net {

/// The executor of every connection: a strand of the I/O context.
using ConnectionStrand = boost::asio::strand<boost::asio::io_context::executor_type>;
/// A TCP socket whose handlers run on a ConnectionStrand. The concrete executor type, rather
/// than any_io_executor, because the socket and every operation pending on it carry a copy:
/// 24 bytes instead of 56, twice for an idle connection.
using StrandSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, ConnectionStrand>;

/// An acceptor bound and listening at `endpoint`, with address reuse on so that a restarted
/// salond takes its port back at once. @throws boost::system::system_error
boost::asio::ip::tcp::acceptor open_acceptor(
    boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint
);

/// The connections waiting to be accepted: at least one (it waits for it), then every other
/// one already queued, up to a bound; empty once the acceptor is closed. Each is on one of a
/// fixed set of strands of `io`, handed out in turn. Transient failures (out of file
/// descriptors) are logged under `what` and retried after a pause rather than spun on.
///
/// Connections share strands, as Asio's own io_context::strand shares 193 implementations: a
/// strand of its own would cost every connection a strand implementation (about 110 bytes with
/// its control block), and what a strand guarantees, that a connection's handlers never run
/// concurrently, holds as well when a few connections take turns on one. None of them waits on
/// another, so sharing costs nothing on one I/O thread and little parallelism on several.
boost::asio::awaitable<std::vector<StrandSocket>> accept_waiting(
    boost::asio::io_context& io, boost::asio::ip::tcp::acceptor& acceptor, std::string_view what
);

/// The peer's address as text ("unknown" when the socket no longer knows it).
std::string remote_address(const StrandSocket& socket);

/// Logs an exception that ended a connection's coroutine, so that none is lost.
void log_connection_error(std::string_view remote, std::exception_ptr error);

/// Runs `connection->run()` on the connection's executor until it ends.
template <typename Connection>
void spawn_connection(std::shared_ptr<Connection> connection, std::string remote) {
    auto executor = connection->executor();
    boost::asio::co_spawn(
        executor,
        [connection = std::move(connection)]() { return connection->run(); },
        [remote = std::move(remote)](std::exception_ptr error) {
            log_connection_error(remote, error);
        }
    );
}

}  // namespace salon::net
