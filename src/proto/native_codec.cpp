#include "proto/native_codec.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <utility>

#include "core/channel.hpp"
#include "core/names.hpp"
#include "core/utf8.hpp"

namespace salon::proto {
namespace json = boost::json;

namespace {

/// A ban or exception mask as native clients see it: a mask naming one user (`rob!*@*`, what a
/// native BAN of `rob` stores) as that name, as before masks; any other as the mask.
std::string native_mask(const std::string& mask) {
    const auto parsed = core::UserMask::parse(mask);
    if (parsed) {
        if (const auto name = parsed->single_user()) return std::string(*name);
    }
    return mask;
}

json::array native_masks(const std::vector<std::string>& masks) {
    json::array out;
    for (const auto& mask : masks) out.emplace_back(native_mask(mask));
    return out;
}

constexpr std::size_t kMaxRefChars = 64;  // PROTOCOL.md: ref is a string of at most 64 chars

/// Reads the fields of one verb's argument object, remembering the first problem so that a
/// decoder reads like a declaration of its fields.
class Fields {
public:
    explicit Fields(const json::object& args) : args_(args) {}

    std::string required_string(std::string_view name) {
        if (const auto* v = args_.if_contains(name)) {
            if (v->is_string()) return std::string(v->get_string());
            fail(name, "must be a string");
        } else {
            fail(name, "is required");
        }
        return {};
    }

    std::optional<std::string> optional_string(std::string_view name) {
        const auto* v = args_.if_contains(name);
        if (v == nullptr || v->is_null()) return std::nullopt;
        if (v->is_string()) return std::string(v->get_string());
        fail(name, "must be a string");
        return std::nullopt;
    }

    std::optional<bool> optional_bool(std::string_view name) {
        const auto* v = args_.if_contains(name);
        if (v == nullptr || v->is_null()) return std::nullopt;
        if (v->is_bool()) return v->get_bool();
        fail(name, "must be true or false");
        return std::nullopt;
    }

    std::optional<std::int64_t> optional_int(std::string_view name) {
        const auto* v = args_.if_contains(name);
        if (v == nullptr || v->is_null()) return std::nullopt;
        if (v->is_int64()) return v->get_int64();
        if (v->is_uint64() && v->get_uint64() <= std::numeric_limits<std::int64_t>::max()) {
            return static_cast<std::int64_t>(v->get_uint64());
        }
        fail(name, "must be an integer");
        return std::nullopt;
    }

    /// An array of strings; empty when absent.
    std::vector<std::string> optional_strings(std::string_view name) {
        std::vector<std::string> out;
        const auto* v = args_.if_contains(name);
        if (v == nullptr || v->is_null()) return out;
        if (!v->is_array()) {
            fail(name, "must be an array of strings");
            return out;
        }
        for (const auto& item : v->get_array()) {
            if (!item.is_string()) {
                fail(name, "must be an array of strings");
                return {};
            }
            out.emplace_back(item.get_string());
        }
        return out;
    }

    core::MessageId required_int(std::string_view name) {
        if (!present(name)) {
            fail(name, "is required");
            return 0;
        }
        return optional_int(name).value_or(0);
    }

    /// A count of at least 1 (`limit`); the upper bound is the server's.
    std::optional<std::size_t> optional_positive(std::string_view name) {
        const auto value = optional_int(name);
        if (!value) return std::nullopt;
        if (*value < 1) {
            fail(name, "must be at least 1");
            return std::nullopt;
        }
        return static_cast<std::size_t>(*value);
    }

    /// `"v"`: the protocol version, an integer of at least 1 (1 when absent).
    int version() {
        const auto value = optional_int("v");
        if (!value) return kDefaultProtocolVersion;
        if (*value < 1) {
            fail("v", "must be a protocol version of at least 1");
            return kDefaultProtocolVersion;
        }
        // A version past any int is still "newer than 2": no need to refuse it.
        return static_cast<int>(std::min<std::int64_t>(*value, std::numeric_limits<int>::max()));
    }

    /// A message id answered by SEND or DM: a positive integer, 0 when absent.
    core::MessageId reply_to() {
        const auto value = optional_int("reply_to");
        if (value && *value < 1) fail("reply_to", "must be a message id");
        return value.value_or(0);
    }

