// Encoding of requests and tolerant, typed decoding of server frames.
#include "client/codec.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <climits>
#include <stdexcept>

#include "client/timestamp.hpp"

namespace salon::client {

void throw_exception_from_error(const DecodeError& error, const boost::source_location&) {
    throw std::runtime_error(error.message);
}

namespace json = boost::json;

std::optional<std::int64_t> Reply::numeric_ref() const noexcept {
    if (!ref) return std::nullopt;
    std::int64_t value = 0;
    const char* end = ref->data() + ref->size();
    const auto [ptr, ec] = std::from_chars(ref->data(), end, value);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

std::string encode_request(const Request& request, std::optional<std::int64_t> ref) {
    json::object args = request.args;
    if (ref) args["ref"] = *ref;
    json::object frame;
    frame[request.verb] = std::move(args);
    std::string line = json::serialize(frame);
    line.push_back('\n');
    return line;
}

namespace requests {

namespace {

/// `channel` or `with`, the one member naming a conversation.
void add_conversation(json::object& args, const ConversationRef& conversation) {
    args[conversation.is_direct() ? "with" : "channel"] = conversation.name;
}

std::string_view typing_wire(core::TypingState state) {
    switch (state) {
        case core::TypingState::active:
            return "active";
        case core::TypingState::paused:
            return "paused";
        case core::TypingState::done:
            return "done";
    }
    return "done";
}

}  // namespace

Request conn(
    std::string_view user,
    std::string_view password,
    std::string_view channel,
    bool join,
    int version
) {
    Request r{"CONN", {{"us", user}, {"pwd", password}}};
    if (!channel.empty()) r.args["channel"] = channel;
    if (!join) r.args["join"] = false;
    if (version > 1) r.args["v"] = version;
    return r;
}

Request register_account(std::string_view user, std::string_view password, bool join, int version) {
    Request r{"REGISTER", {{"us", user}, {"pwd", password}}};
    if (!join) r.args["join"] = false;
    if (version > 1) r.args["v"] = version;
    return r;
}

Request conn_token(
    std::string_view user, std::string_view token, std::string_view channel, bool join, int version
) {
    Request r{"CONN", {{"us", user}, {"token", token}}};
    if (!channel.empty()) r.args["channel"] = channel;
    if (!join) r.args["join"] = false;
    if (version > 1) r.args["v"] = version;
    return r;
}

Request token(std::string_view label) {
    Request r{"TOKEN", {}};
    if (!label.empty()) r.args["label"] = label;
    return r;
}

Request tokens() {
    return {"TOKENS", {}};
}

Request revoke(std::int64_t id) {
    return {"REVOKE", {{"id", id}}};
}

Request passwd(std::string_view old_password, std::string_view new_password) {
    return {"PASSWD", {{"old", old_password}, {"new", new_password}}};
}

Request delete_account(std::string_view password) {
    return {"DELETE_ACCOUNT", {{"pwd", password}}};
}

Request join(std::string_view channel, std::string_view key) {
    Request r{"JOIN", {{"channel", channel}}};
    if (!key.empty()) r.args["key"] = key;
    return r;
}

Request part(std::string_view channel) {
    return {"PART", {{"channel", channel}}};
}

Request send(std::string_view channel, std::string_view text, std::int64_t reply_to) {
    Request r{"SEND", {{"channel", channel}, {"text", text}}};
    if (reply_to > 0) r.args["reply_to"] = reply_to;
    return r;
}

Request dm(std::string_view to, std::string_view text, std::int64_t reply_to) {
    Request r{"DM", {{"to", to}, {"text", text}}};
    if (reply_to > 0) r.args["reply_to"] = reply_to;
    return r;
}

Request list() {
    return {"LIST", {}};
}

Request who(std::string_view channel) {
    return {"WHO", {{"channel", channel}}};
}

Request history(std::string_view channel, std::int64_t before, int limit) {
    Request r{"HISTORY", {{"channel", channel}}};
    if (before > 0) r.args["before"] = before;
    if (limit > 0) r.args["limit"] = limit;
    return r;
}

Request history_before(const ConversationRef& conversation, std::int64_t before, int limit) {
    Request r{"HISTORY", {}};
    add_conversation(r.args, conversation);
    if (before > 0) r.args["before"] = before;
    if (limit > 0) r.args["limit"] = limit;
    return r;
}

Request history_after(const ConversationRef& conversation, std::int64_t after, int limit) {
    Request r{"HISTORY", {}};
    add_conversation(r.args, conversation);
    r.args["after"] = after;
    if (limit > 0) r.args["limit"] = limit;
    return r;
}

Request edit(std::int64_t id, std::string_view text) {
    return {"EDIT", {{"id", id}, {"text", text}}};
}

Request delete_message(std::int64_t id) {
    return {"DELETE", {{"id", id}}};
}

Request react(std::int64_t id, std::string_view emoji, bool on) {
    Request r{"REACT", {{"id", id}, {"emoji", emoji}}};
    if (!on) r.args["on"] = false;
    return r;
}

Request read(const ConversationRef& conversation, std::int64_t id) {
    Request r{"READ", {{"id", id}}};
    add_conversation(r.args, conversation);
    return r;
}

Request conversations() {
    return {"CONVERSATIONS", {}};
}

Request typing(const ConversationRef& conversation, core::TypingState state) {
    Request r{"TYPING", {{"state", typing_wire(state)}}};
    add_conversation(r.args, conversation);
    return r;
}

Request search(const SearchQuery& query) {
    Request r{"SEARCH", {{"query", query.text}}};
    if (query.in) add_conversation(r.args, *query.in);
    if (!query.from.empty()) r.args["from"] = query.from;
    if (query.before > 0) r.args["before"] = query.before;
    if (query.limit > 0) r.args["limit"] = query.limit;
    return r;
}

Request topic(std::string_view channel, std::string_view topic) {
    return {"TOPIC", {{"channel", channel}, {"topic", topic}}};
}

Request kick(std::string_view channel, std::string_view user, std::string_view reason) {
    Request r{"KICK", {{"channel", channel}, {"user", user}}};
    if (!reason.empty()) r.args["reason"] = reason;
    return r;
}

Request ban(std::string_view channel, std::string_view user) {
    return {"BAN", {{"channel", channel}, {"user", user}}};
}

Request unban(std::string_view channel, std::string_view user) {
    return {"UNBAN", {{"channel", channel}, {"user", user}}};
}

Request op(std::string_view channel, std::string_view user) {
    return {"OP", {{"channel", channel}, {"user", user}}};
}

Request key(std::string_view channel, std::string_view key) {
    return {"KEY", {{"channel", channel}, {"key", key}}};
}

Request ping() {
    return {"PING", {}};
}

Request pong() {
    return {"PONG", {}};
}

Request end() {
    return {"END", {}};
}

}  // namespace requests

namespace {

DecodeError field_error(std::string_view field, std::string_view what) {
    return DecodeError::because(std::string("field \"").append(field).append("\" ").append(what));
}

DecodeResult<std::string> get_string(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) return field_error(key, "is missing");
    if (!v->is_string()) return field_error(key, "is not a string");
    return std::string(v->get_string());
}

/// Optional string field: absent or null gives "", another type is an error.
DecodeResult<std::string> get_optional_string(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return std::string();
    if (!v->is_string()) return field_error(key, "is not a string");
    return std::string(v->get_string());
}

DecodeResult<std::int64_t> get_int(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) return field_error(key, "is missing");
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        return static_cast<std::int64_t>(v->get_uint64());
    }
    return field_error(key, "is not an integer");
}

