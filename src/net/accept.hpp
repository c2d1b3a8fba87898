// The parts of accepting connections that every listener shares.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace salon::net {

class IoThreads;

/// The executor of every connection: the io_context of one I/O thread (see IoThreads).
using ConnectionExecutor = boost::asio::io_context::executor_type;
/// A TCP socket whose handlers run on a ConnectionExecutor. The concrete executor type, rather
/// than any_io_executor, because the socket and every operation pending on it carry a copy,
/// and the concrete one is a single pointer.
using ConnectionSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, ConnectionExecutor>;

/// A connection just accepted onto the context of one I/O thread: a non-blocking descriptor that
/// nothing watches yet. Closes it unless release()d or made into an Asio socket.
class AcceptedSocket {
public:
    AcceptedSocket(boost::asio::io_context& context, int fd) noexcept
        : context_(&context), fd_(fd) {}

    AcceptedSocket(AcceptedSocket&& other) noexcept
        : context_(other.context_), fd_(std::exchange(other.fd_, -1)) {}

    AcceptedSocket& operator=(AcceptedSocket&& other) noexcept;
    AcceptedSocket(const AcceptedSocket&) = delete;
    AcceptedSocket& operator=(const AcceptedSocket&) = delete;
    ~AcceptedSocket();

    boost::asio::io_context& context() const noexcept { return *context_; }

    int native_handle() const noexcept { return fd_; }

    /// The descriptor, now the caller's to close.
    int release() noexcept { return std::exchange(fd_, -1); }

    /// The peer's address as text ("unknown" when the socket no longer knows it).
    std::string remote_address() const;

    /// The connection as an Asio socket on its context, for the transports that use Asio's I/O
    /// (HTTP and WebSocket). @throws boost::system::system_error
    ConnectionSocket into_asio_socket() &&;

private:
    boost::asio::io_context* context_;
    int fd_;
};

/// An acceptor bound and listening at `endpoint`, with address reuse on so that a restarted
/// salond takes its port back at once. @throws boost::system::system_error
boost::asio::ip::tcp::acceptor open_acceptor(
    boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint
);

/// Accepts on `acceptor` (as open_acceptor made it) until it is closed, each connection onto the
/// I/O threads' contexts in turn, and runs `admit` on that context's thread, with one post per
/// thread for each batch taken from the backlog: the listeners' thread then does little more than
/// accept, so it keeps the backlog drained while the I/O threads are busy. While the I/O threads
/// have many accepted connections still to admit it waits, so that a connection flood queues in the
/// kernel's backlog, not in salond's memory. Transient failures (out of file descriptors) are
/// logged under `what` and retried after a pause rather than spun on.
boost::asio::awaitable<void> accept_until_closed(
    IoThreads& threads,
    boost::asio::ip::tcp::acceptor& acceptor,
    std::string_view what,
    std::function<void(AcceptedSocket)> admit
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
