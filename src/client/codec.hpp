// The client's view of PROTOCOL.md (version 1 and the version 2 additions): requests encoded to
// lines, lines decoded to replies and to `core`'s event and result types, the same ones the server
// encodes from. No sockets: bytes in, values out.
#pragma once

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/events.hpp"

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

/// A version 2 conversation: a channel, or the direct messages with one user.
struct ConversationRef {
    enum class Kind { channel, direct };
    Kind kind = Kind::channel;
    std::string name;  ///< the channel, or the DM partner

    static ConversationRef channel(std::string_view name) {
        return {Kind::channel, std::string(name)};
    }

    static ConversationRef direct(std::string_view with) {
        return {Kind::direct, std::string(with)};
    }

    bool is_direct() const noexcept { return kind == Kind::direct; }
};

/// Builders for the verbs of PROTOCOL.md; they only shape arguments and never validate, so the
/// server's answer (`bad_name`, `bad_request`, ...) stays the single source of truth.
namespace requests {
/// Empty `user` logs in as a guest. `channel` empty means the server default (`home`).
/// `join` false: the login joins no channel (then `channel` must be empty). `version` 2 asks
/// for the conversation model's events (UPDATE, READ, TYPING); 1 leaves `v` out.
Request conn(
    std::string_view user,
    std::string_view password,
    std::string_view channel = {},
    bool join = true,
    int version = 1
);
Request register_account(
    std::string_view user, std::string_view password, bool join = true, int version = 1
);
/// CONN with a session token instead of a password (docs/protocol.md, session tokens).
Request conn_token(
    std::string_view user,
    std::string_view token,
    std::string_view channel = {},
    bool join = true,
    int version = 1
);
/// TOKEN: a new session token for this account; an empty `label` is left out.
Request token(std::string_view label = {});
/// TOKENS: the account's live tokens, without their secrets.
Request tokens();
/// REVOKE: ends the token `id` and closes the connections that logged in with it.
Request revoke(std::int64_t id);
/// PASSWD: changes the password; revokes every other token of the account.
Request passwd(std::string_view old_password, std::string_view new_password);
/// DELETE_ACCOUNT: removes the logged-in account once its password is confirmed.
Request delete_account(std::string_view password);
Request join(std::string_view channel, std::string_view key = {});
Request part(std::string_view channel);
/// `reply_to` 0 answers nothing.
Request send(std::string_view channel, std::string_view text, std::int64_t reply_to = 0);
Request dm(std::string_view to, std::string_view text, std::int64_t reply_to = 0);
Request list();
Request who(std::string_view channel);
/// `before` 0 means the newest page.
Request history(std::string_view channel, std::int64_t before = 0, int limit = 0);
/// A page of a channel's or a DM's history: the one before `before` (0: the newest).
Request history_before(const ConversationRef& conversation, std::int64_t before, int limit = 0);
/// The changes with `rev` greater than `after`, oldest first: the resume after a disconnect.
Request history_after(const ConversationRef& conversation, std::int64_t after, int limit = 0);
Request edit(std::int64_t id, std::string_view text);
Request delete_message(std::int64_t id);
Request react(std::int64_t id, std::string_view emoji, bool on = true);
Request read(const ConversationRef& conversation, std::int64_t id);
Request conversations();
Request typing(const ConversationRef& conversation, core::TypingState state);

struct SearchQuery {
    std::string text;
    std::optional<ConversationRef> in{};  ///< every conversation of the caller when empty
    std::string from{};                   ///< any author when empty
    std::int64_t before = 0;              ///< 0: from the newest
    int limit = 0;                        ///< 0: the server's default
};

Request search(const SearchQuery& query);
Request topic(std::string_view channel, std::string_view topic);
Request kick(std::string_view channel, std::string_view user, std::string_view reason = {});
Request ban(std::string_view channel, std::string_view user);
Request unban(std::string_view channel, std::string_view user);
Request op(std::string_view channel, std::string_view user);
/// An empty `key` removes the channel's key.
Request key(std::string_view channel, std::string_view key);
Request ping();
Request pong();
Request end();
}  // namespace requests

// ---- frames ---------------------------------------------------------------------------------

/// `OK` or `NO`. `ref` is the echoed ref rendered as text (integers in decimal).
struct Reply {
    bool ok = false;
    std::optional<std::string> ref;
    std::string code;     ///< NO only: a PROTOCOL.md error code
    std::string message;  ///< NO only: for humans
    boost::json::object body;

    /// The ref as an integer, as Session and the GUI number their requests; nullopt when
    /// there is none or it is not a decimal integer.
    std::optional<std::int64_t> numeric_ref() const noexcept;
};

/// A verb this client does not know; kept so newer servers do not break older clients.
struct UnknownEvent {};

/// What a frame says: a reply, one of `core`'s events (MSG and DM both decode to
/// core::MessageEvent, told apart by Message::is_direct()), or a verb this client does not know.
/// UPDATE, READ, TYPING and RENAME come only to a connection that logged in with `"v":2`.
using Payload = std::variant<
    Reply,
    core::MessageEvent,
    core::JoinEvent,
    core::PartEvent,
    core::QuitEvent,
    core::HistoryEvent,
    core::TopicEvent,
    core::PingEvent,
    core::NoticeEvent,
    core::UpdateEvent,
    core::ReadEvent,
    core::TypingEvent,
    core::RenameEvent,
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

/// The OK bodies as `core`'s result types. Fields the server may leave out (`topic`, `limits`,
/// `more`) take their defaults; a missing or mistyped required field is a DecodeError.

/// CONN/REGISTER OK; a `limits` field that is absent or not a count stays 0, and `protocol` is 1
/// when the server does not say (a version 1 server).
DecodeResult<core::LoginResult> parse_login_result(const Reply& reply);
/// JOIN OK.
DecodeResult<core::JoinResult> parse_join_result(const Reply& reply);
/// SEND/DM OK; `ts_ms` is 0 when the server's `ts` is missing or unparseable.
DecodeResult<core::PostResult> parse_post_result(const Reply& reply);
/// WHO OK.
DecodeResult<core::WhoResult> parse_who_result(const Reply& reply);
/// LIST OK, channels in the server's order.
DecodeResult<core::ListResult> parse_list_result(const Reply& reply);
/// HISTORY OK, of a channel (`channel`) or of the DMs with one user (`with`); `more` when the
/// server cut the page short to bound the reply, so older messages exist even though it holds
/// fewer than the limit (for `after`: later changes exist).
DecodeResult<core::HistoryResult> parse_history_result(const Reply& reply);
/// EDIT, DELETE and REACT OK.
DecodeResult<core::ChangeResult> parse_change_result(const Reply& reply);
/// CONVERSATIONS OK, in the server's order (newest activity first).
DecodeResult<core::ConversationsResult> parse_conversations_result(const Reply& reply);
/// SEARCH OK, newest first; `next_before` falls back to the oldest id of the page.
DecodeResult<core::SearchResult> parse_search_result(const Reply& reply);
/// TOKEN OK: the id, the secret (shown this once) and the expiry (0 when unparseable).
DecodeResult<core::TokenResult> parse_token_result(const Reply& reply);
/// TOKENS OK, in the server's order (most recently used first).
DecodeResult<core::TokensResult> parse_tokens_result(const Reply& reply);

}  // namespace salon::client
