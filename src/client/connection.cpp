// TcpConnection: getaddrinfo, non-blocking connect with a deadline, and non-blocking I/O.
#include "client/connection.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace salon::client {
namespace {

Error network_error(std::string message) {
    return Error{ErrorKind::network, {}, std::move(message)};
}

std::string errno_text(int err) {
    return std::strerror(err);
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    using namespace std::chrono;
    const auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(left);
}

}  // namespace

std::string Endpoint::to_string() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Endpoint> parse_endpoint(std::string_view text) {
    const auto bad = [](std::string why) { return Error{ErrorKind::usage, {}, std::move(why)}; };
    Endpoint ep;
    std::string_view host = text;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos)
            return bad(std::string("missing ']' in \"") + std::string(text) + "\"");
        host = text.substr(1, close - 1);
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return bad("unexpected text after ']' in \"" + std::string(text) + "\"");
            port = rest.substr(1);
            if (port.empty()) return bad("empty port in \"" + std::string(text) + "\"");
        }
    } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        if (text.find(':') != colon) {
            return bad("IPv6 addresses need brackets: \"[" + std::string(text) + "]:PORT\"");
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (port.empty()) return bad("empty port in \"" + std::string(text) + "\"");
    }
    if (host.empty()) return bad("empty host in \"" + std::string(text) + "\"");
    ep.host = std::string(host);
    if (!port.empty()) {
        unsigned value = 0;
        const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc{} || ptr != port.data() + port.size() || value == 0 || value > 65535) {
            return bad("bad port \"" + std::string(port) + "\" (1-65535)");
        }
        ep.port = static_cast<std::uint16_t>(value);
    }
    return ep;
}

Result<TcpConnection> TcpConnection::connect(
    const Endpoint& endpoint, std::chrono::milliseconds timeout
) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(endpoint.port);
    if (const int rc = getaddrinfo(endpoint.host.c_str(), service.c_str(), &hints, &found);
        rc != 0) {
        return network_error("cannot resolve " + endpoint.host + ": " + gai_strerror(rc));
    }
    std::string last_error = "no address";
    bool timed_out = false;
    for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
        const int fd = ::socket(
            ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol
        );
        if (fd < 0) {
            last_error = errno_text(errno);
            continue;
        }
        int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            do {
                rc = ::poll(&p, 1, remaining_ms(deadline));
            } while (rc < 0 && errno == EINTR);
            if (rc == 0) {
                timed_out = true;
                ::close(fd);
                break;
            }
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err == 0 ? 0 : -1;
            errno = err;
        }
        if (rc != 0) {
            last_error = errno_text(errno);
            ::close(fd);
            continue;
        }
        // Chat frames are small and latency matters more than packet count.
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        freeaddrinfo(found);
        return TcpConnection(fd);
    }
    freeaddrinfo(found);
    if (timed_out) {
        return Error{
            ErrorKind::timeout, {}, "cannot connect to " + endpoint.to_string() + ": timed out"};
    }
    return network_error("cannot connect to " + endpoint.to_string() + ": " + last_error);
}

TcpConnection::TcpConnection(TcpConnection&& other) noexcept
    : fd_(other.fd_), out_(std::move(other.out_)), out_offset_(other.out_offset_) {
    other.fd_ = -1;
    other.out_offset_ = 0;
}

TcpConnection& TcpConnection::operator=(TcpConnection&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = other.fd_;
        out_ = std::move(other.out_);
        out_offset_ = other.out_offset_;
        other.fd_ = -1;
        other.out_offset_ = 0;
    }
    return *this;
}

TcpConnection::~TcpConnection() {
    close();
}

void TcpConnection::close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    out_.clear();
    out_offset_ = 0;
}

Result<void> TcpConnection::flush() {
    if (fd_ < 0) return network_error("not connected");
    while (out_offset_ < out_.size()) {
        // MSG_NOSIGNAL: a peer that went away must be an error here, not a SIGPIPE.
        const ssize_t n =
            ::send(fd_, out_.data() + out_offset_, out_.size() - out_offset_, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return {};
            return network_error("connection lost: " + errno_text(errno));
        }
        out_offset_ += static_cast<std::size_t>(n);
    }
    out_.clear();
    out_offset_ = 0;
    return {};
}

Result<std::size_t> TcpConnection::read_available(LineFramer& framer) {
    if (fd_ < 0) return network_error("not connected");
    std::array<char, 64 * 1024> buf{};
    std::size_t total = 0;
    for (;;) {
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n > 0) {
            framer.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
            total += static_cast<std::size_t>(n);
            continue;
        }
        if (n == 0) {
            // Deliver what arrived before the close; the caller sees the close next time.
            if (total > 0) return total;
            return network_error("connection closed by server");
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return total;
        if (total > 0) return total;
        return network_error("connection lost: " + errno_text(errno));
    }
}

}  // namespace salon::client
