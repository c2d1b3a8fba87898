// The socket plumbing the test clients share: connect, send everything, read with a timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace salon::test {

/// A connected IPv4 TCP socket (TCP_NODELAY) with blocking sends and polled reads into a
/// buffer that the framing on top of it consumes.
class BlockingSocket {
public:
    /// Connects at once; throws std::runtime_error when the connection is refused.
    /// `receive_buffer_bytes` > 0 shrinks the receive buffer before the handshake, so a client
    /// that stops reading stalls the server quickly (set later, the window stops reopening).
    BlockingSocket(std::string_view host, std::uint16_t port, int receive_buffer_bytes = 0);
    ~BlockingSocket();
    BlockingSocket(const BlockingSocket&) = delete;
    BlockingSocket& operator=(const BlockingSocket&) = delete;

    /// Blocks until the kernel took every byte; throws std::runtime_error when the peer is gone.
    void send_all(std::string_view bytes);

    /// Reads whatever arrives within `timeout` into buffer(); false on timeout, or at once when
    /// the socket is closed or at EOF. A reset counts as EOF.
    bool fill(std::chrono::milliseconds timeout);

    std::string& buffer() { return buffer_; }

    const std::string& buffer() const { return buffer_; }

    /// True once the peer closed (or the framing above decided the stream is over).
    bool eof() const { return eof_; }

    void set_eof() { eof_ = true; }

    bool is_open() const { return fd_ >= 0; }

    int fd() const { return fd_; }

    void close();

    /// Closes with an RST instead of a FIN (SO_LINGER 0): a client that crashed or lost power.
    void reset();

private:
    int fd_ = -1;
    bool eof_ = false;
    std::string buffer_;
};

}  // namespace salon::test
