// The blocking WebSocket client used by the end-to-end tests.
#include "harness/ws_client.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <stdexcept>

namespace salon::test {

namespace {

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
)
    : socket_(host, port) {
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
    socket_.send_all(request);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::size_t end;
    while ((end = socket_.buffer().find("\r\n\r\n")) == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (left.count() <= 0 || !socket_.fill(left) ||
            (socket_.eof() && socket_.buffer().find("\r\n\r\n") == std::string::npos)) {
            throw std::runtime_error("no WebSocket handshake answer: " + socket_.buffer());
        }
    }
    const std::string head = socket_.buffer().substr(0, end);
    handshake_ = head;
    const int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
    if (status != 101) {
        throw HandshakeRefused(status, socket_.buffer());
    }
    socket_.buffer().erase(0, end + 4);
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
    socket_.send_all(out);
}

void WsClient::send(const Frame& frame) {
    send_frame(kText, boost::json::serialize(frame));
}

void WsClient::parse() {
    for (;;) {
        if (socket_.buffer().size() < 2) {
            return;
        }
        const auto b0 = static_cast<unsigned char>(socket_.buffer()[0]);
        const auto b1 = static_cast<unsigned char>(socket_.buffer()[1]);
        if (b1 & 0x80) {
            throw std::runtime_error("the server sent a masked frame");
        }
        std::size_t header = 2;
        std::uint64_t length = b1 & 0x7f;
        if (length == 126) {
            if (socket_.buffer().size() < 4) {
                return;
            }
            length =
                (static_cast<std::uint64_t>(static_cast<unsigned char>(socket_.buffer()[2])) << 8) |
                static_cast<unsigned char>(socket_.buffer()[3]);
            header = 4;
        } else if (length == 127) {
            if (socket_.buffer().size() < 10) {
                return;
            }
            length = 0;
            for (std::size_t i = 2; i < 10; ++i) {
                length = (length << 8) | static_cast<unsigned char>(socket_.buffer()[i]);
            }
            header = 10;
        }
        if (socket_.buffer().size() < header + length) {
            return;
        }
        std::string payload = socket_.buffer().substr(header, static_cast<std::size_t>(length));
        socket_.buffer().erase(0, header + static_cast<std::size_t>(length));
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
                if (!socket_.eof()) {
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
                if (!socket_.eof()) {
                    try {
                        send_frame(kClose, payload.substr(0, 2));  // echo the code: RFC 6455 5.5.1
                        // Then end our side of TCP, as browsers do: the server waits for it.
                        ::shutdown(socket_.fd(), SHUT_WR);
                    } catch (const std::runtime_error&) {
                        // the server may have closed the socket already
                    }
                }
                socket_.set_eof();
                return;
            default:
                throw std::runtime_error("the server sent an unknown opcode");
        }
    }
}

std::optional<Frame> WsClient::receive(std::chrono::milliseconds timeout) {
    const auto text = next_message(timeout);
    if (!text) return std::nullopt;
    boost::system::error_code ec;
    auto value = boost::json::parse(*text, ec);
    if (ec || !value.is_object())
        throw std::runtime_error("server sent a message that is not a JSON object: " + *text);
    return std::move(value.get_object());
}

std::optional<std::string> WsClient::next_message(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        parse();
        if (!messages_.empty()) {
            std::string text = std::move(messages_.front());
            messages_.erase(messages_.begin());
            return text;
        }
        if (socket_.eof()) {
            return std::nullopt;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (!socket_.fill(std::max(left, std::chrono::milliseconds(0)))) {
            return std::nullopt;
        }
    }
}

bool WsClient::transport_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        parse();
        messages_.clear();
        if (socket_.eof()) {
            return true;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (left.count() <= 0 || !socket_.fill(left)) {
            return false;
        }
    }
}

void WsClient::close() {
    if (socket_.is_open() && !socket_.eof()) {
        try {
            send_frame(kClose, std::string("\x03\xe8", 2));
        } catch (const std::runtime_error&) {
            // already gone
        }
    }
    socket_.close();
}

}  // namespace salon::test
