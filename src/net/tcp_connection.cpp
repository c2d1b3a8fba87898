#include "net/tcp_connection.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>

#include "metrics/salon_metrics.hpp"
#include "server/session.hpp"

namespace salon::net {
namespace asio = boost::asio;
using asio::awaitable;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
/// The most one read takes from the socket.
constexpr std::size_t kScratchBytes = 16 * 1024;
/// A drained read buffer larger than this is given back: a long idle connection should not
/// keep the largest buffer it ever needed.
constexpr std::size_t kKeptReadCapacity = 1024;
/// The most frames one write takes (IOV_MAX on Linux).
constexpr std::size_t kMaxWriteBuffers = 1024;

}  // namespace

TcpConnection::TcpConnection(
    asio::ip::tcp::socket socket,
    server::ChatServer& server,
    ConnectionRegistry& registry,
    CodecFactory make_codec,
    std::size_t max_frame_bytes
)
    : socket_(std::move(socket)),
      server_(server),
      registry_(registry),
      make_codec_(std::move(make_codec)),
      max_frame_bytes_(max_frame_bytes),
      driver_(socket_.get_executor(), server) {
    boost::system::error_code ec;
    const auto endpoint = socket_.remote_endpoint(ec);
    address_ = ec ? std::string("unknown") : endpoint.address().to_string();
}

awaitable<void> TcpConnection::run() {
    auto self = shared_from_this();
    const metrics::GaugeScope counted(metrics::salon().tcp_connections);
    metrics::salon().tcp_accepted.inc();
    session_ = server_.open_session(weak_from_this(), address_, make_codec_());
    session_->outbox().attach([weak = weak_from_this()] {
        if (auto connection = weak.lock()) connection->wake_writer();
    });
    boost::system::error_code ec;
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    driver_.heard();

    driver_.start_watchdog(weak_from_this(), *session_, [this] {
        boost::system::error_code ignored;
        socket_.cancel(ignored);  // a reader waiting for input returns
    });
    flush();

    bool flush_before_closing = false;
    try {
        flush_before_closing = co_await read_loop() == ReadEnd::closing;
    } catch (const std::exception& e) {
        spdlog::warn("{}: connection error: {}", address_, e.what());
    }
    // The writer flushes what is queued (and what is still owed), bounded by the watchdog.
    while (flush_before_closing && !writer_done_ && !driver_.expired())
        co_await driver_.wait_for_frames();
    driver_.stop_watchdog();

    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    registry_.remove(address_, self);
    session_->handle_disconnect(driver_.close_reason());
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

void TcpConnection::wake_writer() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->flush(); });
}

awaitable<TcpConnection::ReadEnd> TcpConnection::read_loop() {
    // A frame of exactly the limit plus its "\r\n" must fit.
    const std::size_t max_buffered = max_frame_bytes_ + 2;
    // Bytes read but not yet handled: at most one partial frame between reads, so an idle
    // connection holds no read buffer at all.
    std::string buffer;
    std::size_t search_from = 0;  // the bytes before this offset hold no newline
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    for (;;) {
        // Every complete frame already read is handled before reading again, so the requests a
        // client pipelines are taken in one turn of the event loop, not one turn each.
        std::size_t consumed = 0;
        for (std::size_t newline;
             (newline = buffer.find('\n', search_from)) != std::string::npos;) {
            co_await driver_.pause_while_backlogged(*session_);
            if (driver_.closing()) co_return ReadEnd::closing;
            std::string_view frame(buffer.data() + consumed, newline - consumed);
            consumed = search_from = newline + 1;
            if (frame.ends_with('\r')) frame.remove_suffix(1);
            if (frame.size() > max_frame_bytes_) {
                session_->handle_oversized_frame();  // answers, then closes
                co_return ReadEnd::closing;
            }
            if (!frame.empty()) co_await session_->handle_frame(std::string(frame));
            if (driver_.closing()) co_return ReadEnd::closing;
        }
        buffer.erase(0, consumed);
        search_from = buffer.size();
        if (buffer.size() >= max_buffered) {
            session_->handle_oversized_frame();
            co_return ReadEnd::closing;
        }
        if (buffer.empty() && buffer.capacity() > kKeptReadCapacity) std::string().swap(buffer);

        co_await driver_.pause_while_backlogged(*session_);
        if (driver_.closing()) co_return ReadEnd::closing;
        // Read what is there now; wait for readiness only when there is nothing. The bytes go
        // through a per-thread scratch buffer because a frame's handling may suspend and let
        // another connection of this thread read.
        thread_local std::array<char, kScratchBytes> scratch;
        const std::size_t room = std::min(scratch.size(), max_buffered - buffer.size());
        const std::size_t n = socket_.read_some(asio::buffer(scratch.data(), room), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            auto [wait_ec] =
                co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, use_nothrow);
            if (wait_ec) co_return ReadEnd::cut;  // cancelled: the writer or watchdog ended it
            continue;
        }
        if (ec) co_return ReadEnd::cut;  // the peer went away (EOF, reset)
        driver_.heard();
        buffer.append(scratch.data(), n);
    }
}

void TcpConnection::flush() {
    if (awaiting_writable_ || writer_done_ || !socket_.is_open()) return;
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
            unsent_offset_ += remaining;
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
    driver_.wake_writer();  // run() waiting for a closing flush
    boost::system::error_code ignored;
    socket_.cancel(ignored);  // a reader waiting for input: the connection ends
}

}  // namespace salon::net