DecodeResult<std::size_t> get_count(const json::object& o, std::string_view key) {
    auto v = get_int(o, key);
    if (!v) return v.error();
    if (*v < 0) return field_error(key, "is negative");
    return static_cast<std::size_t>(*v);
}

/// A `limits` entry: an absent or mistyped one is 0, so an older or newer server still logs in.
std::size_t lenient_count(const json::object& o, std::string_view key) {
    const auto count = get_count(o, key);
    return count ? *count : 0;
}

double lenient_number(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) return 0;
    boost::system::error_code ec;
    const auto number = v->to_number<double>(ec);
    return ec ? 0 : number;
}

DecodeResult<bool> get_optional_bool(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return false;
    if (!v->is_bool()) return field_error(key, "is not a boolean");
    return v->get_bool();
}

DecodeResult<const json::array*> get_array(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) return field_error(key, "is missing");
    if (!v->is_array()) return field_error(key, "is not an array");
    return &v->get_array();
}

// Copies a field into `out`, or returns the decode error from the enclosing function.
#define SALON_TRY_ASSIGN(out, expr)             \
    do {                                        \
        auto salon_r_ = (expr);                 \
        if (!salon_r_) return salon_r_.error(); \
        (out) = std::move(*salon_r_);           \
    } while (false)

