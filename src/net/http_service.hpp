// What salond answers over HTTP: the web files it is given, /healthz, /metrics, the /ws Origins.
#pragma once

#include <atomic>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/codec_factory.hpp"
#include "net/http_assets.hpp"
#include "server/chat_server.hpp"

namespace salon::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using HttpRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

/// The path of the WebSocket endpoint.
inline constexpr std::string_view kWebSocketPath = "/ws";

/// What a request that parsed is given.
enum class HttpRoute {
    answer,          ///< handle()'s response
    websocket,       ///< the WebSocket upgrade of /ws
    foreign_origin,  ///< an upgrade of /ws from a page whose Origin may not open it: 403
};

/// Routes plain HTTP requests; the WebSocket upgrade itself is HttpConnection's. Thread-safe.
class HttpService {
public:
    /// Sets the size limits of a request: past them the parser fails, and malformed() answers.
    static void limit(HttpRequestParser& parser);

    /// The answer to a request the parser refused with `error` (431, 413 or 400): the
    /// connection closes after it.
    static HttpResponse malformed(const boost::system::error_code& error);

    /// `allowed_origins`: the Origins a browser page may open /ws from; empty means the page's
    /// own origin only (the Origin's host equals the Host header). `web_client`: the files
    /// served at their paths, "/" being "/index.html"; none when empty. Not copied: the table
    /// must outlive the service.
    HttpService(
        server::ChatServer& server,
        std::vector<std::string> allowed_origins,
        std::span<const WebAsset> web_client
    );

    /// Whether the request is answered by handle(), upgraded, or refused for its Origin. A
    /// WebSocket upgrade is taken at /ws, and at / as well: IRC clients are often given a bare
    /// `ws://host:port`.
    HttpRoute route(const HttpRequest& request) const;

    /// The format of the WebSocket an upgrade asks for: the first IRCv3 subprotocol in its
    /// `Sec-WebSocket-Protocol` list when `irc` is offered, else the native protocol.
    static WebSocketFormat websocket_format(const HttpRequest& upgrade, bool irc);

    /// The answer to a request that is not a WebSocket upgrade. Never throws for bad input.
    HttpResponse handle(const HttpRequest& request) const;

    /// Whether a browser may open /ws with this request: no Origin at all (not a browser), an
    /// Origin in the allowed list, or with no list, an Origin whose host:port is the Host.
    bool origin_allowed(const HttpRequest& request) const;

    /// From now on /healthz answers 503 (shutdown has begun).
    void begin_shutdown() noexcept { serving_.store(false); }

    bool serving() const noexcept { return serving_.load(); }

    /// A small text/plain response, e.g. for errors.
    static HttpResponse text_response(
        boost::beast::http::status status, std::string body, unsigned version = 11
    );

private:
    HttpResponse metrics() const;
    /// /healthz and /healthz/ready: 200 while serving with storage reachable, else 503 and why.
    HttpResponse readiness(unsigned version) const;
    /// The file served at `path`, or nullptr.
    const WebAsset* find_asset(std::string_view path) const;

    server::ChatServer& server_;
    std::vector<std::string> allowed_origins_;
    std::span<const WebAsset> web_client_;
    std::atomic<bool> serving_{true};
};

}  // namespace salon::net
