#include "net/tcp_connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

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
/// The most bytes one TLS write takes: a full record, so that a burst of small frames costs one
/// record and one system call, not one each.
constexpr std::size_t kTlsRecordBytes = 16 * 1024;

}  // namespace

TcpConnection::TcpConnection(
    AcceptedSocket socket,
    server::ChatServer& server,
    ConnectionRegistry& registry,
    std::size_t max_frame_bytes,
    SslHandle tls
)
    : poller_(Poller::of(socket.context())),
      server_(server),
      registry_(registry),
      max_frame_bytes_(max_frame_bytes),
      driver_(poller_.executor(), server, *this),
      tls_(std::move(tls)),
      fd_(socket.release()) {
    // From the first byte: a TLS handshake's last flights are small writes that Nagle's
    // algorithm would hold back for the client's delayed ACK (40 ms a handshake).
    const int no_delay = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &no_delay, sizeof no_delay);
}

TcpConnection::~TcpConnection() {
    if (fd_ >= 0) ::close(fd_);  // never started (refused), or never ended
}

void TcpConnection::start(std::string address, std::unique_ptr<proto::Codec> codec) {
    if (tls_) {
        metrics::salon().tls_connections.inc();  // tls_accepted counted it before its handshake
    } else {
        metrics::salon().tcp_connections.inc();
        metrics::salon().tcp_accepted.inc();
    }
    session_ = server_.open_session(weak_from_this(), std::move(address), std::move(codec));
    driver_.heard();
    driver_.start_watchdog(*session_);
    flush();      // arms the Outbox's wake-up
    read_turn();  // the client may have sent its first frames already: take them now
    // Watched from here on. Registering reports what became ready meanwhile, so input that
    // arrived after the first turn's last read is not missed.
    if (const int error = poller_.watch(fd_, *this); error != 0) {
        spdlog::warn(
            "{}: cannot watch the connection: {}", session_->remote_address(), std::strerror(error)
        );
        finish_writing();
    }
}

void TcpConnection::on_ready(std::uint32_t events) {
    if (ended_) return;
    // The registry's reference goes when the connection ends, which may happen in here.
    const auto self = shared_from_this();
    const bool failed = (events & (EPOLLERR | EPOLLHUP)) != 0;
    if (failed || (events & (EPOLLIN | EPOLLRDHUP)) != 0) {
        readable_ = true;
        // A read turn in the Poller's queue, not here and now: hundreds of readers served
        // in one go starve the rest of the io_context (see Poller::defer). While the turn
        // waits, the reader counts as running, so that nothing ends the connection under it.
        if (reader_ == Reader::waiting) {
            reader_ = Reader::running;
            poller_.defer(*this);
        }
    }
    if ((events & EPOLLOUT) != 0 && read_wants_writable_) {
        read_wants_writable_ = false;
        readable_ = true;
        if (reader_ == Reader::waiting) {
            reader_ = Reader::running;
            poller_.defer(*this);
        }
    }
    const bool write_can_go =
        failed || (events & EPOLLOUT) != 0 || (write_wants_readable_ && (events & EPOLLIN) != 0);
    if (write_can_go && awaiting_writable_) {
        awaiting_writable_ = false;
        write_wants_readable_ = false;
        flush();
    }
}

void TcpConnection::abandon(std::string_view address) {
    ended_ = true;
    // Input left unread would turn the close into a reset, and a reset can destroy the TLS alert
    // just sent before the client reads it (the alert is how a plain client learns its mistake).
    std::array<char, 4096> sink;
    for (int i = 0; i < 16 && ::recv(fd_, sink.data(), sink.size(), 0) > 0; ++i) {
    }
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
    registry_.remove(std::string(address), shared_from_this());
}

void TcpConnection::wait_until_readable() {
    if (readable_) {
        read_turn();  // the socket became readable again while the last turn ran
        return;
    }
    reader_ = Reader::waiting;
}

