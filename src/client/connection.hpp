// A non-blocking TCP connection to a salond, over plain POSIX sockets so that a caller can put
// its descriptor in its own poll() set next to a terminal or many other connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "client/error.hpp"
#include "client/framing.hpp"

namespace salon::client {

/// The protocol's default TCP port (PROTOCOL.md, the original's port).
inline constexpr std::uint16_t kDefaultPort = 5000;
/// salond's default native TLS port (`--tls-port`).
inline constexpr std::uint16_t kDefaultTlsPort = 5443;

/// Whether and how to speak TLS to the server.
struct TlsOptions {
    bool enabled = false;
    /// PEM file of the certificate authorities to trust; empty: the system's store.
    std::string ca_file{};
    /// Accept any certificate, for tests against a self-signed server only: it gives up the
    /// protection against someone in the middle.
    bool insecure = false;
};

/// Where a server listens.
struct Endpoint {
    std::string host = "localhost";
    std::uint16_t port = kDefaultPort;
    TlsOptions tls{};

    /// `host:port`, with brackets around an IPv6 literal.
    std::string to_string() const;
};

/// Parses `HOST`, `HOST:PORT`, `[V6]` or `[V6]:PORT`, optionally after `salons://` (TLS) or
/// `salon://` (plain TCP). Without a scheme, TLS is `tls_default`. A missing port is
/// kDefaultTlsPort with TLS, else kDefaultPort. Errors: ErrorKind::usage.
Result<Endpoint> parse_endpoint(std::string_view text, bool tls_default = false);

/// Owns one socket, and its TLS session when the endpoint asks for TLS. Move-only. Not
/// thread-safe: one owner drives it.
class TcpConnection {
public:
    /// Resolves and connects, trying each address, giving up after `timeout` in total; with
    /// `endpoint.tls.enabled`, also completes the TLS handshake (TLS 1.2 or later, the
    /// certificate checked against the CA file or the system store, and against the host name
    /// or IP address, unless `insecure`) within that time.
    /// Errors: ErrorKind::network (refused, unreachable, unresolvable, handshake failed, or a
    /// certificate not trusted: the message says why), ErrorKind::timeout, ErrorKind::usage
    /// (a CA file that cannot be read).
    static Result<TcpConnection> connect(
        const Endpoint& endpoint, std::chrono::milliseconds timeout
    );

    TcpConnection(TcpConnection&& other) noexcept;
    TcpConnection& operator=(TcpConnection&& other) noexcept;
    TcpConnection(const TcpConnection&) = delete;
    TcpConnection& operator=(const TcpConnection&) = delete;
    ~TcpConnection();

    /// The descriptor to poll; -1 once closed.
    int fd() const noexcept { return fd_; }

    bool is_open() const noexcept { return fd_ >= 0; }

    /// Appends bytes to the outgoing buffer; flush() writes them.
    void queue(std::string_view bytes) { out_.append(bytes); }

    /// True while queued bytes remain: poll for POLLOUT.
    bool wants_write() const noexcept { return out_offset_ < out_.size(); }

    /// Writes as much of the queue as the socket takes without blocking.
    /// Errors: ErrorKind::network when the peer has gone.
    Result<void> flush();

    /// Reads everything available without blocking into `framer`; returns the byte count.
    /// Errors: ErrorKind::network on end of stream ("closed by server") or a socket error.
    Result<std::size_t> read_available(LineFramer& framer);

    /// Closes now; queued bytes are dropped.
    void close() noexcept;

    /// True when the bytes go through TLS.
    bool is_tls() const noexcept { return tls_ != nullptr; }

private:
    struct Tls;

    struct TlsDeleter {
        void operator()(Tls* tls) const noexcept;
    };

    explicit TcpConnection(int fd) noexcept : fd_(fd) {}

    Result<void> start_tls(
        const Endpoint& endpoint, std::chrono::steady_clock::time_point deadline
    );
    Result<void> flush_tls();
    Result<std::size_t> read_tls(LineFramer& framer);

    int fd_ = -1;
    std::unique_ptr<Tls, TlsDeleter> tls_;
    std::string out_;
    std::size_t out_offset_ = 0;
};

}  // namespace salon::client
