// TLS on the native and IRC listeners: a certificate made by `salond tls self-signed`, clients
// that verify it, the same sessions as over TCP, and a certificate reload on SIGHUP.
#include <openssl/ssl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <thread>

#include "e2e_support.hpp"
#include "harness/blocking_socket.hpp"
#include "harness/tls_client.hpp"

namespace salon::test {
namespace {

namespace fs = std::filesystem;

/// The value of the sample `series` (name and labels, as printed) in salond's /metrics.
double metric(const ServerProcess& server, std::string_view series) {
    BlockingSocket http("127.0.0.1", server.http_port());
    http.send_all("GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n");
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (!http.eof() && std::chrono::steady_clock::now() < deadline)
        http.fill(std::chrono::milliseconds(100));
    const std::string& text = http.buffer();
    const std::string line_start = "\n" + std::string(series) + " ";
    const auto at = text.find(line_start);
    if (at == std::string::npos)
        throw std::runtime_error("no " + std::string(series) + " in /metrics");
    return std::stod(text.substr(at + line_start.size()));
}

/// Reads from `socket` until `done` says the buffer holds what is wanted, or the wait is over.
template <typename Done>
void fill_until(TlsSocket& socket, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (!done(socket.buffer()) && !socket.eof() && std::chrono::steady_clock::now() < deadline) {
        socket.fill(std::chrono::milliseconds(100));
    }
}

/// A minimal wss:// client: the upgrade, masked text frames out, unmasked text frames in.
class WssClient {
public:
    WssClient(std::uint16_t port, const TlsClientOptions& options)
        : socket_("127.0.0.1", port, options) {
        socket_.send_all(
            "GET /ws HTTP/1.1\r\nHost: localhost:" + std::to_string(port) +
            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Origin: https://localhost:" +
            std::to_string(port) + "\r\n\r\n"
        );
        fill_until(socket_, [](const std::string& b) {
            return b.find("\r\n\r\n") != std::string::npos;
        });
        const auto end = socket_.buffer().find("\r\n\r\n");
        if (end == std::string::npos || !socket_.buffer().starts_with("HTTP/1.1 101"))
            throw std::runtime_error("wss upgrade refused: " + socket_.buffer());
        socket_.buffer().erase(0, end + 4);
    }

    void send(const Frame& frame) {
        const std::string text = boost::json::serialize(frame);
        std::string wire{static_cast<char>(0x81)};
        if (text.size() < 126) {
            wire += static_cast<char>(0x80 | text.size());
        } else {
            wire += static_cast<char>(0x80 | 126);
            wire += static_cast<char>((text.size() >> 8) & 0xff);
            wire += static_cast<char>(text.size() & 0xff);
        }
        const char mask[4] = {1, 2, 3, 4};
        wire.append(mask, 4);
        for (std::size_t i = 0; i < text.size(); ++i)
            wire += static_cast<char>(text[i] ^ mask[i % 4]);
        socket_.send_all(wire);
    }

    /// The next text frame's object, skipping other frames; nullopt on timeout or close.
    std::optional<Frame> next() {
        for (;;) {
            std::optional<std::string> payload;
            fill_until(socket_, [&](const std::string& b) {
                return (payload = take(b)).has_value();
            });
            if (!payload) return std::nullopt;
            auto value = boost::json::parse(*payload);
            if (value.is_object()) return value.get_object();
        }
    }

    /// The first frame whose verb is `verb`.
    Frame wait_for(std::string_view verb) {
        while (auto frame = next()) {
            if (verb_of(*frame) == verb) return *frame;
        }
        throw std::runtime_error("no " + std::string(verb) + " over wss");
    }

