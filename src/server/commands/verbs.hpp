// Every verb the server runs, one declared row each: its handler and the checks dispatch()
// makes before the handler runs.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/errc.hpp"
#include "core/limits.hpp"
#include "server/commands/context.hpp"

namespace salon::server::commands {

/// When a verb may run.
enum class Login {
    required,  ///< only once logged in (`not_logged_in`)
    before,    ///< only before (`already_logged_in`): CONN, REGISTER, AUTHENTICATE
    any,       ///< in any state: PING, PONG, END
};

/// A text the client sends, bounded by a limit (`bad_request` with `too_long`) and checked as
/// UTF-8 (`bad_utf8`).
template <typename Command>
struct TextField {
    std::string Command::*member = nullptr;
    std::string_view too_long;  ///< the message past the limit, e.g. "the topic is longer…"
    bool may_be_empty = true;   ///< else `bad_request` "the text may not be empty"
    std::size_t core::Limits::*limit = &core::Limits::max_text_bytes;
};

/// A user named by the request, parsed into Context::user; an invalid name fails with `invalid`.
template <typename Command>
struct UserField {
    std::string Command::*member = nullptr;
    core::Errc invalid = core::Errc::bad_name;
};

/// One verb: what it needs, what it costs, and who handles it. Exactly one of `now` (a handler
/// that completes at once) and `waits` (a coroutine: blocking work, or room for a bulk reply)
/// is set.
template <typename Command>
struct Verb {
    std::string_view name;
    Login login = Login::required;
    /// Tokens taken from the connection's request bucket (`rate_limited` without them).
    double rate_cost = 1.0;
    /// A channel named by the request, made canonical into Context::channel (`bad_name`).
    std::string Command::*channel = nullptr;
    UserField<Command> user = {};
    TextField<Command> text = {};
    Outcome (*now)(Context&, const Command&) = nullptr;
    boost::asio::awaitable<Outcome> (*waits)(Context&, const Command&) = nullptr;
};

}  // namespace salon::server::commands
