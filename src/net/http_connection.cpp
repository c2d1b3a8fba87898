#include "net/http_connection.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "metrics/salon_metrics.hpp"

namespace salon::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
/// Request line and headers; past this a request gets 431. Browsers send well under 2 KiB.
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
/// Nothing we serve takes a body; a small one is read and ignored, a larger one gets 413.
constexpr std::uint64_t kBodyLimit = 8 * 1024;
/// How long a request may take to arrive, and how long an idle keep-alive connection stays.
constexpr auto kRequestTimeout = std::chrono::seconds(30);
/// A refused connection gets little patience.
constexpr auto kRefusedTimeout = std::chrono::seconds(2);

http::status status_for(const boost::system::error_code& ec) {
    if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;
    if (ec == http::error::body_limit) return http::status::payload_too_large;
    return http::status::bad_request;
}

}  // namespace

HttpConnection::HttpConnection(
    asio::ip::tcp::socket socket,
    server::ChatServer& server,
    HttpService& service,
    ConnectionRegistry& registry
)
    : stream_(std::move(socket)), server_(server), service_(service), registry_(registry) {
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
        http::request_parser<http::string_body> parser;
        parser.header_limit(kHeaderLimit);
        parser.body_limit(kBodyLimit);
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
            auto response = HttpService::text_response(status_for(ec), ec.message());
            response.keep_alive(false);
            co_await write(std::move(response));
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

        const std::string_view target = request.target();
        const bool ws_path = target.substr(0, target.find('?')) == kWebSocketPath;
        if (ws_path && beast::websocket::is_upgrade(request)) {
            metrics::salon().http_requests.inc();
            if (!service_.origin_allowed(request)) {
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
            co_await websocket_->run(std::move(request));
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
