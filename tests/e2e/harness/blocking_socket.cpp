#include "harness/blocking_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace salon::test {

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

BlockingSocket::BlockingSocket(
    std::string_view host, std::uint16_t port, int receive_buffer_bytes
) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw_errno("socket");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, std::string(host).c_str(), &addr.sin_addr) != 1) {
        ::close(fd_);
        throw std::runtime_error("bad IPv4 address: " + std::string(host));
    }
    if (receive_buffer_bytes > 0) {
        ::setsockopt(
            fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes
        );
    }
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int saved = errno;
        ::close(fd_);
        errno = saved;
        throw_errno("connect to " + std::string(host) + ":" + std::to_string(port));
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

BlockingSocket::~BlockingSocket() {
    close();
}

void BlockingSocket::send_all(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_errno("send");
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

bool BlockingSocket::fill(std::chrono::milliseconds timeout) {
    if (eof_ || fd_ < 0) {
        return false;
    }
    pollfd pfd{fd_, POLLIN, 0};
    int ready;
    do {
        ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) {
        throw_errno("poll");
    }
    if (ready == 0) {
        return false;
    }
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0) {
        if (errno == ECONNRESET) {
            eof_ = true;  // a reset is a close as far as the tests are concerned
            return true;
        }
        throw_errno("recv");
    }
    if (n == 0) {
        eof_ = true;
    } else {
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    return true;
}

void BlockingSocket::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void BlockingSocket::reset() {
    if (fd_ >= 0) {
        const linger hard{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        close();
    }
}

}  // namespace salon::test