    /// Reads the conversation a verb names into `channel` or `with`: exactly one of them when
    /// `required` (PROTOCOL.md: `bad_request` otherwise), else at most one.
    void conversation(std::string& channel, std::string& with, bool required) {
        const bool has_channel = present("channel");
        const bool has_with = present("with");
        if (has_channel && has_with) {
            reject("give one of 'channel' and 'with', not both");
        } else if (required && !has_channel && !has_with) {
            reject("field 'channel' or 'with' is required");
        }
        if (has_channel) channel = required_string("channel");
        if (has_with) with = required_string("with");
    }

    /// A rule about the fields together; like a field's error, only the first one counts.
    void reject(std::string_view message) {
        if (error_.empty()) error_ = message;
    }

    const std::string& error() const { return error_; }

private:
    bool present(std::string_view name) const {
        const auto* v = args_.if_contains(name);
        return v != nullptr && !v->is_null();
    }

    void fail(std::string_view name, std::string_view what) {
        if (error_.empty()) error_ = "field '" + std::string(name) + "' " + std::string(what);
    }

    const json::object& args_;
    std::string error_;
};

constexpr std::array<std::pair<std::string_view, core::TypingState>, 3> kTypingStates{{
    {"active", core::TypingState::active},
    {"paused", core::TypingState::paused},
    {"done", core::TypingState::done},
}};

std::optional<core::TypingState> typing_state(std::string_view wire) {
    for (const auto& [name, state] : kTypingStates) {
        if (name == wire) return state;
    }
    return std::nullopt;
}

std::string_view wire_name(core::TypingState state) {
    for (const auto& [name, known] : kTypingStates) {
        if (known == state) return name;
    }
    return "done";
}

using Decoder = Command (*)(Fields&, const json::object&);

struct VerbEntry {
    std::string_view verb;
    bool before_login;  ///< PROTOCOL.md: only CONN, REGISTER, PING and END before login
    Decoder decode;
};

// The verb table: each verb's decoder declares its fields. Errors, of a field or of fields
// together, are read from Fields afterwards.
constexpr std::array kVerbs{
    VerbEntry{
        "CONN",
        true,
        [](Fields& f, const json::object&) -> Command {
            Conn c;
            c.us = f.optional_string("us").value_or("");
            const auto pwd = f.optional_string("pwd");
            c.pwd = pwd.value_or("");
            c.token = f.optional_string("token");
            if (pwd && c.token) f.reject("give one of 'pwd' and 'token', not both");
            c.channel = f.optional_string("channel");
            c.version = f.version();
            c.join = f.optional_bool("join").value_or(true);
            return c;
        }},
    VerbEntry{
        "REGISTER",
        true,
        [](Fields& f, const json::object&) -> Command {
            Register r;
            r.us = f.required_string("us");
            r.pwd = f.required_string("pwd");
            r.version = f.version();
            r.join = f.optional_bool("join").value_or(true);
            return r;
        }},
    VerbEntry{
        "JOIN",
        false,
        [](Fields& f, const json::object&) -> Command {
            auto channel = f.required_string("channel");
            return Join{std::move(channel), f.optional_string("key").value_or("")};
        }},
    VerbEntry{
        "PART",
        false,
        [](Fields& f, const json::object&) -> Command {
            auto channel = f.required_string("channel");
            return Part{std::move(channel), f.optional_string("reason").value_or("")};
        }},
    VerbEntry{
        "SEND",
        false,
        [](Fields& f, const json::object& args) -> Command {
            // The classroom chat's form: {"SEND":{"USER":…,"CHANNEL":…,"PAYLOAD":…}}.
            if (args.contains("PAYLOAD") || args.contains("CHANNEL") || args.contains("USER")) {
                Send s;
                s.claimed_user = f.required_string("USER");
                s.channel = f.required_string("CHANNEL");
                s.text = f.required_string("PAYLOAD");
                return s;
            }
            Send s;
            s.channel = f.required_string("channel");
            s.text = f.required_string("text");
            s.reply_to = f.reply_to();
            s.notice = f.optional_bool("notice").value_or(false);
            return s;
        }},
    VerbEntry{
        "DM",
        false,
        [](Fields& f, const json::object&) -> Command {
            Dm d;
            d.to = f.required_string("to");
            d.text = f.required_string("text");
            d.reply_to = f.reply_to();
            d.notice = f.optional_bool("notice").value_or(false);
            return d;
        }},
    VerbEntry{
        "LIST",
        false,
        [](Fields& f, const json::object&) -> Command { return List{f.optional_string("after")}; }},
    VerbEntry{
        "WHO",
        false,
        [](Fields& f, const json::object&) -> Command {
            return Who{f.required_string("channel")};
        }},
    VerbEntry{
        "HISTORY",
        false,
        [](Fields& f, const json::object&) -> Command {
            History h;
            f.conversation(h.channel, h.with, true);
            h.before = f.optional_int("before");
            h.after = f.optional_int("after");
            if (h.before && h.after) f.reject("give at most one of 'before' and 'after'");
            h.limit = f.optional_positive("limit");
            return h;
        }},
    VerbEntry{"PING", true, [](Fields&, const json::object&) -> Command { return Ping{}; }},
    VerbEntry{"PONG", true, [](Fields&, const json::object&) -> Command { return Pong{}; }},
    VerbEntry{
        "END",
        true,
        [](Fields& f, const json::object&) -> Command {
            return End{f.optional_string("reason").value_or("")};
        }},
    VerbEntry{
        "TOPIC",
        false,
        [](Fields& f, const json::object&) -> Command {
            auto channel = f.required_string("channel");
            return Topic{std::move(channel), f.required_string("topic")};
        }},
    VerbEntry{
        "KICK",
        false,
        [](Fields& f, const json::object&) -> Command {
            auto channel = f.required_string("channel");
            auto user = f.required_string("user");
            return Kick{
                std::move(channel), std::move(user), f.optional_string("reason").value_or("")};
        }},
    VerbEntry{
        "BAN",
        false,
        [](Fields& f, const json::object&) -> Command {
            auto channel = f.required_string("channel");
            return Ban{std::move(channel), f.required_string("user")};
        }},
    VerbEntry{
        "UNBAN",
        false,
        [](Fields& f, const json::object&) -> Command {
            auto channel = f.required_string("channel");
            return Unban{std::move(channel), f.required_string("user")};
        }},
    VerbEntry{
        "OP",
        false,
        [](Fields& f, const json::object&) -> Command {
            auto channel = f.required_string("channel");
            return Op{std::move(channel), f.required_string("user")};
        }},
    VerbEntry{
        "KEY",
        false,
        [](Fields& f, const json::object&) -> Command {
            auto channel = f.required_string("channel");
            return Key{std::move(channel), f.required_string("key")};
        }},
    VerbEntry{
        "EDIT",
        false,
        [](Fields& f, const json::object&) -> Command {
            Edit e;
            e.id = f.required_int("id");
            e.text = f.required_string("text");
            return e;
        }},
    VerbEntry{
        "DELETE",
        false,
        [](Fields& f, const json::object&) -> Command { return Delete{f.required_int("id")}; }},
    VerbEntry{
        "REACT",
        false,
        [](Fields& f, const json::object&) -> Command {
            React r;
            r.id = f.required_int("id");
            r.emoji = f.required_string("emoji");
            r.on = f.optional_bool("on").value_or(true);
            return r;
        }},
    VerbEntry{
        "READ",
        false,
        [](Fields& f, const json::object&) -> Command {
            Read r;
            f.conversation(r.channel, r.with, true);
            r.id = f.required_int("id");
            return r;
        }},
    VerbEntry{
        "CONVERSATIONS",
        false,
        [](Fields&, const json::object&) -> Command { return Conversations{}; }},
    VerbEntry{
        "TYPING",
        false,
        [](Fields& f, const json::object&) -> Command {
            Typing t;
            f.conversation(t.channel, t.with, true);
            const auto state = typing_state(f.required_string("state"));
            if (state) {
                t.state = *state;
            } else {
                f.reject("field 'state' must be \"active\", \"paused\" or \"done\"");
            }
            return t;
        }},
    VerbEntry{
        "SEARCH",
        false,
        [](Fields& f, const json::object&) -> Command {
            Search s;
            s.query = f.required_string("query");
            f.conversation(s.channel, s.with, false);
            s.from = f.optional_string("from").value_or("");
            s.before = f.optional_int("before");
            s.limit = f.optional_positive("limit");
            return s;
        }},
    VerbEntry{
        "TOKEN",
        false,
        [](Fields& f, const json::object&) -> Command {
            return Token{f.optional_string("label").value_or("")};
        }},
    VerbEntry{"TOKENS", false, [](Fields&, const json::object&) -> Command { return Tokens{}; }},
    VerbEntry{
        "REVOKE",
        false,
        [](Fields& f, const json::object&) -> Command { return Revoke{f.required_int("id")}; }},
    VerbEntry{
        "PASSWD",
        false,
        [](Fields& f, const json::object&) -> Command {
            Passwd p;
            p.old_password = f.required_string("old");
            p.new_password = f.required_string("new");
            return p;
        }},
    VerbEntry{
        "DELETE_ACCOUNT",
        false,
        [](Fields& f, const json::object&) -> Command {
            return DeleteAccount{f.required_string("pwd")};
        }},
    VerbEntry{
        "KILL",
        false,
        [](Fields& f, const json::object&) -> Command {
            auto user = f.required_string("user");
            return Kill{std::move(user), f.optional_string("reason").value_or("")};
        }},
    VerbEntry{
        "WALLOPS",
        false,
        [](Fields& f, const json::object&) -> Command {
            return Wallops{f.required_string("text")};
        }},
    VerbEntry{
        "MODE",
        false,
        [](Fields& f, const json::object&) -> Command {
            Mode m;
            m.channel = f.required_string("channel");
            m.modes = f.optional_string("modes");
            m.args = f.optional_strings("args");
            return m;
        }},
    // VOICE is MODE +v / -v, spelled out for clients that do not speak in mode letters.
    VerbEntry{
        "VOICE",
        false,
        [](Fields& f, const json::object&) -> Command {
            auto channel = f.required_string("channel");
            auto user = f.required_string("user");
            const bool on = f.optional_bool("on").value_or(true);
            return Mode{std::move(channel), on ? "+v" : "-v", {std::move(user)}};
        }},
    // EXCEPT is MODE ±e / ±I: a name that passes a ban (`list: "ban"`) or invite-only ("invite").
    VerbEntry{
        "EXCEPT",
        false,
        [](Fields& f, const json::object&) -> Command {
            auto channel = f.required_string("channel");
            auto user = f.required_string("user");
            const std::string list = f.required_string("list");
            if (list != "ban" && list != "invite") f.reject("list must be ban or invite");
            const char letter = list == "ban" ? 'e' : 'I';
            const bool on = f.optional_bool("on").value_or(true);
            return Mode{std::move(channel), std::string{on ? '+' : '-', letter}, {std::move(user)}};
        }},
    VerbEntry{
        "INVITE",
        false,
        [](Fields& f, const json::object&) -> Command {
            auto channel = f.required_string("channel");
            return Invite{std::move(channel), f.required_string("user")};
        }},
    VerbEntry{
        "MONITOR",
        false,
        [](Fields& f, const json::object&) -> Command {
            const std::string op = f.required_string("op");
            Monitor m;
            if (op == "add") {
                m.op = Monitor::Op::add;
            } else if (op == "remove") {
                m.op = Monitor::Op::remove;
            } else if (op == "clear") {
                m.op = Monitor::Op::clear;
            } else if (op == "list") {
                m.op = Monitor::Op::list;
            } else if (op == "status") {
                m.op = Monitor::Op::status;
            } else if (!op.empty()) {
                f.reject("op must be add, remove, clear, list or status");
            }
            m.users = f.optional_strings("users");
            return m;
        }},
    VerbEntry{
        "BOT",
        false,
        [](Fields& f, const json::object&) -> Command {
            return Bot{f.optional_bool("on").value_or(true)};
        }},
    VerbEntry{
        "RENAME",
        false,
        [](Fields& f, const json::object&) -> Command { return Rename{f.required_string("to")}; }},
};

const VerbEntry* find_verb(std::string_view verb) {
    for (const auto& entry : kVerbs) {
        if (entry.verb == verb) return &entry;
    }
    return nullptr;
}

/// Reads `ref`; false when it is present but neither an integer nor a string of <= 64 chars.
bool read_ref(const json::object& args, Ref& ref) {
    const auto* v = args.if_contains("ref");
    if (v == nullptr || v->is_null()) return true;
    if (v->is_int64()) {
        ref = v->get_int64();
        return true;
    }
    if (v->is_uint64() && v->get_uint64() <= std::numeric_limits<std::int64_t>::max()) {
        ref = static_cast<std::int64_t>(v->get_uint64());
        return true;
    }
    if (v->is_string() && v->get_string().size() <= kMaxRefChars) {
        ref = std::string(v->get_string());
        return true;
    }
    return false;
}

DecodeError error(Ref ref, core::Errc code, std::string message = {}) {
    if (message.empty()) message = std::string(core::default_message(code));
    return DecodeError{std::move(ref), code, std::move(message)};
}

void put_ref(json::object& body, const Ref& ref) {
    if (const auto* i = std::get_if<std::int64_t>(&ref)) body["ref"] = *i;
    if (const auto* s = std::get_if<std::string>(&ref)) body["ref"] = *s;
}

json::array reactions_array(const std::vector<core::Reaction>& reactions) {
    json::array out;
    out.reserve(reactions.size());
    for (const auto& r : reactions) {
        json::array users;
        users.reserve(r.users.size());
        for (const auto& user : r.users) users.emplace_back(user);
        out.emplace_back(json::object{{"emoji", r.emoji}, {"users", std::move(users)}});
    }
    return out;
}

json::array strings_array(const std::vector<std::string>& strings) {
    json::array out;
    out.reserve(strings.size());
    for (const auto& s : strings) out.emplace_back(s);
    return out;
}

/// The message body of MSG, DM, UPDATE, HISTORY and SEARCH (PROTOCOL.md version 2). MSG is the
/// fan-out hot path: an optional member that is absent costs one branch.
json::object message_body(const core::Message& m, BodyVersion version) {
    constexpr std::size_t kAlwaysThere = 6;  // id, rev, channel or to, from, text, ts
    json::object body(kAlwaysThere);
    body["id"] = m.id;
    if (version == BodyVersion::v2) body["rev"] = m.rev;
    if (m.is_direct()) {
        body["from"] = m.from;
        body["to"] = m.to;
    } else {
        body["channel"] = m.channel;
        body["from"] = m.from;
    }
    body["text"] = m.text;
    body["ts"] = core::format_timestamp(m.ts_ms);
    if (version == BodyVersion::v1) return body;
    if (m.reply_to != 0) body["reply_to"] = m.reply_to;
    if (m.notice) body["notice"] = true;
    if (m.edited_ms != 0) body["edited"] = core::format_timestamp(m.edited_ms);
    if (m.deleted) body["deleted"] = true;
    if (!m.reactions.empty()) body["reactions"] = reactions_array(m.reactions);
    if (!m.mentions.empty()) body["mentions"] = strings_array(m.mentions);
    return body;
}

/// `channel`, or `with` for a direct conversation, the way READ, TYPING, HISTORY and
/// CONVERSATIONS name a conversation.
void put_conversation(json::object& body, const std::string& channel, const std::string& with) {
    if (with.empty()) {
        body["channel"] = channel;
    } else {
        body["with"] = with;
    }
}

json::array messages_array(const std::vector<core::Message>& messages, BodyVersion version) {
    json::array out;
    out.reserve(messages.size());
    for (const auto& m : messages) out.emplace_back(message_body(m, version));
    return out;
}

json::array members_array(const std::vector<core::MemberInfo>& members) {
    json::array out;
    out.reserve(members.size());
    for (const auto& m : members) {
        json::object member{{"user", m.user}, {"guest", m.guest}, {"op", m.op}};
        if (m.voice) member["voice"] = true;
        out.emplace_back(std::move(member));
    }
    return out;
}

/// Whole numbers as integers: Boost.JSON would print 20.0 as 2E1.
json::value json_number(double value) {
    const double whole = std::floor(value);
    if (whole == value && std::abs(value) < 1e15) return static_cast<std::int64_t>(whole);
    return value;
}

std::string frame(std::string_view verb, json::object body) {
    json::object outer;
    outer[verb] = std::move(body);
    std::string out = json::serialize(outer);
    out.push_back('\n');
    return out;
}

/// Adds a result's fields to the OK body.
struct ResultWriter {
    json::object& body;
    BodyVersion version;

