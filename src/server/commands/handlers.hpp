// The handler of every verb, by area; verbs.cpp's table says which verb runs which, and what
// dispatch() has checked before it runs (login state, rate, names, text bounds).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

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
/// `rate_limited` for a password or token check the login throttle refuses.
core::Failure too_many_failed_logins(LoginThrottle::Refusal refusal);
/// Verifies the password on the hashers: true only for an existing account whose hash it
/// matches. An unknown name is checked against a decoy, so that it costs what a wrong password
/// does. `account` and `password` must outlive the call.
Waits<bool> password_matches(
    Context& ctx, const std::optional<store::Account>& account, const std::string& password
);
/// Checks `password` against the account `name` on the hashers; a wrong one (or an unknown name)
/// counts against the login throttle, whose refusal is `rate_limited`. The account when it
/// matches, else the failure to reply (`bad_credentials`; `no_such_user` when no account has
/// that name, after the same hashing work). `password` must outlive the call.
Waits<std::variant<core::Failure, store::Account>> check_password(
    Context& ctx, const core::UserName& name, const std::string& password, std::string_view action
);
/// Checks the logged-in user's own `password` before a change to their account (`action` names
/// it in the log); a wrong one counts against the login throttle. Nothing when it matches, else
/// the failure to reply. `password` must outlive the call.
Waits<std::optional<core::Failure>> confirm_own_password(
    Context& ctx, const std::string& password, std::string_view action
);
/// When a session token used or made at `now` expires (`token_ttl_days` later).
core::UnixMillis token_expiry(const Services& services, core::UnixMillis now);
/// Tells a connection its session was revoked (NOTICE session_revoked) and closes it.
void close_revoked(Participant& participant);
/// NOTICE account_locked, then the close: the administrator locked the account.
void close_locked(Participant& participant);
/// Takes the user offline on this connection (QUIT on their last one). Idempotent; also run
/// when the connection is lost.
void leave(
    Services& services,
    Participant& participant,
    ConnectionState& connection,
    std::string_view reason,
    std::string_view message = {}
);

// channels.cpp: joining, leaving and looking at channels.
Waits<Outcome> join(Context& ctx, const proto::Join& j);
Outcome part(Context& ctx, const proto::Part& p);
Waits<Outcome> joins(Context& ctx, const proto::Joins& j);
Waits<Outcome> parts(Context& ctx, const proto::Parts& p);
Waits<Outcome> kicks(Context& ctx, const proto::Kicks& k);
Waits<Outcome> names(Context& ctx, const proto::Names& n);
Waits<Outcome> list(Context& ctx, const proto::List& l);
Waits<Outcome> who(Context& ctx, const proto::Who& w);

// messages.cpp: channel messages.
Outcome send(Context& ctx, const proto::Send& s);

// changes.cpp: changes to stored messages.
Waits<Outcome> edit(Context& ctx, const proto::Edit& e);
Waits<Outcome> remove(Context& ctx, const proto::Delete& d);
Waits<Outcome> react(Context& ctx, const proto::React& r);

// history.cpp: reading back what conversations hold.
Waits<Outcome> history(Context& ctx, const proto::History& h);
Waits<Outcome> search(Context& ctx, const proto::Search& s);
/// IRC's CHATHISTORY: HISTORY's page, bounded by ids or times on either side, or around one.
Waits<Outcome> chathistory(Context& ctx, const proto::ChatHistory& c);

// conversations.cpp: the requester's conversations, read markers and typing.
/// A conversation a request names (channel or with), as the requester may read it.
struct ConversationRef {
    std::string conversation;  ///< as stored (core::channel_conversation / direct_conversation)
    std::string channel;       ///< canonical; empty for DMs
    std::string with;          ///< the DM partner's display name; empty for a channel
    core::UserKey partner_key;
    core::MessageId floor = 0;  ///< a channel's stored messages up to it are an earlier one's
    core::MessageId up_to = 0;  ///< a channel's newest delivered message
};

/// `channel`: one the requester is in now (`no_such_channel`, `not_in_channel`, `bad_name`).
/// Else `with`: the user online under that name, else the one of that name the requester last
/// exchanged DMs with, else the account (`no_such_user` when none).
Waits<std::variant<core::Failure, ConversationRef>> conversation_named(
    Context& ctx, const std::string& channel, const std::string& with
);
/// CONVERSATIONS lists, and SEARCH looks through, the DMs with this many partners at most: the
/// most recently active. It bounds both the reply and the reads behind it.
inline constexpr std::size_t kMaxDirectConversations = 500;
Waits<Outcome> read(Context& ctx, const proto::Read& r);
Waits<Outcome> conversations(Context& ctx, const proto::Conversations& c);
Waits<Outcome> history_targets(Context& ctx, const proto::HistoryTargets& t);
Outcome typing(Context& ctx, const proto::Typing& t);

