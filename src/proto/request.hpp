// Typed client requests: what every transport's decoder produces and the server executes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "core/message.hpp"

namespace salon::proto {

/// A request's correlation tag, echoed in its reply: absent, an integer or a short string.
using Ref = std::variant<std::monostate, std::int64_t, std::string>;

struct Conn {
    std::string us;
    std::string pwd;
    std::optional<std::string> channel;
};

struct Register {
    std::string us;
    std::string pwd;
};

struct Join {
    std::string channel;
    std::string key;
};

struct Part {
    std::string channel;
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

struct List {};

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
    Key>;

struct Request {
    Ref ref;
    Command command;
};

}  // namespace salon::proto