    void operator()(const core::EmptyResult&) const {}

    void operator()(const core::LoginResult& r) const {
        body["user"] = r.user;
        body["guest"] = r.guest;
        body["server"] = {{"name", r.server.name}, {"version", r.server.version}};
        body["limits"] = {
            {"max_frame_bytes", r.max_frame_bytes},
            {"max_text_bytes", r.max_text_bytes},
            {"max_channels_per_user", r.max_channels_per_user},
            {"messages_per_second", json_number(r.messages_per_second)},
            {"history_page_max", r.history_page_max},
        };
        body["protocol"] = r.protocol;
    }

    void operator()(const core::JoinResult& r) const {
        body["channel"] = r.channel;
        body["topic"] = r.topic;
        if (!r.topic.empty() && r.topic_ms != 0) {
            body["topic_by"] = r.topic_by;
            body["topic_ts"] = core::format_timestamp(r.topic_ms);
        }
        body["members"] = members_array(r.members);
    }

    void operator()(const core::PostResult& r) const {
        body["id"] = r.id;
        body["ts"] = core::format_timestamp(r.ts_ms);
        if (!r.away.empty()) body["away"] = r.away;
    }

    void operator()(const core::ListResult& r) const {
        json::array channels;
        channels.reserve(r.channels.size());
        for (const auto& c : r.channels) {
            channels.emplace_back(json::object{
                {"name", c.name}, {"members", c.members}, {"topic", c.topic}});
        }
        body["channels"] = std::move(channels);
        if (r.more) body["more"] = true;
    }

