// The server's certificate and TLS settings, shared by every TLS listener and reloadable.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace salon::net {

/// A client that has not finished its TLS handshake by then is gone: it holds a connection slot
/// of its address and a share of a handshake thread.
inline constexpr auto kTlsHandshakeTimeout = std::chrono::seconds(10);

struct SslFree {
    void operator()(SSL* ssl) const noexcept { ::SSL_free(ssl); }
};

/// One connection's OpenSSL state.
using SslHandle = std::unique_ptr<SSL, SslFree>;

/// A TLS server context made from a PEM certificate chain and its key: TLS 1.2 and 1.3 only,
/// OpenSSL's modern cipher defaults (forward secrecy, AEAD), no compression, no renegotiation,
/// and SSL_MODE_RELEASE_BUFFERS so that an idle connection gives its record buffers back.
///
/// Reloading makes a new OpenSSL context; connections already open keep the one they started
/// with (each holds it through current()), so a reload drops nothing.
///
/// Thread-safe: current() and reload() may be called from any thread.
class TlsContext {
public:
    /// Loads `certificate` (PEM, the full chain, leaf first) and `key` (PEM). `alpn` lists the
    /// protocols this listener speaks, most preferred first ("http/1.1"); a client offering ALPN
    /// with none of them is still served (ALPN is advisory for us), it just gets no selection.
    /// @throws std::runtime_error naming the file and OpenSSL's reason
    TlsContext(
        std::filesystem::path certificate, std::filesystem::path key, std::vector<std::string> alpn
    );

    /// The context new connections use.
    std::shared_ptr<boost::asio::ssl::context> current() const;

    /// A server-side OpenSSL connection on the current context, which it keeps alive.
    /// @throws std::runtime_error when OpenSSL is out of memory
    SslHandle new_connection() const;

    /// Reads the files again and makes the result current. On failure the old context stays
    /// and the error is thrown. @throws std::runtime_error
    void reload();

private:
    std::shared_ptr<boost::asio::ssl::context> make() const;

    std::filesystem::path certificate_;
    std::filesystem::path key_;
    // ALPN's wire form: each protocol as a length byte then its name.
    std::shared_ptr<const std::string> alpn_wire_;
    mutable std::mutex mutex_;
    std::shared_ptr<boost::asio::ssl::context> current_;
};

/// Writes a self-signed certificate for `host` (P-256 key, valid 90 days, subjectAltName
/// DNS:`host` plus IP 127.0.0.1 and ::1) to `certificate` and its key to `key` (mode 0600),
/// for trying TLS out. @throws std::runtime_error
void write_self_signed(
    const std::string& host,
    const std::filesystem::path& certificate,
    const std::filesystem::path& key
);

}  // namespace salon::net
