// The client's view of PROTOCOL.md v1: requests encoded to lines, lines decoded to typed
// replies and events. No sockets: bytes in, values out.
#pragma once

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.hpp"

namespace salon::client {

/// Why a frame or a reply body could not be understood. Never thrown by the decoders.
struct DecodeError {
    // Not constructible from a string, so that result<std::string, DecodeError> can tell a
    // value from an error: build one with because().
    DecodeError() = default;

    static DecodeError because(std::string why) {
        DecodeError e;
        e.message = std::move(why);
        return e;
    }

    std::string message;
};

/// Lets boost::system::result<T, DecodeError>::value() throw a std::runtime_error.
[[noreturn]] void throw_exception_from_error(
    const DecodeError& error, const boost::source_location& location
);

template <class T>
using DecodeResult = boost::system::result<T, DecodeError>;

// ---- requests -------------------------------------------------------------------------------

/// One request before it gets its `ref`: the verb and its argument object.
struct Request {
    std::string verb;
    boost::json::object args;
};

/// The line to write for `request`, `\n` included. `ref` is added when given.
std::string encode_request(const Request& request, std::optional<std::int64_t> ref = std::nullopt);

/// Builders for the verbs of PROTOCOL.md; they only shape arguments and never validate, so the
/// server's answer (`bad_name`, `bad_request`, ...) stays the single source of truth.
namespace requests {
/// Empty `user` logs in as a guest. `channel` empty means the server default (`home`).
Request conn(std::string_view user, std::string_view password, std::string_view channel = {});
Request register_account(std::string_view user, std::string_view password);
Request join(std::string_view channel, std::string_view key = {});
Request part(std::string_view channel);
Request send(std::string_view channel, std::string_view text);
Request dm(std::string_view to, std::string_view text);
Request list();
Request who(std::string_view channel);
/// `before` 0 means the newest page.
Request history(std::string_view channel, std::int64_t before = 0, int limit = 0);
Request ping();
Request pong();
Request end();
}  // namespace requests

// ---- values ---------------------------------------------------------------------------------

/// A channel message or a direct message, as in MSG/DM events and HISTORY pages.
struct ChatMessage {
    std::int64_t id = 0;
    std::string channel;  ///< empty for a direct message
    std::string from;
    std::string to;  ///< direct messages only
    std::string text;
    std::string ts;              ///< as sent, RFC 3339 UTC
    core::UnixMillis ts_ms = 0;  ///< `ts` parsed; 0 when the server sent something unparseable
};

/// One entry of a member list (JOIN OK, WHO OK).
struct Member {
    std::string user;
    bool guest = false;
    bool op = false;
};

/// One entry of LIST OK.
struct ChannelInfo {
    std::string name;
    std::int64_t members = 0;
    std::string topic;
};

// ---- frames ---------------------------------------------------------------------------------

/// `OK` or `NO`. `ref` is the echoed ref rendered as text (integers in decimal).
struct Reply {
    bool ok = false;
    std::optional<std::string> ref;
    std::string code;     ///< NO only: a PROTOCOL.md error code
    std::string message;  ///< NO only: for humans
    boost::json::object body;
};

struct MsgEvent {
    ChatMessage message;
};

struct DmEvent {
    ChatMessage message;
};

struct JoinEvent {
    std::string channel;
    std::string user;
};

/// A leave; `by` and `reason` are set when an operator kicked the user.
struct PartEvent {
    std::string channel;
    std::string user;
    std::string by;
    std::string reason;
};

struct QuitEvent {
    std::string user;
    std::string reason;
};

struct HistoryEvent {
    std::string channel;
    std::vector<ChatMessage> messages;  ///< oldest first
};

struct PingEvent {};

struct NoticeEvent {
    std::string code;
    std::string message;
};

/// The TOPIC extension event.
struct TopicEvent {
    std::string channel;
    std::string topic;
    std::string by;
};

/// A verb this client does not know; kept so newer servers do not break older clients.
struct UnknownEvent {};

using Payload = std::variant<
    Reply,
    MsgEvent,
    DmEvent,
    JoinEvent,
    PartEvent,
    QuitEvent,
    HistoryEvent,
    PingEvent,
    NoticeEvent,
    TopicEvent,
    UnknownEvent>;

/// A decoded frame: its verb, its raw arguments (for `--json` output) and the typed payload.
struct Frame {
    std::string verb;
    boost::json::object args;
    Payload payload;

    bool is_reply() const noexcept { return std::holds_alternative<Reply>(payload); }
};

/// Decodes one line (without its terminator). Unknown verbs decode to UnknownEvent; unknown
/// extra fields are ignored; a missing or mistyped known field is a DecodeError.
DecodeResult<Frame> decode_frame(std::string_view line);

// ---- typed reply bodies ---------------------------------------------------------------------

/// CONN/REGISTER OK.
struct LoginResult {
    std::string user;
    bool guest = false;
    std::string server_name;
    std::string server_version;
    std::int64_t max_text_bytes = 0;  ///< 0 when the server did not say
    std::int64_t history_page_max = 0;
};

/// JOIN OK.
struct JoinResult {
    std::string channel;
    std::string topic;
    std::vector<Member> members;
};

/// SEND/DM OK.
struct SendResult {
    std::int64_t id = 0;
    std::string ts;
};

/// WHO OK.
struct WhoResult {
    std::string channel;
    std::vector<Member> members;
};

/// HISTORY OK.
struct HistoryResult {
    std::string channel;
    std::vector<ChatMessage> messages;
    /// The page was cut short by the server's bound on a reply: older messages exist even
    /// though it holds fewer than the limit.
    bool more = false;
};

DecodeResult<LoginResult> parse_login_result(const Reply& reply);
DecodeResult<JoinResult> parse_join_result(const Reply& reply);
DecodeResult<SendResult> parse_send_result(const Reply& reply);
DecodeResult<WhoResult> parse_who_result(const Reply& reply);
DecodeResult<std::vector<ChannelInfo>> parse_list_result(const Reply& reply);
DecodeResult<HistoryResult> parse_history_result(const Reply& reply);

}  // namespace salon::client
