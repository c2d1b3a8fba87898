// TcpConnection: getaddrinfo, non-blocking connect with a deadline, an optional TLS handshake
// (OpenSSL), and non-blocking I/O.
#include "client/connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "tls/openssl_error.hpp"

namespace salon::client {
namespace {

Error network_error(std::string message) {
    return Error{ErrorKind::network, {}, std::move(message)};
}

std::string errno_text(int err) {
    return std::strerror(err);
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    using namespace std::chrono;
    const auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(left);
}

}  // namespace

struct TcpConnection::Tls {
    SSL_CTX* ctx = nullptr;
    SSL* ssl = nullptr;
};

void TcpConnection::TlsDeleter::operator()(Tls* tls) const noexcept {
    if (tls == nullptr) return;
    if (tls->ssl != nullptr) SSL_free(tls->ssl);
    if (tls->ctx != nullptr) SSL_CTX_free(tls->ctx);
    delete tls;
}

std::string Endpoint::to_string() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Endpoint> parse_endpoint(std::string_view text, bool tls_default) {
    const auto bad = [](std::string why) { return Error{ErrorKind::usage, {}, std::move(why)}; };
    Endpoint ep;
    ep.tls.enabled = tls_default;
    if (text.starts_with("salons://")) {
        ep.tls.enabled = true;
        text.remove_prefix(9);
    } else if (text.starts_with("salon://")) {
        ep.tls.enabled = false;
        text.remove_prefix(8);
    } else if (text.find("://") != std::string_view::npos) {
        return bad("unknown scheme in \"" + std::string(text) + "\" (salon:// or salons://)");
    }
    if (!text.empty() && text.back() == '/') text.remove_suffix(1);
    ep.port = ep.tls.enabled ? kDefaultTlsPort : kDefaultPort;
    std::string_view host = text;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos)
            return bad(std::string("missing ']' in \"") + std::string(text) + "\"");
        host = text.substr(1, close - 1);
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return bad("unexpected text after ']' in \"" + std::string(text) + "\"");
            port = rest.substr(1);
            if (port.empty()) return bad("empty port in \"" + std::string(text) + "\"");
        }
    } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        if (text.find(':') != colon) {
            return bad("IPv6 addresses need brackets: \"[" + std::string(text) + "]:PORT\"");
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (port.empty()) return bad("empty port in \"" + std::string(text) + "\"");
    }
    if (host.empty()) return bad("empty host in \"" + std::string(text) + "\"");
    ep.host = std::string(host);
    if (!port.empty()) {
        unsigned value = 0;
        const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc{} || ptr != port.data() + port.size() || value == 0 || value > 65535) {
            return bad("bad port \"" + std::string(port) + "\" (1-65535)");
        }
        ep.port = static_cast<std::uint16_t>(value);
    }
    return ep;
}

Result<TcpConnection> TcpConnection::connect(
    const Endpoint& endpoint, std::chrono::milliseconds timeout
) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(endpoint.port);
    if (const int rc = getaddrinfo(endpoint.host.c_str(), service.c_str(), &hints, &found);
        rc != 0) {
        return network_error("cannot resolve " + endpoint.host + ": " + gai_strerror(rc));
    }
    std::string last_error = "no address";
    bool timed_out = false;
    for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
        const int fd = ::socket(
            ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol
        );
        if (fd < 0) {
            last_error = errno_text(errno);
            continue;
        }
        int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            do {
                rc = ::poll(&p, 1, remaining_ms(deadline));
            } while (rc < 0 && errno == EINTR);
            if (rc == 0) {
                timed_out = true;
                ::close(fd);
                break;
            }
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err == 0 ? 0 : -1;
            errno = err;
        }
        if (rc != 0) {
            last_error = errno_text(errno);
            ::close(fd);
            continue;
        }
        // Chat frames are small and latency matters more than packet count.
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        freeaddrinfo(found);
        TcpConnection connection(fd);
        if (endpoint.tls.enabled) {
            if (auto started = connection.start_tls(endpoint, deadline); !started) {
                return started.error();
            }
        }
        return connection;
    }
    freeaddrinfo(found);
    if (timed_out) {
        return Error{
            ErrorKind::timeout, {}, "cannot connect to " + endpoint.to_string() + ": timed out"};
    }
    return network_error("cannot connect to " + endpoint.to_string() + ": " + last_error);
}