    TlsSocket& socket() { return socket_; }

private:
    /// A whole frame at the front of `buffer`: its payload, removed from the socket's buffer.
    std::optional<std::string> take(const std::string& buffer) {
        if (buffer.size() < 2) return std::nullopt;
        std::size_t length = static_cast<unsigned char>(buffer[1]) & 0x7f;
        std::size_t head = 2;
        if (length == 126) {
            if (buffer.size() < 4) return std::nullopt;
            length = (static_cast<std::size_t>(static_cast<unsigned char>(buffer[2])) << 8) |
                     static_cast<unsigned char>(buffer[3]);
            head = 4;
        } else if (length == 127) {
            if (buffer.size() < 10) return std::nullopt;
            length = 0;
            for (int i = 2; i < 10; ++i)
                length =
                    (length << 8) | static_cast<unsigned char>(buffer[static_cast<std::size_t>(i)]);
            head = 10;
        }
        if (buffer.size() < head + length) return std::nullopt;
        std::string payload = buffer.substr(head, length);
        socket_.buffer().erase(0, head + length);
        return payload;
    }

    TlsSocket socket_;
};

/// A salond with a self-signed certificate and its native and IRC TLS ports on.
class TlsTest : public ::testing::Test {
protected:
    TlsTest() : dir_(make_temp_dir("salon-tls")) {
        auto pair = make_self_signed(dir_, "localhost");
        certificate_ = std::move(pair.certificate);
        key_ = std::move(pair.key);
    }

