// The raw HTTP client of the web tests.
#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace salon::test {

namespace {

/// Parses what arrived; true once it is a complete answer (head plus Content-Length bytes, or
/// the head alone for a HEAD request).
bool parse(const std::string& data, bool closed, bool head_request, HttpAnswer& out) {
    const auto head_end = data.find("\r\n\r\n");
    if (head_end == std::string::npos) {
        return false;
    }
    out = HttpAnswer{};
    const std::string head = data.substr(0, head_end);
    if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12) {
        throw std::runtime_error("not an HTTP answer: " + head);
    }
    out.status = std::stoi(head.substr(9, 3));
    std::size_t at = head.find("\r\n");
    while (at != std::string::npos) {
        const std::size_t next = head.find("\r\n", at + 2);
        const std::string line =
            head.substr(at + 2, next == std::string::npos ? next : next - at - 2);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            std::string name = line.substr(0, colon);
            for (auto& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            out.headers[name] = value;
        }
        at = next;
    }
    out.body = data.substr(head_end + 4);
    const auto length = out.headers.find("content-length");
    if (head_request) {
        return true;  // the length is that of the body a GET would get; none follows
    }
    if (length != out.headers.end()) {
        const auto expected = std::stoul(length->second);
        if (out.body.size() < expected) {
            return false;
        }
        out.body.resize(expected);
        return true;
    }
    return closed;
}

}  // namespace

HttpAnswer http_raw(
    std::uint16_t port, std::string_view request, std::chrono::milliseconds timeout
) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const std::string err = std::strerror(errno);
        ::close(fd);
        throw std::runtime_error("connect: " + err);
    }
    std::string_view rest = request;
    while (!rest.empty()) {
        const ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            break;  // the server may answer and close before taking it all (e.g. 431)
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string data;
    HttpAnswer answer;
    bool closed = false;
    for (;;) {
        if (parse(data, closed, request.starts_with("HEAD "), answer)) {
            ::close(fd);
            return answer;
        }
        if (closed) {
            ::close(fd);
            if (data.empty()) {
                return HttpAnswer{};  // closed without a word
            }
            throw std::runtime_error("incomplete HTTP answer: " + data);
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        pollfd pfd{fd, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
            ::close(fd);
            throw std::runtime_error("no complete HTTP answer in time; got: " + data);
        }
        char chunk[65536];
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
            closed = true;
        } else {
            data.append(chunk, static_cast<std::size_t>(n));
        }
    }
}

HttpAnswer http_get(std::uint16_t port, std::string_view path) {
    return http_raw(
        port,
        "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
            "\r\nConnection: close\r\n\r\n"
    );
}

}  // namespace salon::test
