#include "net/http_service.hpp"

// HttpService serves the web files the application hands it, at their paths, and nothing else.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace salon::net {
namespace {

namespace http = boost::beast::http;

constexpr WebAsset kFiles[] = {
    {"/index.html", "text/html; charset=utf-8", "<p>salon</p>"},
    {"/app.js", "text/javascript; charset=utf-8", "connect();"},
};

HttpRequest get(std::string target) {
    HttpRequest request{http::verb::get, target, 11};
    request.set(http::field::host, "localhost");
    return request;
}

class HttpServiceTest : public ::testing::Test {
protected:
    test::TempDir dir_{"salon-http-service-test"};
    std::unique_ptr<store::Store> store_ = store::open_sqlite_store(dir_.path() / "salon.db");
    core::SystemClock clock_;
    boost::asio::io_context io_;
    server::ChatServer server_{io_, server::ServerSettings{}, *store_, clock_, 1};
};

TEST_F(HttpServiceTest, ServesEachFileItIsGivenAtItsPathWithItsType) {
    const HttpService service(server_, {}, kFiles);

    const auto page = service.handle(get("/"));
    EXPECT_EQ(page.result(), http::status::ok);
    EXPECT_EQ(page.body(), "<p>salon</p>");
    EXPECT_EQ(page[http::field::content_type], "text/html; charset=utf-8");

    const auto script = service.handle(get("/app.js?v=2"));
    EXPECT_EQ(script.result(), http::status::ok);
    EXPECT_EQ(script.body(), "connect();");
    EXPECT_EQ(script[http::field::content_type], "text/javascript; charset=utf-8");

    EXPECT_EQ(service.handle(get("/style.css")).result(), http::status::not_found);
}

TEST_F(HttpServiceTest, WithoutFilesOnlyTheServiceEndpointsAnswer) {
    const HttpService service(server_, {}, std::span<const WebAsset>{});

    EXPECT_EQ(service.handle(get("/")).result(), http::status::not_found);
    EXPECT_EQ(service.handle(get("/index.html")).result(), http::status::not_found);
    EXPECT_EQ(service.handle(get("/healthz")).result(), http::status::ok);
}

TEST(WebSocketFormatTest, TheFirstIrcv3SubprotocolOfTheClientsListIsChosenWhenIrcIsOffered) {
    HttpRequest upgrade = get("/");
    EXPECT_EQ(HttpService::websocket_format(upgrade, true), WebSocketFormat::native);
    upgrade.insert(http::field::sec_websocket_protocol, "chat");
    upgrade.insert(http::field::sec_websocket_protocol, " text.ircv3.net ,binary.ircv3.net");
    EXPECT_EQ(HttpService::websocket_format(upgrade, true), WebSocketFormat::irc_text);
    EXPECT_EQ(HttpService::websocket_format(upgrade, false), WebSocketFormat::native);
    upgrade.set(http::field::sec_websocket_protocol, "binary.ircv3.net, text.ircv3.net");
    EXPECT_EQ(HttpService::websocket_format(upgrade, true), WebSocketFormat::irc_binary);
    upgrade.set(http::field::sec_websocket_protocol, "xtext.ircv3.net");
    EXPECT_EQ(HttpService::websocket_format(upgrade, true), WebSocketFormat::native);
}

}  // namespace
}  // namespace salon::net