// direct_messages.cpp: messages between two users, and those that waited for a login.
Waits<Outcome> dm(Context& ctx, const proto::Dm& d);
/// Hands over the direct messages that waited for the logged-in user, a page at a time under
/// backpressure; each page leaves the waiting list once it has been written.
Waits<void> deliver_pending_dms(Context& ctx);

// users.cpp: what is known of online users.
Outcome whois(Context& ctx, const proto::Whois& w);
Outcome away(Context& ctx, const proto::Away& a);
/// WHO with a mask answers with this many users at most.
inline constexpr std::size_t kMaxWhoMatches = 500;
Outcome who_mask(Context& ctx, const proto::WhoMask& w);
/// USERHOST answers for this many nicks at most (RFC 2812); the rest are ignored.
inline constexpr std::size_t kMaxUserhostNicks = 5;
Outcome userhost(Context& ctx, const proto::Userhost& u);
/// WHOWAS lists this many departures at most, whatever its count.
inline constexpr std::size_t kMaxWhowasReplies = 10;
Outcome whowas(Context& ctx, const proto::Whowas& w);
Outcome invisible(Context& ctx, const proto::Invisible& i);
/// RENAME: guests take any free name that is no account; registered users change its case.
Waits<Outcome> rename(Context& ctx, const proto::Rename& r);

// presence.cpp: MONITOR, SETNAME and bots.
/// One MONITOR names this many users at most (more than one IRC line can hold).
inline constexpr std::size_t kMaxMonitorNamesPerRequest = 256;
Outcome monitor(Context& ctx, const proto::Monitor& m);
Outcome realname(Context& ctx, const proto::Realname& r);
Outcome bot(Context& ctx, const proto::Bot& b);

// operators.cpp: server operators (administrators, and connections that OPERed).
Waits<Outcome> oper(Context& ctx, const proto::Oper& o);
Outcome kill(Context& ctx, const proto::Kill& k);
Outcome wallops(Context& ctx, const proto::Wallops& w);
Outcome lusers(Context& ctx, const proto::Lusers& l);

// tokens.cpp: session tokens and password changes, for registered users.
/// Tokens an account holds at most: making one more revokes the least recently used.
inline constexpr std::size_t kMaxTokensPerAccount = 50;
/// Longest TOKEN label, in bytes.
inline constexpr std::size_t kMaxTokenLabelBytes = 64;
Waits<Outcome> token(Context& ctx, const proto::Token& t);
Waits<Outcome> tokens(Context& ctx, const proto::Tokens& t);
Waits<Outcome> revoke(Context& ctx, const proto::Revoke& r);
Waits<Outcome> passwd(Context& ctx, const proto::Passwd& p);

// accounts.cpp: account deletion; a locked account's sessions.
/// Seconds between two looks at the locked accounts (salond user lock is another process).
inline constexpr std::chrono::seconds kAccountWatchInterval{2};
Waits<Outcome> delete_account(Context& ctx, const proto::DeleteAccount& d);
/// On a worker: closes the sessions of every locked account online, and of every registered
/// user online whose account is gone (`salond user del`, another process): the account watch.
void close_barred_sessions(Services& services);

// server_bans.cpp: server-wide bans (`salond user ban`).
/// When a server ban bars `name` from this connection's address: `server_banned` replied at
/// once and the connection closed (IRC: 465 and ERROR), so nothing stored is touched; the
/// outcome to return then. nullopt otherwise. In memory: costs no storage read.
std::optional<Outcome> refuse_server_banned(Context& ctx, const core::UserName& name);
/// On a worker, from the account watch: reads the bans and, when they changed (on this call
/// and the next, counted in `sweeps_left`), closes every connection online that one bars,
/// with `NOTICE server_banned`; its channels see the QUIT reason `K-Lined` or `D-Lined`.
void enforce_server_bans(Services& services, int& sweeps_left);

// moderation.cpp: channel operators and administrators.
Outcome topic(Context& ctx, const proto::Topic& t);
Outcome kick(Context& ctx, const proto::Kick& k);
Outcome ban(Context& ctx, const proto::Ban& b);
Outcome unban(Context& ctx, const proto::Unban& u);
Outcome op(Context& ctx, const proto::Op& o);
Outcome key(Context& ctx, const proto::Key& k);
Outcome mode(Context& ctx, const proto::Mode& m);
Outcome invite(Context& ctx, const proto::Invite& i);
/// The most channels INVITE's list names: a reply bounded whoever invited the user where.
inline constexpr std::size_t kMaxListedInvitations = 100;
Outcome invitations(Context& ctx, const proto::Invitations&);

}  // namespace salon::server::commands
