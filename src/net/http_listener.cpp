#include "net/http_listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/http_connection.hpp"

namespace salon::net {
namespace asio = boost::asio;

HttpListener::HttpListener(
    asio::io_context& io,
    server::ChatServer& server,
    HttpService& service,
    ConnectionRegistry& registry,
    const asio::ip::tcp::endpoint& endpoint
)
    : io_(io), server_(server), service_(service), registry_(registry), acceptor_(io) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

asio::awaitable<void> HttpListener::accept_loop() {
    constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), use_nothrow);
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
        if (ec) {
            // Out of file descriptors or a transient error: back off instead of spinning.
            spdlog::warn("HTTP accept failed: {}", ec.message());
            asio::steady_timer pause(io_, std::chrono::milliseconds(100));
            co_await pause.async_wait(use_nothrow);
            continue;
        }
        auto connection =
            std::make_shared<HttpConnection>(std::move(socket), server_, service_, registry_);
        const std::string remote = connection->address();
        if (!registry_.admit(remote, connection)) {
            spdlog::debug(
                "{}: HTTP connection refused (limit per address, or shutting down)", remote
            );
            connection->refuse();
        }
        auto executor = connection->executor();
        asio::co_spawn(
            executor,
            [connection]() { return connection->run(); },
            [remote](std::exception_ptr error) {
                if (!error) return;
                try {
                    std::rethrow_exception(error);
                } catch (const std::exception& e) {
                    spdlog::error("{}: HTTP connection ended by an error: {}", remote, e.what());
                }
            }
        );
    }
}

void HttpListener::stop() {
    asio::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ec;
        acceptor_.close(ec);
    });
}

}  // namespace salon::net
