// The parts of accepting connections that every listener shares.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salon::net {

/// An acceptor bound and listening at `endpoint`, with address reuse on so that a restarted
/// salond takes its port back at once. @throws boost::system::system_error
boost::asio::ip::tcp::acceptor open_acceptor(
    boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint
);

/// The connections waiting to be accepted, each on a strand of its own: at least one (it waits
/// for it), then every other one already queued, up to a bound. Empty once the acceptor is
/// closed. Transient failures (out of file descriptors) are logged under `what` and retried after
/// a pause rather than spun on.
boost::asio::awaitable<std::vector<boost::asio::ip::tcp::socket>> accept_waiting(
    boost::asio::io_context& io, boost::asio::ip::tcp::acceptor& acceptor, std::string_view what
);

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
