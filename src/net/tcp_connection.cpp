#include "net/tcp_connection.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>

#include "metrics/salon_metrics.hpp"
#include "net/accept.hpp"
#include "server/session.hpp"

namespace salon::net {
namespace asio = boost::asio;
using asio::awaitable;

namespace {

/// The most one read takes from the socket.
constexpr std::size_t kScratchBytes = 16 * 1024;
/// The most frames one write takes (IOV_MAX on Linux).
constexpr std::size_t kMaxWriteBuffers = 1024;

}  // namespace

TcpConnection::TcpConnection(
    ConnectionSocket socket,
    server::ChatServer& server,
    ConnectionRegistry& registry,
    std::size_t max_frame_bytes
)
    : socket_(std::move(socket)),
      server_(server),
      registry_(registry),
      max_frame_bytes_(max_frame_bytes),
      driver_(socket_.get_executor(), server, *this) {}

void TcpConnection::start(std::string address, std::unique_ptr<proto::Codec> codec) {
    metrics::salon().tcp_connections.inc();
    metrics::salon().tcp_accepted.inc();
    session_ = server_.open_session(weak_from_this(), std::move(address), std::move(codec));
    boost::system::error_code ec;
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    socket_.non_blocking(true, ec);
    driver_.heard();
    driver_.start_watchdog(*session_);
    flush();      // arms the Outbox's wake-up
    read_turn();  // a client may have written before we got here
}

void TcpConnection::wait_until_readable() {
    reader_ = Reader::waiting;
    socket_.async_wait(
        asio::ip::tcp::socket::wait_read,
        [self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec) {
                self->reader_ = Reader::stopped;
                self->end();  // cancelled by cut(), or the socket failed
                return;
            }
            self->read_turn();
        }
    );
}

void TcpConnection::read_turn() {
    reader_ = Reader::running;
    asio::co_spawn(
        socket_.get_executor(),
        read_available(),
        asio::bind_executor(
            socket_.get_executor(),
            [self = shared_from_this()](std::exception_ptr error, ReadEnd how) {
                // Most connections are idle most of the time: only one holding a partial frame
                // keeps a read buffer between turns (so a busy one allocates once per turn,
                // not per frame).
                if (self->partial_ && self->partial_->bytes.empty()) self->partial_.reset();
                if (error) {
                    log_connection_error(self->session_->remote_address(), error);
                    how = ReadEnd::cut;
                }
                if (how == ReadEnd::idle && !self->writer_done_ && !self->driver_.expired()) {
                    self->wait_until_readable();
                    return;
                }
                self->reader_ = Reader::stopped;
                // Closing: the writer's flush ends the connection, or the watchdog's bound does.
                if (how == ReadEnd::cut || self->writer_done_ || self->driver_.expired())
                    self->end();
            }
        )
    );
}

void TcpConnection::cut() {
    if (reader_ == Reader::waiting) {
        boost::system::error_code ignored;
        socket_.cancel(ignored);  // its handler ends the connection
    } else if (reader_ == Reader::stopped) {
        end();
    }
}

void TcpConnection::end() {
    if (ended_) return;
    ended_ = true;
    driver_.stop_watchdog();
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    registry_.remove(session_->remote_address(), shared_from_this());
    session_->handle_disconnect(driver_.close_reason());
    metrics::salon().tcp_connections.dec();
}

void TcpConnection::close_after_flush(std::string reason) {
    asio::post(
        socket_.get_executor(),
        [self = shared_from_this(), reason = std::move(reason)]() mutable {
            self->driver_.begin_close(std::move(reason));
            self->flush();  // nothing queued: the writer is done at once
        }
    );
}

void TcpConnection::shut_down() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
        if (self->driver_.closing() || !self->session_) return;
        self->session_->notice("shutting_down", "the server is shutting down");
        self->driver_.begin_close("server shutting down");
        self->flush();
    });
}

void TcpConnection::post_watchdog_tick() {
    if (auto self = weak_from_this().lock())  // empty while the connection is being destroyed
        asio::post(socket_.get_executor(), [self] { self->driver_.watchdog_tick(); });
}

void TcpConnection::wake_writer() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->flush(); });
}

