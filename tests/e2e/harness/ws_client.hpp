// A blocking native-protocol client over WebSocket (RFC 6455), on a raw socket, for the tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/blocking_socket.hpp"
#include "harness/connection.hpp"

namespace salon::test {

/// The server answered the upgrade request with something other than 101.
class HandshakeRefused : public std::runtime_error {
public:
    HandshakeRefused(int status, const std::string& response)
        : std::runtime_error("WebSocket upgrade refused: " + response), status_(status) {}

    int status() const noexcept { return status_; }

private:
    int status_;
};

/// Speaks the native protocol as one JSON object per WebSocket text message. Written by hand
/// (masking, fragmentation, control frames) so that tests also control the bytes, and with the
/// same read-on-demand behaviour as LineClient: a test that never calls next() never reads.
/// Answers the server's pings with pongs while reading.
class WsClient final : public Connection {
public:
    enum Opcode : std::uint8_t {
        kContinuation = 0x0,
        kText = 0x1,
        kBinary = 0x2,
        kClose = 0x8,
        kPing = 0x9,
        kPong = 0xA,
    };

    /// Connects and upgrades `path`; `headers` are extra lines such as "Origin: http://x".
    /// Throws HandshakeRefused for a non-101 answer, std::runtime_error otherwise.
    WsClient(
        std::string_view host,
        std::uint16_t port,
        std::string_view path = "/ws",
        const std::vector<std::string>& headers = {}
    );
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;

    /// Sends one frame as a text message.
    void send(const Frame& frame) override;
    /// Sends one masked frame exactly as given (`fin` false starts or continues a fragment).
    void send_frame(Opcode opcode, std::string_view payload, bool fin = true);

    /// Sends a close frame (1000) and closes the socket.
    void close() override;

    /// The status code of the server's close frame, once one arrived (1005 if it had none).
    std::optional<std::uint16_t> close_code() const { return close_code_; }

    /// Payloads of the pongs the server sent (answers to our pings), oldest first.
    const std::vector<std::string>& pongs() const { return pongs_; }

    /// The server's answer to the upgrade: its status line and headers.
    const std::string& handshake() const { return handshake_; }

    /// The next message as it came (text or binary), whatever it holds; nullopt when none came
    /// within `timeout` or the connection ended.
    std::optional<std::string> next_message(std::chrono::milliseconds timeout);

protected:
    std::optional<Frame> receive(std::chrono::milliseconds timeout) override;

    bool transport_eof() const override { return socket_.eof() && messages_.empty(); }

    bool transport_closed(std::chrono::milliseconds timeout) override;

private:
    /// Turns complete frames in the socket's buffer into messages_ (and answers control frames).
    void parse();

    BlockingSocket socket_;
    std::string partial_;  // a fragmented message so far
    std::vector<std::string> messages_;
    std::vector<std::string> pongs_;
    std::optional<std::uint16_t> close_code_;
    std::string handshake_;
};

}  // namespace salon::test
