#include "net/accept.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

#include "net/io_threads.hpp"

namespace salon::net {
namespace asio = boost::asio;

asio::ip::tcp::acceptor open_acceptor(
    asio::io_context& io, const asio::ip::tcp::endpoint& endpoint
) {
    asio::ip::tcp::acceptor acceptor(io);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    // Lets accept_waiting() drain the backlog without blocking once it is empty.
    acceptor.non_blocking(true);
    return acceptor;
}

asio::awaitable<std::vector<ConnectionSocket>> accept_waiting(
    IoThreads& threads, asio::ip::tcp::acceptor& acceptor, std::string_view what
) {
    // Accepting one connection per wake-up lets a burst (everyone reconnecting after a
    // restart) overflow the listen backlog while the server is busy delivering, and each
    // dropped SYN costs its client a second or more. The bound keeps one burst from
    // starving the connections already accepted.
    constexpr std::size_t kMaxBurst = 1024;
    constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
    std::vector<ConnectionSocket> accepted;
    for (;;) {
        auto [ec, socket] =
            co_await acceptor.async_accept(threads.next().get_executor(), use_nothrow);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return accepted;
        if (!ec) {
            accepted.push_back(std::move(socket));
            break;
        }
        spdlog::warn("{}: accept failed: {}", what, ec.message());
        asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
        co_await pause.async_wait(use_nothrow);
    }
    while (accepted.size() < kMaxBurst) {
        boost::system::error_code ec;
        auto socket = acceptor.accept(threads.next().get_executor(), ec);
        if (ec) break;  // would_block once drained; a real failure shows on the next wait
        accepted.push_back(std::move(socket));
    }
    co_return accepted;
}

std::string remote_address(const ConnectionSocket& socket) {
    boost::system::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    return ec ? std::string("unknown") : endpoint.address().to_string();
}

void log_connection_error(std::string_view remote, std::exception_ptr error) {
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        spdlog::error("{}: connection ended by an error: {}", remote, e.what());
    }
}

}  // namespace salon::net