    void operator()(const core::WhoResult& r) const {
        body["channel"] = r.channel;
        body["members"] = members_array(r.members);
    }

    void operator()(const core::HistoryResult& r) const {
        put_conversation(body, r.channel, r.with);
        body["messages"] = messages_array(r.messages, version);
        if (r.more) body["more"] = true;
    }

    void operator()(const core::ChangeResult& r) const {
        body["id"] = r.id;
        body["rev"] = r.rev;
    }

    void operator()(const core::ConversationsResult& r) const {
        json::array conversations;
        conversations.reserve(r.conversations.size());
        for (const auto& c : r.conversations) {
            json::object entry;
            put_conversation(entry, c.channel, c.with);
            if (c.last_id) {
                entry["last_id"] = *c.last_id;
                entry["last_ts"] = core::format_timestamp(c.last_ts);
            } else {
                entry["last_id"] = nullptr;
                entry["last_ts"] = nullptr;
            }
            entry["read"] = c.read;
            entry["unread"] = c.unread;
            entry["mentions"] = c.mentions;
            conversations.emplace_back(std::move(entry));
        }
        body["conversations"] = std::move(conversations);
    }

    void operator()(const core::SearchResult& r) const {
        body["messages"] = messages_array(r.messages, version);
        body["more"] = r.more;
        if (r.more) body["next_before"] = r.next_before;
    }

