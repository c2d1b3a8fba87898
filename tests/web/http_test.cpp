// salond's HTTP side against the real binary: the embedded client, /healthz, /metrics, bad
// requests, and what is particular to WebSocket (Origin, frame limit and 1009, ping, 1001).
#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "harness/line_client.hpp"
#include "harness/server_process.hpp"
#include "harness/ws_client.hpp"
#include "http_client.hpp"
#include "prometheus_text.hpp"

namespace salon::test {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 5s;

ServerOptions options(std::vector<std::string> args) {
    ServerOptions o;
    o.extra_args = std::move(args);
    return o;
}

/// Sends {verb: args} and returns the next OK or NO (events before it are skipped).
Frame call(Connection& conn, std::string_view verb, boost::json::object args = {}) {
    conn.send(make_frame(verb, std::move(args)));
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
        auto frame = conn.next(100ms);
        if (!frame) {
            if (conn.eof()) break;
            continue;
        }
        const auto verb_seen = verb_of(*frame);
        if (verb_seen == "OK" || verb_seen == "NO") return *frame;
    }
    throw std::runtime_error("no reply to " + std::string(verb));
}

std::string login(Connection& conn) {
    const auto reply = call(conn, "CONN", {{"us", ""}, {"pwd", ""}});
    EXPECT_EQ(verb_of(reply), "OK") << boost::json::serialize(reply);
    return std::string(body_of(reply).at("user").as_string());
}

Scrape scrape(const ServerProcess& server) {
    const auto answer = http_get(server.http_port(), "/metrics");
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    return parse_prometheus_text(answer.body);
}

/// Polls /metrics until `series` reaches `at_least` (fan-out and commit are asynchronous).
Scrape scrape_until(const ServerProcess& server, const std::string& series, double at_least) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    for (;;) {
        auto s = scrape(server);
        if (s.at(series) >= at_least || std::chrono::steady_clock::now() > deadline) return s;
        std::this_thread::sleep_for(20ms);
    }
}

