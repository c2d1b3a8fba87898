// A line protocol over a TCP stream (native JSON lines or IRC, as the listener's codec says):
// newline-delimited frames in, queued frames out.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/connection_registry.hpp"
#include "net/session_driver.hpp"
#include "proto/codec.hpp"
#include "server/chat_server.hpp"
#include "server/link.hpp"

namespace salon::net {

/// Makes the codec of each new connection: which protocol a listener speaks.
using CodecFactory = std::function<std::unique_ptr<proto::Codec>()>;

/// One TCP client, served on its strand by one coroutine, the reader (frames to the session),
/// and by callbacks: the writer and the driver's watchdog (idle PING, idle close, the bound on
/// a closing flush). An idle connection thus holds one suspended coroutine, not three.
///
/// Writing is not a loop of asynchronous writes: a wake-up from the Outbox posts flush(), which
/// writes everything queued in one non-blocking gathered `sendmsg` and waits for the socket
/// only when its send buffer is full. Under load, frames pile up between wake-ups, so one
/// system call carries many of them. A writer that fails, or finishes a closing flush,
/// cancels the reader's wait; the watchdog does the same when it expires.
class TcpConnection final : public server::Link,
                            public Connection,
                            public std::enable_shared_from_this<TcpConnection> {
public:
    TcpConnection(
        boost::asio::ip::tcp::socket socket,
        server::ChatServer& server,
        ConnectionRegistry& registry,
        CodecFactory make_codec,
        std::size_t max_frame_bytes
    );

    /// Serves the connection until it closes. Call once, on the socket's strand.
    boost::asio::awaitable<void> run();

    const std::string& address() const noexcept { return address_; }

    boost::asio::any_io_executor executor() { return socket_.get_executor(); }

    void close_after_flush(std::string reason) override;
    void shut_down() override;

private:
    /// Why the reader stopped: the connection is closing and the writer flushes first, or it
    /// was cut (the peer went away, the writer failed, the watchdog expired).
    enum class ReadEnd { closing, cut };
    boost::asio::awaitable<ReadEnd> read_loop();
    void wake_writer();
    /// Writes what the Outbox holds while the socket takes it. On the strand.
    void flush();
    /// One gathered write of unsent_; returns errno (0 on success, also when partial).
    int write_unsent();
    void wait_until_writable();
    /// No more writing: the peer went away, or a closing connection has flushed. Ends the
    /// reader.
    void finish_writing();

    boost::asio::ip::tcp::socket socket_;
    server::ChatServer& server_;
    ConnectionRegistry& registry_;
    CodecFactory make_codec_;
    std::size_t max_frame_bytes_;
    std::string address_;
    std::shared_ptr<server::Session> session_;
    SessionDriver driver_;
    std::vector<server::Frame> unsent_;  // taken from the Outbox, not yet fully written
    std::size_t unsent_offset_ = 0;      // bytes of unsent_.front() already written
    bool awaiting_writable_ = false;
    bool writer_done_ = false;
};

}  // namespace salon::net