awaitable<TcpConnection::ReadEnd> TcpConnection::read_available() {
    // A frame of exactly the limit plus its "\r\n" must fit.
    const std::size_t max_buffered = max_frame_bytes_ + 2;
    if (!partial_) partial_ = std::make_unique<Partial>();  // read_turn() gives it back
    std::string& buffer = partial_->bytes;
    std::size_t& search_from = partial_->search_from;
    for (;;) {
        // Every complete frame already read is handled before reading again, so the requests a
        // client pipelines are taken in one turn of the event loop, not one turn each.
        std::size_t consumed = 0;
        for (std::size_t newline;
             (newline = buffer.find('\n', search_from)) != std::string::npos;) {
            co_await driver_.pause_while_backlogged(*session_);
            if (driver_.closing()) co_return ReadEnd::closing;
            std::string frame(buffer.data() + consumed, newline - consumed);
            consumed = search_from = newline + 1;
            if (frame.ends_with('\r')) frame.pop_back();
            if (frame.size() > max_frame_bytes_) {
                session_->handle_oversized_frame();  // answers, then closes
                co_return ReadEnd::closing;
            }
            if (!frame.empty()) co_await session_->handle_frame(std::move(frame));
            if (driver_.closing()) co_return ReadEnd::closing;
        }
        buffer.erase(0, consumed);
        search_from = buffer.size();
        if (buffer.size() >= max_buffered) {
            session_->handle_oversized_frame();
            co_return ReadEnd::closing;
        }

        co_await driver_.pause_while_backlogged(*session_);
        if (driver_.closing()) co_return ReadEnd::closing;
        // The bytes go through a per-thread scratch buffer, so that the connection's own buffer
        // only ever holds a partial frame. Nothing suspends between the read and the append.
        thread_local std::array<char, kScratchBytes> scratch;
        const std::size_t room = std::min(scratch.size(), max_buffered - buffer.size());
        boost::system::error_code ec;
        const std::size_t n = socket_.read_some(asio::buffer(scratch.data(), room), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) co_return ReadEnd::idle;
        if (ec) co_return ReadEnd::cut;  // the peer went away (EOF, reset)
        driver_.heard();
        buffer.append(scratch.data(), n);
    }
}

void TcpConnection::flush() {
    if (awaiting_writable_ || writer_done_ || ended_) return;
    auto& outbox = session_->outbox();
    for (;;) {
        if (unsent_.empty() && !outbox.take(unsent_)) {
            // Everything written, and no reply still owed: a closing connection may end.
            if (driver_.closing() && !outbox.owes_replies()) finish_writing();
            return;
        }
        const int error = write_unsent();
        if (error == EAGAIN || error == EWOULDBLOCK) {
            wait_until_writable();
            return;
        }
        if (error != 0) {
            finish_writing();  // the peer went away
            return;
        }
        driver_.wrote();
        if (!unsent_.empty()) {  // the socket's send buffer is full
            wait_until_writable();
            return;
        }
        // Everything taken is written: the vector goes back. The Outbox swaps this one in for
        // its next batch, and a login storm leaves batches of tens of presence notices on
        // connections that then sit idle; kept, they cost 0.7 KB per idle connection (19,000
        // guests at once). A busy connection grows a new one per batch instead.
        std::vector<server::Frame>().swap(unsent_);
    }
}

int TcpConnection::write_unsent() {
    // One system call for everything queued (asio's own gather write stops at 64 buffers).
    thread_local std::array<iovec, kMaxWriteBuffers> iov;
    std::size_t count = 0;
    for (std::size_t i = 0; i < unsent_.size() && count < iov.size(); ++i) {
        const std::string& frame = *unsent_[i];
        const std::size_t skip = i == 0 ? unsent_offset_ : 0;
        iov[count++] = iovec{const_cast<char*>(frame.data()) + skip, frame.size() - skip};
    }
    msghdr message{};
    message.msg_iov = iov.data();
    message.msg_iovlen = count;
    ssize_t sent = 0;
    do {
        sent = ::sendmsg(socket_.native_handle(), &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return errno;

    auto remaining = static_cast<std::size_t>(sent);
    std::size_t done = 0;
    for (; done < unsent_.size(); ++done) {
        const std::size_t frame_left = unsent_[done]->size() - unsent_offset_;
        if (remaining < frame_left) {
            unsent_offset_ += static_cast<std::uint32_t>(remaining);
            break;
        }
        remaining -= frame_left;
        unsent_offset_ = 0;
    }
    unsent_.erase(unsent_.begin(), unsent_.begin() + static_cast<std::ptrdiff_t>(done));
    return 0;
}

void TcpConnection::wait_until_writable() {
    awaiting_writable_ = true;
    socket_.async_wait(
        asio::ip::tcp::socket::wait_write,
        [self = shared_from_this()](const boost::system::error_code& ec) {
            self->awaiting_writable_ = false;
            if (ec) {
                self->finish_writing();
                return;
            }
            self->flush();
        }
    );
}

void TcpConnection::finish_writing() {
    writer_done_ = true;
    cut();
}

}  // namespace salon::net
