#include "net/tcp_listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "net/accept.hpp"
#include "net/tcp_connection.hpp"

namespace salon::net {
namespace asio = boost::asio;

TcpListener::TcpListener(
    IoThreads& threads,
    server::ChatServer& server,
    ConnectionRegistry& registry,
    const asio::ip::tcp::endpoint& endpoint,
    CodecFactory make_codec,
    std::size_t max_frame_bytes
)
    : threads_(threads),
      server_(server),
      registry_(registry),
      make_codec_(std::move(make_codec)),
      max_frame_bytes_(
          max_frame_bytes != 0 ? max_frame_bytes : server.settings().limits.max_frame_bytes
      ),
      acceptor_(open_acceptor(threads.accepting(), endpoint)) {
    if (!make_codec_) throw std::invalid_argument("TcpListener: no codec factory");
}

asio::awaitable<void> TcpListener::accept_loop() {
    return accept_until_closed(threads_, acceptor_, "tcp", [this](AcceptedSocket socket) {
        admit(std::move(socket));
    });
}

void TcpListener::admit(AcceptedSocket socket) {
    std::string address = socket.remote_address();
    auto connection =
        std::make_shared<TcpConnection>(std::move(socket), server_, registry_, max_frame_bytes_);
    if (!registry_.admit(address, connection)) {
        spdlog::warn("{}: connection refused (limit per address, or shutting down)", address);
        return;  // the connection closes as it goes out of scope
    }
    connection->start(std::move(address), make_codec_());
}

void TcpListener::stop() {
    asio::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ec;
        acceptor_.close(ec);
    });
}

}  // namespace salon::net