TEST(Http, HealthzServesTheClientAndAnswersUnknownPathsWith404) {
    ServerProcess server;
    const auto health = http_get(server.http_port(), "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body, "ok\n");
    const auto ready = http_get(server.http_port(), "/healthz/ready");
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(ready.body, "ok\n");
    EXPECT_EQ(http_get(server.http_port(), "/healthz/live").body, "alive\n");

    const auto index = http_get(server.http_port(), "/");
    EXPECT_EQ(index.status, 200);
    EXPECT_EQ(index.headers.at("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(index.body.find("<title>Salon</title>"), std::string::npos);
    EXPECT_NE(
        index.headers.at("content-security-policy").find("default-src 'self'"), std::string::npos
    );
    // Nothing is loaded from elsewhere.
    EXPECT_EQ(index.body.find("http://"), std::string::npos);
    EXPECT_EQ(index.body.find("https://"), std::string::npos);

    // The client is ES modules: the entry imports its siblings, which must be served too.
    const auto js = http_get(server.http_port(), "/app.js?v=1");
    EXPECT_EQ(js.status, 200);
    EXPECT_EQ(js.headers.at("content-type"), "text/javascript; charset=utf-8");
    EXPECT_NE(js.body.find("import "), std::string::npos);
    const auto connection = http_get(server.http_port(), "/connection.js");
    EXPECT_EQ(connection.status, 200);
    EXPECT_NE(connection.body.find("new WebSocket"), std::string::npos);
    EXPECT_EQ(http_get(server.http_port(), "/style.css").status, 200);

    EXPECT_EQ(http_get(server.http_port(), "/nope").status, 404);
    EXPECT_EQ(http_get(server.http_port(), "/../etc/passwd").status, 404);
    EXPECT_EQ(http_get(server.http_port(), "/ws").status, 426);  // not an upgrade

    const auto head =
        http_raw(server.http_port(), "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.headers.at("content-length"), std::to_string(index.body.size()));
    const auto post = http_raw(
        server.http_port(),
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
    );
    EXPECT_EQ(post.status, 405);
}

TEST(Http, KeepAliveServesSeveralRequestsOnOneConnection) {
    ServerProcess server;
    const std::string two =
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n"
        "Connection: close\r\n\r\n";
    // The first answer has a Content-Length; read both by asking for everything until close.
    const auto answer = http_raw(server.http_port(), two);
    EXPECT_EQ(answer.status, 200);
}

TEST(Http, MalformedAndOversizedRequestsGet4xxAndTheServerLivesOn) {
    ServerProcess server;
    const auto port = server.http_port();
    EXPECT_EQ(http_raw(port, "GARBAGE\r\n\r\n").status, 400);
    EXPECT_EQ(http_raw(port, "GET / HTTP/9.9\r\nHost: x\r\n\r\n").status, 400);
    EXPECT_EQ(http_raw(port, "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n").status, 400);
    EXPECT_EQ(
        http_raw(
            port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"
        )
            .status,
        431
    );
    EXPECT_EQ(
        http_raw(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n").status, 413
    );
    EXPECT_EQ(
        http_raw(port, "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
            .status,
        400
    );
    // A WebSocket upgrade without a key or with a wrong version: Beast answers 400 / 426.
    const auto no_key = http_raw(
        port,
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    );
    EXPECT_GE(no_key.status, 400);
    EXPECT_LT(no_key.status, 500);
    const auto bad_version = http_raw(
        port,
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Version: 7\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    EXPECT_GE(bad_version.status, 400);
    EXPECT_LT(bad_version.status, 500);

    EXPECT_EQ(http_get(port, "/healthz").status, 200);
    const auto s = scrape(server);
    EXPECT_GE(s.at("salon_http_rejected_total"), 8);
    WsClient ws("127.0.0.1", port);
    login(ws);
}

TEST(Http, MetricsParseAndMoveWhenMessagesFlow) {
    ServerProcess server;
    const auto before = scrape(server);
    for (const auto* family :
         {"salon_connections",
          "salon_users_online",
          "salon_channels",
          "salon_messages_received_total",
          "salon_deliveries_total",
          "salon_send_queue_drops_total",
          "salon_rate_limited_total",
          "salon_failed_logins_total",
          "salon_storage_batch_messages",
          "salon_storage_commit_seconds",
          "salon_storage_call_seconds",
          "salon_storage_queue_depth",
          "salon_storage_up",
          "salon_messages_pruned_total",
          "process_resident_memory_bytes"}) {
        EXPECT_TRUE(before.types.contains(family)) << family;
    }
    EXPECT_EQ(before.types.at("salon_storage_commit_seconds"), "histogram");
    EXPECT_GT(before.at("process_resident_memory_bytes"), 1e6);
    EXPECT_EQ(before.at("salon_messages_received_total"), 0);

    LineClient tcp("127.0.0.1", server.port());
    WsClient ws("127.0.0.1", server.http_port());
    login(tcp);
    login(ws);
    for (int i = 0; i < 3; ++i) {
        const auto ok =
            call(tcp, "SEND", {{"channel", "home"}, {"text", "hi " + std::to_string(i)}});
        ASSERT_EQ(verb_of(ok), "OK");
    }
    ASSERT_EQ(verb_of(call(ws, "SEND", {{"channel", "home"}, {"text", "from the web"}})), "OK");
    EXPECT_EQ(verb_of(call(ws, "CONN", {{"us", "x"}, {"pwd", "y"}})), "NO");  // already logged in
    LineClient wrong("127.0.0.1", server.port());
    EXPECT_EQ(verb_of(call(wrong, "CONN", {{"us", "nobody"}, {"pwd", "wrong-password"}})), "NO");

    const auto after = scrape_until(server, "salon_deliveries_total", 8);
    EXPECT_EQ(after.at("salon_messages_received_total"), 4);
    // Each of the 4 messages reaches both connections, besides the JOIN and HISTORY events.
    EXPECT_GE(after.at("salon_deliveries_total") - before.at("salon_deliveries_total"), 8);
    EXPECT_EQ(after.at("salon_connections{transport=\"tcp\"}"), 2);
    EXPECT_EQ(after.at("salon_connections{transport=\"websocket\"}"), 1);
    EXPECT_EQ(after.at("salon_connections_accepted_total{transport=\"websocket\"}"), 1);
    EXPECT_EQ(after.at("salon_users_online"), 2);
    EXPECT_EQ(after.at("salon_channels"), 1);
    EXPECT_EQ(after.at("salon_failed_logins_total"), 1);
    EXPECT_GE(after.at("salon_storage_batch_messages_count"), 1);
    EXPECT_EQ(after.at("salon_storage_batch_messages_sum"), 4);
    EXPECT_EQ(
        after.at("salon_storage_commit_seconds_count"),
        after.at("salon_storage_batch_messages_count")
    );
    // Logins read accounts and channels on the worker pool: those calls are timed too.
    EXPECT_GT(
        after.at("salon_storage_call_seconds_count"), before.at("salon_storage_call_seconds_count")
    );
    EXPECT_EQ(after.at("salon_storage_queue_depth"), 0);

    ws.close();
    tcp.close();
    const auto closed = [&] {
        const auto deadline = std::chrono::steady_clock::now() + kWait;
        for (;;) {
            auto s = scrape(server);
            if (s.at("salon_connections{transport=\"websocket\"}") == 0 ||
                std::chrono::steady_clock::now() > deadline) {
                return s;
            }
            std::this_thread::sleep_for(20ms);
        }
    }();
    EXPECT_EQ(closed.at("salon_connections{transport=\"websocket\"}"), 0);
}

TEST(Http, RateLimitHitsAreCounted) {
    ServerProcess server(options({"--messages-per-second", "1", "--message-burst", "2"}));
    WsClient ws("127.0.0.1", server.http_port());
    login(ws);
    bool limited = false;
    for (int i = 0; i < 5 && !limited; ++i) {
        const auto reply = call(ws, "PING");
        limited = verb_of(reply) == "NO";
    }
    ASSERT_TRUE(limited);
    EXPECT_GE(scrape(server).at("salon_rate_limited_total"), 1);
}

TEST(WebSocket, ForeignOriginsAreRefusedWith403UnlessAllowed) {
    ServerProcess server;
    const auto port = server.http_port();
    try {
        WsClient evil("127.0.0.1", port, "/ws", {"Origin: http://evil.example"});
        FAIL() << "a foreign Origin was accepted";
    } catch (const HandshakeRefused& e) {
        EXPECT_EQ(e.status(), 403);
    }
    // The page's own origin (Host is 127.0.0.1:port) may connect.
    WsClient same("127.0.0.1", port, "/ws", {"Origin: http://127.0.0.1:" + std::to_string(port)});
    login(same);

    ServerProcess listed(
        options({"--allowed-origins", "https://chat.example.org,http://other.example"})
    );
    WsClient allowed("127.0.0.1", listed.http_port(), "/ws", {"Origin: https://chat.example.org"});
    login(allowed);
    EXPECT_THROW(
        WsClient("127.0.0.1", listed.http_port(), "/ws", {"Origin: https://chat.example.org.evil"}),
        HandshakeRefused
    );
}

TEST(WebSocket, AnOversizedMessageGetsLineTooLongThenClose1009) {
    ServerProcess server(options({"--max-frame-bytes", "4400"}));
    WsClient ws("127.0.0.1", server.http_port());
    login(ws);
    // Fragmented, so the server sees it grow past the limit before the message ends.
    ws.send_frame(WsClient::kText, std::string(3000, ' '), false);
    ws.send_frame(WsClient::kContinuation, std::string(3000, ' '), true);
    const auto reply = ws.wait_for("NO", kWait);
    EXPECT_EQ(body_of(reply).at("code").as_string(), "line_too_long");
    EXPECT_TRUE(ws.closed_by_peer(kWait));
    EXPECT_EQ(ws.close_code(), 1009);
}

TEST(WebSocket, PingsGetPongsAndCountAsActivity) {
    ServerProcess server(options({"--idle-timeout", "0.6"}));
    WsClient ws("127.0.0.1", server.http_port());
    login(ws);
    // Control pings alone keep the connection alive past the idle timeout (they are activity),
    // and each is answered with its payload.
    for (int i = 0; i < 8; ++i) {
        ws.send_frame(WsClient::kPing, "p" + std::to_string(i));
        while (auto frame = ws.next(100ms)) {
            // protocol PING events may still come; answering them is not needed here
        }
    }
    EXPECT_FALSE(ws.eof());
    ASSERT_GE(ws.pongs().size(), 8U);
    EXPECT_EQ(ws.pongs().front(), "p0");
}

TEST(WebSocket, ShutdownSendsNoticeThenClose1001AndHealthzTurns503) {
    ServerProcess server;
    WsClient ws("127.0.0.1", server.http_port());
    login(ws);
    ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
    // We do not read, so the server's closing handshake with us waits (at most 2 s): meanwhile
    // the HTTP port still answers, and /healthz says the server is no longer serving.
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (status != 503 && std::chrono::steady_clock::now() < deadline) {
        status = http_get(server.http_port(), "/healthz").status;
    }
    EXPECT_EQ(status, 503);
    const auto notice = ws.wait_for("NOTICE", kWait);
    EXPECT_EQ(body_of(notice).at("code").as_string(), "shutting_down");
    EXPECT_TRUE(ws.closed_by_peer(kWait));
    EXPECT_EQ(ws.close_code(), 1001);
    EXPECT_EQ(server.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace salon::test