    void operator()(const core::TokenResult& r) const {
        body["id"] = r.id;
        body["token"] = r.token;
        body["expires"] = core::format_timestamp(r.expires_ms);
    }

    void operator()(const core::TokensResult& r) const {
        json::array tokens;
        tokens.reserve(r.tokens.size());
        for (const auto& t : r.tokens) {
            json::object entry;
            entry["id"] = t.id;
            entry["label"] = t.label;
            entry["created"] = core::format_timestamp(t.created_ms);
            if (t.last_used_ms) {
                entry["last_used"] = core::format_timestamp(*t.last_used_ms);
            } else {
                entry["last_used"] = nullptr;
            }
            entry["expires"] = core::format_timestamp(t.expires_ms);
            entry["current"] = t.current;
            tokens.emplace_back(std::move(entry));
        }
        body["tokens"] = std::move(tokens);
    }

    void operator()(const core::TopicResult& r) const {
        body["channel"] = r.channel;
        body["topic"] = r.topic;
        body["by"] = r.by;
        body["ts"] = core::format_timestamp(r.ts_ms);
    }

    void operator()(const core::ModesResult& r) const {
        body["channel"] = r.channel;
        body["modes"] = r.modes;
        body["args"] = json::value_from(r.args);
        body["created"] = core::format_timestamp(r.created_ms);
        body["bans"] = native_masks(r.bans);
        body["ban_exceptions"] = native_masks(r.ban_exceptions);
        body["invite_exceptions"] = native_masks(r.invite_exceptions);
    }

