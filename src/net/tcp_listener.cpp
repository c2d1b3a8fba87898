#include "net/tcp_listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/tcp_connection.hpp"
#include "proto/native_codec.hpp"

namespace salon::net {
namespace asio = boost::asio;

TcpListener::TcpListener(
    asio::io_context& io,
    server::ChatServer& server,
    ConnectionRegistry& registry,
    const asio::ip::tcp::endpoint& endpoint,
    CodecFactory make_codec,
    std::size_t max_frame_bytes
)
    : io_(io),
      server_(server),
      registry_(registry),
      make_codec_(make_codec ? std::move(make_codec) : []() -> std::unique_ptr<proto::Codec> {
          return std::make_unique<proto::NativeCodec>();
      }),
      max_frame_bytes_(
          max_frame_bytes != 0 ? max_frame_bytes : server.settings().limits.max_frame_bytes
      ),
      acceptor_(io) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

asio::awaitable<void> TcpListener::accept_loop() {
    constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), use_nothrow);
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
        if (ec) {
            // Out of file descriptors or a transient error: back off instead of spinning.
            spdlog::warn("accept failed: {}", ec.message());
            asio::steady_timer pause(io_, std::chrono::milliseconds(100));
            co_await pause.async_wait(use_nothrow);
            continue;
        }
        auto connection = std::make_shared<TcpConnection>(
            std::move(socket), server_, registry_, make_codec_, max_frame_bytes_
        );
        const std::string remote = connection->address();
        if (!registry_.admit(remote, connection)) {
            spdlog::warn("{}: connection refused (limit per address, or shutting down)", remote);
            continue;  // the connection closes as it goes out of scope
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
                    spdlog::error("{}: connection ended by an error: {}", remote, e.what());
                }
            }
        );
    }
}

void TcpListener::stop() {
    asio::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ec;
        acceptor_.close(ec);
    });
}

}  // namespace salon::net