    ~TlsTest() override {
        server_.reset();
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    void start(std::vector<std::string> more = {}) {
        tls_port_ = pick_free_port();
        irc_tls_port_ = pick_free_port();
        https_port_ = pick_free_port();
        ServerOptions options;
        options.data_dir = dir_;
        options.extra_args = tls_listener_args(
            {certificate_, key_}, {.native = tls_port_, .irc = irc_tls_port_, .https = https_port_}
        );
        options.extra_args.insert(options.extra_args.end(), more.begin(), more.end());
        server_ = std::make_unique<ServerProcess>(options);
        // The TLS listeners bind before the native one logs that it listens.
    }

    TlsClientOptions verified(std::vector<std::string> alpn = {}) const {
        TlsClientOptions options;
        options.trust = certificate_;
        options.alpn = std::move(alpn);
        return options;
    }

    std::unique_ptr<TlsLineClient> connect_tls(std::vector<std::string> alpn = {"salon"}) {
        return std::make_unique<TlsLineClient>("127.0.0.1", tls_port_, verified(std::move(alpn)));
    }

    fs::path dir_;
    fs::path certificate_;
    fs::path key_;
    std::uint16_t tls_port_ = 0;
    std::uint16_t irc_tls_port_ = 0;
    std::uint16_t https_port_ = 0;
    std::unique_ptr<ServerProcess> server_;
};

TEST_F(TlsTest, SelfSignedSubcommandWritesAPrivateKeyAndACertificate) {
    struct stat key_stat {};

    ASSERT_EQ(::stat(key_.c_str(), &key_stat), 0);
    EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
    EXPECT_TRUE(fs::file_size(certificate_) > 0);
}

TEST_F(TlsTest, NativeClientOverTlsTalksWithAPlainTcpClient) {
    start();
    auto secure = connect_tls();
    EXPECT_EQ(secure->socket().alpn(), "salon");
    const std::string version = secure->socket().version();
    EXPECT_TRUE(version == "TLSv1.3" || version == "TLSv1.2") << version;
    login(*secure, "GuestAnn");
    auto plain = connect(*server_, Transport::tcp);
    login(*plain, "GuestBob");

    call_ok(*secure, "SEND", msg("home", "over TLS"));
    const auto seen = plain->wait_for("MSG", kWait);
    EXPECT_EQ(str(body_of(seen), "text"), "over TLS");
    EXPECT_EQ(str(body_of(seen), "from"), "GuestAnn");

    call_ok(*plain, "SEND", msg("home", "over TCP"));
    const auto back = secure->wait_for("MSG", kWait);
    // Its own message first, then bob's.
    const auto next =
        str(body_of(back), "text") == "over TLS" ? secure->wait_for("MSG", kWait) : back;
    EXPECT_EQ(str(body_of(next), "text"), "over TCP");

    call_ok(*secure, "END");
    EXPECT_TRUE(secure->closed_by_peer(kWait));
    EXPECT_TRUE(secure->socket().close_notified());
}

// A reply far larger than the socket's buffers, to a client that does not read for a while:
// OpenSSL's writes must wait for the socket and resume with the same bytes, or the stream breaks.
TEST_F(TlsTest, ALargeReplyArrivesWholeWhenTheClientReadsLate) {
    start({"--messages-per-second", "1000000", "--message-burst", "1000000"});
    auto plain = connect(*server_, Transport::tcp);
    login(*plain, "GuestBob");
    constexpr std::size_t kMessages = 150;
    for (std::size_t i = 0; i < kMessages; ++i) {
        std::string text = "message " + std::to_string(i) + " ";
        text.append(3000, static_cast<char>('a' + i % 26));
        send(*plain, "SEND", msg("home", text));
    }
    for (std::size_t i = 0; i < kMessages; ++i) (void)reply(*plain);

    auto options = verified({"salon"});
    options.receive_buffer_bytes = 4096;
    auto secure = std::make_unique<TlsLineClient>("127.0.0.1", tls_port_, options);
    login(*secure, "GuestAnn");
    drain(*secure);
    // Pipelined pages, more than the server's socket buffer can hold (it grows to 4 MiB).
    constexpr int kPages = 24;
    for (int i = 0; i < kPages; ++i)
        send(*secure, "HISTORY", {{"channel", "home"}, {"limit", kMessages}});
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the server's writes stall
    for (int page = 0; page < kPages; ++page) {
        // Each page holds the newest messages, as many as the reply's byte bound lets through
        // (about 240 KB): each must be whole, none skipped.
        const auto body = body_of(reply(*secure));
        const auto& messages = body.at("messages").as_array();
        ASSERT_GE(messages.size(), 50u);
        const std::size_t first = kMessages - messages.size();
        for (std::size_t i = 0; i < messages.size(); ++i) {
            const std::string text = str(messages[i].as_object(), "text");
            const std::string number = std::to_string(first + i);
            ASSERT_TRUE(text.starts_with("message " + number + " ")) << page << " " << i;
            ASSERT_EQ(text.size(), number.size() + 9 + 3000) << page << " " << i;
        }
    }
    // The stream is still in step: another request gets its own answer.
    call_ok(*secure, "WHO", {{"channel", "home"}});
}

TEST_F(TlsTest, ClientWithoutAlpnIsServedToo) {
    start();
    auto secure = connect_tls({});
    EXPECT_EQ(secure->socket().alpn(), "");
    login(*secure, "");
}

TEST_F(TlsTest, Tls11IsRefused) {
    start();
    TlsClientOptions old = verified();
    old.max_version = TLS1_1_VERSION;
    EXPECT_THROW(TlsLineClient("127.0.0.1", tls_port_, old), std::runtime_error);
    // The listener goes on serving.
    auto secure = connect_tls();
    login(*secure, "");
}

TEST_F(TlsTest, PlainTextOnTheTlsPortIsDropped) {
    start();
    LineClient plain("127.0.0.1", tls_port_);
    plain.send_raw("{\"PING\":{}}\n");
    EXPECT_TRUE(plain.closed_by_peer(kWait));
    auto secure = connect_tls();
    login(*secure, "");
    EXPECT_EQ(metric(*server_, "salon_tls_handshakes_total{result=\"failed\"}"), 1);
    EXPECT_EQ(metric(*server_, "salon_tls_handshakes_total{result=\"ok\"}"), 1);
    EXPECT_EQ(metric(*server_, "salon_connections_accepted_total{transport=\"tls\"}"), 2);
    EXPECT_EQ(metric(*server_, "salon_connections{transport=\"tls\"}"), 1);
}

TEST_F(TlsTest, IrcClientOverTlsIsWelcomed) {
    start();
    TlsSocket irc("127.0.0.1", irc_tls_port_, verified());
    irc.send_all("NICK tlsnick\r\nUSER tlsnick 0 * :TLS user\r\n");
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (irc.buffer().find(" 001 tlsnick ") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        irc.fill(std::chrono::milliseconds(100));
    }
    EXPECT_NE(irc.buffer().find(" 001 tlsnick "), std::string::npos) << irc.buffer();
}

TEST_F(TlsTest, HttpsServesHealthz) {
    start();
    TlsSocket https("127.0.0.1", https_port_, verified({"http/1.1"}));
    EXPECT_EQ(https.alpn(), "http/1.1");
    https.send_all("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    fill_until(https, [](const std::string&) { return false; });  // until the server closes
    EXPECT_TRUE(https.buffer().starts_with("HTTP/1.1 200")) << https.buffer();
}

TEST_F(TlsTest, WssClientTalksWithAPlainTcpClient) {
    start();
    WssClient wss(https_port_, verified({"http/1.1"}));
    wss.send(make_frame("CONN", {{"us", "GuestWeb"}}));
    EXPECT_EQ(verb_of(wss.wait_for("OK")), "OK");
    wss.wait_for("HISTORY");
    auto plain = connect(*server_, Transport::tcp);
    login(*plain, "GuestBob");
    wss.send(make_frame("SEND", {{"channel", "home"}, {"text", "over wss"}, {"ref", 7}}));
    const auto seen = plain->wait_for("MSG", kWait);
    EXPECT_EQ(str(body_of(seen), "text"), "over wss");
    EXPECT_EQ(str(body_of(seen), "from"), "GuestWeb");
}

// Shutting down reaches every connection, a wss:// one included (its HTTPS stream was moved
// into the WebSocket, and once crashed salond here), and a native TLS one gets its notice.
TEST_F(TlsTest, ShutdownWithWssAndTlsClientsConnectedExitsCleanly) {
    start();
    WssClient wss(https_port_, verified({"http/1.1"}));
    wss.send(make_frame("CONN", {{"us", "GuestWeb"}}));
    EXPECT_EQ(verb_of(wss.wait_for("OK")), "OK");
    auto secure = connect_tls();
    login(*secure, "GuestAnn");
    EXPECT_EQ(server_->stop(SIGTERM), 0);
    const auto notice = secure->wait_for("NOTICE", kWait);
    EXPECT_EQ(str(body_of(notice), "code"), "shutting_down");
}

TEST_F(TlsTest, SighupReloadsTheCertificateWithoutDroppingConnections) {
    start();
    auto before = connect_tls();
    login(*before, "GuestStays");
    const std::string old_serial = before->socket().peer_serial();

    make_self_signed(dir_);  // a renewal: new key, new serial, same files
    const std::string new_certificate = certificate_.string();
    ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (server_->log().find("TLS certificate reloaded") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_NE(server_->log().find("TLS certificate reloaded"), std::string::npos) << server_->log();

    auto after = connect_tls();  // verified against the new certificate
    EXPECT_NE(after->socket().peer_serial(), old_serial);
    login(*after, "");
    // The connection made before the reload still works, both ways.
    call_ok(*before, "PING");
    call_ok(*after, "SEND", msg("home", "after the reload"));
    const auto seen = before->wait_for("MSG", kWait);
    EXPECT_EQ(str(body_of(seen), "text"), "after the reload");
}

TEST_F(TlsTest, BadCertificateOnReloadKeepsTheOldOne) {
    start();
    const std::string old_serial = connect_tls()->socket().peer_serial();
    fs::resize_file(certificate_, 10);  // a half-written file
    ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (server_->log().find("not reloaded") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_NE(server_->log().find("not reloaded"), std::string::npos) << server_->log();
    TlsClientOptions unverified;  // the trust file is broken now
    TlsLineClient still("127.0.0.1", tls_port_, unverified);
    EXPECT_EQ(still.socket().peer_serial(), old_serial);
}

TEST(TlsSettingsTest, ACertificateWithoutAKeyIsRefusedAtStartup) {
    const auto dir = make_temp_dir("salon-tls-settings");
    const auto certificate = make_self_signed(dir).certificate;
    const auto result =
        run_salond({"--tls-cert", certificate.string(), "--data-dir", dir.string()});
    EXPECT_EQ(result.exit_status, 2) << result.output;
    EXPECT_NE(result.output.find("--tls-key"), std::string::npos) << result.output;
    fs::remove_all(dir);
}

TEST(TlsSettingsTest, WithoutACertificateNoTlsListenerRuns) {
    ServerProcess server;
    EXPECT_EQ(server.log().find("over TLS listening"), std::string::npos) << server.log();
}

}  // namespace
}  // namespace salon::test