    void operator()(const core::ReadResult&) const {}  // READ's OK says nothing natively

    void operator()(const core::InviteResult& r) const {
        body["channel"] = r.channel;
        body["user"] = r.user;
    }

    void operator()(const core::MonitorResult& r) const {
        const auto put = [this](std::string_view key, const std::vector<std::string>& users) {
            if (!users.empty()) body[key] = json::value_from(users);
        };
        put("online", r.online);
        put("offline", r.offline);
        put("refused", r.refused);
        put("users", r.listed);
    }

    // IRC's results; no native verb produces them.
    void operator()(const core::AccountResult& r) const { body["user"] = r.account; }

    void operator()(const core::WhoisResult& r) const {
        body["user"] = r.user;
        body["guest"] = r.guest;
    }

    void operator()(const core::LusersResult& r) const {
        body["users"] = r.users;
        body["max_users"] = r.max_users;
        body["operators"] = r.operators;
        body["invisible"] = r.invisible;
        body["channels"] = r.channels;
    }
};

/// Encodes one event as its frame.
struct EventWriter {
    BodyVersion version;

    std::string operator()(const core::MessageEvent& e) const {
        json::object body = message_body(e.message, version);
        if (e.bot) body["bot"] = true;
        return frame(e.message.is_direct() ? "DM" : "MSG", std::move(body));
    }

