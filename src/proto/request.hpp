// Typed client requests: what every transport's decoder produces and the server executes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

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

struct Conn {
    std::string us;
    std::string pwd;
    std::optional<std::string> channel;
    /// False: the login joins neither `channel` nor `home`, only the channels kept from before.
    bool join = true;
    ConnStyle style = ConnStyle::native;
};

/// Checks an account's password without logging in (IRC's SASL runs before registration ends).
struct Authenticate {
    std::string us;
    std::string pwd;
};

struct Register {
    std::string us;
    std::string pwd;
    /// False: the new account's login joins no channel.
    bool join = true;
};

struct Join {
    std::string channel;
    std::string key;
};

struct Part {
    std::string channel;
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

/// Marks the user away with a message, or back when it is empty (IRC's AWAY).
struct Away {
    std::string message;
};

struct Send {
    std::string channel;
    std::string text;
    /// The original classroom form names its sender; it must be the logged-in user.
    std::optional<std::string> claimed_user;
};

struct Dm {
    std::string to;
    std::string text;
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

struct History {
    std::string channel;
    std::optional<core::MessageId> before;
    std::optional<std::size_t> limit;
};

struct Ping {};

struct Pong {};

struct End {};

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
    Away>;

struct Request {
    Ref ref;
    Command command;
};

}  // namespace salon::proto
