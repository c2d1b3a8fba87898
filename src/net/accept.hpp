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

/// The connections waiting to be accepted, each on a strand of its own: at least one (it waits
/// for it), then every other one already queued, up to a bound; empty once the acceptor is
/// closed. Transient failures (out of file descriptors) are logged under `what` and retried
/// after a pause rather than spun on.
///
/// A strand each, not a few shared in turn: sharing saved about 170 bytes per connection, but
/// at twice the saturation rate members whose strand a sender shared fell behind until their
/// queues overflowed (800 to 900 of 1,000 dropped, none with a strand each).
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
