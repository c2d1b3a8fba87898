#include "net/http_listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "net/accept.hpp"
#include "net/http_connection.hpp"

namespace salon::net {
namespace asio = boost::asio;

HttpListener::HttpListener(
    IoThreads& threads,
    server::ChatServer& server,
    HttpService& service,
    ConnectionRegistry& registry,
    const asio::ip::tcp::endpoint& endpoint,
    CodecFactory make_codec
)
    : threads_(threads),
      server_(server),
      service_(service),
      registry_(registry),
      make_codec_(std::move(make_codec)),
      acceptor_(open_acceptor(threads.accepting(), endpoint)) {
    if (!make_codec_) throw std::invalid_argument("HttpListener: no codec factory");
}

asio::awaitable<void> HttpListener::accept_loop() {
    return accept_until_closed(threads_, acceptor_, "http", [this](AcceptedSocket accepted) {
        try {
            admit(std::move(accepted).into_asio_socket());
        } catch (const boost::system::system_error& e) {
            spdlog::warn("http: accepted connection lost: {}", e.what());
        }
    });
}

void HttpListener::admit(asio::ip::tcp::socket socket) {
    auto connection = std::make_shared<HttpConnection>(
        std::move(socket), server_, service_, registry_, make_codec_
    );
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