/// An optional integer field: absent or null gives `fallback`, another type is an error.
DecodeResult<std::int64_t> get_optional_int(
    const json::object& o, std::string_view key, std::int64_t fallback
) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return fallback;
    return get_int(o, key);
}

/// An optional array of strings: absent or null gives none.
DecodeResult<std::vector<std::string>> get_optional_strings(
    const json::object& o, std::string_view key
) {
    std::vector<std::string> out;
    const auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return out;
    if (!v->is_array()) return field_error(key, "is not an array");
    out.reserve(v->get_array().size());
    for (const auto& item : v->get_array()) {
        if (!item.is_string()) return field_error(key, "holds a non-string");
        out.emplace_back(item.get_string());
    }
    return out;
}

DecodeResult<std::vector<core::Reaction>> decode_reactions(const json::object& o) {
    std::vector<core::Reaction> out;
    const auto* v = o.if_contains("reactions");
    if (v == nullptr || v->is_null()) return out;
    if (!v->is_array()) return field_error("reactions", "is not an array");
    out.reserve(v->get_array().size());
    for (const auto& item : v->get_array()) {
        if (!item.is_object()) return field_error("reactions", "holds a non-object");
        core::Reaction r;
        SALON_TRY_ASSIGN(r.emoji, get_string(item.get_object(), "emoji"));
        SALON_TRY_ASSIGN(r.users, get_optional_strings(item.get_object(), "users"));
        out.push_back(std::move(r));
    }
    return out;
}

/// A MSG, DM or UPDATE body, or one message of a HISTORY page. `direct` bodies need `to`; a
/// page entry without `channel` is taken as direct (DM history). The version 2 members are
/// optional, so a version 1 server's bodies decode too (their `rev` is their `id`).
DecodeResult<core::Message> decode_message(const json::object& o, bool direct) {
    core::Message m;
    std::string ts;
    std::string edited;
    SALON_TRY_ASSIGN(m.id, get_int(o, "id"));
    SALON_TRY_ASSIGN(m.from, get_string(o, "from"));
    SALON_TRY_ASSIGN(m.text, get_string(o, "text"));
    SALON_TRY_ASSIGN(ts, get_string(o, "ts"));
    if (direct) {
        SALON_TRY_ASSIGN(m.to, get_string(o, "to"));
    } else if (o.contains("channel")) {
        SALON_TRY_ASSIGN(m.channel, get_string(o, "channel"));
    } else {
        SALON_TRY_ASSIGN(m.to, get_optional_string(o, "to"));
    }
    m.ts_ms = parse_timestamp(ts).value_or(0);
    SALON_TRY_ASSIGN(m.rev, get_optional_int(o, "rev", m.id));
    SALON_TRY_ASSIGN(m.reply_to, get_optional_int(o, "reply_to", 0));
    SALON_TRY_ASSIGN(edited, get_optional_string(o, "edited"));
    if (!edited.empty()) m.edited_ms = parse_timestamp(edited).value_or(0);
    SALON_TRY_ASSIGN(m.deleted, get_optional_bool(o, "deleted"));
    SALON_TRY_ASSIGN(m.reactions, decode_reactions(o));
    SALON_TRY_ASSIGN(m.mentions, get_optional_strings(o, "mentions"));
    return m;
}

