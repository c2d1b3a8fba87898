// What a command handler works with: the requester, the request, and the server's shared parts.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <variant>

#include "core/channel.hpp"
#include "core/clock.hpp"
#include "core/errc.hpp"
#include "core/events.hpp"
#include "core/names.hpp"
#include "core/rate_limiter.hpp"
#include "proto/request.hpp"
#include "server/blocking_work.hpp"
#include "server/hub.hpp"
#include "server/login_throttle.hpp"
#include "server/message_pipeline.hpp"
#include "server/participant.hpp"
#include "server/server_bans.hpp"
#include "server/settings.hpp"
#include "server/token_sessions.hpp"
#include "store/store.hpp"

namespace salon::server::commands {

/// The server's shared parts, as every handler may use them.
struct Services {
    const LiveSettings& live_settings;
    const core::Clock& clock;
    Hub& hub;
    MessagePipeline& pipeline;
    store::Store& store;
    BlockingWork& work;
    LoginThrottle& login_throttle;
    TokenSessions& token_sessions;
    ServerBans& server_bans;

    /// The settings now (a reload may replace them): for one use, not to keep.
    const ServerSettings& settings() const noexcept { return live_settings.current(); }
};

/// A connection's login and request budget, which commands read and change.
struct ConnectionState {
    std::optional<core::Actor> actor;  ///< who is logged in; none before login and after END
    core::TokenBucket requests;        ///< the connection's rate limit
    std::uint32_t strikes = 0;         ///< `rate_limited` answers in a row
    /// The session token this connection logged in with; none after a password login.
    std::optional<std::int64_t> token = std::nullopt;
};

using RequestPtr = std::shared_ptr<const proto::Request>;

/// The reply was queued already (under the hub's lock, or later, when a post commits).
struct Replied {};

/// No reply at all: PONG is an answer, not a request.
struct NoReply {};

struct Deferred;

using Outcome = std::variant<core::Result, core::Failure, Replied, NoReply, Deferred>;

/// A verb that usually completes at once but this time must wait (for storage, say) goes on
/// here: the common case costs no coroutine frame.
struct Deferred {
    boost::asio::awaitable<Outcome> rest;
};

/// One request on its way through its handler.
struct Context {
    Services& services;
    Participant& participant;
    ConnectionState& connection;
    RequestPtr request;
    /// The verb's channel and user fields, validated by dispatch() when its row declares them.
    std::optional<core::ChannelName> channel = std::nullopt;
    std::optional<core::UserName> user = std::nullopt;

    const core::Limits& limits() const noexcept { return services.settings().limits; }

    /// The logged-in user; only for verbs whose row requires a login.
    const core::Actor& actor() const noexcept { return *connection.actor; }

    /// The requester's OK for this request, for the hub to queue.
    Acknowledgement ack() const noexcept { return {&participant, request.get(), std::nullopt}; }

    ParticipantPtr requester() const { return participant.shared_from_this(); }

    /// Waits until the requester's queue has room for a reply the server builds from stored
    /// data (Limits::bulk_reply_bytes()); false when the connection is going away.
    boost::asio::awaitable<bool> room_for_bulk_reply() const {
        return participant.room_for(limits().bulk_reply_bytes());
    }
};

}  // namespace salon::server::commands
