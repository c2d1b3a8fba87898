#include "net/http_listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "net/accept.hpp"
#include "net/http_connection.hpp"

namespace salon::net {
namespace asio = boost::asio;
namespace beast = boost::beast;

HttpListener::HttpListener(
    IoThreads& threads,
    server::ChatServer& server,
    HttpService& service,
    ConnectionRegistry& registry,
    const asio::ip::tcp::endpoint& endpoint,
    WebSocketCodecs codecs,
    const TlsContext* tls,
    HandshakeThreads* handshakes
)
    : threads_(threads),
      server_(server),
      service_(service),
      registry_(registry),
      codecs_(std::move(codecs)),
      tls_(tls),
      handshakes_(handshakes),
      acceptor_(open_acceptor(threads.accepting(), endpoint)) {
    if (!codecs_.native) throw std::invalid_argument("HttpListener: no codec factory");
}

asio::awaitable<void> HttpListener::accept_loop() {
    const char* what = tls_ != nullptr ? "https" : "http";
    return accept_until_closed(threads_, acceptor_, what, [this](AcceptedSocket accepted) {
        try {
            admit(std::move(accepted).into_asio_socket());
        } catch (const boost::system::system_error& e) {
            spdlog::warn("http: accepted connection lost: {}", e.what());
        }
    });
}

void HttpListener::admit(asio::ip::tcp::socket socket) {
    if (tls_ != nullptr) {
        auto context = tls_->current();
        beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *context);
        admit_connection(std::make_shared<HttpsConnection>(
            std::move(stream),
            std::move(context),
            handshakes_->next().get_executor(),
            server_,
            service_,
            registry_,
            codecs_
        ));
    } else {
        admit_connection(std::make_shared<HttpConnection>(
            beast::tcp_stream(std::move(socket)),
            nullptr,
            asio::any_io_executor(),
            server_,
            service_,
            registry_,
            codecs_
        ));
    }
}

template <typename HttpLike>
void HttpListener::admit_connection(std::shared_ptr<HttpLike> connection) {
    std::string remote = connection->address();
    if (!registry_.admit(remote, connection)) {
        spdlog::debug("{}: HTTP connection refused (limit per address, or shutting down)", remote);
        connection->refuse();
    }
    spawn_connection(std::move(connection), std::move(remote));
}

void HttpListener::stop() {
    asio::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ec;
        acceptor_.close(ec);
    });
}

}  // namespace salon::net
