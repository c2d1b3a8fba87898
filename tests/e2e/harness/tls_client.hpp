// Test clients over TLS: a socket that verifies the server's certificate, and the native line
// client on top of it, for the TLS end-to-end tests.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/blocking_socket.hpp"
#include "harness/connection.hpp"

namespace salon::test {

/// What a TLS client offers and checks.
struct TlsClientOptions {
    /// The certificate (or CA) the server's chain must verify against; empty: no verification.
    std::filesystem::path trust;
    /// The name checked against the certificate and sent as SNI.
    std::string host = "localhost";
    /// ALPN protocols offered, most preferred first; empty: none.
    std::vector<std::string> alpn;
    /// The newest protocol version offered (TLS1_1_VERSION…); 0: OpenSSL's newest.
    int max_version = 0;
    /// > 0: the socket's receive buffer, shrunk before the handshake (BlockingSocket).
    int receive_buffer_bytes = 0;
};

/// A blocking TLS connection over a BlockingSocket, with the same read-into-a-buffer shape.
/// Not thread-safe.
class TlsSocket {
public:
    /// Connects and completes the handshake; throws std::runtime_error (with OpenSSL's reason)
    /// when either fails.
    TlsSocket(std::string_view address, std::uint16_t port, const TlsClientOptions& options = {});
    ~TlsSocket();
    TlsSocket(const TlsSocket&) = delete;
    TlsSocket& operator=(const TlsSocket&) = delete;

    void send_all(std::string_view bytes);

    /// Reads what arrives within `timeout` into buffer(); false on timeout or at EOF.
    bool fill(std::chrono::milliseconds timeout);

    std::string& buffer() { return buffer_; }

    bool eof() const { return eof_; }

    /// The server ended the stream with a close_notify (not a bare FIN or a reset).
    bool close_notified() const { return close_notified_; }

    void close();

    /// The protocol ALPN selected ("" when none), and the TLS version ("TLSv1.3").
    std::string alpn() const;
    std::string version() const;
    /// The serial number of the server's certificate, in hex: tells two certificates apart.
    std::string peer_serial() const;

private:
    BlockingSocket socket_;
    SSL_CTX* context_ = nullptr;
    SSL* ssl_ = nullptr;
    bool eof_ = false;
    bool close_notified_ = false;
    std::string buffer_;
};

/// PROTOCOL.md's line framing over TLS (what LineClient is over TCP).
class TlsLineClient final : public Connection {
public:
    TlsLineClient(
        std::string_view address, std::uint16_t port, const TlsClientOptions& options = {}
    );

    void send_raw(std::string_view bytes) { socket_.send_all(bytes); }

    void send(const Frame& frame) override;

    void close() override { socket_.close(); }

    TlsSocket& socket() { return socket_; }

protected:
    std::optional<Frame> receive(std::chrono::milliseconds timeout) override;

    bool transport_eof() const override;
    bool transport_closed(std::chrono::milliseconds timeout) override;

private:
    TlsSocket socket_;
};

}  // namespace salon::test
