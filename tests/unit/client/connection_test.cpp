#include "client/connection.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <thread>

// TcpConnection's TLS against a one-connection OpenSSL echo server in a thread, with a
// certificate made for the test; and the salons:// addresses.
namespace salon::client {
namespace {

using namespace std::chrono_literals;

TEST(EndpointTest, SalonsSchemeMeansTlsOnPort5443AndSalonSchemeMeansPlain) {
    auto tls = parse_endpoint("salons://chat.example.org");
    ASSERT_TRUE(tls);
    EXPECT_TRUE(tls->tls.enabled);
    EXPECT_EQ(tls->host, "chat.example.org");
    EXPECT_EQ(tls->port, kDefaultTlsPort);
    auto port = parse_endpoint("salons://[::1]:6443/");
    ASSERT_TRUE(port);
    EXPECT_TRUE(port->tls.enabled);
    EXPECT_EQ(port->port, 6443);
    auto plain = parse_endpoint("salon://host", true);
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->tls.enabled);
    EXPECT_EQ(plain->port, kDefaultPort);
    auto flag = parse_endpoint("host", true);
    ASSERT_TRUE(flag);
    EXPECT_TRUE(flag->tls.enabled);
    EXPECT_EQ(flag->port, kDefaultTlsPort);
    EXPECT_FALSE(parse_endpoint("https://host"));
}

/// A P-256 key and a self-signed certificate for `san` (e.g. "DNS:localhost"), valid an hour.
struct TestCertificate {
    EVP_PKEY* key = nullptr;
    X509* cert = nullptr;
    std::filesystem::path pem;

    explicit TestCertificate(const char* san) {
        key = EVP_EC_gen("P-256");
        cert = X509_new();
        X509_set_version(cert, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
        X509_gmtime_adj(X509_getm_notBefore(cert), -60);
        X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
        X509_set_pubkey(cert, key);
        auto* name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(
            name,
            "CN",
            MBSTRING_ASC,
            reinterpret_cast<const unsigned char*>("salon test"),
            -1,
            -1,
            0
        );
        X509_set_issuer_name(cert, name);
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
        auto* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san);
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
        X509_sign(cert, key, EVP_sha256());
        pem = std::filesystem::temp_directory_path() /
              ("salon-tls-test-" + std::to_string(::getpid()) + ".pem");
        FILE* f = std::fopen(pem.c_str(), "w");
        PEM_write_X509(f, cert);
        std::fclose(f);
    }

    ~TestCertificate() {
        std::filesystem::remove(pem);
        X509_free(cert);
        EVP_PKEY_free(key);
    }

    TestCertificate(const TestCertificate&) = delete;
    TestCertificate& operator=(const TestCertificate&) = delete;
};

/// Accepts one TLS connection on 127.0.0.1 and echoes one line back.
class EchoServer {
public:
    explicit EchoServer(const TestCertificate& certificate) {
        ctx_ = SSL_CTX_new(TLS_server_method());
        SSL_CTX_use_certificate(ctx_, certificate.cert);
        SSL_CTX_use_PrivateKey(ctx_, certificate.key);
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(listener_, 1);
        socklen_t len = sizeof addr;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }

    ~EchoServer() {
        ::shutdown(listener_, SHUT_RDWR);
        thread_.join();
        ::close(listener_);
        SSL_CTX_free(ctx_);
    }

    EchoServer(const EchoServer&) = delete;
    EchoServer& operator=(const EchoServer&) = delete;

    std::uint16_t port() const { return port_; }

private:
    void serve() {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, 10000) <= 0) return;
        const int fd = ::accept(listener_, nullptr, nullptr);
        if (fd < 0) return;
        timeval timeout{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        SSL* ssl = SSL_new(ctx_);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) == 1) {
            std::string line;
            char c = 0;
            while (SSL_read(ssl, &c, 1) == 1) {
                line.push_back(c);
                if (c == '\n') break;
            }
            SSL_write(ssl, line.data(), static_cast<int>(line.size()));
            SSL_shutdown(ssl);
        }
        SSL_free(ssl);
        ::close(fd);
    }

    SSL_CTX* ctx_ = nullptr;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

