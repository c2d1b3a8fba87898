// A non-blocking TCP connection to a salond, over plain POSIX sockets so that a caller can put
// its descriptor in its own poll() set next to a terminal or many other connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "client/error.hpp"
#include "client/framing.hpp"

namespace salon::client {

/// The protocol's default TCP port (PROTOCOL.md, the original's port).
inline constexpr std::uint16_t kDefaultPort = 5000;

/// Where a server listens.
struct Endpoint {
    std::string host = "localhost";
    std::uint16_t port = kDefaultPort;

    /// `host:port`, with brackets around an IPv6 literal.
    std::string to_string() const;
};

/// Parses `HOST`, `HOST:PORT`, `[V6]` or `[V6]:PORT`; a missing port is kDefaultPort.
/// Errors: ErrorKind::usage.
Result<Endpoint> parse_endpoint(std::string_view text);

/// Owns one socket. Move-only. Not thread-safe: one owner drives it.
class TcpConnection {
public:
    /// Resolves and connects, trying each address, giving up after `timeout` in total.
    /// Errors: ErrorKind::network (refused, unreachable, unresolvable), ErrorKind::timeout.
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

private:
    explicit TcpConnection(int fd) noexcept : fd_(fd) {}

    int fd_ = -1;
    std::string out_;
    std::size_t out_offset_ = 0;
};

}  // namespace salon::client
