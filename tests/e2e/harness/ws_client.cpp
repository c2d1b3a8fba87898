// The blocking WebSocket client used by the end-to-end tests.
#include "harness/ws_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

namespace salon::test {

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::string base64(const std::string& bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (i + 1 == bytes.size()) {
        const auto n = static_cast<unsigned char>(bytes[i]) << 16;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

std::mt19937& rng() {
    thread_local std::mt19937 generator{std::random_device{}()};
    return generator;
}

}  // namespace

WsClient::WsClient(
    std::string_view host,
    std::uint16_t port,
    std::string_view path,
    const std::vector<std::string>& headers
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
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int saved = errno;
        ::close(fd_);
        errno = saved;
        throw_errno("connect to " + std::string(host) + ":" + std::to_string(port));
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    std::string key(16, '\0');
    for (auto& c : key) {
        c = static_cast<char>(rng()() & 0xff);
    }
    std::string request = "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + std::string(host) +
                          ":" + std::to_string(port) +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
                          base64(key) + "\r\n";
    for (const auto& h : headers) {
        request += h + "\r\n";
    }
    request += "\r\n";
    try {
        send_raw(request);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        std::size_t end;
        while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now()
            );
            if (left.count() <= 0 || !fill(left) ||
                (eof_ && buffer_.find("\r\n\r\n") == std::string::npos)) {
                throw std::runtime_error("no WebSocket handshake answer: " + buffer_);
            }
        }
        const std::string head = buffer_.substr(0, end);
        const int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
        if (status != 101) {
            throw HandshakeRefused(status, buffer_);
        }
        buffer_.erase(0, end + 4);
    } catch (...) {
        ::close(fd_);
        fd_ = -1;
        throw;
    }
}

WsClient::~WsClient() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void WsClient::send_raw(std::string_view bytes) {
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

void WsClient::send_frame(Opcode opcode, std::string_view payload, bool fin) {
    std::string out;
    out += static_cast<char>((fin ? 0x80 : 0x00) | opcode);
    const std::size_t n = payload.size();
    if (n < 126) {
        out += static_cast<char>(0x80 | n);
    } else if (n <= 0xffff) {
        out += static_cast<char>(0x80 | 126);
        out += static_cast<char>((n >> 8) & 0xff);
        out += static_cast<char>(n & 0xff);
    } else {
        out += static_cast<char>(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
            out += static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xff);
        }
    }
    char mask[4];
    for (auto& m : mask) {
        m = static_cast<char>(rng()() & 0xff);
    }
    out.append(mask, 4);
    for (std::size_t i = 0; i < n; ++i) {
        out += static_cast<char>(payload[i] ^ mask[i % 4]);
    }
    send_raw(out);
}

void WsClient::send(const Frame& frame) {
    send_frame(kText, boost::json::serialize(frame));
}

bool WsClient::fill(std::chrono::milliseconds timeout) {
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
            eof_ = true;
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

void WsClient::parse() {
    for (;;) {
        if (buffer_.size() < 2) {
            return;
        }
        const auto b0 = static_cast<unsigned char>(buffer_[0]);
        const auto b1 = static_cast<unsigned char>(buffer_[1]);
        if (b1 & 0x80) {
            throw std::runtime_error("the server sent a masked frame");
        }
        std::size_t header = 2;
        std::uint64_t length = b1 & 0x7f;
        if (length == 126) {
            if (buffer_.size() < 4) {
                return;
            }
            length = (static_cast<std::uint64_t>(static_cast<unsigned char>(buffer_[2])) << 8) |
                     static_cast<unsigned char>(buffer_[3]);
            header = 4;
        } else if (length == 127) {
            if (buffer_.size() < 10) {
                return;
            }
            length = 0;
            for (std::size_t i = 2; i < 10; ++i) {
                length = (length << 8) | static_cast<unsigned char>(buffer_[i]);
            }
            header = 10;
        }
        if (buffer_.size() < header + length) {
            return;
        }
        std::string payload = buffer_.substr(header, static_cast<std::size_t>(length));
        buffer_.erase(0, header + static_cast<std::size_t>(length));
        const bool fin = (b0 & 0x80) != 0;
        switch (b0 & 0x0f) {
            case kText:
            case kBinary:
            case kContinuation:
                partial_ += payload;
                if (fin) {
                    messages_.push_back(std::move(partial_));
                    partial_.clear();
                }
                break;
            case kPing:
                if (!eof_) {
                    send_frame(kPong, payload);
                }
                break;
            case kPong:
                pongs_.push_back(std::move(payload));
                break;
            case kClose:
                close_code_ = payload.size() >= 2
                                  ? static_cast<std::uint16_t>(
                                        (static_cast<unsigned char>(payload[0]) << 8) |
                                        static_cast<unsigned char>(payload[1])
                                    )
                                  : std::uint16_t{1005};
                if (!eof_) {
                    try {
                        send_frame(kClose, payload.substr(0, 2));  // echo the code: RFC 6455 5.5.1
                        // Then end our side of TCP, as browsers do: the server waits for it.
                        ::shutdown(fd_, SHUT_WR);
                    } catch (const std::runtime_error&) {
                        // the server may have closed the socket already
                    }
                }
                eof_ = true;
                return;
            default:
                throw std::runtime_error("the server sent an unknown opcode");
        }
    }
}

std::optional<Frame> WsClient::receive(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        parse();
        if (!messages_.empty()) {
            std::string text = std::move(messages_.front());
            messages_.erase(messages_.begin());
            boost::system::error_code ec;
            auto value = boost::json::parse(text, ec);
            if (ec || !value.is_object()) {
                throw std::runtime_error(
                    "server sent a message that is not a JSON object: " + text
                );
            }
            return std::move(value.get_object());
        }
        if (eof_) {
            return std::nullopt;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (!fill(std::max(left, std::chrono::milliseconds(0)))) {
            return std::nullopt;
        }
    }
}

bool WsClient::transport_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        parse();
        messages_.clear();
        if (eof_) {
            return true;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (left.count() <= 0 || !fill(left)) {
            return false;
        }
    }
}

void WsClient::close() {
    if (fd_ >= 0) {
        if (!eof_) {
            try {
                send_frame(kClose, std::string("\x03\xe8", 2));
            } catch (const std::runtime_error&) {
                // already gone
            }
        }
        ::close(fd_);
        fd_ = -1;
    }
}

}  // namespace salon::test
