#include "harness/tls_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <vector>

#include "harness/frame_lines.hpp"

namespace salon::test {

namespace {

[[noreturn]] void throw_openssl(const std::string& what) {
    char reason[256] = "unknown error";
    if (const unsigned long code = ::ERR_get_error(); code != 0)
        ::ERR_error_string_n(code, reason, sizeof reason);
    ::ERR_clear_error();
    throw std::runtime_error(what + ": " + reason);
}

}  // namespace

TlsSocket::TlsSocket(std::string_view address, std::uint16_t port, const TlsClientOptions& options)
    : socket_(address, port, options.receive_buffer_bytes) {
    context_ = ::SSL_CTX_new(::TLS_client_method());
    if (context_ == nullptr) throw_openssl("SSL_CTX_new");
    // A server that closes without close_notify (a connection cut short) is an ordinary EOF.
    ::SSL_CTX_set_options(context_, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (options.max_version != 0) {
        // Old versions are off by default at OpenSSL's security level 1 too: allow them here,
        // so that the server is the one that refuses.
        ::SSL_CTX_set_security_level(context_, 0);
        ::SSL_CTX_set_min_proto_version(context_, TLS1_VERSION);
        ::SSL_CTX_set_max_proto_version(context_, options.max_version);
    }
    if (!options.trust.empty()) {
        if (::SSL_CTX_load_verify_locations(context_, options.trust.c_str(), nullptr) != 1)
            throw_openssl("trust " + options.trust.string());
        ::SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
    }
    ssl_ = ::SSL_new(context_);
    if (ssl_ == nullptr) throw_openssl("SSL_new");
    // SSL_set_tlsext_host_name() is a macro with a C cast.
    ::SSL_ctrl(
        ssl_,
        SSL_CTRL_SET_TLSEXT_HOSTNAME,
        TLSEXT_NAMETYPE_host_name,
        const_cast<char*>(options.host.c_str())
    );
    if (!options.trust.empty()) ::SSL_set1_host(ssl_, options.host.c_str());
    if (!options.alpn.empty()) {
        std::string wire;
        for (const auto& protocol : options.alpn) {
            wire += static_cast<char>(protocol.size());
            wire += protocol;
        }
        ::SSL_set_alpn_protos(
            ssl_,
            reinterpret_cast<const unsigned char*>(wire.data()),
            static_cast<unsigned>(wire.size())
        );
    }
    ::SSL_set_fd(ssl_, socket_.fd());
    if (::SSL_connect(ssl_) != 1) {
        const long verify = ::SSL_get_verify_result(ssl_);
        std::string what =
            "TLS handshake with " + std::string(address) + ":" + std::to_string(port);
        if (verify != X509_V_OK)
            what += std::string(" (") + ::X509_verify_cert_error_string(verify) + ")";
        ::SSL_free(ssl_);
        ::SSL_CTX_free(context_);
        throw_openssl(what);
    }
}

TlsSocket::~TlsSocket() {
    ::SSL_free(ssl_);
    ::SSL_CTX_free(context_);
}

void TlsSocket::send_all(std::string_view bytes) {
    while (!bytes.empty()) {
        const int n = ::SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
        if (n <= 0) throw_openssl("SSL_write");
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

bool TlsSocket::fill(std::chrono::milliseconds timeout) {
    if (eof_ || !socket_.is_open()) return false;
    if (::SSL_pending(ssl_) == 0) {
        pollfd pfd{socket_.fd(), POLLIN, 0};
        int ready = 0;
        do {
            ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
        } while (ready < 0 && errno == EINTR);
        if (ready <= 0) return false;
    }
    char chunk[16384];
    const int n = ::SSL_read(ssl_, chunk, sizeof chunk);
    if (n <= 0) {
        const int error = ::SSL_get_error(ssl_, n);
        ::ERR_clear_error();
        // A readable socket that yields no application data: a TLS 1.3 session ticket, say.
        if (error == SSL_ERROR_WANT_READ) return true;
        close_notified_ = error == SSL_ERROR_ZERO_RETURN;
        eof_ = true;  // close_notify, FIN or reset: the server is gone
        return true;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

void TlsSocket::close() {
    socket_.close();
}

std::string TlsSocket::alpn() const {
    const unsigned char* data = nullptr;
    unsigned length = 0;
    ::SSL_get0_alpn_selected(ssl_, &data, &length);
    return data == nullptr ? std::string()
                           : std::string(reinterpret_cast<const char*>(data), length);
}

std::string TlsSocket::version() const {
    return ::SSL_get_version(ssl_);
}

std::string TlsSocket::peer_serial() const {
    X509* certificate = ::SSL_get1_peer_certificate(ssl_);
    if (certificate == nullptr) return {};
    BIGNUM* serial = ::ASN1_INTEGER_to_BN(::X509_get_serialNumber(certificate), nullptr);
    char* hex = ::BN_bn2hex(serial);
    std::string result = hex;
    ::OPENSSL_free(hex);
    ::BN_free(serial);
    ::X509_free(certificate);
    return result;
}

TlsLineClient::TlsLineClient(
    std::string_view address, std::uint16_t port, const TlsClientOptions& options
)
    : socket_(address, port, options) {}

void TlsLineClient::send(const Frame& frame) {
    send_raw(boost::json::serialize(frame) + "\n");
}

std::optional<Frame> TlsLineClient::receive(std::chrono::milliseconds timeout) {
    return receive_frame(socket_, timeout);
}

bool TlsLineClient::transport_eof() const {
    auto& socket = const_cast<TlsSocket&>(socket_);
    return socket.eof() && socket.buffer().find('\n') == std::string::npos;
}

bool TlsLineClient::transport_closed(std::chrono::milliseconds timeout) {
    return wait_for_close(socket_, timeout);
}

}  // namespace salon::test
