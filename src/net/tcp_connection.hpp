// A line protocol over a TCP stream, plain or TLS (native JSON lines or IRC, as the listener's
// codec says): newline-delimited frames in, queued frames out.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/accept.hpp"
#include "net/connection_registry.hpp"
#include "net/poller.hpp"
#include "net/session_driver.hpp"
#include "net/tls_context.hpp"
#include "proto/codec.hpp"
#include "server/chat_server.hpp"
#include "server/link.hpp"

namespace salon::net {

/// One TCP client, served by callbacks on its I/O thread, in plain text or over TLS. An idle
/// connection holds no coroutine, no read buffer and no pending operation: its descriptor sits in
/// its thread's Poller, which calls on_ready() when the socket becomes readable or writable (every
/// suspended coroutine or waiting operation would keep memory of its own for as long as the
/// connection lives).
///
/// Reading: when the socket is readable, a short-lived coroutine reads what is there and
/// hands every complete frame to the session (a frame's handling may suspend, for password
/// hashing say), then the connection waits for readability again. Readiness is edge-triggered:
/// the reader reads until EAGAIN, and readiness said while a turn runs starts another.
///
/// Writing: a wake-up from the Outbox posts flush(), which writes everything queued in one
/// non-blocking gathered `sendmsg` and waits for the socket only when its send buffer is full.
/// Under load, frames pile up between wake-ups, so one system call carries many of them.
///
/// TLS: the connection gets an OpenSSL object whose handshake is done (TlsHandshake does it on a
/// handshake thread), and reads and writes records with OpenSSL on the same descriptor, the same
/// way. An idle TLS connection then keeps only that object: OpenSSL gives its record buffers back
/// (SSL_MODE_RELEASE_BUFFERS), and nothing else is per connection (Asio's SSL stream would keep
/// four buffers of 17 KiB, docs/benchmarks.md).
///
/// Ownership: the ConnectionRegistry holds the connection until it ends; handlers running on it
/// hold it too, so it outlives its own end().
///
/// The end: the peer goes away, the writer fails or finishes a closing flush, or the driver's
/// watchdog (idle PING, idle close, the bound on a closing flush) expires; cut() then ends the
/// connection as soon as no reading coroutine is running.
class TcpConnection final : public server::Link,
                            public Connection,
                            private DrivenConnection,
                            private Pollable,
                            public std::enable_shared_from_this<TcpConnection> {
public:
    TcpConnection(
        AcceptedSocket socket,
        server::ChatServer& server,
        ConnectionRegistry& registry,
        std::size_t max_frame_bytes,
        SslHandle tls = {}
    );
    TcpConnection(const TcpConnection&) = delete;
    TcpConnection& operator=(const TcpConnection&) = delete;
    ~TcpConnection();

    /// Starts serving the connection from `address` (as the registry admitted it) in the
    /// codec's protocol; it then ends by itself. Call once, on its thread.
    void start(std::string address, std::unique_ptr<proto::Codec> codec);

    ConnectionExecutor executor() noexcept { return poller_.executor(); }

    /// The descriptor and the OpenSSL object, for TlsHandshake until it calls start() or
    /// abandon(); the connection touches neither meanwhile.
    int descriptor() const noexcept { return fd_; }

    SSL* tls() const noexcept { return tls_.get(); }

    /// Closes a connection that never started (its TLS handshake failed, timed out, or the
    /// server shuts down) and leaves the registry. On its thread.
    void abandon(std::string_view address);

    /// The server began shutting down before start(): start() must not be called.
    bool shutting_down() const noexcept { return shutting_down_; }

    void close_after_flush(std::string reason) override;
    void wake_writer() override;
    boost::asio::awaitable<bool> drained(std::size_t backlog_bytes) override;
    void shut_down() override;

    bool encrypted() const noexcept override { return tls_ != nullptr; }

private:
    void post_watchdog_tick() override;

    void on_watchdog_expired() override { cut(); }

    void on_ready(std::uint32_t events) override;

    void on_turn() override { read_turn(); }

    /// Where the reader stands.
    enum class Reader : std::uint8_t {
        waiting,  // for readability
        running,  // a turn is on its way, or its coroutine handles what was read
        stopped,  // for good: the connection closes after a flush, or ends
    };
    /// What a reading turn ended with: nothing more to read for now, the connection closes
    /// after a flush, or it is cut (the peer went away).
    enum class ReadEnd { idle, closing, cut };

    void wait_until_readable();
    /// Runs read_available() and acts on how it ended.
    void read_turn();
    boost::asio::awaitable<ReadEnd> read_available();
    /// Ends the connection now if no reading coroutine is running; otherwise that coroutine's
    /// end does it.
    void cut();
    /// Closes the socket, forgets the connection and tells the session. Once.
    void end();
    /// Writes what the Outbox holds while the socket takes it. On its thread.
    void flush();
    /// How a write went: the socket took everything offered, or part of it (its send buffer is
    /// now full), or nothing (full already), or the write failed (the peer went away).
    enum class Wrote : std::uint8_t { all, part, none, failed };
    /// One gathered write of unsent_, of as many frames as one system call takes.
    Wrote write_unsent();
    /// write_unsent() over TLS: one record of up to 16 KiB of frames.
    Wrote write_unsent_tls();
    /// What one read gave: bytes (n > 0), the end of the stream (0), or nothing for now (-1).
    ssize_t receive(char* into, std::size_t room);
    void wait_until_writable();
    /// No more writing: the peer went away, or a closing connection has flushed. Ends the
    /// connection.
    void finish_writing();

    Poller& poller_;
    server::ChatServer& server_;
    ConnectionRegistry& registry_;
    std::size_t max_frame_bytes_;
    std::shared_ptr<server::Session> session_;  // keeps the remote address too
    SessionDriver driver_;

    struct Partial {
        std::string bytes;            // at most one partial frame between reads
        std::size_t search_from = 0;  // the bytes before this offset hold no newline
    };

    // Bytes read but not yet handled; none while idle with nothing pending (see read_turn()).
    std::unique_ptr<Partial> partial_;
    SslHandle tls_;              // none for plain TCP
    server::FrameQueue unsent_;  // taken from the Outbox, not yet fully written
    // Bytes of unsent_.front() already written: within one frame, which the Outbox admits only
    // within the send-queue bound, so 32 bits suffice, and they pack with the fd and flags below.
    std::uint32_t unsent_offset_ = 0;
    int fd_;  // -1 once ended
    Reader reader_ = Reader::waiting;
    // The Poller said the socket is readable since the reader last read: a reader that finishes
    // its turn then reads again, or that edge would be lost.
    bool readable_ = false;
    bool ended_ = false;
    bool awaiting_writable_ = false;
    bool writer_done_ = false;
    bool shutting_down_ = false;  // before start()
    // TLS: a read needs the socket writable first (a key update to answer), or a write needs
    // it readable; the Poller's next edge of that kind then retries it.
    bool read_wants_writable_ = false;
    bool write_wants_readable_ = false;
    // TLS: OpenSSL failed (a bad record, a reset): no close_notify may be sent.
    bool tls_failed_ = false;
};

}  // namespace salon::net
