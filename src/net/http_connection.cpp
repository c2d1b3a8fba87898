#include "net/http_connection.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http.hpp>

#include "metrics/salon_metrics.hpp"

namespace salon::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
/// How long a request may take to arrive, and how long an idle keep-alive connection stays.
constexpr auto kRequestTimeout = std::chrono::seconds(30);
/// A refused connection gets little patience.
constexpr auto kRefusedTimeout = std::chrono::seconds(2);

}  // namespace

HttpConnection::HttpConnection(
    asio::ip::tcp::socket socket,
    server::ChatServer& server,
    HttpService& service,
    ConnectionRegistry& registry,
    const CodecFactory& make_codec
)
    : stream_(std::move(socket)),
      server_(server),
      service_(service),
      registry_(registry),
      make_codec_(make_codec) {
    boost::system::error_code ec;
    const auto endpoint = stream_.socket().remote_endpoint(ec);
    address_ = ec ? std::string("unknown") : endpoint.address().to_string();
}

awaitable<bool> HttpConnection::write(HttpResponse response) {
    const bool keep_alive = response.keep_alive();
    auto [ec, n] = co_await http::async_write(stream_, response, use_nothrow);
    co_return !ec && keep_alive;
}

awaitable<void> HttpConnection::run() {
    auto self = shared_from_this();
    beast::flat_buffer buffer;
    for (;;) {
        HttpRequestParser parser;
        HttpService::limit(parser);
        stream_.expires_after(admitted_ ? kRequestTimeout : kRefusedTimeout);
        auto [ec, n] = co_await http::async_read(stream_, buffer, parser, use_nothrow);
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
            (ec && shutting_down_)) {
            break;
        }
        if (ec) {
            spdlog::debug("{}: bad HTTP request: {}", address_, ec.message());
            metrics::salon().http_rejected.inc();
            co_await write(HttpService::malformed(ec));
            break;
        }
        auto request = parser.release();

        if (!admitted_ || shutting_down_) {
            metrics::salon().http_rejected.inc();
            auto response = HttpService::text_response(
                http::status::service_unavailable,
                service_.serving() ? "too many connections from your address" : "shutting down",
                request.version()
            );
            response.keep_alive(false);
            co_await write(std::move(response));
            break;
        }

        const HttpRoute route = service_.route(request);
        if (route != HttpRoute::answer) {
            metrics::salon().http_requests.inc();
            if (route == HttpRoute::foreign_origin) {
                spdlog::info(
                    "{}: WebSocket refused for Origin {}", address_, request[http::field::origin]
                );
                metrics::salon().http_rejected.inc();
                auto response = HttpService::text_response(
                    http::status::forbidden,
                    "this Origin may not open a WebSocket here (see --allowed-origins)",
                    request.version()
                );
                response.keep_alive(false);
                co_await write(std::move(response));
                break;
            }
            websocket_ =
                std::make_shared<WebSocketConnection>(std::move(stream_), server_, address_);
            co_await websocket_->run(std::move(request), make_codec_());
            break;  // the WebSocket connection closed the socket
        }

        if (!co_await write(service_.handle(request))) break;
    }

    if (!websocket_) {
        boost::system::error_code ignored;
        stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        stream_.socket().close(ignored);
    }
    if (admitted_) registry_.remove(address_, self);
}

void HttpConnection::shut_down() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
        self->shutting_down_ = true;
        if (self->websocket_) {
            self->websocket_->shut_down();
        } else {
            self->stream_.cancel();  // an idle keep-alive connection just ends
        }
    });
}

}  // namespace salon::net
