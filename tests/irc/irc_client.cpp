#include "irc_client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace salon::test {
namespace {

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return addr;
}

bool port_accepts(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const sockaddr_in addr = loopback(port);
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

IrcServer::IrcServer(std::vector<std::string> extra_args) {
    ServerOptions options;
    options.extra_args = std::move(extra_args);
    server_ = std::make_unique<ServerProcess>(options);
    irc_port_ = server_->irc_port();
    // Readiness is the native port's; the IRC listener was bound before it, so this is brief.
    const auto deadline = std::chrono::steady_clock::now() + kIrcWait;
    while (!port_accepts(irc_port_)) {
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("the IRC port does not accept:\n" + server_->log());
        std::this_thread::sleep_for(10ms);
    }
}

IrcServer::~IrcServer() {
    if (!server_ || server_->pid() < 0) return;
    const int status = server_->stop(SIGTERM);
    const std::string log = server_->log();
    if (status != 0 || log.find("runtime error") != std::string::npos ||
        log.find("Sanitizer") != std::string::npos) {
        ADD_FAILURE() << "salond exited with " << status << "; log:\n" << log;
    }
}

IrcClient::IrcClient(std::uint16_t port, int receive_buffer_bytes) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw_errno("socket");
    if (receive_buffer_bytes > 0) {
        ::setsockopt(
            fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes
        );
    }
    const sockaddr_in addr = loopback(port);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int saved = errno;
        ::close(fd_);
        errno = saved;
        throw_errno("connect to IRC port " + std::to_string(port));
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

IrcClient::~IrcClient() {
    if (fd_ >= 0) ::close(fd_);
}

void IrcClient::send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("send");
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void IrcClient::send(std::string_view line) {
    send_raw(std::string(line) + "\r\n");
}

bool IrcClient::fill(std::chrono::milliseconds timeout) {
    if (eof_) return false;
    pollfd pfd{fd_, POLLIN, 0};
    int ready;
    do {
        ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0) return false;
    std::array<char, 65536> chunk{};
    const ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    buffer_.append(chunk.data(), static_cast<std::size_t>(n));
    return true;
}

std::optional<std::string> IrcClient::next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto end = buffer_.find("\r\n");
        if (end != std::string::npos) {
            std::string line = buffer_.substr(0, end);
            buffer_.erase(0, end + 2);
            return line;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (left.count() <= 0 || !fill(left)) {
            if (std::chrono::steady_clock::now() >= deadline || eof_) return std::nullopt;
        }
    }
}

std::string IrcClient::wait_for(
    const std::function<bool(const proto::irc::Message&)>& match,
    std::vector<std::string>* skipped,
    std::chrono::milliseconds timeout
) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string seen;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        auto line = left.count() > 0 ? next(left) : std::nullopt;
        if (!line) {
            throw std::runtime_error(
                std::string(eof_ ? "closed" : "timed out") + " waiting; lines seen:\n" + seen
            );
        }
        auto parsed = proto::irc::parse(*line);
        if (parsed && match(*parsed)) return *line;
        seen += *line + "\n";
        if (skipped != nullptr) skipped->push_back(*line);
    }
}

std::string IrcClient::wait_for(std::string_view command, std::vector<std::string>* skipped) {
    return wait_for(
        [&](const proto::irc::Message& m) { return m.command == command; }, skipped, kIrcWait
    );
}

std::vector<std::string> IrcClient::drain(std::chrono::milliseconds quiet) {
    std::vector<std::string> lines;
    while (auto line = next(quiet)) lines.push_back(std::move(*line));
    return lines;
}

std::vector<std::string> IrcClient::register_as(
    std::string_view nick, std::string_view caps, std::string_view pass
) {
    if (!caps.empty()) {
        send("CAP LS 302");
        send("CAP REQ :" + std::string(caps));
    }
    if (!pass.empty()) send("PASS " + std::string(pass));
    send("NICK " + std::string(nick));
    send("USER " + std::string(nick) + " 0 * :Test user");
    if (!caps.empty()) send("CAP END");
    std::vector<std::string> lines;
    lines.push_back(wait_for("376", &lines));
    return lines;
}

bool IrcClient::closed_by_peer(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
        buffer_.clear();
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (left.count() <= 0) return false;
        fill(left);
    }
    return true;
}

proto::irc::Message parse_line(std::string_view line) {
    auto m = proto::irc::parse(line);
    if (!m) throw std::runtime_error("not an IRC line: " + std::string(line));
    return *m;
}

std::optional<std::string> tag_of(std::string_view line, std::string_view name) {
    const auto m = parse_line(line);
    for (const auto& [key, value] : m.tags) {
        if (key == name) return value;
    }
    return std::nullopt;
}

std::string sasl_plain(std::string_view user, std::string_view password) {
    const std::string plain =
        std::string(1, '\0') + std::string(user) + '\0' + std::string(password);
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < plain.size(); i += 3) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(plain[i])) << 16;
        if (i + 1 < plain.size())
            n |= static_cast<std::uint32_t>(static_cast<unsigned char>(plain[i + 1])) << 8;
        if (i + 2 < plain.size()) n |= static_cast<unsigned char>(plain[i + 2]);
        out += kAlphabet[(n >> 18) & 63U];
        out += kAlphabet[(n >> 12) & 63U];
        out += i + 1 < plain.size() ? kAlphabet[(n >> 6) & 63U] : '=';
        out += i + 2 < plain.size() ? kAlphabet[n & 63U] : '=';
    }
    return out;
}

bool has_line(const std::vector<std::string>& lines, std::string_view needle) {
    for (const auto& line : lines) {
        if (line.find(needle) != std::string::npos) return true;
    }
    return false;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
}

}  // namespace salon::test
