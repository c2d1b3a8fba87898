#include "net/tls_listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "net/accept.hpp"
#include "net/tls_connection.hpp"

namespace salon::net {
namespace asio = boost::asio;

TlsListener::TlsListener(
    IoThreads& threads,
    asio::any_io_executor handshakes,
    const TlsContext& tls,
    server::ChatServer& server,
    ConnectionRegistry& registry,
    const asio::ip::tcp::endpoint& endpoint,
    CodecFactory make_codec,
    std::size_t max_frame_bytes
)
    : threads_(threads),
      handshakes_(std::move(handshakes)),
      tls_(tls),
      server_(server),
      registry_(registry),
      make_codec_(std::move(make_codec)),
      max_frame_bytes_(
          max_frame_bytes != 0 ? max_frame_bytes : server.settings().limits.max_frame_bytes
      ),
      acceptor_(open_acceptor(threads.accepting(), endpoint)) {
    if (!make_codec_) throw std::invalid_argument("TlsListener: no codec factory");
}

asio::awaitable<void> TlsListener::accept_loop() {
    return accept_until_closed(threads_, acceptor_, "tls", [this](AcceptedSocket socket) {
        admit(std::move(socket));
    });
}

void TlsListener::admit(AcceptedSocket accepted) {
    std::string address = accepted.remote_address();
    std::shared_ptr<TlsConnection> connection;
    try {
        connection = std::make_shared<TlsConnection>(
            std::move(accepted).into_asio_socket(),
            tls_.current(),
            server_,
            registry_,
            max_frame_bytes_,
            address
        );
    } catch (const std::exception& e) {
        spdlog::warn("{}: TLS connection lost before its handshake: {}", address, e.what());
        return;
    }
    if (!registry_.admit(address, connection)) {
        spdlog::warn("{}: connection refused (limit per address, or shutting down)", address);
        return;  // the connection closes as it goes out of scope
    }
    connection->start(handshakes_, make_codec_());
}

void TlsListener::stop() {
    asio::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ec;
        acceptor_.close(ec);
    });
}

}  // namespace salon::net
