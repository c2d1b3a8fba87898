// Session: ref bookkeeping, automatic PONG and the blocking helpers built on poll().
#include "client/session.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace salon::client {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
    return std::max(
        std::chrono::milliseconds(0),
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())
    );
}

}  // namespace

Result<Session> Session::open(const Endpoint& endpoint, std::chrono::milliseconds timeout) {
    auto conn = TcpConnection::connect(endpoint, timeout);
    if (!conn) return conn.error();
    return Session(std::move(*conn));
}

std::int64_t Session::send(const Request& request) {
    const std::int64_t ref = next_ref_++;
    connection_.queue(encode_request(request, ref));
    return ref;
}

Result<void> Session::on_writable() {
    return connection_.flush();
}

Result<void> Session::on_readable() {
    auto n = connection_.read_available(framer_);
    if (!n) return n.error();
    while (auto line = framer_.next()) {
        auto frame = decode_frame(*line);
        if (!frame) {
            ++decode_failures_;
            last_decode_error_ = frame.error().message;
            continue;
        }
        // The server closes a client that stays silent after its PING, so answer at once,
        // whatever the caller is busy with.
        if (std::holds_alternative<core::PingEvent>(frame->payload)) {
            connection_.queue(encode_request(requests::pong()));
        }
        frames_.push_back(std::move(*frame));
    }
    if (framer_.overflowed()) {
        return Error{
            ErrorKind::protocol, {}, "the server sent a frame larger than the client accepts"};
    }
    if (connection_.wants_write()) return connection_.flush();
    return {};
}

std::optional<Frame> Session::pop_frame() {
    if (frames_.empty()) return std::nullopt;
    Frame f = std::move(frames_.front());
    frames_.pop_front();
    return f;
}

Result<void> Session::wait_io(std::chrono::milliseconds timeout) {
    if (connection_.wants_write()) {
        if (auto r = connection_.flush(); !r) return r;
    }
    pollfd p{connection_.fd(), POLLIN, 0};
    if (connection_.wants_write()) p.events |= POLLOUT;
    const int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc < 0) {
        if (errno == EINTR) return {};
        return Error{ErrorKind::network, {}, std::string("poll: ") + std::strerror(errno)};
    }
    if (rc == 0) return {};
    if ((p.revents & POLLOUT) != 0) {
        if (auto r = on_writable(); !r) return r;
    }
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) return on_readable();
    return {};
}

Result<std::optional<Frame>> Session::next(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (auto f = pop_frame()) return std::optional<Frame>(std::move(*f));
        const auto left = left_until(deadline);
        if (left.count() == 0) return std::optional<Frame>();
        if (auto r = wait_io(left); !r) return r.error();
    }
}

Result<Reply> Session::call(const Request& request, std::chrono::milliseconds timeout) {
    const std::string ref = std::to_string(send(request));
    const auto deadline = Clock::now() + timeout;
    std::size_t scanned = 0;
    for (;;) {
        for (auto it = frames_.begin() + static_cast<std::ptrdiff_t>(scanned); it != frames_.end();
             ++it) {
            auto* reply = std::get_if<Reply>(&it->payload);
            if (reply == nullptr || reply->ref != ref) continue;
            Reply r = std::move(*reply);
            frames_.erase(it);
            if (!r.ok)
                return Error{ErrorKind::refused, r.code, r.message.empty() ? r.code : r.message};
            return r;
        }
        scanned = frames_.size();
        const auto left = left_until(deadline);
        if (left.count() == 0) {
            return Error{
                ErrorKind::timeout, {}, "no answer to " + request.verb + " from the server"};
        }
        if (auto r = wait_io(left); !r) return r.error();
    }
}

Result<core::LoginResult> Session::login(
    const LoginRequest& login, std::chrono::milliseconds timeout
) {
    Request req;
    if (login.register_account) {
        req = requests::register_account(login.user, login.password, login.join, login.version);
    } else if (!login.token.empty()) {
        req =
            requests::conn_token(login.user, login.token, login.channel, login.join, login.version);
    } else {
        req = requests::conn(login.user, login.password, login.channel, login.join, login.version);
    }
    auto reply = call(req, timeout);
    if (!reply) return reply.error();
    auto parsed = parse_login_result(*reply);
    if (!parsed) return Error{ErrorKind::protocol, {}, parsed.error().message};
    return *parsed;
}

void Session::end(std::chrono::milliseconds timeout) {
    if (!connection_.is_open()) return;
    // The OK or the close both mean the server has seen END; either way we are done.
    (void)call(requests::end(), timeout);
    connection_.close();
}

}  // namespace salon::client
