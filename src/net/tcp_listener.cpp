#include "net/tcp_listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "metrics/salon_metrics.hpp"
#include "net/accept.hpp"
#include "net/tcp_connection.hpp"
#include "net/tls_handshake.hpp"

namespace salon::net {
namespace asio = boost::asio;

TcpListener::TcpListener(
    IoThreads& threads,
    server::ChatServer& server,
    ConnectionRegistry& registry,
    const asio::ip::tcp::endpoint& endpoint,
    CodecFactory make_codec,
    std::size_t max_frame_bytes,
    const TlsContext* tls,
    HandshakeThreads* handshakes
)
    : threads_(threads),
      server_(server),
      registry_(registry),
      make_codec_(std::move(make_codec)),
      max_frame_bytes_(max_frame_bytes),
      tls_(tls),
      handshakes_(handshakes),
      acceptor_(open_acceptor(threads.accepting(), endpoint)) {
    if (!make_codec_) throw std::invalid_argument("TcpListener: no codec factory");
    if (tls_ != nullptr && handshakes_ == nullptr)
        throw std::invalid_argument("TcpListener: TLS without handshake threads");
}

asio::awaitable<void> TcpListener::accept_loop() {
    const char* what = tls_ != nullptr ? "tls" : "tcp";
    return accept_until_closed(threads_, acceptor_, what, [this](AcceptedSocket socket) {
        admit(std::move(socket));
    });
}

void TcpListener::admit(AcceptedSocket socket) {
    if (tls_ != nullptr) metrics::salon().tls_accepted.inc();
    std::string address = socket.remote_address();
    std::shared_ptr<TcpConnection> connection;
    try {
        connection = std::make_shared<TcpConnection>(
            std::move(socket),
            server_,
            registry_,
            // Read at each connection: a reload may change the server's limit.
            max_frame_bytes_ != 0 ? max_frame_bytes_ : server_.settings().limits.max_frame_bytes,
            tls_ != nullptr ? tls_->new_connection() : SslHandle()
        );
    } catch (const std::exception& e) {
        spdlog::warn("{}: connection lost before its TLS handshake: {}", address, e.what());
        return;
    }
    if (tls_ != nullptr && ::SSL_set_fd(connection->tls(), connection->descriptor()) != 1) {
        spdlog::warn("{}: connection lost before its TLS handshake", address);
        return;
    }
    if (!registry_.admit(address, connection)) {
        spdlog::warn("{}: connection refused (limit per address, or shutting down)", address);
        return;  // the connection closes as it goes out of scope
    }
    if (tls_ != nullptr) {
        TlsHandshake::run(
            std::move(connection), handshakes_->next(), std::move(address), make_codec_()
        );
    } else {
        connection->start(std::move(address), make_codec_());
    }
}

void TcpListener::stop() {
    asio::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ec;
        acceptor_.close(ec);
    });
}

}  // namespace salon::net
