// Typed client requests: what every transport's decoder produces and the server executes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/events.hpp"
#include "core/message.hpp"

namespace salon::proto {

/// A request's correlation tag, echoed in its reply: absent, an integer or a short string.
using Ref = std::variant<std::monostate, std::int64_t, std::string>;

/// Which login rules a CONN follows.
enum class ConnStyle {
    /// PROTOCOL.md: no name is a fresh guest, `Guest…` a named guest, any other name an account.
    native,
    /// IRC: a name that is not a registered account is a guest with that name, and a registered
    /// name needs its password (`name_taken` without one). No default channel is joined, and
    /// every join made for the login is replied to like a JOIN request, because IRC clients
    /// learn a channel's members from the join's reply.
    irc,
};

/// The protocol version a client speaks when it does not say (`"v"` absent).
inline constexpr int kDefaultProtocolVersion = 1;

struct Conn {
    std::string us;
    std::string pwd;
    /// A session token (from TOKEN) instead of `pwd`; never both.
    std::optional<std::string> token = std::nullopt;
    std::optional<std::string> channel;
    /// False: the login joins neither `channel` nor `home`, only the channels kept from before.
    bool join = true;
    ConnStyle style = ConnStyle::native;
    /// `"v"`: the protocol version the client speaks; 2 and above receive UPDATE, READ, TYPING.
    int version = kDefaultProtocolVersion;
    /// IRC's USER: what WHO and WHOIS show as the user name and real name (empty: the nick).
    std::string username = {};
    std::string realname = {};
};

/// Checks an account's password without logging in (IRC's SASL runs before registration ends).
struct Authenticate {
    std::string us;
    std::string pwd;
};

struct Register {
    std::string us;
    std::string pwd;
    int version = kDefaultProtocolVersion;  ///< as Conn::version
    /// False: the new account's login joins no channel.
    bool join = true;
};

struct Join {
    std::string channel;
    std::string key;
    bool read_marker = false;  ///< answer with the joiner's read marker (IRC's draft/read-marker)
};

struct Part {
    std::string channel;
    std::string reason = {};  ///< the leaver's words, shown to the members ("" for none)
};

/// Several joins in one request (IRC's `JOIN #a,#b`): each gets its own reply, in order.
struct Joins {
    std::vector<Join> joins;
};

/// Several parts in one request (IRC's `PART #a,#b`): each gets its own reply, in order.
struct Parts {
    std::vector<Part> parts;
};

/// What is known of an online user (IRC's WHOIS).
struct Whois {
    std::string user;
};

/// The online users whose name matches an IRC mask (`*` any run, `?` one character; case is
/// ignored), operators only when `operators`: IRC's `WHO mask`.
struct WhoMask {
    std::string mask;
    bool operators = false;
};

/// Hides the user from WHO masks of those who share no channel with them (IRC's user mode +i),
/// or shows them again.
struct Invisible {
    bool on = true;
};

/// Who recently went offline under a name, newest first (IRC's WHOWAS); `count` <= 0: as many
/// as the server keeps.
struct Whowas {
    std::string user;
    int count = 0;
};

/// What IRC's USERHOST tells of up to five nicks: the online ones, with away and operator.
struct Userhost {
    std::vector<std::string> users;
};

/// Marks the user away with a message, or back when it is empty (IRC's AWAY).
struct Away {
    std::string message;
};

struct Send {
    std::string channel;
    std::string text;
    /// The original classroom form names its sender; it must be the logged-in user.
    std::optional<std::string> claimed_user;
    core::MessageId reply_to = 0;  ///< the message answered; 0 for none (decoded positive)
    bool notice = false;           ///< sent as a notice (IRC's NOTICE)
    /// A reply_to that is no message of the conversation is dropped rather than refused: IRC
    /// clients tag replies to messages this server may never have seen.
    bool lenient_reply = false;
};

struct Dm {
    std::string to;
    std::string text;
    core::MessageId reply_to = 0;  ///< as Send::reply_to
    bool notice = false;           ///< as Send::notice
    bool lenient_reply = false;    ///< as Send::lenient_reply
};

struct List {
    /// The page after this channel name (names are ordered); the first page when absent.
    std::optional<std::string> after;
    /// Every page, each as a reply of its own (IRC's LIST, whose end is a numeric of its own);
    /// otherwise the one page asked for.
    bool all_pages = false;
};

struct Who {
    std::string channel;
};

/// The page before `before` (or the newest), or with `after` the messages whose rev is above it.
/// Decoded with exactly one of `channel` and `with` given, and at most one of `before` and
/// `after`. `with` is empty for a channel's history; a given but empty `channel` stays empty for
/// the server to refuse as a name.
struct History {
    std::string channel;
    std::string with;  ///< the DM partner
    std::optional<core::MessageId> before;
    std::optional<core::MessageId> after;
    std::optional<std::size_t> limit;  ///< decoded >= 1; the page maximum is the server's
};

struct Ping {};

struct Pong {};

struct End {
    std::string reason = {};  ///< the leaver's words, in the QUIT the channels see ("" for none)
};

struct Topic {
    std::string channel;
    std::string topic;
};

struct Kick {
    std::string channel;
    std::string user;
    std::string reason;
};

struct Ban {
    std::string channel;
    std::string user;
};

struct Unban {
    std::string channel;
    std::string user;
};

struct Op {
    std::string channel;
    std::string user;
};

struct Key {
    std::string channel;
    std::string key;
};

/// A channel's modes: without `modes` a query, else the changes (`+mi-t+l`) with their
/// arguments in order (core::parse_mode_changes).
struct Mode {
    std::string channel;
    std::optional<std::string> modes;
    std::vector<std::string> args;
};

/// Invites an online user to a channel: they may join it past invite-only and the limit.
struct Invite {
    std::string channel;
    std::string user;
};

/// The channels the user is invited to and has not joined (IRC's INVITE without parameters).
struct Invitations {};

/// Replaces a message's text (its author only).
struct Edit {
    core::MessageId id = 0;
    std::string text;
};

/// `channel` or `with`, when given, is the conversation the message must be in (IRC's REDACT
/// names it); `reason` goes to those told of the delete, and is not stored.
struct Delete {
    core::MessageId id = 0;
    std::string channel = {};
    std::string with = {};
    std::string reason = {};
};

/// Adds (`on`) or removes the user's `emoji` on a message. The emoji's own rules
/// (core::is_valid_emoji) are the server's to check, like any bounded text.
struct React {
    core::MessageId id = 0;
    std::string emoji;
    bool on = true;
    /// IRC's TAGMSG: its target (`channel` or `with`) and its client-only tags as sent. A
    /// reaction naming no message of that conversation is relayed as these tags (a TagsEvent)
    /// instead of refused: IRC clients react to messages this server may never have seen.
    std::string channel = {};
    std::string with = {};
    std::vector<std::pair<std::string, std::string>> tags = {};
};

/// Moves the user's read marker in a conversation: exactly one of `channel` and `with`. IRC's
/// MARKREAD moves it by time (`ts_ms`), or, with neither an id nor a time, asks where it is.
struct Read {
    std::string channel;
    std::string with;
    core::MessageId id = 0;
    std::optional<core::UnixMillis> ts_ms = {};
};

struct Conversations {};

/// Tells the conversation's other members that the user types: exactly one of `channel` and
/// `with`.
struct Typing {
    std::string channel;
    std::string with;
    core::TypingState state = core::TypingState::active;
};

/// A substring search of message texts, newest first; at most one of `channel` and `with`
/// (neither: every conversation the user may read). The query's length and the limit's maximum
/// are the server's to check.
struct Search {
    std::string query;
    std::string channel;
    std::string with;
    std::string from;  ///< only messages by this user; empty for anyone
    std::optional<core::MessageId> before;
    std::optional<std::size_t> limit;  ///< decoded >= 1
};

/// A new session token for the logged-in account, with the client's label for it.
struct Token {
    std::string label;
};

/// The account's session tokens.
struct Tokens {};

/// Revokes one of the account's session tokens.
struct Revoke {
    std::int64_t id = 0;
};

/// Changes the account's password; every other session token is revoked.
struct Passwd {
    std::string old_password;
    std::string new_password;
};

/// Deletes the logged-in account, after checking its password.
struct DeleteAccount {
    std::string password;
};

/// Makes the connection an operator (IRC's OPER): `name` must be an administrator's account and
/// `password` its password. The connection need not be logged in as that account.
struct Oper {
    std::string name;
    std::string password;
};

/// Disconnects every connection of an online user (administrators and operators only).
struct Kill {
    std::string user;
    std::string reason;
};

/// A message to every user who wants operator messages (administrators and operators only).
struct Wallops {
    std::string text;
};

/// IRC's MONITOR: the connection's list of users whose coming online and going offline it is
/// told (core::PresenceEvent), at most core::kMaxMonitoredUsers; it ends with the connection.
struct Monitor {
    enum class Op {
        add,     ///< adds `users` and answers with their state now
        remove,  ///< removes `users`
        clear,   ///< empties the list
        list,    ///< answers with the list
        status,  ///< answers with the state of everyone on the list
    };

