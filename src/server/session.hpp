// One client connection as the server sees it: its output, its login, and its requests.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "proto/codec.hpp"
#include "server/commands/context.hpp"
#include "server/link.hpp"
#include "server/participant.hpp"

namespace salon::server {

/// A connection, whatever the transport: the Participant the hub delivers to, plus the login
/// state and the request budget that commands::dispatch() checks and changes.
///
/// Thread safety: handle_*() run on the connection's thread, one at a time, and own the login
/// state. What the hub calls (Participant) may run on any thread.
class Session final : public Participant {
public:
    Session(
        commands::Services& services,
        LazyWakes& lazy_wakes,
        std::weak_ptr<Link> link,
        std::string remote_address,
        std::unique_ptr<proto::Codec> codec
    );

    /// Logged in (CONN, REGISTER or IRC registration done) and not yet quit.
    bool logged_in() const noexcept { return connection_.actor.has_value(); }

    /// Runs one frame (without its line ending) to completion, replies included.
    boost::asio::awaitable<void> handle_frame(std::string frame);
    /// The peer sent a frame past the limit: `NO line_too_long`, then the connection closes.
    void handle_oversized_frame();
    /// The peer has been quiet for a while: PING it.
    void handle_idle();
    /// The connection is gone: leave the hub (QUIT on the user's last connection). Idempotent.
    void handle_disconnect(std::string_view reason);

private:
    commands::Services& services_;
    commands::ConnectionState connection_;
    bool disconnected_ = false;
};

}  // namespace salon::server