/// `channel`, or `with` for a direct conversation; one of them must be there.
DecodeResult<void> read_conversation(
    const json::object& o, std::string& channel, std::string& with
) {
    const bool direct = o.contains("with");
    auto value = get_string(o, direct ? "with" : "channel");
    if (!value) return value.error();
    (direct ? with : channel) = std::move(*value);
    return {};
}

std::optional<core::TypingState> typing_state(std::string_view wire) {
    if (wire == "active") return core::TypingState::active;
    if (wire == "paused") return core::TypingState::paused;
    if (wire == "done") return core::TypingState::done;
    return std::nullopt;
}

DecodeResult<std::vector<core::Message>> decode_messages(const json::object& o) {
    const json::array* arr = nullptr;
    SALON_TRY_ASSIGN(arr, get_array(o, "messages"));
    std::vector<core::Message> out;
    out.reserve(arr->size());
    for (const auto& v : *arr) {
        if (!v.is_object()) return field_error("messages", "holds a non-object");
        core::Message m;
        SALON_TRY_ASSIGN(m, decode_message(v.get_object(), false));
        out.push_back(std::move(m));
    }
    return out;
}

DecodeResult<std::vector<core::MemberInfo>> decode_members(const json::object& o) {
    const json::array* arr = nullptr;
    SALON_TRY_ASSIGN(arr, get_array(o, "members"));
    std::vector<core::MemberInfo> out;
    out.reserve(arr->size());
    for (const auto& v : *arr) {
        if (!v.is_object()) return field_error("members", "holds a non-object");
        const auto& mo = v.get_object();
        core::MemberInfo m;
        SALON_TRY_ASSIGN(m.user, get_string(mo, "user"));
        SALON_TRY_ASSIGN(m.guest, get_optional_bool(mo, "guest"));
        SALON_TRY_ASSIGN(m.op, get_optional_bool(mo, "op"));
        out.push_back(std::move(m));
    }
    return out;
}

DecodeResult<Payload> decode_reply(bool ok, const json::object& args) {
    Reply r;
    r.ok = ok;
    if (const auto* ref = args.if_contains("ref")) {
        if (ref->is_string()) {
            r.ref = std::string(ref->get_string());
        } else if (ref->is_int64()) {
            r.ref = std::to_string(ref->get_int64());
        } else if (ref->is_uint64()) {
            r.ref = std::to_string(ref->get_uint64());
        } else if (!ref->is_null()) {
            return field_error("ref", "is neither a string nor an integer");
        }
    }
    if (!ok) {
        SALON_TRY_ASSIGN(r.code, get_string(args, "code"));
        SALON_TRY_ASSIGN(r.message, get_optional_string(args, "message"));
    }
    r.body = args;
    r.body.erase("ref");
    return Payload{std::move(r)};
}