TcpConnection::TcpConnection(TcpConnection&& other) noexcept
    : fd_(other.fd_),
      tls_(std::move(other.tls_)),
      out_(std::move(other.out_)),
      out_offset_(other.out_offset_) {
    other.fd_ = -1;
    other.out_offset_ = 0;
}

TcpConnection& TcpConnection::operator=(TcpConnection&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = other.fd_;
        tls_ = std::move(other.tls_);
        out_ = std::move(other.out_);
        out_offset_ = other.out_offset_;
        other.fd_ = -1;
        other.out_offset_ = 0;
    }
    return *this;
}

TcpConnection::~TcpConnection() {
    close();
}

void TcpConnection::close() noexcept {
    // Best effort, never waiting: the close_notify goes out if the socket takes it now.
    if (tls_ && tls_->ssl != nullptr && SSL_is_init_finished(tls_->ssl) == 1) {
        SSL_shutdown(tls_->ssl);
    }
    tls_.reset();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    out_.clear();
    out_offset_ = 0;
}

Result<void> TcpConnection::flush() {
    if (fd_ < 0) return network_error("not connected");
    if (tls_) return flush_tls();
    while (out_offset_ < out_.size()) {
        // MSG_NOSIGNAL: a peer that went away must be an error here, not a SIGPIPE.
        const ssize_t n =
            ::send(fd_, out_.data() + out_offset_, out_.size() - out_offset_, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return {};
            return network_error("connection lost: " + errno_text(errno));
        }
        out_offset_ += static_cast<std::size_t>(n);
    }
    out_.clear();
    out_offset_ = 0;
    return {};
}

Result<std::size_t> TcpConnection::read_available(LineFramer& framer) {
    if (fd_ < 0) return network_error("not connected");
    if (tls_) return read_tls(framer);
    std::array<char, 64 * 1024> buf{};
    std::size_t total = 0;
    for (;;) {
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n > 0) {
            framer.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
            total += static_cast<std::size_t>(n);
            continue;
        }
        if (n == 0) {
            // Deliver what arrived before the close; the caller sees the close next time.
            if (total > 0) return total;
            return network_error("connection closed by server");
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return total;
        if (total > 0) return total;
        return network_error("connection lost: " + errno_text(errno));
    }
}

// ---- TLS ------------------------------------------------------------------------------------

namespace {

bool is_ip_literal(const std::string& host) {
    std::array<unsigned char, 16> addr{};
    return inet_pton(AF_INET, host.c_str(), addr.data()) == 1 ||
           inet_pton(AF_INET6, host.c_str(), addr.data()) == 1;
}

}  // namespace

