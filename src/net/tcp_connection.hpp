// A line protocol over a TCP stream (native JSON lines or IRC, as the listener's codec says):
// newline-delimited frames in, queued frames out.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>

#include "net/connection_registry.hpp"
#include "net/session_driver.hpp"
#include "proto/codec.hpp"
#include "server/chat_server.hpp"
#include "server/link.hpp"

namespace salon::net {

/// Makes the codec of each new connection: which protocol a listener speaks.
using CodecFactory = std::function<std::unique_ptr<proto::Codec>()>;

/// One TCP client. Three coroutines share the connection's strand: the reader (frames to the
/// session), the writer (everything queued in the session's Outbox, in one gathered write) and
/// the watchdog (idle PING, idle close, and the bound on a closing flush). The first to finish
/// ends the other two.
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
    boost::asio::awaitable<void> read_loop();
    boost::asio::awaitable<void> write_loop();
    void wake_writer();

    boost::asio::ip::tcp::socket socket_;
    server::ChatServer& server_;
    ConnectionRegistry& registry_;
    CodecFactory make_codec_;
    std::size_t max_frame_bytes_;
    std::string address_;
    std::shared_ptr<server::Session> session_;
    SessionDriver driver_;
};

}  // namespace salon::net