Endpoint tls_endpoint(const std::string& host, std::uint16_t port) {
    Endpoint e;
    e.host = host;
    e.port = port;
    e.tls.enabled = true;
    return e;
}

/// Sends "hello\n" and returns the line that comes back (empty on failure).
std::string echo(TcpConnection& connection) {
    connection.queue("hello\n");
    LineFramer framer;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (connection.wants_write() && !connection.flush()) return {};
        if (auto line = framer.next()) return *line;
        pollfd p{connection.fd(), POLLIN, 0};
        ::poll(&p, 1, 100);
        if (!connection.read_available(framer)) return {};
    }
    return {};
}

TEST(TlsConnectionTest, TrustsACertificateFromTheCaFileAndTalks) {
    const TestCertificate certificate("DNS:localhost");
    EchoServer server(certificate);
    auto endpoint = tls_endpoint("localhost", server.port());
    endpoint.tls.ca_file = certificate.pem.string();
    auto connection = TcpConnection::connect(endpoint, 5s);
    ASSERT_TRUE(connection) << connection.error().message;
    EXPECT_TRUE(connection->is_tls());
    EXPECT_EQ(echo(*connection), "hello");
}

TEST(TlsConnectionTest, RefusesASelfSignedCertificateTheSystemDoesNotTrust) {
    const TestCertificate certificate("DNS:localhost");
    EchoServer server(certificate);
    auto connection = TcpConnection::connect(tls_endpoint("localhost", server.port()), 5s);
    ASSERT_FALSE(connection);
    EXPECT_EQ(connection.error().kind, ErrorKind::network);
    EXPECT_NE(connection.error().message.find("is not trusted"), std::string::npos)
        << connection.error().message;
    EXPECT_NE(connection.error().message.find("self-signed"), std::string::npos)
        << connection.error().message;
    EXPECT_NE(connection.error().message.find("--ca FILE"), std::string::npos);
}

TEST(TlsConnectionTest, RefusesACertificateForAnotherName) {
    const TestCertificate certificate("DNS:localhost");
    EchoServer server(certificate);
    auto endpoint = tls_endpoint("127.0.0.1", server.port());
    endpoint.tls.ca_file = certificate.pem.string();
    auto connection = TcpConnection::connect(endpoint, 5s);
    ASSERT_FALSE(connection);
    EXPECT_NE(connection.error().message.find("mismatch"), std::string::npos)
        << connection.error().message;
}

TEST(TlsConnectionTest, InsecureAcceptsAnyCertificate) {
    const TestCertificate certificate("DNS:elsewhere.example");
    EchoServer server(certificate);
    auto endpoint = tls_endpoint("127.0.0.1", server.port());
    endpoint.tls.insecure = true;
    auto connection = TcpConnection::connect(endpoint, 5s);
    ASSERT_TRUE(connection) << connection.error().message;
    EXPECT_EQ(echo(*connection), "hello");
}

TEST(TlsConnectionTest, AnUnreadableCaFileIsAUsageError) {
    const TestCertificate certificate("DNS:localhost");
    EchoServer server(certificate);
    auto endpoint = tls_endpoint("localhost", server.port());
    endpoint.tls.ca_file = "/nonexistent/ca.pem";
    auto connection = TcpConnection::connect(endpoint, 5s);
    ASSERT_FALSE(connection);
    EXPECT_EQ(connection.error().kind, ErrorKind::usage);
    EXPECT_NE(connection.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

TEST(TlsConnectionTest, APlainServerFailsTheHandshakeWithAHint) {
    // A listener that accepts and closes, as a plain port would on a TLS ClientHello.
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener, 1);
    socklen_t len = sizeof addr;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    std::thread closer([listener] {
        const int fd = ::accept(listener, nullptr, nullptr);
        if (fd >= 0) ::close(fd);
    });
    auto connection = TcpConnection::connect(tls_endpoint("127.0.0.1", ntohs(addr.sin_port)), 5s);
    closer.join();
    ::close(listener);
    ASSERT_FALSE(connection);
    EXPECT_EQ(connection.error().kind, ErrorKind::network);
    EXPECT_NE(connection.error().message.find("TLS handshake"), std::string::npos)
        << connection.error().message;
}

}  // namespace
}  // namespace salon::client
