// A logged-in conversation with a salond: numbered requests, replies matched by `ref`, events
// queued in arrival order, PING answered automatically. Usable blocking (scripts, tests) or
// driven from the caller's own poll() loop (the terminal client).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "client/codec.hpp"
#include "client/connection.hpp"
#include "client/error.hpp"
#include "client/framing.hpp"

namespace salon::client {

/// How to log in: empty `user` is a guest; `register_account` uses REGISTER instead of CONN.
struct LoginRequest {
    std::string user;
    std::string password;
    /// A session token of `user`: CONN {us, token} instead of the password (not with REGISTER).
    std::string token;
    std::string channel;  ///< CONN's channel; empty for the server default
    bool register_account = false;
    /// False: the login joins no channel (`"join": false`); `channel` must be empty.
    bool join = true;
    /// 2 logs in with `"v":2`: version 2 message bodies and UPDATE, READ and TYPING events.
    int version = 1;
};

/// Not thread-safe: one owner drives it, from one thread.
///
/// Contract for poll-driven use:
/// 1. Poll fd() for POLLIN, and for POLLOUT while wants_write().
/// 2. On POLLIN call on_readable(), on POLLOUT call on_writable(); an error means the
///    connection is finished and the Session must be discarded.
/// 3. Then drain pop_frame() until it returns nullopt.
class Session {
public:
    explicit Session(TcpConnection connection) : connection_(std::move(connection)) {}

    /// Connects (ErrorKind::network / timeout on failure).
    static Result<Session> open(const Endpoint& endpoint, std::chrono::milliseconds timeout);

    int fd() const noexcept { return connection_.fd(); }

    bool is_open() const noexcept { return connection_.is_open(); }

    bool wants_write() const noexcept { return connection_.wants_write(); }

    /// Queues `request` with a fresh integer ref (1, 2, ...) and returns that ref.
    std::int64_t send(const Request& request);

    Result<void> on_readable();
    Result<void> on_writable();

    /// The oldest decoded frame not yet taken.
    std::optional<Frame> pop_frame();

    /// Frames the client could not decode and skipped, and why the last one failed.
    std::size_t decode_failures() const noexcept { return decode_failures_; }

    const std::string& last_decode_error() const noexcept { return last_decode_error_; }

    // ---- blocking helpers -------------------------------------------------------------------

    /// Waits up to `timeout` for the next frame (flushing writes meanwhile); nullopt on timeout.
    Result<std::optional<Frame>> next(std::chrono::milliseconds timeout);

    /// Sends `request` and waits for its reply. Events that arrive meanwhile stay queued for
    /// pop_frame()/next(). NO becomes ErrorKind::refused with the server's code and message.
    Result<Reply> call(const Request& request, std::chrono::milliseconds timeout);

    /// CONN or REGISTER, then parses the OK.
    Result<core::LoginResult> login(const LoginRequest& login, std::chrono::milliseconds timeout);

    /// Sends END and waits (bounded) for the OK or the close, then closes.
    void end(std::chrono::milliseconds timeout);

    void close() noexcept { connection_.close(); }

private:
    Result<void> wait_io(std::chrono::milliseconds timeout);

    TcpConnection connection_;
    LineFramer framer_;
    std::deque<Frame> frames_;
    std::int64_t next_ref_ = 1;
    std::size_t decode_failures_ = 0;
    std::string last_decode_error_;
};

}  // namespace salon::client