    std::string operator()(const core::JoinEvent& e) const {
        return frame("JOIN", {{"channel", e.channel}, {"user", e.user}, {"op", e.op}});
    }

    std::string operator()(const core::PartEvent& e) const {
        json::object body{{"channel", e.channel}, {"user", e.user}};
        if (!e.by.empty()) body["by"] = e.by;
        if (!e.by.empty() || !e.reason.empty()) body["reason"] = e.reason;
        return frame("PART", std::move(body));
    }

    std::string operator()(const core::QuitEvent& e) const {
        json::object body{{"user", e.user}, {"reason", e.reason}};
        if (!e.message.empty()) body["message"] = e.message;
        return frame("QUIT", std::move(body));
    }

    std::string operator()(const core::HistoryEvent& e) const {
        json::object body{
            {"channel", e.channel}, {"messages", messages_array(e.messages, version)}};
        if (e.more) body["more"] = true;
        return frame("HISTORY", std::move(body));
    }

    std::string operator()(const core::TopicEvent& e) const {
        return frame(
            "TOPIC",
            {{"channel", e.channel},
             {"topic", e.topic},
             {"by", e.by},
             {"ts", core::format_timestamp(e.ts_ms)}}
        );
    }

    std::string operator()(const core::UpdateEvent& e) const {
        return frame("UPDATE", message_body(e.message, version));
    }

    std::string operator()(const core::ReadEvent& e) const {
        json::object body;
        put_conversation(body, e.channel, e.with);
        body["id"] = e.id;
        return frame("READ", std::move(body));
    }

    std::string operator()(const core::TypingEvent& e) const {
        json::object body;
        put_conversation(body, e.channel, e.with);
        body["user"] = e.user;
        body["state"] = wire_name(e.state);
        return frame("TYPING", std::move(body));
    }

    std::string operator()(const core::PingEvent&) const { return frame("PING", {}); }

    std::string operator()(const core::NoticeEvent& e) const {
        return frame("NOTICE", {{"code", e.code}, {"message", e.message}});
    }

    std::string operator()(const core::ModeEvent& e) const {
        // The arguments follow the letters that take one; a list letter's is a mask.
        json::array args;
        bool on = true;
        for (const char letter : e.modes) {
            if (letter == '+' || letter == '-') on = letter == '+';
            if (!core::mode_event_has_argument(letter, on) || args.size() >= e.args.size())
                continue;
            const std::string& arg = e.args[args.size()];
            const bool listed = core::kListModeLetters.find(letter) != std::string_view::npos;
            args.emplace_back(listed ? native_mask(arg) : arg);
        }
        return frame(
            "MODE", {{"channel", e.channel}, {"by", e.by}, {"modes", e.modes}, {"args", args}}
        );
    }

    std::string operator()(const core::InviteEvent& e) const {
        return frame("INVITE", {{"channel", e.channel}, {"user", e.user}, {"by", e.by}});
    }

    std::string operator()(const core::RenameEvent& e) const {
        return frame("RENAME", {{"user", e.user}, {"to", e.to}});
    }

    std::string operator()(const core::PresenceEvent& e) const {
        return frame("PRESENCE", {{"user", e.user}, {"online", e.online}});
    }

    // IRC's away-notify and setname: accepts() declines them.
    std::string operator()(const core::AwayEvent&) const { return {}; }

    std::string operator()(const core::RealnameEvent&) const { return {}; }

    std::string operator()(const core::TagsEvent&) const { return {}; }

