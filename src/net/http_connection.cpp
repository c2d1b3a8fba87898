#include "net/http_connection.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <variant>

#include "metrics/salon_metrics.hpp"
#include "net/tls_context.hpp"

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

template <typename Stream>
BasicHttpConnection<Stream>::BasicHttpConnection(
    Stream stream,
    std::shared_ptr<asio::ssl::context> context,
    asio::any_io_executor handshakes,
    server::ChatServer& server,
    HttpService& service,
    ConnectionRegistry& registry,
    const WebSocketCodecs& codecs
)
    : context_(std::move(context)),
      handshakes_(std::move(handshakes)),
      stream_(std::move(stream)),
      executor_(stream_.get_executor()),
      server_(server),
      service_(service),
      registry_(registry),
      codecs_(codecs) {
    init_address();
}

template <typename Stream>
void BasicHttpConnection<Stream>::init_address() {
    boost::system::error_code ec;
    const auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    address_ = ec ? std::string("unknown") : endpoint.address().to_string();
}

template <typename Stream>
awaitable<bool> BasicHttpConnection<Stream>::handshake() {
    if constexpr (kTls) {
        using namespace asio::experimental::awaitable_operators;
        asio::steady_timer timer(co_await asio::this_coro::executor, kTlsHandshakeTimeout);
        auto outcome = co_await (
            stream_.async_handshake(asio::ssl::stream_base::server, use_nothrow) ||
            timer.async_wait(use_nothrow)
        );
        if (outcome.index() == 1) co_return false;
        const auto [ec] = std::get<0>(outcome);
        if (ec) spdlog::debug("{}: TLS handshake failed: {}", address_, ec.message());
        co_return !ec;
    } else {
        co_return true;
    }
}

template <typename Stream>
awaitable<bool> BasicHttpConnection<Stream>::write(HttpResponse response) {
    const bool keep_alive = response.keep_alive();
    auto [ec, n] = co_await http::async_write(stream_, response, use_nothrow);
    co_return !ec && keep_alive;
}

template <typename Stream>
awaitable<void> BasicHttpConnection<Stream>::run() {
    auto self = shared_from_this();
    if constexpr (kTls) {
        // On the pool; this coroutine resumes on the connection's I/O thread afterwards.
        handshaking_ = true;
        const bool ok = co_await asio::co_spawn(handshakes_, handshake(), asio::use_awaitable);
        handshaking_ = false;
        if (!ok || shutting_down_) {
            boost::system::error_code ignored;
            beast::get_lowest_layer(stream_).socket().close(ignored);
            if (admitted_) registry_.remove(address_, self);
            co_return;
        }
    }
    beast::flat_buffer buffer;
    for (;;) {
        HttpRequestParser parser;
        HttpService::limit(parser);
        beast::get_lowest_layer(stream_).expires_after(
            admitted_ ? kRequestTimeout : kRefusedTimeout
        );
        auto [ec, n] = co_await http::async_read(stream_, buffer, parser, use_nothrow);
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::ssl::error::stream_truncated || ec == asio::error::operation_aborted ||
            ec == asio::error::connection_reset || (ec && shutting_down_)) {
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
            websocket_ = std::make_shared<BasicWebSocketConnection<Stream>>(
                std::move(stream_), server_, address_
            );
            const WebSocketFormat format =
                HttpService::websocket_format(request, static_cast<bool>(codecs_.irc));
            const bool irc = format != WebSocketFormat::native;
            // Locals, not temporaries of the co_await expression: g++ 12 may destroy the
            // temporaries of a conditional in a coroutine twice.
            std::unique_ptr<proto::Codec> codec = irc ? codecs_.irc() : codecs_.native();
            const std::size_t max_frame_bytes = irc ? codecs_.irc_max_frame_bytes : 0;
            co_await websocket_->run(std::move(request), std::move(codec), format, max_frame_bytes);
            break;  // the WebSocket connection closed the socket
        }

        if (!co_await write(service_.handle(request))) break;
    }

    if (!websocket_) {
        boost::system::error_code ignored;
        auto& socket = beast::get_lowest_layer(stream_).socket();
        socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
    }
    if (admitted_) registry_.remove(address_, self);
}

template <typename Stream>
void BasicHttpConnection<Stream>::shut_down() {
    asio::post(executor_, [self = shared_from_this()] {
        self->shutting_down_ = true;
        if (self->handshaking_) return;  // it ends when the handshake completes
        if (self->websocket_) {
            self->websocket_->shut_down();
        } else {
            // An idle keep-alive connection just ends.
            beast::get_lowest_layer(self->stream_).cancel();
        }
    });
}

template class BasicHttpConnection<beast::tcp_stream>;
template class BasicHttpConnection<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace salon::net
