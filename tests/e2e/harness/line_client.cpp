// The blocking TCP line client used by the end-to-end tests.
#include "harness/line_client.hpp"

#include <algorithm>
#include <stdexcept>

namespace salon::test {

LineClient::LineClient(std::string_view host, std::uint16_t port, int receive_buffer_bytes)
    : socket_(host, port, receive_buffer_bytes) {}

void LineClient::send_raw(std::string_view bytes) {
    socket_.send_all(bytes);
}

void LineClient::send(const Frame& frame) {
    send_raw(boost::json::serialize(frame) + "\n");
}

std::optional<Frame> LineClient::receive(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto newline = socket_.buffer().find('\n');
        if (newline != std::string::npos) {
            std::string line = socket_.buffer().substr(0, newline);
            socket_.buffer().erase(0, newline + 1);
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            if (line.empty()) {
                continue;
            }
            boost::system::error_code ec;
            auto value = boost::json::parse(line, ec);
            if (ec || !value.is_object()) {
                throw std::runtime_error("server sent a line that is not a JSON object: " + line);
            }
            return std::move(value.get_object());
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

bool LineClient::transport_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!socket_.eof()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (left.count() <= 0 || !socket_.fill(left)) {
            return false;
        }
        socket_.buffer().clear();
    }
    socket_.buffer().clear();
    return true;
}

void LineClient::close() {
    socket_.close();
}

void LineClient::reset() {
    socket_.reset();
}

}  // namespace salon::test
