// Reading native frames, one JSON object per line, from any of the harness's blocking sockets
// (BlockingSocket, TlsSocket): each has buffer(), eof() and fill(timeout).
#pragma once

#include <algorithm>
#include <boost/json/parse.hpp>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include "harness/connection.hpp"

namespace salon::test {

/// The next frame in `socket`'s buffer, reading more until `timeout` has passed: nothing on a
/// timeout or once the server closed. Blank lines are skipped; a line that is not a JSON object
/// throws std::runtime_error.
template <class Socket>
std::optional<Frame> receive_frame(Socket& socket, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto newline = socket.buffer().find('\n');
        if (newline != std::string::npos) {
            std::string line = socket.buffer().substr(0, newline);
            socket.buffer().erase(0, newline + 1);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) continue;
            boost::system::error_code ec;
            auto value = boost::json::parse(line, ec);
            if (ec || !value.is_object())
                throw std::runtime_error("server sent a line that is not a JSON object: " + line);
            return std::move(value.get_object());
        }
        if (socket.eof()) return std::nullopt;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (!socket.fill(std::max(left, std::chrono::milliseconds(0)))) return std::nullopt;
    }
}

/// Reads and discards until the server closes the connection: false when `timeout` passed
/// first.
template <class Socket>
bool wait_for_close(Socket& socket, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!socket.eof()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (left.count() <= 0 || !socket.fill(left)) return false;
        socket.buffer().clear();
    }
    socket.buffer().clear();
    return true;
}

}  // namespace salon::test