    Op op = Op::list;
    std::vector<std::string> users = {};
};

/// Changes the user's real name (IRC's SETNAME; WHO and WHOIS show it).
struct Realname {
    std::string realname;
};

/// Marks the user a bot, or no longer one (IRC's user mode +B; native BOT).
struct Bot {
    bool on = true;
};

/// How many users, operators and channels the server has (IRC's LUSERS).
struct Lusers {};

/// Several kicks in one request (IRC's `KICK #c a,b`): each gets its own reply, in order.
struct Kicks {
    std::vector<Kick> kicks;
};

/// Several channels' members in one request (IRC's `NAMES #a,#b`): each gets its own reply.
struct Names {
    std::vector<Who> channels;
};

/// A new name for the login (IRC's NICK after registration): a guest may take any free name
/// that is no account; a registered user may change the case of theirs only.
struct Rename {
    std::string to;
};

/// IRC's CHATHISTORY: a page of a conversation's history, exactly one of `channel` and `with`.
/// The bounds are left out of the page; `from` is none for LATEST `*` only, `to` is BETWEEN's.
struct ChatHistory {
    enum class Kind { latest, before, after, around, between };
    Kind kind = Kind::latest;
    std::string channel = {};
    std::string with = {};
    std::optional<core::HistoryBound> from = std::nullopt;
    std::optional<core::HistoryBound> to = std::nullopt;
    std::size_t limit = 1;  ///< decoded >= 1; the page maximum is the server's
};

/// IRC's CHATHISTORY TARGETS: the user's conversations whose last message is strictly between
/// two times, oldest first.
struct HistoryTargets {
    core::UnixMillis after = 0;
    core::UnixMillis before = 0;
    std::size_t limit = 1;
};

using Command = std::variant<
    Conn,
    Register,
    Join,
    Part,
    Send,
    Dm,
    List,
    Who,
    History,
    Ping,
    Pong,
    End,
    Topic,
    Kick,
    Ban,
    Unban,
    Op,
    Key,
    Authenticate,
    Joins,
    Parts,
    Whois,
    Away,
    Edit,
    Delete,
    React,
    Read,
    Conversations,
    Typing,
    Search,
    Token,
    Tokens,
    Revoke,
    Passwd,
    DeleteAccount,
    Oper,
    Kill,
    Wallops,
    Lusers,
    WhoMask,
    Userhost,
    Whowas,
    Invisible,
    Mode,
    Invite,
    Invitations,
    Kicks,
    Names,
    Monitor,
    Realname,
    Bot,
    Rename,
    ChatHistory,
    HistoryTargets>;

struct Request {
    Ref ref;
    Command command;
};

}  // namespace salon::proto
