#include "net/accept.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

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
    return acceptor;
}

asio::awaitable<std::optional<asio::ip::tcp::socket>> accept_next(
    asio::io_context& io, asio::ip::tcp::acceptor& acceptor, std::string_view what
) {
    constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), use_nothrow);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return std::nullopt;
        if (!ec) co_return std::move(socket);
        spdlog::warn("{}: accept failed: {}", what, ec.message());
        asio::steady_timer pause(io, std::chrono::milliseconds(100));
        co_await pause.async_wait(use_nothrow);
    }
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