DecodeResult<Payload> decode_payload(std::string_view verb, const json::object& a) {
    if (verb == "OK") return decode_reply(true, a);
    if (verb == "NO") return decode_reply(false, a);
    if (verb == "MSG" || verb == "DM") {
        const bool direct = verb == "DM";
        if (!direct && !a.contains("channel")) return field_error("channel", "is missing");
        core::MessageEvent e;
        SALON_TRY_ASSIGN(e.message, decode_message(a, direct));
        return Payload{std::move(e)};
    }
    if (verb == "JOIN") {
        core::JoinEvent e;
        SALON_TRY_ASSIGN(e.channel, get_string(a, "channel"));
        SALON_TRY_ASSIGN(e.user, get_string(a, "user"));
        SALON_TRY_ASSIGN(e.op, get_optional_bool(a, "op"));
        return Payload{std::move(e)};
    }
    if (verb == "PART") {
        core::PartEvent e;
        SALON_TRY_ASSIGN(e.channel, get_string(a, "channel"));
        SALON_TRY_ASSIGN(e.user, get_string(a, "user"));
        SALON_TRY_ASSIGN(e.by, get_optional_string(a, "by"));
        SALON_TRY_ASSIGN(e.reason, get_optional_string(a, "reason"));
        return Payload{std::move(e)};
    }
    if (verb == "QUIT") {
        core::QuitEvent e;
        SALON_TRY_ASSIGN(e.user, get_string(a, "user"));
        SALON_TRY_ASSIGN(e.reason, get_optional_string(a, "reason"));
        return Payload{std::move(e)};
    }
    if (verb == "HISTORY") {
        core::HistoryEvent e;
        SALON_TRY_ASSIGN(e.channel, get_string(a, "channel"));
        SALON_TRY_ASSIGN(e.messages, decode_messages(a));
        SALON_TRY_ASSIGN(e.more, get_optional_bool(a, "more"));
        return Payload{std::move(e)};
    }
    if (verb == "RENAME") {
        core::RenameEvent e;
        SALON_TRY_ASSIGN(e.user, get_string(a, "user"));
        SALON_TRY_ASSIGN(e.to, get_string(a, "to"));
        return Payload{std::move(e)};
    }
    if (verb == "PING") return Payload{core::PingEvent{}};
    if (verb == "NOTICE") {
        core::NoticeEvent e;
        SALON_TRY_ASSIGN(e.code, get_string(a, "code"));
        SALON_TRY_ASSIGN(e.message, get_optional_string(a, "message"));
        return Payload{std::move(e)};
    }
    if (verb == "TOPIC") {
        core::TopicEvent e;
        SALON_TRY_ASSIGN(e.channel, get_string(a, "channel"));
        SALON_TRY_ASSIGN(e.topic, get_optional_string(a, "topic"));
        SALON_TRY_ASSIGN(e.by, get_optional_string(a, "by"));
        return Payload{std::move(e)};
    }
    if (verb == "UPDATE") {
        core::UpdateEvent e;
        SALON_TRY_ASSIGN(e.message, decode_message(a, !a.contains("channel")));
        return Payload{std::move(e)};
    }
    if (verb == "READ") {
        core::ReadEvent e;
        if (auto read = read_conversation(a, e.channel, e.with); !read) return read.error();
        SALON_TRY_ASSIGN(e.id, get_int(a, "id"));
        return Payload{std::move(e)};
    }
    if (verb == "TYPING") {
        core::TypingEvent e;
        std::string state;
        if (auto read = read_conversation(a, e.channel, e.with); !read) return read.error();
        SALON_TRY_ASSIGN(e.user, get_string(a, "user"));
        SALON_TRY_ASSIGN(state, get_string(a, "state"));
        const auto known = typing_state(state);
        if (!known) return field_error("state", "is not active, paused or done");
        e.state = *known;
        return Payload{std::move(e)};
    }
    return Payload{UnknownEvent{}};
}

}  // namespace

DecodeResult<Frame> decode_frame(std::string_view line) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec) return DecodeError::because("not JSON: " + ec.message());
    if (!v.is_object()) return DecodeError::because("frame is not a JSON object");
    auto& obj = v.get_object();
    if (obj.size() != 1) return DecodeError::because("frame must have exactly one member");
    auto& [key, value] = *obj.begin();
    if (!value.is_object())
        return DecodeError::because("arguments of " + std::string(key) + " are not an object");
    Frame f{std::string(key), std::move(value.get_object()), UnknownEvent{}};
    auto payload = decode_payload(f.verb, f.args);
    if (!payload) {
        return DecodeError::because(f.verb + ": " + payload.error().message);
    }
    f.payload = std::move(*payload);
    return f;
}

