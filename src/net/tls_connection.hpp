// A line protocol over TLS (native JSON lines or IRC, as the listener's codec says): the same
// framing and the same Session as TcpConnection, over an OpenSSL stream.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "net/accept.hpp"
#include "net/connection_registry.hpp"
#include "net/session_driver.hpp"
#include "proto/codec.hpp"
#include "server/chat_server.hpp"
#include "server/link.hpp"

namespace salon::net {

/// One TLS client of a line protocol.
///
/// The handshake runs on the handshake pool, not on the I/O thread: its coroutine is spawned on
/// the pool's executor, so OpenSSL's work (key exchange, signature: about a millisecond of CPU
/// each) runs there, while the socket stays registered with its I/O thread's reactor from the
/// start, which only moves bytes. Once the handshake is done, the connection is handed to its I/O
/// thread for good: from then on only the record layer (encrypting and decrypting what is sent
/// and read) runs there. A handshake storm therefore queues on the pool, never in front of chat
/// traffic on an I/O thread (docs/architecture.md, "TLS").
///
/// After the handshake, two coroutines on the I/O thread, as in WebSocketConnection: the reader
/// (newline-delimited frames to the session, paused while the Outbox backlog passes half its
/// bound) and the writer (queued frames, gathered into records of up to kWriteBatch bytes); the
/// first to finish ends the other by closing the socket. The driver's watchdog (PING, idle close,
/// the bound on a closing flush) also closes the socket when it expires.
///
/// Ownership: the ConnectionRegistry holds the connection from admission until it ends; the
/// coroutines hold it too.
class TlsConnection final : public server::Link,
                            public Connection,
                            private DrivenConnection,
                            public std::enable_shared_from_this<TlsConnection> {
public:
    using Stream = boost::asio::ssl::stream<ConnectionSocket>;

    /// `context` is kept for the connection's life: a certificate reload makes a new one.
    TlsConnection(
        ConnectionSocket socket,
        std::shared_ptr<boost::asio::ssl::context> context,
        server::ChatServer& server,
        ConnectionRegistry& registry,
        std::size_t max_frame_bytes,
        std::string address
    );
    TlsConnection(const TlsConnection&) = delete;
    TlsConnection& operator=(const TlsConnection&) = delete;
    ~TlsConnection();

    /// Runs the handshake on `handshakes`, then serves the connection in the codec's protocol on
    /// its I/O thread; it then ends by itself and leaves the registry. Call once, on the
    /// connection's I/O thread, after the registry admitted it.
    void start(boost::asio::any_io_executor handshakes, std::unique_ptr<proto::Codec> codec);

    ConnectionExecutor executor() noexcept { return executor_; }

    void close_after_flush(std::string reason) override;
    void wake_writer() override;
    boost::asio::awaitable<bool> drained(std::size_t backlog_bytes) override;
    void shut_down() override;

    bool encrypted() const noexcept override { return true; }

private:
    void post_watchdog_tick() override;
    void on_watchdog_expired() override;

    /// On the handshake pool: true once the handshake succeeded within its bound.
    boost::asio::awaitable<bool> handshake();
    /// On the I/O thread: the session, until the connection ends.
    boost::asio::awaitable<void> serve();
    boost::asio::awaitable<void> read_loop();
    boost::asio::awaitable<void> write_loop();
    /// Closes the socket, so that every pending operation completes at once.
    void end_now();
    /// Leaves the registry; the last step of a connection, served or not.
    void leave();

    ConnectionExecutor executor_;
    std::shared_ptr<boost::asio::ssl::context> context_;
    Stream stream_;
    server::ChatServer& server_;
    ConnectionRegistry& registry_;
    std::size_t max_frame_bytes_;
    std::string address_;
    std::unique_ptr<proto::Codec> codec_;  // until the session takes it
    std::shared_ptr<server::Session> session_;
    SessionDriver driver_;
    // Wakes the writer coroutine (cancelled when frames arrive or the connection closes).
    boost::asio::steady_timer writer_signal_;
    // The server shuts down while the handshake runs: the connection ends instead of serving.
    bool shutting_down_ = false;
};

}  // namespace salon::net
