// Runs a decoded request: the checks every verb shares, then its handler, then its reply.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string_view>
#include <variant>

#include "core/errc.hpp"
#include "core/names.hpp"
#include "server/commands/context.hpp"
#include "server/commands/verbs.hpp"

namespace salon::server::commands {

/// Runs `ctx.request` to completion, its reply included, checking in PROTOCOL.md's order what
/// its row in verbs.cpp declares: the login state, the rate, the channel and user names, the
/// text bounds. A connection that keeps hitting the rate limit is closed.
boost::asio::awaitable<void> dispatch(Context& ctx);

/// The same without the login and rate checks, for one part of a multi-target request that
/// was admitted as a whole (IRC's `JOIN #a,#b`).
boost::asio::awaitable<void> run_admitted(Context& ctx);

/// Takes one request's worth of tokens from the connection's bucket: false, with the
/// `rate_limited` reply queued, when there are none.
bool take_rate(Context& ctx, double cost);

/// The verb's name and login rule, as its row declares them.
std::string_view verb_name(const proto::Command& command);
Login login_rule(const proto::Command& command);

/// A channel name as a request gives it, made canonical; `bad_name` when it is not one.
std::variant<core::ChannelName, core::Failure> channel_named(std::string_view raw);

}  // namespace salon::server::commands