DecodeResult<core::LoginResult> parse_login_result(const Reply& reply) {
    core::LoginResult r;
    const auto& b = reply.body;
    SALON_TRY_ASSIGN(r.user, get_string(b, "user"));
    SALON_TRY_ASSIGN(r.guest, get_optional_bool(b, "guest"));
    if (const auto* s = b.if_contains("server"); s != nullptr && s->is_object()) {
        SALON_TRY_ASSIGN(r.server.name, get_optional_string(s->get_object(), "name"));
        SALON_TRY_ASSIGN(r.server.version, get_optional_string(s->get_object(), "version"));
    }
    if (const auto* l = b.if_contains("limits"); l != nullptr && l->is_object()) {
        const auto& lo = l->get_object();
        r.max_frame_bytes = lenient_count(lo, "max_frame_bytes");
        r.max_text_bytes = lenient_count(lo, "max_text_bytes");
        r.max_channels_per_user = lenient_count(lo, "max_channels_per_user");
        r.messages_per_second = lenient_number(lo, "messages_per_second");
        r.history_page_max = lenient_count(lo, "history_page_max");
    }
    const auto protocol = get_optional_int(b, "protocol", 1);
    r.protocol = protocol ? static_cast<int>(std::clamp<std::int64_t>(*protocol, 1, INT_MAX)) : 1;
    return r;
}

DecodeResult<core::JoinResult> parse_join_result(const Reply& reply) {
    core::JoinResult r;
    SALON_TRY_ASSIGN(r.channel, get_string(reply.body, "channel"));
    SALON_TRY_ASSIGN(r.topic, get_optional_string(reply.body, "topic"));
    SALON_TRY_ASSIGN(r.members, decode_members(reply.body));
    return r;
}

DecodeResult<core::PostResult> parse_post_result(const Reply& reply) {
    core::PostResult r;
    std::string ts;
    SALON_TRY_ASSIGN(r.id, get_int(reply.body, "id"));
    SALON_TRY_ASSIGN(ts, get_optional_string(reply.body, "ts"));
    r.ts_ms = parse_timestamp(ts).value_or(0);
    return r;
}

DecodeResult<core::WhoResult> parse_who_result(const Reply& reply) {
    core::WhoResult r;
    SALON_TRY_ASSIGN(r.channel, get_string(reply.body, "channel"));
    SALON_TRY_ASSIGN(r.members, decode_members(reply.body));
    return r;
}

DecodeResult<core::ListResult> parse_list_result(const Reply& reply) {
    core::ListResult r;
    const json::array* arr = nullptr;
    SALON_TRY_ASSIGN(arr, get_array(reply.body, "channels"));
    r.channels.reserve(arr->size());
    for (const auto& v : *arr) {
        if (!v.is_object()) return field_error("channels", "holds a non-object");
        const auto& o = v.get_object();
        core::ChannelSummary c;
        SALON_TRY_ASSIGN(c.name, get_string(o, "name"));
        SALON_TRY_ASSIGN(c.members, get_count(o, "members"));
        SALON_TRY_ASSIGN(c.topic, get_optional_string(o, "topic"));
        r.channels.push_back(std::move(c));
    }
    SALON_TRY_ASSIGN(r.more, get_optional_bool(reply.body, "more"));
    return r;
}

DecodeResult<core::HistoryResult> parse_history_result(const Reply& reply) {
    core::HistoryResult r;
    if (auto read = read_conversation(reply.body, r.channel, r.with); !read) return read.error();
    SALON_TRY_ASSIGN(r.messages, decode_messages(reply.body));
    SALON_TRY_ASSIGN(r.more, get_optional_bool(reply.body, "more"));
    return r;
}

