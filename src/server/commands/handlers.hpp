// The handler of every verb, by area; verbs.cpp's table says which verb runs which, and what
// dispatch() has checked before it runs (login state, rate, names, text bounds).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string_view>

#include "proto/request.hpp"
#include "server/commands/context.hpp"

namespace salon::server::commands {

template <typename T>
using Waits = boost::asio::awaitable<T>;

// login.cpp: logging in and out.
Waits<Outcome> conn(Context& ctx, const proto::Conn& c);
Waits<Outcome> register_account(Context& ctx, const proto::Register& r);
Waits<Outcome> authenticate(Context& ctx, const proto::Authenticate& a);
Outcome ping(Context& ctx, const proto::Ping& p);
Outcome pong(Context& ctx, const proto::Pong& p);
Outcome end(Context& ctx, const proto::End& e);
/// The account registered under `name`, read on the workers.
Waits<std::optional<store::Account>> find_account(Context& ctx, const core::UserName& name);
/// Takes the user offline on this connection (QUIT on their last one). Idempotent; also run
/// when the connection is lost.
void leave(
    Services& services,
    Participant& participant,
    ConnectionState& connection,
    std::string_view reason
);

// channels.cpp: joining, leaving and looking at channels.
Waits<Outcome> join(Context& ctx, const proto::Join& j);
Outcome part(Context& ctx, const proto::Part& p);
Waits<Outcome> joins(Context& ctx, const proto::Joins& j);
Waits<Outcome> parts(Context& ctx, const proto::Parts& p);
Waits<Outcome> list(Context& ctx, const proto::List& l);
Waits<Outcome> who(Context& ctx, const proto::Who& w);
Waits<Outcome> history(Context& ctx, const proto::History& h);

// messages.cpp: channel messages.
Outcome send(Context& ctx, const proto::Send& s);

// direct_messages.cpp: messages between two users, and those that waited for a login.
Waits<Outcome> dm(Context& ctx, const proto::Dm& d);
/// Hands over the direct messages that waited for the logged-in user, a page at a time under
/// backpressure; each page leaves the waiting list once it has been written.
Waits<void> deliver_pending_dms(Context& ctx);

// users.cpp: what is known of online users.
Outcome whois(Context& ctx, const proto::Whois& w);
Outcome away(Context& ctx, const proto::Away& a);

// moderation.cpp: channel operators and administrators.
Outcome topic(Context& ctx, const proto::Topic& t);
Outcome kick(Context& ctx, const proto::Kick& k);
Outcome ban(Context& ctx, const proto::Ban& b);
Outcome unban(Context& ctx, const proto::Unban& u);
Outcome op(Context& ctx, const proto::Op& o);
Outcome key(Context& ctx, const proto::Key& k);

}  // namespace salon::server::commands