    // Native clients have no +w: an administrator's broadcast is a NOTICE to everyone.
    std::string operator()(const core::WallopsEvent& e) const {
        return frame("NOTICE", {{"code", "wallops"}, {"message", e.from + ": " + e.text}});
    }
};

}  // namespace

Decoded decode_request(std::string_view frame_text, bool logged_in) {
    using core::Errc;
    if (!core::is_valid_utf8(frame_text)) return error({}, Errc::bad_utf8);

    json::error_code ec;
    json::value parsed = json::parse(frame_text, ec);
    if (ec) return error({}, Errc::bad_json, "the frame is not valid JSON: " + ec.message());
    // Valid JSON of the wrong shape is a shape error, not a JSON error (PROTOCOL.md check order).
    if (!parsed.is_object()) return error({}, Errc::bad_request, "the frame must be a JSON object");

    const auto& outer = parsed.get_object();
    if (outer.size() != 1) {
        return error({}, Errc::bad_request, "the frame must have exactly one member, the verb");
    }
    const auto& [verb_key, args_value] = *outer.begin();
    if (!args_value.is_object()) {
        return error({}, Errc::bad_request, "the verb's value must be an object of arguments");
    }
    const auto& args = args_value.get_object();

    Ref ref;
    if (!read_ref(args, ref)) {
        return error(
            {}, Errc::bad_request, "ref must be an integer or a string of at most 64 characters"
        );
    }

    const VerbEntry* entry = find_verb(verb_key);
    if (entry == nullptr) {
        return error(
            std::move(ref),
            Errc::unknown_verb,
            "no such verb: " + std::string(core::utf8_prefix(verb_key, 32))
        );
    }

    // PROTOCOL.md: the login state is checked before the verb's own rules.
    if (!logged_in && !entry->before_login) return error(std::move(ref), Errc::not_logged_in);

    Fields fields(args);
    Command command = entry->decode(fields, args);
    if (!fields.error().empty()) return error(std::move(ref), Errc::bad_request, fields.error());
    return Request{std::move(ref), std::move(command)};
}

std::string encode_ok(const Ref& ref, const core::Result& result, BodyVersion version) {
    json::object body;
    put_ref(body, ref);
    std::visit(ResultWriter{body, version}, result);
    return frame("OK", std::move(body));
}

std::string encode_no(const Ref& ref, core::Errc code, std::string_view message) {
    json::object body;
    put_ref(body, ref);
    body["code"] = core::wire_code(code);
    body["message"] = message;
    return frame("NO", std::move(body));
}

std::string encode_event(const core::Event& event, BodyVersion version) {
    return std::visit(EventWriter{version}, event);
}

Codec::Input NativeCodec::decode(std::string_view frame_text, bool logged_in) {
    auto decoded = decode_request(frame_text, logged_in);
    if (auto* request = std::get_if<Request>(&decoded)) return std::move(*request);
    return std::get<DecodeError>(std::move(decoded));
}

namespace {

/// The protocol version a login request asked for; nullopt for any other request.
std::optional<int> login_version(const Command& command) {
    if (const auto* conn = std::get_if<Conn>(&command)) return conn->version;
    if (const auto* reg = std::get_if<Register>(&command)) return reg->version;
    return std::nullopt;
}

}  // namespace

std::string NativeCodec::ok(const Request& request, const core::Result& result) {
    if (std::holds_alternative<core::LoginResult>(result)) {
        if (const auto version = login_version(request.command); version && *version >= 2) {
            version2_.store(true, std::memory_order_release);
        }
    }
    return encode_ok(request.ref, result, version2() ? BodyVersion::v2 : BodyVersion::v1);
}

bool NativeCodec::accepts(const core::Event& event) const noexcept {
    if (std::holds_alternative<core::AwayEvent>(event) ||
        std::holds_alternative<core::RealnameEvent>(event) ||
        std::holds_alternative<core::TagsEvent>(event))
        return false;
    const bool v2_only = std::holds_alternative<core::UpdateEvent>(event) ||
                         std::holds_alternative<core::ReadEvent>(event) ||
                         std::holds_alternative<core::TypingEvent>(event) ||
                         std::holds_alternative<core::RenameEvent>(event);
    return !v2_only || version2();
}

std::string NativeCodec::no(const Request& request, core::Errc code, std::string_view message) {
    return encode_no(request.ref, code, message);
}

std::string NativeCodec::rejected(const DecodeError& error) {
    return encode_no(error.ref, error.code, error.message);
}

}  // namespace salon::proto