DecodeResult<core::ChangeResult> parse_change_result(const Reply& reply) {
    core::ChangeResult r;
    SALON_TRY_ASSIGN(r.id, get_int(reply.body, "id"));
    SALON_TRY_ASSIGN(r.rev, get_int(reply.body, "rev"));
    return r;
}

DecodeResult<core::ConversationsResult> parse_conversations_result(const Reply& reply) {
    core::ConversationsResult r;
    const json::array* arr = nullptr;
    SALON_TRY_ASSIGN(arr, get_array(reply.body, "conversations"));
    r.conversations.reserve(arr->size());
    for (const auto& v : *arr) {
        if (!v.is_object()) return field_error("conversations", "holds a non-object");
        const auto& o = v.get_object();
        core::ConversationSummary c;
        std::string last_ts;
        if (auto read = read_conversation(o, c.channel, c.with); !read) return read.error();
        if (const auto* last = o.if_contains("last_id"); last != nullptr && !last->is_null()) {
            SALON_TRY_ASSIGN(c.last_id, get_int(o, "last_id"));
        }
        SALON_TRY_ASSIGN(last_ts, get_optional_string(o, "last_ts"));
        c.last_ts = parse_timestamp(last_ts).value_or(0);
        SALON_TRY_ASSIGN(c.read, get_optional_int(o, "read", 0));
        SALON_TRY_ASSIGN(c.unread, get_count(o, "unread"));
        SALON_TRY_ASSIGN(c.mentions, get_count(o, "mentions"));
        r.conversations.push_back(std::move(c));
    }
    return r;
}

DecodeResult<core::SearchResult> parse_search_result(const Reply& reply) {
    core::SearchResult r;
    SALON_TRY_ASSIGN(r.messages, decode_messages(reply.body));
    SALON_TRY_ASSIGN(r.more, get_optional_bool(reply.body, "more"));
    const std::int64_t oldest = r.messages.empty() ? 0 : r.messages.back().id;
    SALON_TRY_ASSIGN(r.next_before, get_optional_int(reply.body, "next_before", oldest));
    return r;
}

DecodeResult<core::TokenResult> parse_token_result(const Reply& reply) {
    core::TokenResult r;
    std::string expires;
    SALON_TRY_ASSIGN(r.id, get_int(reply.body, "id"));
    SALON_TRY_ASSIGN(r.token, get_string(reply.body, "token"));
    SALON_TRY_ASSIGN(expires, get_optional_string(reply.body, "expires"));
    r.expires_ms = parse_timestamp(expires).value_or(0);
    return r;
}

DecodeResult<core::TokensResult> parse_tokens_result(const Reply& reply) {
    core::TokensResult r;
    const json::array* list = nullptr;
    SALON_TRY_ASSIGN(list, get_array(reply.body, "tokens"));
    for (const auto& v : *list) {
        if (!v.is_object()) return DecodeError::because("a token is not an object");
        const auto& o = v.get_object();
        core::TokenInfo t;
        std::string created;
        std::string last_used;
        std::string expires;
        SALON_TRY_ASSIGN(t.id, get_int(o, "id"));
        SALON_TRY_ASSIGN(t.label, get_optional_string(o, "label"));
        SALON_TRY_ASSIGN(created, get_optional_string(o, "created"));
        SALON_TRY_ASSIGN(last_used, get_optional_string(o, "last_used"));
        SALON_TRY_ASSIGN(expires, get_optional_string(o, "expires"));
        SALON_TRY_ASSIGN(t.current, get_optional_bool(o, "current"));
        t.created_ms = parse_timestamp(created).value_or(0);
        if (!last_used.empty()) t.last_used_ms = parse_timestamp(last_used);
        t.expires_ms = parse_timestamp(expires).value_or(0);
        r.tokens.push_back(std::move(t));
    }
    return r;
}

#undef SALON_TRY_ASSIGN

}  // namespace salon::client