Result<void> TcpConnection::start_tls(
    const Endpoint& endpoint, std::chrono::steady_clock::time_point deadline
) {
    const auto where = endpoint.to_string();
    tls_.reset(new Tls);
    tls_->ctx = SSL_CTX_new(TLS_client_method());
    if (tls_->ctx == nullptr) return network_error("TLS: " + tls::take_openssl_error());
    SSL_CTX_set_min_proto_version(tls_->ctx, TLS1_2_VERSION);
    // A server that closes without close_notify ends the stream like a TCP close does.
    SSL_CTX_set_options(tls_->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    // out_ may move between the tries of one write; partial writes advance out_offset_.
    SSL_CTX_set_mode(
        tls_->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
    );
    if (!endpoint.tls.insecure) {
        SSL_CTX_set_verify(tls_->ctx, SSL_VERIFY_PEER, nullptr);
        if (!endpoint.tls.ca_file.empty()) {
            if (SSL_CTX_load_verify_locations(tls_->ctx, endpoint.tls.ca_file.c_str(), nullptr) !=
                1) {
                return Error{
                    ErrorKind::usage,
                    {},
                    "cannot read CA file " + endpoint.tls.ca_file + ": " +
                        tls::take_openssl_error()};
            }
        } else if (SSL_CTX_set_default_verify_paths(tls_->ctx) != 1) {
            return network_error(
                "TLS: cannot load the system's certificates: " + tls::take_openssl_error()
            );
        }
    }
    tls_->ssl = SSL_new(tls_->ctx);
    if (tls_->ssl == nullptr || SSL_set_fd(tls_->ssl, fd_) != 1) {
        return network_error("TLS: " + tls::take_openssl_error());
    }
    const bool ip = is_ip_literal(endpoint.host);
    if (!ip) {
        // SNI; SSL_set_tlsext_host_name is a macro with a C-style cast.
        SSL_ctrl(
            tls_->ssl,
            SSL_CTRL_SET_TLSEXT_HOSTNAME,
            TLSEXT_NAMETYPE_host_name,
            const_cast<char*>(endpoint.host.c_str())
        );
    }
    if (!endpoint.tls.insecure) {
        auto* param = SSL_get0_param(tls_->ssl);
        const int named = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, endpoint.host.c_str())
                             : X509_VERIFY_PARAM_set1_host(param, endpoint.host.c_str(), 0);
        if (named != 1) return network_error("TLS: cannot check the name " + endpoint.host);
    }
    for (;;) {
        ERR_clear_error();
        const int rc = SSL_connect(tls_->ssl);
        if (rc == 1) return {};
        const int err = SSL_get_error(tls_->ssl, rc);
        short events = 0;
        if (err == SSL_ERROR_WANT_READ) {
            events = POLLIN;
        } else if (err == SSL_ERROR_WANT_WRITE) {
            events = POLLOUT;
        } else {
            const long verify = SSL_get_verify_result(tls_->ssl);
            if (verify != X509_V_OK) {
                return network_error(
                    "the certificate of " + where +
                    " is not trusted: " + X509_verify_cert_error_string(verify) +
                    " (--ca FILE trusts the authority that signed it; --insecure skips the "
                    "check, for a test server only)"
                );
            }
            // No OpenSSL error queued: the peer closed (or reset) the connection mid-handshake.
            const std::string why = ERR_peek_error() == 0
                                        ? std::string("the server closed the connection")
                                        : tls::take_openssl_error();
            return network_error(
                "TLS handshake with " + where + " failed: " + why +
                " (is it a TLS port? salond's is --tls-port, 5443 by default)"
            );
        }
        pollfd p{fd_, events, 0};
        int polled = 0;
        do {
            polled = ::poll(&p, 1, remaining_ms(deadline));
        } while (polled < 0 && errno == EINTR);
        if (polled == 0) {
            return Error{ErrorKind::timeout, {}, "TLS handshake with " + where + ": timed out"};
        }
    }
}

Result<void> TcpConnection::flush_tls() {
    while (out_offset_ < out_.size()) {
        ERR_clear_error();
        std::size_t written = 0;
        const int rc =
            SSL_write_ex(tls_->ssl, out_.data() + out_offset_, out_.size() - out_offset_, &written);
        if (rc == 1) {
            out_offset_ += written;
            continue;
        }
        const int err = SSL_get_error(tls_->ssl, rc);
        // WANT_READ (a key update from the server) is served by the reads that follow.
        if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) return {};
        return network_error("connection lost: " + tls::take_openssl_error());
    }
    out_.clear();
    out_offset_ = 0;
    return {};
}

Result<std::size_t> TcpConnection::read_tls(LineFramer& framer) {
    std::array<char, 16 * 1024> buf{};
    std::size_t total = 0;
    for (;;) {
        ERR_clear_error();
        std::size_t n = 0;
        const int rc = SSL_read_ex(tls_->ssl, buf.data(), buf.size(), &n);
        if (rc == 1) {
            framer.feed(std::string_view(buf.data(), n));
            total += n;
            continue;
        }
        // Everything TLS had decrypted is taken: the socket is what poll() must watch now.
        const int err = SSL_get_error(tls_->ssl, rc);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return total;
        if (total > 0) return total;
        if (err == SSL_ERROR_ZERO_RETURN) return network_error("connection closed by server");
        if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
            return network_error(
                errno == 0 ? std::string("connection closed by server")
                           : "connection lost: " + errno_text(errno)
            );
        }
        return network_error("connection lost: " + tls::take_openssl_error());
    }
}

}  // namespace salon::client
