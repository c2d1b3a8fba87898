#include "net/http_service.hpp"

#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cctype>

#include "metrics/process.hpp"
#include "metrics/salon_metrics.hpp"

namespace salon::net {
namespace http = boost::beast::http;

namespace {

/// Request line and headers; past this a request gets 431. Browsers send well under 2 KiB.
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
/// Nothing we serve takes a body; a small one is read and ignored, a larger one gets 413.
constexpr std::uint64_t kBodyLimit = 8 * 1024;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim_trailing_slash(std::string_view origin) {
    while (origin.ends_with('/')) origin.remove_suffix(1);
    return origin;
}

/// The path without its query string.
std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find_first_of("?#"));
}

void set_common_headers(HttpResponse& response) {
    response.set(http::field::server, "salond");
    response.set(http::field::cache_control, "no-cache");
    response.set("X-Content-Type-Options", "nosniff");
}

}  // namespace

HttpService::HttpService(
    server::ChatServer& server,
    std::vector<std::string> allowed_origins,
    std::span<const WebAsset> web_client
)
    : server_(server), allowed_origins_(std::move(allowed_origins)), web_client_(web_client) {}

void HttpService::limit(HttpRequestParser& parser) {
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kBodyLimit);
}

HttpResponse HttpService::malformed(const boost::system::error_code& error) {
    auto status = http::status::bad_request;
    if (error == http::error::header_limit) status = http::status::request_header_fields_too_large;
    if (error == http::error::body_limit) status = http::status::payload_too_large;
    auto response = text_response(status, error.message());
    response.keep_alive(false);
    return response;
}

HttpRoute HttpService::route(const HttpRequest& request) const {
    const std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    const bool ws_path = path == kWebSocketPath || path == "/";
    if (!ws_path || !boost::beast::websocket::is_upgrade(request)) return HttpRoute::answer;
    return origin_allowed(request) ? HttpRoute::websocket : HttpRoute::foreign_origin;
}

WebSocketFormat HttpService::websocket_format(const HttpRequest& upgrade, bool irc) {
    if (!irc) return WebSocketFormat::native;
    // The header may come several times, each a comma-separated list.
    const auto [first, last] = upgrade.equal_range(http::field::sec_websocket_protocol);
    for (auto field = first; field != last; ++field) {
        std::string_view list = field->value();
        while (!list.empty()) {
            const auto comma = list.find(',');
            std::string_view name = list.substr(0, comma);
            list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
            while (name.starts_with(' ') || name.starts_with('\t')) name.remove_prefix(1);
            while (name.ends_with(' ') || name.ends_with('\t')) name.remove_suffix(1);
            if (name == "binary.ircv3.net") return WebSocketFormat::irc_binary;
            if (name == "text.ircv3.net") return WebSocketFormat::irc_text;
        }
    }
    return WebSocketFormat::native;
}

HttpResponse HttpService::text_response(http::status status, std::string body, unsigned version) {
    HttpResponse response{status, version};
    set_common_headers(response);
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = std::move(body);
    if (!response.body().ends_with('\n')) response.body() += '\n';
    response.prepare_payload();
    return response;
}

bool HttpService::origin_allowed(const HttpRequest& request) const {
    const auto origin_field = request.find(http::field::origin);
    if (origin_field == request.end()) return true;  // not a browser: Origin protects browsers
    const std::string_view origin = trim_trailing_slash(origin_field->value());
    if (!allowed_origins_.empty()) {
        return std::any_of(allowed_origins_.begin(), allowed_origins_.end(), [&](const auto& a) {
            return a == "*" || iequals(trim_trailing_slash(a), origin);
        });
    }
    const std::string_view host = request[http::field::host];
    const auto scheme_end = origin.find("://");
    if (host.empty() || scheme_end == std::string_view::npos) return false;
    return iequals(origin.substr(scheme_end + 3), host);
}

HttpResponse HttpService::handle(const HttpRequest& request) const {
    metrics::salon().http_requests.inc();
    const std::string_view path = path_of(request.target());
    const bool get = request.method() == http::verb::get || request.method() == http::verb::head;
    HttpResponse response;

    if (path == kWebSocketPath) {
        response = text_response(
            http::status::upgrade_required,
            "this is the WebSocket endpoint: send a WebSocket upgrade request",
            request.version()
        );
        response.set(http::field::upgrade, "websocket");
    } else if (!get) {
        response = text_response(
            http::status::method_not_allowed, "only GET and HEAD are served", request.version()
        );
        response.set(http::field::allow, "GET, HEAD");
    } else if (path == "/healthz/live") {
        // The process answers. Unlike readiness it ignores storage: restarting salond does not
        // mend a disk, so a supervisor's liveness probe must not start a restart loop.
        response = text_response(http::status::ok, "alive", request.version());
    } else if (path == "/healthz" || path == "/healthz/ready") {
        response = readiness(request.version());
    } else if (path == "/metrics") {
        response = metrics();
        response.version(request.version());
    } else if (const auto* asset = find_asset(path)) {
        response = HttpResponse{http::status::ok, request.version()};
        set_common_headers(response);
        response.set(http::field::content_type, asset->content_type);
        // The page loads nothing from elsewhere and talks only to this server.
        response.set(
            "Content-Security-Policy",
            "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
            "frame-ancestors 'none'"
        );
        response.body().assign(asset->body.data(), asset->body.size());
        response.prepare_payload();
    } else {
        response = text_response(http::status::not_found, "not found", request.version());
    }

    if (request.method() == http::verb::head) {
        const auto length = response.body().size();
        response.body().clear();
        response.content_length(length);
    }
    if (response.result_int() >= 400) metrics::salon().http_rejected.inc();
    response.keep_alive(request.keep_alive());
    return response;
}

const WebAsset* HttpService::find_asset(std::string_view path) const {
    if (path == "/") path = "/index.html";
    for (const auto& asset : web_client_) {
        if (asset.path == path) return &asset;
    }
    return nullptr;
}

HttpResponse HttpService::readiness(unsigned version) const {
    if (!serving()) {
        return text_response(http::status::service_unavailable, "shutting down", version);
    }
    if (auto problem = server_.storage_problem()) {
        return text_response(
            http::status::service_unavailable, "storage unavailable: " + *problem, version
        );
    }
    return text_response(http::status::ok, "ok", version);
}

HttpResponse HttpService::metrics() const {
    auto& m = metrics::salon();
    m.storage_queue_depth.set(static_cast<double>(server_.pipeline().stats().queued));
    const auto counts = server_.hub().counts();
    m.users_online.set(static_cast<double>(counts.users));
    m.sessions.set(static_cast<double>(counts.sessions));
    m.channels.set(static_cast<double>(counts.channels));
    if (const auto rss = metrics::resident_memory_bytes()) {
        m.resident_memory_bytes.set(static_cast<double>(*rss));
    }
    HttpResponse response{http::status::ok, 11};
    set_common_headers(response);
    response.set(http::field::content_type, metrics::kTextFormatContentType);
    response.body() = metrics::registry().expose();
    response.prepare_payload();
    return response;
}

}  // namespace salon::net
