// What salond's HTTP listener does with the bytes of one connection: requests read one after
// another (keep-alive) by the parser HttpConnection uses, with its limits, then routed by
// HttpService::route() to handle(), to Beast's WebSocket handshake or to the Origin refusal.
// Beyond "no crash" it checks that a refused request gets a 4xx and closes; handle()'s answers
// keep the request's keep-alive and version, have a Content-Length that is the body's (HEAD:
// none), and serialize; the handshake answers 101 exactly when it succeeds.

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "check.hpp"
#include "core/clock.hpp"
#include "net/http_service.hpp"
#include "server/chat_server.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "web_assets.hpp"

namespace {

using salon::fuzz::check;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = salon::net;

/// A server to answer /metrics, created once and never destroyed (its pools outlive the run).
struct World {
    std::filesystem::path dir;
    std::unique_ptr<salon::store::Store> store;
    salon::core::SystemClock clock;
    asio::io_context io;
    std::unique_ptr<salon::server::ChatServer> server;
    std::unique_ptr<net::HttpService> same_origin;  // the default: no allowed_origins
    std::unique_ptr<net::HttpService> listed;       // allowed_origins = one page
};

World* world = nullptr;

void answer(const net::HttpService& service, const net::HttpRequest& request) {
    const net::HttpResponse response = service.handle(request);
    check(response.version() == request.version(), "the answer has the request's version");
    check(response.keep_alive() == request.keep_alive(), "the answer keeps the keep-alive");
    const auto length = response[http::field::content_length];
    if (request.method() == http::verb::head) {
        check(response.body().empty(), "HEAD answers have no body");
    } else {
        check(length == std::to_string(response.body().size()), "Content-Length is the body's");
    }
    std::ostringstream bytes;
    bytes << response;
    check(bytes.str().starts_with("HTTP/1."), "the answer serializes");
}

void upgrade(const net::HttpRequest& request) {
    beast::test::stream peer(world->io);
    beast::websocket::stream<beast::test::stream> ws(world->io);
    ws.next_layer().connect(peer);
    beast::error_code ec;
    ws.accept(request, ec);
    check(!ec == peer.str().starts_with("HTTP/1.1 101 "), "101 exactly when the handshake works");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    world = new World;
    std::string dir = (std::filesystem::temp_directory_path() / "salon-fuzz-XXXXXX").string();
    check(mkdtemp(dir.data()) != nullptr, "a temporary data dir");
    world->dir = dir;
    std::atexit([] { std::filesystem::remove_all(world->dir); });
    world->store = salon::store::open_sqlite_store(world->dir / "salon.db");
    world->server = std::make_unique<salon::server::ChatServer>(
        world->io, salon::server::ServerSettings{}, *world->store, world->clock, 1
    );
    world->same_origin = std::make_unique<net::HttpService>(
        *world->server, std::vector<std::string>{}, salon::web::assets()
    );
    world->listed = std::make_unique<net::HttpService>(
        *world->server, std::vector<std::string>{"https://chat.example.org"}, salon::web::assets()
    );
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    beast::test::stream connection(world->io);
    connection.append({reinterpret_cast<const char*>(data), size});
    connection.close_remote();  // the bytes end: reads then see end_of_stream
    beast::flat_buffer buffer;
    for (;;) {
        net::HttpRequestParser parser;
        net::HttpService::limit(parser);
        beast::error_code ec;
        http::read(connection, buffer, parser, ec);
        if (ec == http::error::end_of_stream) return 0;
        if (ec) {
            const auto response = net::HttpService::malformed(ec);
            check(response.result_int() >= 400 && response.result_int() < 500, "malformed is 4xx");
            check(!response.keep_alive(), "a malformed request closes the connection");
            return 0;
        }
        const net::HttpRequest request = parser.release();
        // The service with a list of Origins, then the default one: that one's route is taken.
        if (world->listed->route(request) == net::HttpRoute::websocket) upgrade(request);
        switch (world->same_origin->route(request)) {
            case net::HttpRoute::websocket:
                upgrade(request);
                return 0;  // the connection is the WebSocket's from here on
            case net::HttpRoute::foreign_origin:
                return 0;  // 403 and close
            case net::HttpRoute::answer:
                answer(*world->same_origin, request);
                if (!request.keep_alive()) return 0;
        }
    }
}
