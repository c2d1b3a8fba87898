// A blocking native-protocol client over a real TCP socket (one JSON object per line).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "harness/blocking_socket.hpp"
#include "harness/connection.hpp"

namespace salon::test {

/// Speaks PROTOCOL.md's line framing to a server. Frames are parsed as they are asked for, so
/// a test that never calls next() is a client that never reads (the kernel buffers fill up).
class LineClient final : public Connection {
public:
    /// Connects at once; throws std::runtime_error when the connection is refused.
    /// `receive_buffer_bytes` > 0 shrinks our receive buffer before the handshake, so a client
    /// that stops reading stalls the server quickly (set later, the window stops reopening).
    LineClient(std::string_view host, std::uint16_t port, int receive_buffer_bytes = 0);
    LineClient(const LineClient&) = delete;
    LineClient& operator=(const LineClient&) = delete;

    /// Writes exactly these bytes (no newline added); blocks until the kernel took them all.
    /// Throws std::runtime_error when the peer is gone.
    void send_raw(std::string_view bytes);

    /// Serializes the frame and ends it with "\n".
    void send(const Frame& frame) override;

    void close() override;

    /// Closes with an RST instead of a FIN (SO_LINGER 0): a client that crashed or lost power.
    void reset();

    int fd() const { return socket_.fd(); }

protected:
    std::optional<Frame> receive(std::chrono::milliseconds timeout) override;

    bool transport_eof() const override {
        return socket_.eof() && socket_.buffer().find('\n') == std::string::npos;
    }

    bool transport_closed(std::chrono::milliseconds timeout) override;

private:
    BlockingSocket socket_;
};

}  // namespace salon::test
