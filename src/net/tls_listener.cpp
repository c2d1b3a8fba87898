#include "net/tls_listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "metrics/salon_metrics.hpp"
#include "net/accept.hpp"
#include "net/tcp_connection.hpp"
#include "net/tls_handshake.hpp"

namespace salon::net {
namespace asio = boost::asio;

TlsListener::TlsListener(
    IoThreads& threads,
    HandshakeThreads& handshakes,
    const TlsContext& tls,
    server::ChatServer& server,
    ConnectionRegistry& registry,
    const asio::ip::tcp::endpoint& endpoint,
    CodecFactory make_codec,
    std::size_t max_frame_bytes
)
    : threads_(threads),
      handshakes_(handshakes),
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
    metrics::salon().tls_accepted.inc();
    std::string address = accepted.remote_address();
    std::shared_ptr<TcpConnection> connection;
    try {
        connection = std::make_shared<TcpConnection>(
            std::move(accepted), server_, registry_, max_frame_bytes_, tls_.new_connection()
        );
    } catch (const std::exception& e) {
        spdlog::warn("{}: TLS connection lost before its handshake: {}", address, e.what());
        return;
    }
    if (::SSL_set_fd(connection->tls(), connection->descriptor()) != 1) {
        spdlog::warn("{}: TLS connection lost before its handshake", address);
        return;
    }
    if (!registry_.admit(address, connection)) {
        spdlog::warn("{}: connection refused (limit per address, or shutting down)", address);
        return;  // the connection closes as it goes out of scope
    }
    TlsHandshake::run(std::move(connection), handshakes_.next(), std::move(address), make_codec_());
}

void TlsListener::stop() {
    asio::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ec;
        acceptor_.close(ec);
    });
}

}  // namespace salon::net