void TcpConnection::read_turn() {
    reader_ = Reader::running;
    asio::co_spawn(
        executor(),
        read_available(),
        asio::bind_executor(
            executor(),
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
    if (reader_ != Reader::running) end();
}

void TcpConnection::end() {
    if (ended_) return;
    ended_ = true;
    reader_ = Reader::stopped;
    driver_.stop_watchdog();
    poller_.forget(fd_);
    if (tls_ && !tls_failed_) {
        // close_notify, if the socket takes it now: the peer then knows the stream ended here
        // and was not cut. Never waited for.
        ::ERR_clear_error();
        ::SSL_shutdown(tls_.get());
    }
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
    registry_.remove(session_->remote_address(), shared_from_this());
    session_->handle_disconnect(driver_.close_reason());
    (tls_ ? metrics::salon().tls_connections : metrics::salon().tcp_connections).dec();
}

void TcpConnection::close_after_flush(std::string reason) {
    asio::post(executor(), [self = shared_from_this(), reason = std::move(reason)]() mutable {
        self->driver_.begin_close(std::move(reason));
        self->flush();  // nothing queued: the writer is done at once
    });
}

void TcpConnection::shut_down() {
    asio::post(executor(), [self = shared_from_this()] {
        if (!self->session_) {
            // Still in its TLS handshake: the connection is abandoned when that ends.
            self->shutting_down_ = true;
            return;
        }
        if (self->driver_.closing()) return;
        self->session_->notice("shutting_down", "the server is shutting down");
        self->driver_.begin_close("server shutting down");
        self->flush();
    });
}

void TcpConnection::post_watchdog_tick() {
    if (auto self = weak_from_this().lock())  // empty while the connection is being destroyed
        asio::post(executor(), [self] { self->driver_.watchdog_tick(); });
}

void TcpConnection::wake_writer() {
    asio::post(executor(), [self = shared_from_this()] { self->flush(); });
}

awaitable<bool> TcpConnection::drained(std::size_t backlog_bytes) {
    co_return co_await driver_.drained(*session_, backlog_bytes);
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
            driver_.heard();  // a whole frame: bytes of a partial one are not a sign of life
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
        readable_ = false;  // this read sees whatever the edge said is there
        const ssize_t n = receive(scratch.data(), room);
        if (n < 0) co_return ReadEnd::idle;
        if (n == 0) co_return ReadEnd::cut;  // the peer went away (EOF, reset)
        buffer.append(scratch.data(), static_cast<std::size_t>(n));
    }
}

ssize_t TcpConnection::receive(char* into, std::size_t room) {
    if (!tls_) {
        ssize_t n = 0;
        do {
            n = ::recv(fd_, into, room, 0);
        } while (n < 0 && errno == EINTR);
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : 0;
        return n;
    }
    // Until OpenSSL says it needs the socket: it reads one record at a time, and says
    // SSL_ERROR_WANT_READ only once the socket said EAGAIN, as edge-triggered readiness needs.
    ::ERR_clear_error();
    std::size_t n = 0;
    const int result = ::SSL_read_ex(tls_.get(), into, room, &n);
    if (result == 1) return static_cast<ssize_t>(n);
    switch (::SSL_get_error(tls_.get(), result)) {
        case SSL_ERROR_WANT_READ:
            return -1;
        case SSL_ERROR_WANT_WRITE:
            read_wants_writable_ = true;
            return -1;
        case SSL_ERROR_ZERO_RETURN:  // close_notify
            return 0;
        default:  // reset, a bad record, an EOF without close_notify
            tls_failed_ = true;
            return 0;
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
        switch (write_unsent()) {
            case Wrote::failed:
                finish_writing();  // the peer went away
                return;
            case Wrote::none:
                wait_until_writable();
                return;
            case Wrote::part:
                driver_.wrote();
                wait_until_writable();
                return;
            case Wrote::all:
                driver_.wrote();
                break;
        }
        // More frames than one write takes go on; once all are written, the queue holds
        // no memory: an idle connection keeps no batch.
    }
}

TcpConnection::Wrote TcpConnection::write_unsent() {
    if (tls_) return write_unsent_tls();
    // One system call for everything queued (asio's own gather write stops at 64 buffers).
    thread_local std::array<iovec, kMaxWriteBuffers> iov;
    std::size_t count = 0;
    std::size_t offered = 0;
    for (const server::Frame& frame : unsent_) {
        const std::size_t skip = count == 0 ? unsent_offset_ : 0;
        iov[count] = iovec{const_cast<char*>(frame->data()) + skip, frame->size() - skip};
        offered += iov[count].iov_len;
        if (++count == iov.size()) break;
    }
    msghdr message{};
    message.msg_iov = iov.data();
    message.msg_iovlen = count;
    ssize_t sent = 0;
    do {
        sent = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? Wrote::none : Wrote::failed;

    // Drops the frames written whole; a frame written in part keeps its place and offset.
    auto remaining = static_cast<std::size_t>(sent);
    std::size_t done = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (remaining < iov[i].iov_len) {
            unsent_offset_ += static_cast<std::uint32_t>(remaining);
            break;
        }
        remaining -= iov[i].iov_len;
        unsent_offset_ = 0;
        ++done;
    }
    unsent_.pop_front(done);
    return static_cast<std::size_t>(sent) < offered ? Wrote::part : Wrote::all;
}

TcpConnection::Wrote TcpConnection::write_unsent_tls() {
    // Frames are copied into one record's worth of plaintext. A write that must wait is retried
    // with the same bytes, as OpenSSL requires: they are taken again from unsent_ at the same
    // offset, which nothing changes meanwhile (the moving-buffer mode allows the new address).
    thread_local std::array<char, kTlsRecordBytes> record;
    std::size_t used = 0;
    for (const server::Frame& frame : unsent_) {
        const std::size_t skip = used == 0 ? unsent_offset_ : 0;
        const std::size_t take = std::min(frame->size() - skip, record.size() - used);
        std::memcpy(record.data() + used, frame->data() + skip, take);
        used += take;
        if (used == record.size()) break;
    }
    ::ERR_clear_error();
    std::size_t written = 0;
    if (::SSL_write_ex(tls_.get(), record.data(), used, &written) != 1) {
        switch (::SSL_get_error(tls_.get(), 0)) {
            case SSL_ERROR_WANT_WRITE:
                return Wrote::none;
            case SSL_ERROR_WANT_READ:
                write_wants_readable_ = true;
                return Wrote::none;
            default:
                tls_failed_ = true;
                return Wrote::failed;
        }
    }
    // Drops the frames written whole; a frame written in part keeps its place and offset.
    std::size_t remaining = written;
    std::size_t done = 0;
    for (const server::Frame& frame : unsent_) {
        const std::size_t left = frame->size() - unsent_offset_;
        if (remaining < left) {
            unsent_offset_ += static_cast<std::uint32_t>(remaining);
            break;
        }
        remaining -= left;
        unsent_offset_ = 0;
        ++done;
        if (remaining == 0) break;
    }
    unsent_.pop_front(done);
    return written < used ? Wrote::part : Wrote::all;
}

void TcpConnection::wait_until_writable() {
    awaiting_writable_ = true;  // the Poller's next EPOLLOUT edge runs flush()
}

void TcpConnection::finish_writing() {
    writer_done_ = true;
    cut();
}

}  // namespace salon::net
