#include "proto/irc_codec.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <limits>
#include <set>

#include "core/channel.hpp"
#include "core/names.hpp"
#include "core/utf8.hpp"
#include "proto/irc_help.hpp"

namespace salon::proto {
namespace {

using core::Errc;

/// A request's ref carries the IRC command it came from (and, for some, one more value: PING's
/// token, QUIT's reason, LIST's filter), so that one typed command can be answered the way
/// each IRC command expects (Who serves NAMES, WHO, TOPIC and MODE queries).
constexpr char kRefSeparator = '\x1f';
/// A labeled command's ref starts with the label between two of these, after a character that
/// says whether its replies come in one call ('1') or several ('+'). A label has no control
/// characters, so the first of these in a ref is always the label's.
constexpr char kLabelMark = '\x1e';
/// labeled-response: longer labels are ignored (the command is answered without one).
constexpr std::size_t kMaxLabelBytes = 64;
constexpr std::size_t kMaxEchoedParamBytes = 64;
constexpr std::size_t kSaslChunkBytes = 400;
constexpr std::size_t kMaxSaslBytes = 2 * 1024;
constexpr std::size_t kMaxPendingEchoes = 256;
constexpr std::size_t kMaxLineTextBytes = 390;
constexpr std::string_view kHost = core::kUserHost;
constexpr std::size_t kMaxUsernameBytes = 16;
constexpr std::size_t kMaxRealnameBytes = 128;
/// WHOX's fields, in the order its replies list them.
constexpr std::string_view kWhoxFields = "tcuihsnfdlaor";

Ref make_ref(std::string_view command, std::string_view extra = {}) {
    std::string ref(command);
    if (!extra.empty()) {
        ref += kRefSeparator;
        ref += extra;
    }
    return ref;
}

struct RefParts {
    std::string_view command;
    std::string_view extra;
};

struct RefLabel {
    std::string_view label;
    bool several = false;  ///< the replies come in several calls, the last before finished()
};

std::optional<RefLabel> label_in(const Ref& ref) {
    const auto* s = std::get_if<std::string>(&ref);
    if (s == nullptr || !s->starts_with(kLabelMark)) return std::nullopt;
    const std::string_view v = *s;
    return RefLabel{v.substr(2, v.find(kLabelMark, 1) - 2), v[1] == '+'};
}

Ref labeled_ref(const Ref& ref, std::string_view label, bool several) {
    std::string out;
    out += kLabelMark;
    out += several ? '+' : '1';
    out += label;
    out += kLabelMark;
    if (const auto* s = std::get_if<std::string>(&ref)) out += *s;
    return out;
}

/// Commands whose replies come in several calls: one for each channel, or for each page.
bool several_replies(const Command& command) {
    if (const auto* joins = std::get_if<Joins>(&command)) return joins->joins.size() > 1;
    if (const auto* parts = std::get_if<Parts>(&command)) return parts->parts.size() > 1;
    if (std::holds_alternative<Kicks>(command) || std::holds_alternative<Names>(command))
        return true;
    return std::holds_alternative<List>(command);
}

/// SEND and DM, whose replies are encoded on the delivery strand when they commit.
bool is_post(const Command& command) {
    return std::holds_alternative<Send>(command) || std::holds_alternative<Dm>(command);
}

RefParts read_ref(const Ref& ref) {
    const auto* s = std::get_if<std::string>(&ref);
    if (s == nullptr) return {};
    std::string_view v = *s;
    if (v.starts_with(kLabelMark)) v.remove_prefix(v.find(kLabelMark, 1) + 1);
    const auto sep = v.find(kRefSeparator);
    if (sep == std::string_view::npos) return {v, {}};
    return {v.substr(0, sep), v.substr(sep + 1)};
}

/// A client-supplied value fit to be echoed as a middle parameter: one word, bounded, not empty.
std::string_view clip(std::string_view value) {
    value = value.substr(0, value.find(' '));
    value = core::utf8_prefix(value, kMaxEchoedParamBytes);
    if (value.empty() || value.front() == ':') return "*";
    return value;
}

std::string prefix_of(std::string_view nick) {
    std::string out(nick);
    out += '!';
    out += nick;
    out += '@';
    out += kHost;
    return out;
}

std::string channel_display(std::string_view canonical) {
    // Appended rather than `"#" + std::string(…)`, which g++ 12 at -O3 misreports (-Wrestrict).
    std::string shown;
    shown.reserve(canonical.size() + 1);
    shown.append("#").append(canonical);
    return shown;
}

/// The canonical channel as IRC shows it, or the typed name when it is not valid.
std::string display_target(std::string_view typed) {
    if (auto canonical = core::canonical_channel_name(typed)) return channel_display(*canonical);
    return std::string(clip(typed));
}

std::vector<std::string_view> split_list(std::string_view list) {
    std::vector<std::string_view> out;
    while (!list.empty()) {
        const auto comma = list.find(',');
        const auto item = list.substr(0, comma);
        if (!item.empty()) out.push_back(item);
        list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    }
    return out;
}

/// The Salon message id a `msgid` value names; 0 for a value that is not one.
core::MessageId message_id(std::string_view value) {
    core::MessageId id = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), id);
    return error == std::errc{} && end == value.data() + value.size() && id > 0 ? id : 0;
}

/// The message a `+draft/reply` client tag names; 0 for none or a value that is not an id.
core::MessageId replied_to(const irc::Message& m) {
    for (const auto& [key, value] : m.tags) {
        if (key != "+draft/reply") continue;
        if (const core::MessageId id = message_id(value)) return id;
    }
    return 0;
}

/// LIST's parameter (ELIST=MNU): comma-separated channel names or masks (`*`, `?`), masks not
/// to match (`!mask`), and member counts (`>n` more than n, `<n` fewer). A channel is listed
/// when it matches one of the names or masks (if any), none of the `!` masks, and the counts.
struct ListFilter {
    std::vector<std::string> masks;  ///< folded, '#' included
    std::vector<std::string> excluded;
    std::size_t min_members = 0;
    std::size_t fewer_than = std::numeric_limits<std::size_t>::max();

    static ListFilter parse(std::string_view param) {
        ListFilter filter;
        auto count = [](std::string_view digits) -> std::optional<std::size_t> {
            std::size_t n = 0;
            const auto [end, error] =
                std::from_chars(digits.data(), digits.data() + digits.size(), n);
            if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
            return n;
        };
        for (const auto item : split_list(param)) {
            if (item.starts_with('>')) {
                if (auto n = count(item.substr(1)))
                    filter.min_members = std::max(filter.min_members, *n + 1);
            } else if (item.starts_with('<')) {
                if (auto n = count(item.substr(1)))
                    filter.fewer_than = std::min(filter.fewer_than, *n);
            } else if (item.starts_with('!')) {
                filter.excluded.push_back(irc::ascii_fold(item.substr(1)));
            } else if (auto canonical = core::canonical_channel_name(item)) {
                filter.masks.push_back(channel_display(*canonical));  // a name, '#' or not
            } else {
                filter.masks.push_back(irc::ascii_fold(item));
            }
        }
        return filter;
    }

    bool passes(const core::ChannelSummary& channel) const {
        if (channel.members < min_members || channel.members >= fewer_than) return false;
        const std::string display = channel_display(channel.name);
        auto matches = [&](const std::string& mask) { return core::matches_mask(mask, display); };
        return (masks.empty() || std::ranges::any_of(masks, matches)) &&
               std::ranges::none_of(excluded, matches);
    }
};

constexpr std::string_view kCapList =
    "account-tag away-notify batch draft/chathistory draft/message-redaction draft/read-marker "
    "echo-message extended-monitor labeled-response message-tags multi-prefix sasl server-time "
    "setname standard-replies userhost-in-names";

std::optional<std::uint32_t> cap_bit(std::string_view name) {
    if (name == "sasl") return kCapSasl;
    if (name == "server-time") return kCapServerTime;
    if (name == "message-tags") return kCapMessageTags;
    if (name == "echo-message") return kCapEchoMessage;
    if (name == "batch") return kCapBatch;
    if (name == "account-tag") return kCapAccountTag;
    if (name == "multi-prefix") return kCapMultiPrefix;
    if (name == "standard-replies") return kCapStandardReplies;
    if (name == "userhost-in-names") return kCapUserhostInNames;
    if (name == "labeled-response") return kCapLabeledResponse;
    if (name == "away-notify") return kCapAwayNotify;
    if (name == "extended-monitor") return kCapExtendedMonitor;
    if (name == "setname") return kCapSetname;
    if (name == "draft/message-redaction") return kCapMessageRedaction;
    if (name == "draft/read-marker") return kCapReadMarker;
    if (name == "draft/chathistory") return kCapChathistory;
    return std::nullopt;
}

std::string enabled_caps(std::uint32_t caps) {
    std::string out;
    std::string_view all = kCapList;
    while (!all.empty()) {
        const auto space = all.find(' ');
        const auto name = all.substr(0, space);
        all.remove_prefix(space == std::string_view::npos ? all.size() : space + 1);
        if ((caps & *cap_bit(name)) != 0) {
            if (!out.empty()) out += ' ';
            out += name;
        }
    }
    return out;
}

struct Format {
    int tag_level = 0;  ///< 0 none, 1 time and account, 2 also msgid
    bool batch = false;
    bool redaction = false;  ///< draft/message-redaction
};

Format format_of(std::size_t event_format) {
    const std::size_t i = event_format - IrcCodec::kFirstEventFormat;
    return Format{
        .tag_level = static_cast<int>(i / 4),
        .batch = (i / 2) % 2 == 1,
        .redaction = i % 2 == 1,
    };
}

/// `:server MARKREAD target timestamp=…` (`*` for no marker), draft/read-marker's form.
std::string markread_line(std::string_view server, std::string_view target, core::UnixMillis ts) {
    const std::string stamp = ts == 0 ? "*" : "timestamp=" + core::format_timestamp(ts);
    return irc::line("", server, "MARKREAD", {target, stamp}, irc::Trailing::when_needed);
}

/// How MARKREAD names a conversation: `#channel`, or the DM partner's nick.
std::string conversation_target(std::string_view channel, std::string_view with) {
    return channel.empty() ? std::string(with) : channel_display(channel);
}

/// "[2026-11-24 12:00] " for clients that cannot be told a line is old any other way.
std::string plain_time(core::UnixMillis ts) {
    std::string iso = core::format_timestamp(ts);
    iso.resize(16);
    iso[10] = ' ';
    return "[" + iso + "] ";
}

/// A message as PRIVMSG (or NOTICE) lines, tags per the format; `batch` names the history batch it
/// belongs to ("" for none). Each line's text is what its sender could have sent in one 512-byte
/// line
/// (`PRIVMSG target :text`): a line an IRC client sent arrives whole, the source on top (as
/// Ergo does); longer texts are cut into several lines.
std::string message_lines(
    const core::Message& m,
    std::string_view account,
    int tag_level,
    std::string_view batch,
    bool mark_old = false,
    bool bot = false
) {
    // A tombstone has nothing to show: history leaves it out (as draft/message-redaction
    // prefers) and REDACT told the clients that saw it.
    if (m.deleted) return {};
    const std::string_view command = m.notice ? "NOTICE" : "PRIVMSG";
    const std::string source = prefix_of(m.from);
    const std::string target = m.is_direct() ? m.to : channel_display(m.channel);
    const std::string text = mark_old ? plain_time(m.ts_ms) + m.text : m.text;
    // command " " target " :" text "\r\n"; a text of one word needs no ':', so its sender had
    // one byte more (irc::line() leaves that ':' out of the count too).
    const bool one_word = text.find_first_of(" \n") == std::string::npos;
    const std::size_t overhead = command.size() + 1 + target.size() + (one_word ? 3 : 4);
    const std::size_t room = irc::kMaxLineBytes > overhead ? irc::kMaxLineBytes - overhead : 1;

    std::string out;
    bool first = true;
    for (const auto& piece : irc::split_text(text, room, irc::kMaxLinesPerMessage)) {
        std::string tags;
        auto add = [&](std::string_view tag) {
            if (!tags.empty()) tags += ';';
            tags += tag;
        };
        if (!batch.empty()) add("batch=" + std::string(batch));
        if (tag_level >= 1) {
            add("time=" + core::format_timestamp(m.ts_ms));
            if (!account.empty()) add("account=" + irc::escape_tag_value(account));
        }
        if (tag_level >= 2 && bot) add("bot");
        // One id names one message: only its first line carries it.
        if (tag_level >= 2 && first) {
            if (m.id != 0) add("msgid=" + std::to_string(m.id));
            if (m.reply_to != 0) add("+draft/reply=" + std::to_string(m.reply_to));
        }
        out += irc::line(
            tags,
            source,
            command,
            {target, piece},
            irc::Trailing::always,
            irc::Budget::without_source
        );
        first = false;
    }
    return out;
}

/// The account tag of a stored line: its author's name, when that was an account.
std::string_view account_of(const core::Message& m) {
    return m.by_account ? std::string_view(m.from) : std::string_view();
}

/// History: a `chathistory` batch for `target` with batch (an empty one too), else lines that
/// must not pass for new ones: tagged with their time, or marked.
std::string history_lines(
    std::string_view server,
    std::string_view target,
    const std::vector<core::Message>& messages,
    Format format
) {
    std::string out;
    if (!format.batch) {
        for (const auto& m : messages)
            out += message_lines(m, account_of(m), format.tag_level, {}, format.tag_level == 0);
        return out;
    }
    const std::string id =
        "history" + (messages.empty() ? std::string() : std::to_string(messages.front().id));
    out += irc::line(
        "", server, "BATCH", {"+" + id, "chathistory", target}, irc::Trailing::when_needed
    );
    for (const auto& m : messages) out += message_lines(m, account_of(m), format.tag_level, id);
    out += irc::line("", server, "BATCH", {"-" + id}, irc::Trailing::when_needed);
    return out;
}

/// CHATHISTORY TARGETS' answer: a line per conversation with the time of its last message, in
/// a `draft/chathistory-targets` batch with batch.
std::string history_targets_lines(
    std::string_view server, const core::ConversationsResult& result, Format format
) {
    constexpr std::string_view kBatch = "targets";
    std::string out;
    const std::string tags = format.batch ? "batch=" + std::string(kBatch) : std::string();
    if (format.batch) {
        out += irc::line(
            "",
            server,
            "BATCH",
            {"+" + std::string(kBatch), "draft/chathistory-targets"},
            irc::Trailing::when_needed
        );
    }
    for (const auto& c : result.conversations) {
        out += irc::line(
            tags,
            server,
            "CHATHISTORY",
            {"TARGETS", conversation_target(c.channel, c.with), core::format_timestamp(c.last_ts)},
            irc::Trailing::when_needed
        );
    }
    if (format.batch)
        out +=
            irc::line("", server, "BATCH", {"-" + std::string(kBatch)}, irc::Trailing::when_needed);
    return out;
}

/// CHATHISTORY's message references: `msgid=…` or `timestamp=…`.
std::optional<core::HistoryBound> history_bound(std::string_view param) {
    constexpr std::string_view kMsgid = "msgid=";
    constexpr std::string_view kTimestamp = "timestamp=";
    if (param.starts_with(kMsgid)) {
        const core::MessageId id = message_id(param.substr(kMsgid.size()));
        if (id == 0) return std::nullopt;
        return core::HistoryBound{.by = core::HistoryBound::By::id, .value = id};
    }
    if (!param.starts_with(kTimestamp)) return std::nullopt;
    const auto ts = core::parse_timestamp(param.substr(kTimestamp.size()));
    if (!ts) return std::nullopt;
    return core::HistoryBound{.by = core::HistoryBound::By::time, .value = *ts};
}

/// CHATHISTORY's limit: a count from 1.
std::optional<std::size_t> history_limit(std::string_view param) {
    std::size_t limit = 0;
    const auto [end, error] = std::from_chars(param.data(), param.data() + param.size(), limit);
    if (error != std::errc{} || end != param.data() + param.size() || limit == 0)
        return std::nullopt;
    return limit;
}

}  // namespace

IrcCodec::IrcCodec(const IrcSettings& settings) : settings_(settings) {}

std::string IrcCodec::me() const {
    std::lock_guard lock(nick_mutex_);
    return nick_.empty() ? "*" : nick_;
}

void IrcCodec::set_nick(std::string nick) {
    std::lock_guard lock(nick_mutex_);
    nick_ = std::move(nick);
}

std::string IrcCodec::numeric(std::string_view code, const std::vector<std::string_view>& params)
    const {
    const std::string self = me();
    std::vector<std::string_view> all;
    all.reserve(params.size() + 1);
    all.push_back(self);
    all.insert(all.end(), params.begin(), params.end());
    return irc::line("", settings_.server_name, code, all);
}

// ---------------------------------------------------------------------------------------------
// Decoding

Codec::Input IrcCodec::decode(std::string_view frame, bool /*logged_in*/) {
    auto parsed = irc::parse(frame);
    if (!parsed) return Answered{};  // a blank line, or tags and a source without a command
    auto input = interpret(frame, *parsed);
    if (auto label = label_of(*parsed)) return with_label(std::move(input), *label);
    return input;
}

Codec::Input IrcCodec::interpret(std::string_view frame, const irc::Message& m) {
    // IRCv3: a client's tags, '@' and the space after them included, take at most 4096 bytes.
    if (frame.starts_with('@') && frame.find(' ') + 1 > irc::kMaxClientTagBytes)
        return Answered{numeric("417", {"Input line was too long"})};
    // UTF8ONLY: a line that is not UTF-8 is refused whole, so that no reply can echo its bytes.
    if (!core::is_valid_utf8(frame)) {
        const std::string_view command = irc::is_valid_command(m.command) ? clip(m.command) : "*";
        return DecodeError{make_ref(command), Errc::bad_utf8, "the line is not valid UTF-8"};
    }
    if (!irc::is_valid_command(m.command))
        return Answered{numeric("421", {clip(m.command), "Unknown command"})};

    if (m.command == "CAP") return on_cap(m);
    if (m.command == "PING") {
        if (m.params.empty() || m.params[0].empty())
            return Answered{numeric("409", {"No origin specified"})};
        return Request{make_ref("PING", m.params[0]), Ping{}};
    }
    if (m.command == "PONG") return Request{{}, Pong{}};
    if (m.command == "QUIT") {
        std::string reason = m.params.empty() ? "" : m.params[0];
        return Request{make_ref("QUIT", reason), End{std::move(reason)}};
    }
    if (!registered_) return on_registration(m);
    return on_command(m);
}

Codec::Input IrcCodec::on_cap(const irc::Message& m) {
    if (m.params.empty()) return Answered{numeric("461", {"CAP", "Not enough parameters"})};
    const std::string sub = [&] {
        std::string s = m.params[0];
        for (char& c : s) {
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        }
        return s;
    }();
    auto cap_line = [&](std::string_view what, std::string_view list) {
        return irc::line("", settings_.server_name, "CAP", {me(), what, list});
    };
    if (sub == "LS") {
        if (!registered_) negotiating_ = true;
        const bool v302 = m.params.size() > 1 && m.params[1] >= "302";
        std::string list(kCapList);
        if (v302) list.replace(list.find("sasl"), 4, "sasl=PLAIN");
        return Answered{cap_line("LS", list)};
    }
    if (sub == "LIST") return Answered{cap_line("LIST", enabled_caps(caps()))};
    if (sub == "REQ") {
        if (!registered_) negotiating_ = true;
        const std::string requested = m.params.size() > 1 ? m.params.back() : "";
        std::uint32_t add = 0;
        std::uint32_t remove = 0;
        bool known = true;
        std::string_view rest = requested;
        while (!rest.empty()) {
            const auto space = rest.find(' ');
            std::string_view name = rest.substr(0, space);
            rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
            if (name.empty()) continue;
            const bool off = name.front() == '-';
            if (off) name.remove_prefix(1);
            const auto bit = cap_bit(name);
            if (!bit) {
                known = false;
                break;
            }
            (off ? remove : add) |= *bit;
        }
        // A request is granted whole or not at all (IRCv3 capability negotiation).
        if (!known || requested.empty()) return Answered{cap_line("NAK", requested)};
        std::uint32_t current = caps_.load(std::memory_order_relaxed);
        caps_.store((current | add) & ~remove, std::memory_order_release);
        return Answered{cap_line("ACK", requested)};
    }
    if (sub == "END") {
        if (registered_) return Answered{};
        negotiating_ = false;
        return try_register();
    }
    return Answered{numeric("410", {clip(m.params[0]), "Invalid CAP command"})};
}

Codec::Input IrcCodec::on_registration(const irc::Message& m) {
    if (m.command == "NICK") {
        if (m.params.empty() || m.params[0].empty())
            return Answered{numeric("431", {"No nickname given"})};
        if (!core::is_valid_user_name(m.params[0]))
            return Answered{numeric("432", {clip(m.params[0]), "Erroneous nickname"})};
        set_nick(m.params[0]);
        return try_register();
    }
    if (m.command == "USER") {
        if (m.params.size() < 4 || m.params[3].empty())
            return Answered{numeric("461", {"USER", "Not enough parameters"})};
        // Shown in WHO and WHOIS (and as nothing else: the source stays nick!nick@salon).
        username_.clear();
        for (const char c : m.params[0]) {
            const bool word = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' ||
                              c == '-' || c == '.';
            if (word && username_.size() < kMaxUsernameBytes) username_ += c;
        }
        realname_ = core::utf8_prefix(m.params[3], kMaxRealnameBytes);
        have_user_ = true;
        return try_register();
    }
    if (m.command == "PASS") {
        if (m.params.empty()) return Answered{numeric("461", {"PASS", "Not enough parameters"})};
        pass_ = m.params[0];
        return Answered{};
    }
    if (m.command == "AUTHENTICATE") return on_authenticate(m);
    return Answered{numeric("451", {"You have not registered"})};
}

Codec::Input IrcCodec::on_authenticate(const irc::Message& m) {
    if (registered_) return Answered{numeric("907", {"You have already authenticated using SASL"})};
    if ((caps() & kCapSasl) == 0) return Answered{numeric("904", {"SASL authentication failed"})};
    if (m.params.empty())
        return Answered{numeric("461", {"AUTHENTICATE", "Not enough parameters"})};
    const std::string& arg = m.params[0];
    if (arg == "*") {
        sasl_started_ = false;
        sasl_buffer_.clear();
        return Answered{numeric("906", {"SASL authentication aborted"})};
    }
    if (!sasl_started_) {
        if (irc::ascii_fold(arg) != "plain") {
            return Answered{
                numeric("908", {"PLAIN", "are available SASL mechanisms"}) +
                numeric("904", {"SASL authentication failed"})};
        }
        sasl_started_ = true;
        sasl_buffer_.clear();
        return Answered{irc::line("", "", "AUTHENTICATE", {"+"}, irc::Trailing::when_needed)};
    }
    if (arg.size() > kSaslChunkBytes || sasl_buffer_.size() + arg.size() > kMaxSaslBytes) {
        sasl_started_ = false;
        sasl_buffer_.clear();
        return Answered{numeric("905", {"SASL message too long"})};
    }
    if (arg != "+") sasl_buffer_ += arg;
    if (arg.size() == kSaslChunkBytes) return Answered{};  // more chunks follow
    sasl_started_ = false;

    auto fail = [&] {
        sasl_buffer_.clear();
        return Answered{numeric("904", {"SASL authentication failed"})};
    };
    auto decoded = irc::base64_decode(sasl_buffer_);
    sasl_buffer_.clear();
    if (!decoded) return fail();
    // PLAIN: authzid NUL authcid NUL password (RFC 4616).
    const std::string_view plain = *decoded;
    const auto first = plain.find('\0');
    const auto second = first == std::string_view::npos ? first : plain.find('\0', first + 1);
    if (second == std::string_view::npos) return fail();
    std::string_view authzid = plain.substr(0, first);
    std::string_view authcid = plain.substr(first + 1, second - first - 1);
    const std::string_view password = plain.substr(second + 1);
    if (authcid.empty()) authcid = authzid;
    if (!authzid.empty() && irc::ascii_fold(authzid) != irc::ascii_fold(authcid)) return fail();
    sasl_candidate_password_ = std::string(password);
    return Request{
        make_ref("AUTHENTICATE"), Authenticate{std::string(authcid), std::string(password)}};
}

Codec::Input IrcCodec::try_register() {
    if (nick_.empty() || !have_user_ || negotiating_ || login_pending_ || sasl_started_)
        return Answered{};
    login_pending_ = true;
    Conn conn;
    if (!sasl_account_.empty()) {
        conn.us = sasl_account_;
        conn.pwd = sasl_password_;
    } else {
        conn.us = nick_;
        conn.pwd = pass_;
    }
    conn.style = ConnStyle::irc;
    conn.username = username_;
    conn.realname = realname_;
    return Request{make_ref("CONN"), std::move(conn)};
}

Codec::Input IrcCodec::on_command(const irc::Message& m) {
    const auto& p = m.params;
    const std::string& cmd = m.command;
    auto need_more = [&] { return Answered{numeric("461", {cmd, "Not enough parameters"})}; };

    if (cmd == "PRIVMSG" || cmd == "NOTICE") {
        const bool notice = cmd == "NOTICE";  // never answered with an error (RFC 2812)
        if (p.empty() || p[0].empty())
            return Answered{notice ? "" : numeric("411", {"No recipient given (" + cmd + ")"})};
        if (p.size() < 2 || p[1].empty())
            return Answered{notice ? "" : numeric("412", {"No text to send"})};
        if (p[0].find(',') != std::string::npos)
            return Answered{notice ? "" : numeric("407", {clip(p[0]), "Too many recipients"})};
        const core::MessageId reply_to = replied_to(m);
        if (p[0].starts_with('#')) {
            return Request{
                make_ref(cmd),
                Send{
                    .channel = p[0],
                    .text = p[1],
                    .claimed_user = std::nullopt,
                    .reply_to = reply_to,
                    .notice = notice,
                    .lenient_reply = true,
                }};
        }
        return Request{
            make_ref(cmd),
            Dm{.to = p[0],
               .text = p[1],
               .reply_to = reply_to,
               .notice = notice,
               .lenient_reply = true}};
    }
    if (cmd == "JOIN") {
        if (p.empty() || p[0].empty()) return need_more();
        if (p[0] == "0")
            return Answered{numeric("400", {"JOIN", "JOIN 0 is not supported; PART each channel"})};
        const auto channels = split_list(p[0]);
        const auto keys = p.size() > 1 ? split_list(p[1]) : std::vector<std::string_view>{};
        Joins joins;
        // Each join of a channel answers with its names and history: a line naming one channel
        // a hundred times must not cost a hundred of those.
        std::set<std::string> named;
        for (std::size_t i = 0; i < channels.size(); ++i) {
            const auto canonical = core::canonical_channel_name(channels[i]);
            if (!named.insert(canonical ? *canonical : std::string(channels[i])).second) continue;
            joins.joins.push_back(Join{
                std::string(channels[i]),
                i < keys.size() ? std::string(keys[i]) : "",
                (caps() & kCapReadMarker) != 0});
        }
        if (joins.joins.empty()) return need_more();
        return Request{make_ref("JOIN"), std::move(joins)};
    }
    if (cmd == "PART") {
        if (p.empty() || p[0].empty()) return need_more();
        Parts parts;
        const std::string reason = p.size() > 1 ? p[1] : "";
        for (const auto channel : split_list(p[0]))
            parts.parts.push_back(Part{std::string(channel), reason});
        if (parts.parts.empty()) return need_more();
        return Request{make_ref("PART"), std::move(parts)};
    }
    if (cmd == "NAMES") {
        if (p.empty() || p[0].empty()) return Answered{numeric("366", {"*", "End of /NAMES list"})};
        Names names;
        std::string listed;  // each channel once, as typed; 366 ends the lot with it
        std::set<std::string> named;
        for (const auto channel : split_list(p[0])) {
            const auto canonical = core::canonical_channel_name(channel);
            if (!named.insert(canonical ? *canonical : std::string(channel)).second) continue;
            names.channels.push_back(Who{std::string(channel)});
            listed += (listed.empty() ? "" : ",") + std::string(channel);
        }
        if (names.channels.empty()) return Answered{numeric("366", {"*", "End of /NAMES list"})};
        if (names.channels.size() == 1)
            return Request{make_ref("NAMES"), std::move(names.channels[0])};
        return Request{make_ref("NAMES", listed), std::move(names)};
    }
    if (cmd == "WHO") {
        if (p.empty() || p[0].empty()) return Answered{numeric("315", {"*", "End of /WHO list"})};
        // `WHO mask [flags][%fields[,token]]`: with `%` (IRCv3 WHOX) the reply is 354 with the
        // fields asked for; the reference then ends with their spec, after a space.
        const std::string_view options = p.size() > 1 ? std::string_view(p[1]) : "";
        const auto percent = options.find('%');
        const bool whox = percent != std::string_view::npos;
        const std::string spec = whox ? whox_spec(options.substr(percent + 1)) : "";
        const std::string_view command = whox ? "WHOX" : "WHO";
        if (p[0].starts_with('#')) return Request{make_ref(command, spec), Who{p[0]}};
        // A nick, a mask, or 0 (everyone); the flag o keeps operators only. The mask comes back
        // in 315 as it was sent.
        const bool operators = options.substr(0, percent).find('o') != std::string_view::npos;
        return Request{
            make_ref(command, whox ? p[0] + ' ' + spec : p[0]),
            WhoMask{p[0] == "0" ? "*" : p[0], operators}};
    }
    if (cmd == "WHOIS") {
        if (p.empty() || p.back().empty()) return Answered{numeric("431", {"No nickname given"})};
        const auto nicks = split_list(p.back());
        if (nicks.empty()) return Answered{numeric("431", {"No nickname given"})};
        return Request{make_ref("WHOIS"), Whois{std::string(nicks[0])}};
    }
    if (cmd == "LIST") {
        return Request{make_ref("LIST", p.empty() ? "" : p[0]), List{std::nullopt, true}};
    }
    if (cmd == "TOPIC") {
        if (p.empty() || p[0].empty()) return need_more();
        if (p.size() == 1) return Request{make_ref("TOPIC"), Who{p[0]}};
        return Request{make_ref("TOPIC"), Topic{p[0], p[1]}};
    }
    if (cmd == "MODE") return on_mode(m);
    if (cmd == "INVITE") {
        if (p.empty()) return Request{make_ref("INVITE"), Invitations{}};
        if (p.size() < 2 || p[0].empty() || p[1].empty()) return need_more();
        return Request{make_ref("INVITE"), Invite{p[1], p[0]}};
    }
    if (cmd == "KICK") {
        if (p.size() < 2) return need_more();
        // `KICK #c a,b`, or `KICK #c,#d a,b` pairing each channel with its user.
        const auto channels = split_list(p[0]);
        const auto users = split_list(p[1]);
        if (users.empty() || channels.empty()) return need_more();
        if (channels.size() != 1 && channels.size() != users.size()) return need_more();
        const std::string reason = p.size() > 2 ? p[2] : "";
        Kicks kicks;
        for (std::size_t i = 0; i < users.size(); ++i) {
            const auto channel = channels[channels.size() == 1 ? 0 : i];
            kicks.kicks.push_back(Kick{std::string(channel), std::string(users[i]), reason});
        }
        if (kicks.kicks.size() == 1) return Request{make_ref("KICK"), std::move(kicks.kicks[0])};
        return Request{make_ref("KICK"), std::move(kicks)};
    }
    if (cmd == "AWAY") return Request{make_ref("AWAY"), Away{p.empty() ? "" : p[0]}};
    if (cmd == "MONITOR") return on_monitor(m);
    if (cmd == "SETNAME") return on_setname(m);
    if (cmd == "MOTD") return Answered{motd()};
    if (cmd == "WHOWAS") {
        if (p.empty() || p[0].empty()) return need_more();
        int count = 0;
        if (p.size() > 1) std::from_chars(p[1].data(), p[1].data() + p[1].size(), count);
        return Request{make_ref("WHOWAS", p[0]), Whowas{p[0], count}};
    }
    if (cmd == "USERHOST") {
        if (p.empty()) return need_more();
        return Request{make_ref("USERHOST"), Userhost{p}};
    }
    if (cmd == "OPER") {
        if (p.size() < 2) return need_more();
        return Request{make_ref("OPER"), Oper{p[0], p[1]}};
    }
    if (cmd == "KILL") {
        if (p.empty() || p[0].empty()) return need_more();
        return Request{make_ref("KILL"), Kill{p[0], p.size() > 1 ? p[1] : ""}};
    }
    if (cmd == "WALLOPS") {
        if (p.empty() || p[0].empty()) return need_more();
        return Request{make_ref("WALLOPS"), Wallops{p[0]}};
    }
    if (cmd == "LUSERS") return Request{make_ref("LUSERS"), Lusers{}};
    if (cmd == "TIME") {
        const auto now = std::chrono::system_clock::now();
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
        return Answered{numeric("391", {settings_.server_name, core::format_timestamp(ms)})};
    }
    if (cmd == "INFO") {
        return Answered{
            numeric("371", {"salond " + settings_.version}) +
            numeric("371", {"Salon: a chat server that also speaks IRC"}) +
            numeric("374", {"End of INFO list"})};
    }
    if (cmd == "HELP" || cmd == "HELPOP") return Answered{help(p.empty() ? "" : p[0])};
    if (cmd == "LINKS") {
        // One server, no links: itself at hop count 0.
        return Answered{
            numeric(
                "364", {settings_.server_name, settings_.server_name, "0 " + settings_.description}
            ) +
            numeric("365", {"*", "End of /LINKS list"})};
    }
    if (cmd == "REDACT") {
        if (p.size() < 2 || p[0].empty() || p[1].empty()) {
            return Answered{irc::line(
                "",
                settings_.server_name,
                "FAIL",
                {"REDACT", "NEED_MORE_PARAMS", "Missing parameters"}
            )};
        }
        // A msgid that is no Salon id names no message: the server says so (UNKNOWN_MSGID)
        // once the target has been checked. The msgid comes back in FAIL as it was sent.
        Delete d{.id = message_id(p[1]), .reason = p.size() > 2 ? p[2] : ""};
        (p[0].starts_with('#') ? d.channel : d.with) = p[0];
        return Request{make_ref("REDACT", clip(p[1])), std::move(d)};
    }
    if (cmd == "TAGMSG") return on_tagmsg(m);
    if (cmd == "MARKREAD") return on_markread(m);
    if (cmd == "CHATHISTORY") return on_chathistory(m);
    if (cmd == "NICK") {
        if (p.empty() || p[0].empty()) return Answered{numeric("431", {"No nickname given"})};
        if (!core::is_valid_user_name(p[0]))
            return Answered{numeric("432", {clip(p[0]), "Erroneous nickname"})};
        if (p[0] == nick_) return Answered{};  // RFC 1459: no reply to a change to the same nick
        {
            std::lock_guard lock(echoes_mutex_);
            if (own_renames_.size() >= kMaxPendingEchoes) own_renames_.clear();
            own_renames_.insert(irc::ascii_fold(p[0]));
        }
        return Request{make_ref("NICK"), Rename{p[0]}};
    }
    if (cmd == "USER" || cmd == "PASS") return Answered{numeric("462", {"You may not reregister"})};
    if (cmd == "AUTHENTICATE")
        return Answered{numeric("907", {"You have already authenticated using SASL"})};
    return Answered{numeric("421", {clip(cmd), "Unknown command"})};
}

/// The client-only tags salond relays (CLIENTTAGDENY names them too).
constexpr std::array<std::string_view, 4> kRelayedClientTags{
    "+draft/reply", "+draft/react", "+draft/unreact", "+typing"};

/// Client-only tags as a line carries them (`+a=b;+c`), values escaped.
std::string client_tags(const std::vector<std::pair<std::string, std::string>>& tags) {
    std::string out;
    for (const auto& [name, value] : tags) {
        if (!out.empty()) out += ';';
        out += name;
        if (value.empty()) continue;
        out += '=';
        out += irc::escape_tag_value(value);
    }
    return out;
}

/// A reaction as IRC shows it: `@+draft/react=<emoji>;+draft/reply=<msgid> :by TAGMSG target`
/// (`+draft/unreact` when taken back).
std::string reaction_line(
    std::string_view by,
    std::string_view target,
    core::MessageId id,
    std::string_view emoji,
    bool on
) {
    std::string tags(on ? "+draft/react=" : "+draft/unreact=");
    tags += irc::escape_tag_value(emoji);
    tags += ";+draft/reply=";
    tags += std::to_string(id);
    return irc::line(tags, prefix_of(by), "TAGMSG", {target}, irc::Trailing::when_needed);
}

/// How much of a message a fallback line quotes: its first line, up to this many bytes.
constexpr std::size_t kQuotedBytes = 40;

/// `"the opening words…"` of `text` (its first line, cut at a character boundary).
std::string quoted(std::string_view text) {
    const std::string_view first_line = text.substr(0, text.find('\n'));
    const std::string_view shown = core::utf8_prefix(first_line, kQuotedBytes);
    std::string out = "\"";
    out += shown;
    if (shown.size() < text.size()) out += "…";
    out += '"';
    return out;
}

/// A reply for a client that cannot be told what it answers (no message-tags): its text
/// opens with `(re bob: "the opening words…") `, as IRC users quote by hand.
core::Message with_quote(const core::Message& reply) {
    core::Message m = reply;
    const core::ReplyQuote& q = reply.reply_quote;
    m.text = "(re " + q.from + ": ";
    m.text += q.text.empty() ? std::string("a deleted message") : quoted(q.text);
    m.text += ") ";
    m.text += reply.text;
    return m;
}

/// A delete or a reaction for a client that cannot take REDACT or TAGMSG reactions, as a
/// PRIVMSG from whoever made it (as the edit's line is): `* op deleted bob's message (spam)`,
/// `* alice reacted 👍 to bob's message: "…"`. With message-tags it answers the message
/// (+draft/reply); it has no msgid and no time (it is shown when it arrives, which is when
/// the change was made).
std::string change_note(const core::UpdateEvent& update, std::string_view to, int tag_level) {
    const core::Message& m = update.message;
    const bool own = irc::ascii_fold(update.by) == irc::ascii_fold(m.from);
    const std::string whose = own ? std::string("their") : m.from + "'s";
    std::string text = "* " + update.by;
    switch (update.change) {
        case core::ChangeKind::remove:
            text += " deleted " + whose + " message";
            if (!update.reason.empty()) text += " (" + update.reason + ")";
            break;
        case core::ChangeKind::react:
            text += " reacted " + update.emoji + " to " + whose + " message: " + quoted(m.text);
            break;
        case core::ChangeKind::unreact:
            text += " took back " + update.emoji + " on " + whose + " message: " + quoted(m.text);
            break;
        case core::ChangeKind::edit:
            return {};
    }
    const std::string tags = tag_level >= 2 ? "+draft/reply=" + std::to_string(m.id) : "";
    return irc::line(tags, prefix_of(update.by), "PRIVMSG", {to, text});
}

/// What marks a reaction this connection made until its event comes back (and is declined).
std::string reaction_key(core::MessageId id, std::string_view emoji, bool on) {
    std::string key = std::to_string(id);
    key += on ? '+' : '-';
    key += emoji;
    return key;
}

Codec::Input IrcCodec::on_tagmsg(const irc::Message& m) {
    // The client-only tags that are Salon features: typing notifications and reactions (to the
    // message +draft/reply names). Others are not relayed (CLIENTTAGDENY).
    if (m.params.empty() || m.params[0].empty()) return Answered{};
    const std::string& target = m.params[0];
    const core::MessageId reply_to = replied_to(m);
    for (const auto& [key, value] : m.tags) {
        if (key == "+typing") {
            Typing typing;
            (target.starts_with('#') ? typing.channel : typing.with) = target;
            if (value == "active")
                typing.state = core::TypingState::active;
            else if (value == "paused")
                typing.state = core::TypingState::paused;
            else if (value == "done")
                typing.state = core::TypingState::done;
            else
                return Answered{};
            return Request{make_ref("TAGMSG"), std::move(typing)};
        }
        if ((key == "+draft/react" || key == "+draft/unreact") && reply_to != 0) {
            const bool on = key == "+draft/react";
            {
                std::lock_guard lock(echoes_mutex_);
                if (own_reactions_.size() >= kMaxPendingEchoes) own_reactions_.clear();
                own_reactions_.insert(reaction_key(reply_to, value, on));
            }
            React react{reply_to, value, on};
            (target.starts_with('#') ? react.channel : react.with) = target;
            // What a relay passes on, should the message not be here: the tags CLIENTTAGDENY
            // lets through, as sent (their size is bounded by the tag section's).
            for (const auto& tag : m.tags) {
                if (std::ranges::find(kRelayedClientTags, tag.first) != kRelayedClientTags.end())
                    react.tags.push_back(tag);
            }
            return Request{make_ref("TAGMSG", clip(target)), std::move(react)};
        }
    }
    return Answered{};
}

Codec::Input IrcCodec::on_markread(const irc::Message& m) {
    const auto& p = m.params;
    auto fail = [&](std::string_view code, std::string_view text) {
        std::vector<std::string_view> params{"MARKREAD", code};
        if (!p.empty()) params.push_back(clip(p[0]));
        params.push_back(text);
        return Answered{irc::line("", settings_.server_name, "FAIL", params)};
    };
    if (p.empty() || p[0].empty()) return fail("NEED_MORE_PARAMS", "Missing parameters");
    Read read;
    (p[0].starts_with('#') ? read.channel : read.with) = p[0];
    // With a timestamp it sets the marker (never to `*`, which only the server sends), without
    // one it asks.
    if (p.size() > 1) {
        constexpr std::string_view kKey = "timestamp=";
        const auto ts = p[1].starts_with(kKey)
                            ? core::parse_timestamp(std::string_view(p[1]).substr(kKey.size()))
                            : std::nullopt;
        if (!ts || *ts <= 0) return fail("INVALID_PARAMS", "Invalid timestamp");
        read.ts_ms = *ts;
    }
    return Request{make_ref("MARKREAD"), std::move(read)};
}

Codec::Input IrcCodec::on_chathistory(const irc::Message& m) {
    const auto& p = m.params;
    std::string sub(p.empty() ? "*" : clip(p[0]));
    for (char& c : sub) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto fail = [&](std::string_view code, std::string_view text) {
        return Answered{
            irc::line("", settings_.server_name, "FAIL", {"CHATHISTORY", code, sub, text})};
    };
    using Kind = ChatHistory::Kind;
    constexpr std::array<std::pair<std::string_view, Kind>, 5> kKinds{{
        {"LATEST", Kind::latest},
        {"BEFORE", Kind::before},
        {"AFTER", Kind::after},
        {"AROUND", Kind::around},
        {"BETWEEN", Kind::between},
    }};
    if (p.empty()) return fail("NEED_MORE_PARAMS", "Missing parameters");
    const bool targets = sub == "TARGETS";
    const auto* kind = std::ranges::find(kKinds, sub, &std::pair<std::string_view, Kind>::first);
    if (!targets && kind == kKinds.end()) return fail("UNKNOWN_COMMAND", "Unknown command");
    // The subcommand, the target or TARGETS' first time, one reference (BETWEEN two), the limit.
    const std::size_t count = !targets && kind->second == Kind::between ? 5 : 4;
    if (p.size() < count) return fail("NEED_MORE_PARAMS", "Missing parameters");
    const auto limit = history_limit(p[count - 1]);
    if (!limit) return fail("INVALID_PARAMS", "The limit is not a positive number");
    if (targets) {
        const auto from = history_bound(p[1]);
        const auto to = history_bound(p[2]);
        constexpr auto kTime = core::HistoryBound::By::time;
        if (!from || !to || from->by != kTime || to->by != kTime)
            return fail("INVALID_PARAMS", "TARGETS takes two timestamps");
        const auto [after, before] = std::minmax(from->value, to->value);
        return Request{make_ref("CHATHISTORY", sub), HistoryTargets{after, before, *limit}};
    }
    ChatHistory request{.kind = kind->second, .limit = *limit};
    (p[1].starts_with('#') ? request.channel : request.with) = p[1];
    // Only LATEST may leave its reference open.
    if (kind->second != Kind::latest || p[2] != "*") {
        request.from = history_bound(p[2]);
        if (!request.from) return fail("INVALID_PARAMS", "Invalid message reference");
    }
    if (kind->second == Kind::between) {
        request.to = history_bound(p[3]);
        if (!request.to) return fail("INVALID_PARAMS", "Invalid message reference");
    }
    return Request{make_ref("CHATHISTORY", sub), std::move(request)};
}

Codec::Input IrcCodec::on_mode(const irc::Message& m) {
    const auto& p = m.params;
    if (p.empty() || p[0].empty())
        return Answered{numeric("461", {"MODE", "Not enough parameters"})};
    const std::string& target = p[0];
    if (!target.starts_with('#')) {
        if (irc::ascii_fold(target) != irc::ascii_fold(nick_))
            return Answered{numeric("502", {"Can't change mode for other users"})};
        if (p.size() == 1) return Answered{numeric("221", {user_modes()})};
        // +w is kept here (WALLOPS); +i goes to the server, which hides the user from WHO
        // masks, and so does +B (a bot); o is given by OPER only.
        if (p[1].find_first_not_of("+-iwoB") != std::string::npos)
            return Answered{numeric("501", {"Unknown MODE flag"})};
        bool on = true;
        std::string changed;
        std::optional<bool> invisible;
        std::optional<bool> bot;
        for (const char c : p[1]) {
            if (c == '+' || c == '-') {
                on = c == '+';
            } else if (c == 'w' && wallops_.exchange(on) != on) {
                changed += on ? "+w" : "-w";
            } else if (c == 'i') {
                invisible = on;
            } else if (c == 'B') {
                bot = on;
            }
        }
        // The reply (ok() of Invisible or Bot) says the +w change too. One request a line:
        // `+iB` changes i alone.
        if (invisible && *invisible != invisible_)
            return Request{make_ref("MODE", changed), Invisible{*invisible}};
        if (bot && *bot != bot_) return Request{make_ref("MODE", changed), Bot{*bot}};
        if (changed.empty()) return Answered{};
        return Answered{
            irc::line("", prefix_of(nick_), "MODE", {nick_, changed}, irc::Trailing::when_needed)};
    }
    if (p.size() == 1) return Request{make_ref("MODE"), Mode{target, std::nullopt, {}}};

    const std::string& modes = p[1];
    // `MODE #chan b` (or +b) without a mask lists the bans; `e` and `I` the exception lists.
    if (const std::string_view letter =
            modes.starts_with('+') ? std::string_view(modes).substr(1) : std::string_view(modes);
        p.size() == 2 && letter.size() == 1 &&
        core::kListModeLetters.find(letter[0]) != std::string_view::npos)
        return Request{make_ref("MODE", letter), Mode{target, std::nullopt, {}}};
    const std::vector<std::string> args(p.begin() + 2, p.end());
    const auto parsed = core::parse_mode_changes(modes, args);
    if (const auto* error = std::get_if<core::ModeError>(&parsed)) {
        using Kind = core::ModeError::Kind;
        switch (error->kind) {
            case Kind::unknown_mode: {
                // The whole character, which may take more than one byte.
                const auto at = modes.find(error->letter);
                std::size_t end = at;
                core::decode_utf8(modes, end);
                return Answered{numeric(
                    "472",
                    {std::string_view(modes).substr(at, end - at), "is an unknown mode char to me"}
                )};
            }
            case Kind::missing_argument:
                return Answered{numeric("461", {"MODE", "Not enough parameters"})};
            case Kind::too_many:
                return Answered{numeric(
                    "400", {"MODE", "At most 4 modes with parameters in one MODE command"}
                )};
            case Kind::bad_argument:
                return Answered{numeric(
                    "696",
                    {display_target(target),
                     std::string_view(&error->letter, 1),
                     error->letter == 'k' ? "*" : clip(error->arg),
                     error->letter == 'k' ? "Keys are 1 to 23 characters without spaces or commas"
                                          : "The limit is a whole number from 1 to 1000000"}
                )};
        }
    }
    return Request{make_ref("MODE"), Mode{target, modes, args}};
}

Codec::Input IrcCodec::on_monitor(const irc::Message& m) {
    const auto& p = m.params;
    if (p.empty() || p[0].size() != 1)
        return Answered{numeric("461", {"MONITOR", "Not enough parameters"})};
    switch (p[0][0]) {
        case 'C':
            return Request{make_ref("MONITOR"), Monitor{Monitor::Op::clear}};
        case 'L':
            return Request{make_ref("MONITOR"), Monitor{Monitor::Op::list}};
        case 'S':
            return Request{make_ref("MONITOR"), Monitor{Monitor::Op::status}};
        case '+':
        case '-': {
            Monitor request{p[0][0] == '+' ? Monitor::Op::add : Monitor::Op::remove};
            if (p.size() > 1) {
                for (const auto target : split_list(p[1])) request.users.emplace_back(target);
            }
            if (request.users.empty())
                return Answered{numeric("461", {"MONITOR", "Not enough parameters"})};
            return Request{make_ref("MONITOR"), std::move(request)};
        }
        default:
            return Answered{numeric("400", {"MONITOR", "Unknown MONITOR subcommand"})};
    }
}

Codec::Input IrcCodec::on_setname(const irc::Message& m) {
    if (m.params.empty() || m.params[0].empty() || m.params[0].size() > kMaxRealnameBytes) {
        return Answered{irc::line(
            "",
            settings_.server_name,
            "FAIL",
            {"SETNAME",
             "INVALID_REALNAME",
             "Real names are 1 to " + std::to_string(kMaxRealnameBytes) + " bytes"}
        )};
    }
    return Request{make_ref("SETNAME"), Realname{m.params[0]}};
}

// ---------------------------------------------------------------------------------------------
// Replies

std::string IrcCodec::mask_list(
    std::string_view channel,
    const std::vector<std::string>& masks,
    std::string_view item_code,
    std::string_view end_code,
    std::string_view what
) const {
    std::string out;
    for (const auto& mask : masks) out += numeric(item_code, {channel, mask});
    return out + numeric(end_code, {channel, "End of channel " + std::string(what)});
}

std::string IrcCodec::comma_listing(std::string_view code, const std::vector<std::string>& items)
    const {
    // What each line costs before its items: the numeric with an empty list.
    const std::size_t overhead = numeric(code, {""}).size();
    std::string out;
    std::string list;
    for (const auto& whole : items) {
        // A nick fits; a target that is none (a mask echoed in 731) is cut.
        const std::string_view item = clip(whole);
        if (!list.empty() && overhead + list.size() + 1 + item.size() > irc::kMaxLineBytes) {
            out += numeric(code, {list});
            list.clear();
        }
        if (!list.empty()) list += ',';
        list += item;
    }
    if (!list.empty()) out += numeric(code, {list});
    return out;
}

std::string IrcCodec::monitor_reply(const Monitor& request, const core::MonitorResult& r) const {
    if (request.op == Monitor::Op::list)
        return comma_listing("732", r.listed) + numeric("733", {"End of MONITOR list"});
    std::vector<std::string> online;
    online.reserve(r.online.size());
    for (const auto& user : r.online) online.push_back(prefix_of(user));
    std::string out = comma_listing("730", online) + comma_listing("731", r.offline);
    if (!r.refused.empty()) {
        std::string refused;
        for (const auto& user : r.refused) refused += (refused.empty() ? "" : ",") + user;
        out += numeric(
            "734",
            {std::to_string(core::kMaxMonitoredUsers), clip(refused), "Monitor list is full."}
        );
    }
    return out;
}

std::string IrcCodec::welcome(const core::LoginResult& r) const {
    const std::string version = "salond-" + settings_.version;
    // What one IRC line can carry after the command and its target; longer texts set by other
    // clients are cut when shown here.
    const std::string text_limit =
        std::to_string(std::min<std::size_t>(r.max_text_bytes, kMaxLineTextBytes));
    const std::string chanlimit = "CHANLIMIT=#:" + std::to_string(r.max_channels_per_user);
    const std::string awaylen = "AWAYLEN=" + text_limit;
    const std::string kicklen = "KICKLEN=" + text_limit;
    const std::string topiclen = "TOPICLEN=" + text_limit;
    const std::string channellen = "CHANNELLEN=" + std::to_string(core::kMaxChannelNameBytes + 1);
    const std::string nicklen = "NICKLEN=" + std::to_string(core::kMaxUserNameBytes);
    const std::string network = "NETWORK=" + settings_.network;
    std::string out;
    out += numeric(
        "001", {"Welcome to the " + settings_.network + " IRC network, " + prefix_of(r.user)}
    );
    out +=
        numeric("002", {"Your host is " + settings_.server_name + ", running version " + version});
    out += numeric("003", {"This server was created " + settings_.created});
    out += numeric("004", {settings_.server_name, version, "Biow", "beIiklmnostv", "beIklov"});
    const std::string monitor = "MONITOR=" + std::to_string(core::kMaxMonitoredUsers);
    const std::string chathistory = "CHATHISTORY=" + std::to_string(r.history_page_max);
    const std::vector<std::string_view> tokens{
        awaylen,
        "BOT=B",
        "CASEMAPPING=ascii",
        chanlimit,
        "CHANMODES=beI,k,l,imnst",
        chathistory,
        channellen,
        "CHANTYPES=#",
        // Client-only tags are not relayed, but for those that map onto Salon's own features.
        "CLIENTTAGDENY=*,-draft/reply,-draft/react,-draft/unreact,-typing",
        "ELIST=MNU",
        "EXCEPTS=e",
        "INVEX=I",
        kicklen,
        "MODES=4",
        monitor,
        "MSGREFTYPES=msgid,timestamp",
        network,
        nicklen,
        "PREFIX=(ov)@+",
        "TARGMAX=JOIN:,KICK:,NAMES:,NOTICE:1,PART:,PRIVMSG:1,WHOIS:1",
        topiclen,
        "UTF8ONLY",
        "WHOX"};
    // At most 13 tokens a line: with the nick and the trailing text, 15 parameters (RFC 2812).
    constexpr std::size_t kTokensPerLine = 13;
    for (std::size_t i = 0; i < tokens.size(); i += kTokensPerLine) {
        std::vector<std::string_view> params(
            tokens.begin() + static_cast<std::ptrdiff_t>(i),
            tokens.begin() +
                static_cast<std::ptrdiff_t>(std::min(tokens.size(), i + kTokensPerLine))
        );
        params.emplace_back("are supported by this server");
        out += numeric("005", params);
    }
    return out;
}

std::string IrcCodec::motd() const {
    std::string out = numeric("375", {"- " + settings_.server_name + " Message of the day -"});
    for (const auto& line : settings_.motd) out += numeric("372", {"- " + line});
    out += numeric("376", {"End of /MOTD command"});
    return out;
}

std::string IrcCodec::listing(
    std::string_view code,
    const std::vector<std::string_view>& params,
    const std::vector<std::string>& items
) const {
    std::vector<std::string_view> all = params;
    all.emplace_back();
    // The line with an empty list: what each line costs before its items.
    const std::size_t overhead = numeric(code, all).size();
    std::string out;
    std::string list;
    for (const auto& item : items) {
        if (!list.empty() && overhead + list.size() + 1 + item.size() > irc::kMaxLineBytes) {
            all.back() = list;
            out += numeric(code, all);
            list.clear();
        }
        if (!list.empty()) list += ' ';
        list += item;
    }
    if (!list.empty()) {
        all.back() = list;
        out += numeric(code, all);
    }
    return out;
}

std::string IrcCodec::topic_lines(
    const std::string& display,
    const std::string& topic,
    const std::string& by,
    core::UnixMillis set_ms
) const {
    if (topic.empty()) return {};
    std::string out = numeric("332", {display, topic});
    if (set_ms != 0) out += numeric("333", {display, by, std::to_string(set_ms / 1000)});
    return out;
}

std::string IrcCodec::whox_spec(std::string_view options) {
    const auto comma = options.find(',');
    std::string spec;
    for (const char field : options.substr(0, comma)) {
        if (kWhoxFields.find(field) != std::string_view::npos &&
            spec.find(field) == std::string::npos)
            spec += field;
    }
    spec += ',';
    // The token is 1-3 digits (IRCv3 WHOX); anything else is left out.
    if (comma != std::string_view::npos) {
        const std::string_view token = options.substr(comma + 1);
        const bool digits = !token.empty() && token.size() <= 3 &&
                            std::ranges::all_of(token, [](char c) { return c >= '0' && c <= '9'; });
        if (digits) spec += token;
    }
    return spec;
}

std::string IrcCodec::whox_reply(
    const core::MemberInfo& member,
    std::string_view channel,
    const std::string& flags,
    std::string_view spec
) const {
    const auto comma = spec.find(',');
    const std::string_view fields = spec.substr(0, comma);
    const std::string_view token = comma == std::string_view::npos ? "" : spec.substr(comma + 1);
    std::vector<std::string_view> params;
    // Always in this order, whatever the order asked for.
    for (const char field : kWhoxFields) {
        if (fields.find(field) == std::string_view::npos) continue;
        switch (field) {
            case 't':
                params.push_back(token.empty() ? "0" : token);
                break;
            case 'c':
                params.push_back(channel);
                break;
            case 'u':
                params.push_back(member.username.empty() ? member.user : member.username);
                break;
            case 'i':
                params.emplace_back("255.255.255.255");  // addresses are not shown
                break;
            case 'h':
                params.push_back(kHost);
                break;
            case 's':
                params.push_back(settings_.server_name);
                break;
            case 'n':
                params.push_back(member.user);
                break;
            case 'f':
                params.push_back(flags);
                break;
            case 'd':  // hops
            case 'l':  // seconds idle: not kept
                params.emplace_back("0");
                break;
            case 'a':
                params.push_back(member.guest ? std::string_view("0") : member.user);
                break;
            case 'o':
                params.emplace_back("n/a");  // no channel op levels
                break;
            default:  // 'r'
                params.push_back(member.realname.empty() ? member.user : member.realname);
        }
    }
    return numeric("354", params);
}

std::string IrcCodec::name_replies(
    const std::string& channel, const std::vector<core::MemberInfo>& members, bool secret
) const {
    const std::string display = channel_display(channel);
    std::vector<std::string> names;
    names.reserve(members.size());
    // With multi-prefix every rank shows, else the highest; userhost-in-names shows sources.
    const bool all_ranks = (caps() & kCapMultiPrefix) != 0;
    const bool full = (caps() & kCapUserhostInNames) != 0;
    for (const auto& member : members) {
        std::string name;
        if (member.op) name += '@';
        if (member.voice && (all_ranks || !member.op)) name += '+';
        names.push_back(name + (full ? prefix_of(member.user) : member.user));
    }
    return listing("353", {secret ? "@" : "=", display}, names);
}

std::string IrcCodec::names(
    const std::string& channel, const std::vector<core::MemberInfo>& members, bool secret
) const {
    return name_replies(channel, members, secret) +
           numeric("366", {channel_display(channel), "End of /NAMES list"});
}

std::string IrcCodec::end_of_names(const Request& request, std::string_view listed) const {
    const auto& who = std::get<Who>(request.command);
    const auto channels = split_list(listed);
    if (channels.empty() || channels.back() != who.channel) return {};
    return numeric("366", {clip(listed), "End of /NAMES list"});
}

std::string IrcCodec::help(std::string_view subject) const {
    if (subject.empty()) {
        // The index: every command, as many to a line as fit.
        std::vector<std::string> commands;
        for (const auto& entry : irc::help_entries()) commands.emplace_back(entry.command);
        return numeric("704", {"index", "Commands (HELP <command> for more):"}) +
               listing("705", {"index"}, commands) + numeric("706", {"index", "End of /HELP"});
    }
    const irc::HelpEntry* entry = irc::help_for(subject);
    if (entry == nullptr) return numeric("524", {clip(subject), "No help available on this topic"});
    std::string out = numeric("704", {entry->command, entry->syntax});
    for (const auto text : entry->text) out += numeric("705", {entry->command, text});
    return out + numeric("706", {entry->command, "End of /HELP"});
}

std::string IrcCodec::user_modes() const {
    std::string modes = "+";
    if (bot_) modes += 'B';
    if (invisible_) modes += 'i';
    if (operator_) modes += 'o';
    if (wallops_) modes += 'w';
    return modes;
}

std::string IrcCodec::echo(std::string target, const PostRequest& post, const core::PostResult& r)
    const {
    const std::uint32_t c = caps();
    core::Message m;
    m.id = r.id;
    m.from = me();
    m.to = std::move(target);  // a direct message's form: the target as the client wrote it
    m.text = post.text;
    m.ts_ms = r.ts_ms;
    m.reply_to = r.reply_to;
    m.notice = post.notice;
    const int level = (c & kCapMessageTags) != 0                     ? 2
                      : (c & (kCapServerTime | kCapAccountTag)) != 0 ? 1
                                                                     : 0;
    return message_lines(m, {}, level, {}, false, bot_);
}

std::string IrcCodec::ok(const Request& request, const core::Result& result) {
    return labeled_reply(request, answer(request, result));
}

std::string IrcCodec::no(const Request& request, Errc code, std::string_view message) {
    return labeled_reply(request, refusal(request, code, message));
}

std::string IrcCodec::answer(const Request& request, const core::Result& result) {
    const auto [command, extra] = read_ref(request.ref);
    if (const auto* react = std::get_if<React>(&request.command)) {
        // Relayed as tags (no ChangeResult): no event of a stored reaction will come back.
        if (!std::holds_alternative<core::ChangeResult>(result)) {
            std::lock_guard lock(echoes_mutex_);
            own_reactions_.erase(reaction_key(react->id, react->emoji, react->on));
        }
        // echo-message: the reaction comes back as the TAGMSG it was sent as; accepts()
        // declines the server's event for a stored one.
        if ((caps() & kCapEchoMessage) == 0) return {};
        return reaction_line(me(), extra, react->id, react->emoji, react->on);
    }

    if (const auto* login = std::get_if<core::LoginResult>(&result)) {
        std::string out;
        if (!nick_.empty() && login->user != nick_)
            out +=
                irc::line("", prefix_of(nick_), "NICK", {login->user}, irc::Trailing::when_needed);
        registered_ = true;
        login_pending_ = false;
        set_nick(login->user);
        operator_ = login->admin;
        pass_.clear();
        sasl_password_.clear();
        return out + welcome(*login) + motd();
    }
    if (const auto* account = std::get_if<core::AccountResult>(&result)) {
        sasl_account_ = account->account;
        sasl_password_ = std::move(sasl_candidate_password_);
        sasl_candidate_password_.clear();
        return numeric(
                   "900",
                   {prefix_of(nick_.empty() ? account->account : nick_),
                    account->account,
                    "You are now logged in as " + account->account}
               ) +
               numeric("903", {"SASL authentication successful"});
    }
    if (const auto* join = std::get_if<core::JoinResult>(&result)) {
        {
            std::lock_guard lock(echoes_mutex_);
            if (shown_joins_.size() >= kMaxPendingEchoes) shown_joins_.clear();
            shown_joins_.insert(join->channel);
        }
        const std::string display = channel_display(join->channel);
        std::string out =
            irc::line("", prefix_of(nick_), "JOIN", {display}, irc::Trailing::when_needed);
        out += topic_lines(display, join->topic, join->topic_by, join->topic_ms);
        // draft/read-marker: the marker before the end of NAMES.
        if (join->read_ts) out += markread_line(settings_.server_name, display, *join->read_ts);
        return out + names(join->channel, join->members, join->secret);
    }
    if (const auto* post = std::get_if<core::PostResult>(&result)) {
        const bool echo_on = (caps() & kCapEchoMessage) != 0;
        if (const auto* send = std::get_if<Send>(&request.command)) {
            {
                std::lock_guard lock(echoes_mutex_);
                own_posts_.insert(post->id);
                // The event follows at once, unless the sender left the channel meanwhile: an
                // id that old will never come, so the set stays small.
                if (own_posts_.size() > kMaxPendingEchoes) own_posts_.erase(own_posts_.begin());
            }
            if (!echo_on) return {};
            return echo(display_target(send->channel), {send->text, send->notice}, *post);
        }
        if (const auto* dm = std::get_if<Dm>(&request.command)) {
            // NOTICE is never answered (RFC 2812), not even with 301.
            std::string out =
                post->away.empty() || dm->notice ? "" : numeric("301", {clip(dm->to), post->away});
            return echo_on ? out + echo(dm->to, {dm->text, dm->notice}, *post) : out;
        }
        return {};
    }
    if (const auto* list = std::get_if<core::ListResult>(&result)) {
        if (std::holds_alternative<Invitations>(request.command)) {
            std::string out;
            for (const auto& channel : list->channels)
                out += numeric("336", {channel_display(channel.name)});
            return out + numeric("337", {"End of /INVITE list"});
        }
        const ListFilter filter = ListFilter::parse(extra);
        std::string out = list->first ? numeric("321", {"Channel", "Users  Name"}) : "";
        for (const auto& channel : list->channels) {
            if (!filter.passes(channel)) continue;
            out += numeric(
                "322",
                {channel_display(channel.name), std::to_string(channel.members), channel.topic}
            );
        }
        return list->more ? out : out + numeric("323", {"End of /LIST"});
    }
    if (const auto* who = std::get_if<core::WhoResult>(&result)) {
        if (std::holds_alternative<Whowas>(request.command)) {
            std::string out;
            for (const auto& m : who->members) {
                out += numeric(
                    "314",
                    {m.user,
                     m.username.empty() ? m.user : m.username,
                     kHost,
                     "*",
                     m.realname.empty() ? m.user : m.realname}
                );
                out += numeric("312", {m.user, settings_.server_name, settings_.description});
            }
            return out + numeric("369", {clip(extra), "End of WHOWAS"});
        }
        if (std::holds_alternative<Userhost>(request.command)) {
            // nick[*]=(+|-)user@host: * an operator, - away.
            std::string reply;
            for (const auto& m : who->members) {
                if (!reply.empty()) reply += ' ';
                reply += m.user + (m.oper ? "*=" : "=") + (m.away ? "-" : "+") +
                         (m.username.empty() ? m.user : m.username) + "@" + std::string(kHost);
            }
            return numeric("302", {reply});
        }
        const bool masked = std::holds_alternative<WhoMask>(request.command);
        const bool multi_prefix = (caps() & kCapMultiPrefix) != 0;
        const std::string display = masked ? "*" : channel_display(who->channel);
        if (command == "NAMES" && !extra.empty()) {
            // One of several: one 366 after the last names them all.
            return name_replies(who->channel, who->members, who->secret) +
                   end_of_names(request, extra);
        }
        if (command == "NAMES") return names(who->channel, who->members, who->secret);
        if (command == "TOPIC") {
            if (who->topic.empty()) return numeric("331", {display, "No topic is set"});
            return topic_lines(display, who->topic, who->topic_by, who->topic_ms);
        }
        // H or G (away), * an operator, @ a channel operator, + voiced.
        const auto flags = [multi_prefix](const core::MemberInfo& member) {
            return std::string(member.away ? "G" : "H") + (member.oper ? "*" : "") +
                   (member.bot ? "B" : "") + (member.op ? "@" : "") +
                   (member.voice && (!member.op || multi_prefix) ? "+" : "");
        };
        std::string out;
        for (const auto& member : who->members) {
            if (command == "WHOX") {
                const std::string_view spec = extra.substr(extra.rfind(' ') + 1);
                out += whox_reply(member, display, flags(member), spec);
                continue;
            }
            out += numeric(
                "352",
                {display,
                 member.username.empty() ? member.user : member.username,
                 kHost,
                 settings_.server_name,
                 member.user,
                 flags(member),
                 "0 " + (member.realname.empty() ? member.user : member.realname)}
            );
        }
        return out + numeric("315", {masked ? clip(extra) : display, "End of /WHO list"});
    }
    if (const auto* modes = std::get_if<core::ModesResult>(&result)) {
        const std::string display = channel_display(modes->channel);
        if (extra == "b") return mask_list(display, modes->bans, "367", "368", "ban list");
        if (extra == "e") {
            return mask_list(display, modes->ban_exceptions, "348", "349", "exception list");
        }
        if (extra == "I") {
            return mask_list(
                display, modes->invite_exceptions, "346", "347", "invite exception list"
            );
        }
        std::vector<std::string_view> params{display, modes->modes};
        params.insert(params.end(), modes->args.begin(), modes->args.end());
        return numeric("324", params) +
               numeric("329", {display, std::to_string(modes->created_ms / 1000)});
    }
    if (const auto* history = std::get_if<core::HistoryResult>(&result)) {
        // The batch names the target as the request did (irctest's, Ergo's).
        const auto* asked = std::get_if<ChatHistory>(&request.command);
        const std::string target =
            asked != nullptr
                ? std::string(clip(asked->channel.empty() ? asked->with : asked->channel))
                : conversation_target(history->channel, history->with);
        return history_lines(
            settings_.server_name, target, history->messages, format_of(event_format())
        );
    }
    if (const auto* targets = std::get_if<core::ConversationsResult>(&result))
        return history_targets_lines(settings_.server_name, *targets, format_of(event_format()));
    if (const auto* read = std::get_if<core::ReadResult>(&result)) {
        // A marker that moved is told to every connection of the user, this one included.
        if (read->moved) return {};
        return markread_line(
            settings_.server_name, conversation_target(read->channel, read->with), read->ts_ms
        );
    }
    if (const auto* invite = std::get_if<core::InviteResult>(&result))
        return numeric("341", {invite->user, channel_display(invite->channel)});
    if (const auto* whois = std::get_if<core::WhoisResult>(&result)) {
        std::string out = numeric(
            "311",
            {whois->user,
             whois->username.empty() ? whois->user : whois->username,
             kHost,
             "*",
             whois->realname.empty() ? whois->user : whois->realname}
        );
        if (whois->oper) out += numeric("313", {whois->user, "is an IRC operator"});
        if (whois->bot) out += numeric("335", {whois->user, "is a bot"});
        std::vector<std::string> channels;
        channels.reserve(whois->channels.size());
        for (const auto& c : whois->channels)
            channels.push_back((c.op ? "@" : "") + channel_display(c.channel));
        out += listing("319", {whois->user}, channels);
        out += numeric("312", {whois->user, settings_.server_name, settings_.description});
        if (!whois->away.empty()) out += numeric("301", {whois->user, whois->away});
        if (!whois->guest) out += numeric("330", {whois->user, whois->user, "is logged in as"});
        return out + numeric("318", {whois->user, "End of /WHOIS list"});
    }

    if (const auto* monitored = std::get_if<core::MonitorResult>(&result)) {
        const auto* request_monitor = std::get_if<Monitor>(&request.command);
        return request_monitor ? monitor_reply(*request_monitor, *monitored) : "";
    }
    if (const auto* l = std::get_if<core::LusersResult>(&result)) {
        const std::string users = std::to_string(l->users);
        const std::string max = std::to_string(l->max_users);
        const std::string visible = std::to_string(l->users - l->invisible);
        return numeric(
                   "251",
                   {"There are " + visible + " users and " + std::to_string(l->invisible) +
                    " invisible on 1 servers"}
               ) +
               numeric("252", {std::to_string(l->operators), "operator(s) online"}) +
               numeric("254", {std::to_string(l->channels), "channels formed"}) +
               numeric("255", {"I have " + users + " clients and 0 servers"}) +
               numeric("265", {users, max, "Current local users " + users + ", max " + max}) +
               numeric("266", {users, max, "Current global users " + users + ", max " + max});
    }

    // EmptyResult (and the native-only results): what the command itself calls for.
    const auto& c = request.command;
    if (const auto* i = std::get_if<Invisible>(&c)) {
        invisible_ = i->on;
        return irc::line(
            "",
            prefix_of(nick_),
            "MODE",
            {nick_, std::string(extra) + (i->on ? "+i" : "-i")},
            irc::Trailing::when_needed
        );
    }
    if (const auto* b = std::get_if<Bot>(&c)) {
        bot_ = b->on;
        return irc::line(
            "",
            prefix_of(nick_),
            "MODE",
            {nick_, std::string(extra) + (b->on ? "+B" : "-B")},
            irc::Trailing::when_needed
        );
    }
    if (std::holds_alternative<Oper>(c)) {
        if (operator_.exchange(true)) return numeric("381", {"You are now an IRC operator"});
        return numeric("381", {"You are now an IRC operator"}) +
               irc::line("", prefix_of(nick_), "MODE", {nick_, "+o"}, irc::Trailing::when_needed);
    }
    if (const auto* rename = std::get_if<Rename>(&c)) {
        // The NICK line is the reply; the RENAME event that every sharer gets is declined here.
        std::string line =
            irc::line("", prefix_of(me()), "NICK", {rename->to}, irc::Trailing::when_needed);
        set_nick(rename->to);
        return line;
    }
    if (std::holds_alternative<Ping>(c)) {
        return irc::line(
            "", settings_.server_name, "PONG", {settings_.server_name, extra.empty() ? "*" : extra}
        );
    }
    if (std::holds_alternative<End>(c)) {
        const std::string reason = extra.empty() ? "Client quit" : "Quit: " + std::string(extra);
        return irc::line("", "", "ERROR", {"Closing Link: " + me() + " (" + reason + ")"});
    }
    if (const auto* away = std::get_if<Away>(&c)) {
        if (away->message.empty())
            return numeric("305", {"You are no longer marked as being away"});
        return numeric("306", {"You have been marked as being away"});
    }
    return {};  // PART, KICK, TOPIC, MODE changes: the event that follows says it
}

namespace {

/// The list (`b`, `e`, `I`) a refused MODE was adding to: its first `+` list letter.
std::string full_list_letter(const Command& c) {
    const auto* mode = std::get_if<Mode>(&c);
    bool adding = true;
    if (mode != nullptr && mode->modes) {
        for (const char letter : *mode->modes) {
            if (letter == '+' || letter == '-') {
                adding = letter == '+';
            } else if (adding && core::kListModeLetters.find(letter) != std::string_view::npos) {
                return std::string(1, letter);
            }
        }
    }
    return "b";
}

}  // namespace

std::string IrcCodec::refusal(const Request& request, Errc code, std::string_view message) {
    if (const auto* react = std::get_if<React>(&request.command)) {
        std::lock_guard lock(echoes_mutex_);
        own_reactions_.erase(reaction_key(react->id, react->emoji, react->on));
    }
    const auto [command, extra] = read_ref(request.ref);
    const auto& c = request.command;

    // A server ban refuses the login whichever way it came, and the server closes the link.
    if (code == Errc::server_banned &&
        (std::holds_alternative<Conn>(c) || std::holds_alternative<Authenticate>(c))) {
        login_pending_ = false;
        sasl_account_.clear();
        sasl_password_.clear();
        sasl_candidate_password_.clear();
        return numeric("465", {message}) +
               irc::line("", "", "ERROR", {"Closing Link: " + std::string(message)});
    }
    if (std::holds_alternative<Conn>(c)) {
        login_pending_ = false;
        switch (code) {
            case Errc::name_taken:
                return numeric("433", {clip(nick_), message});
            case Errc::bad_name:
                return numeric("432", {clip(nick_), "Erroneous nickname"});
            case Errc::bad_credentials:
                sasl_account_.clear();
                sasl_password_.clear();
                return numeric("464", {"Password incorrect"});
            case Errc::tls_required:
                sasl_account_.clear();
                sasl_password_.clear();
                return numeric("464", {"tls_required: " + std::string(message)});
            default:
                return numeric("400", {"NICK", message});
        }
    }
    if (std::holds_alternative<Authenticate>(c)) {
        sasl_candidate_password_.clear();
        return numeric("904", {"SASL authentication failed"});
    }
    if (command == "NOTICE") return {};  // RFC 2812: never answer a NOTICE with an error

    auto no_channel = [&](const std::string& typed) {
        return numeric("403", {clip(typed), "No such channel"});
    };
    auto generic = [&] {
        return irc::line(
            "",
            settings_.server_name,
            "NOTICE",
            {me(), std::string(core::wire_code(code)) + ": " + std::string(message)}
        );
    };
    if (const auto* j = std::get_if<Join>(&c)) {
        switch (code) {
            case Errc::bad_name:
                return numeric("479", {clip(j->channel), "Illegal channel name"});
            case Errc::banned:
                return numeric("474", {clip(j->channel), "Cannot join channel (+b)"});
            case Errc::bad_key:
                return numeric("475", {clip(j->channel), "Cannot join channel (+k)"});
            case Errc::invite_only:
                return numeric("473", {clip(j->channel), "Cannot join channel (+i)"});
            case Errc::channel_full:
                return numeric("471", {clip(j->channel), "Cannot join channel (+l)"});
            case Errc::too_many_channels:
                return numeric("405", {clip(j->channel), "You have joined too many channels"});
            default:
                return generic();
        }
    }
    if (const auto* part = std::get_if<Part>(&c)) {
        if (code == Errc::not_in_channel)
            return numeric("442", {clip(part->channel), "You're not on that channel"});
        if (code == Errc::no_such_channel || code == Errc::bad_name)
            return no_channel(part->channel);
        return generic();
    }
    if (const auto* send = std::get_if<Send>(&c)) {
        if (code == Errc::not_in_channel)
            return numeric("404", {clip(send->channel), "Cannot send to channel"});
        if (code == Errc::moderated)
            return numeric("404", {clip(send->channel), "Cannot send to channel (+m)"});
        if (code == Errc::no_such_channel || code == Errc::bad_name)
            return no_channel(send->channel);
        return generic();
    }
    if (const auto* dm = std::get_if<Dm>(&c)) {
        if (code == Errc::no_such_user)
            return numeric("401", {clip(dm->to), "No such nick/channel"});
        return generic();
    }
    if (const auto* who = std::get_if<Who>(&c)) {
        if (command == "NAMES" && !extra.empty()) return end_of_names(request, extra);
        if (command == "NAMES") return numeric("366", {clip(who->channel), "End of /NAMES list"});
        if (command == "WHO" || command == "WHOX")
            return numeric("315", {clip(who->channel), "End of /WHO list"});
        if (code == Errc::no_such_channel || code == Errc::bad_name)
            return no_channel(who->channel);
        return generic();
    }
    if (std::holds_alternative<WhoMask>(c))
        return numeric("315", {clip(extra), "End of /WHO list"});
    if (std::holds_alternative<Whowas>(c)) {
        return numeric("406", {clip(extra), "There was no such nickname"}) +
               numeric("369", {clip(extra), "End of WHOWAS"});
    }
    if (const auto* read = std::get_if<Read>(&c)) {
        const std::string_view target = clip(read->channel.empty() ? read->with : read->channel);
        // A conversation one cannot read has no marker to tell of.
        if (!read->ts_ms) return markread_line(settings_.server_name, target, 0);
        return irc::line(
            "", settings_.server_name, "FAIL", {"MARKREAD", "INVALID_TARGET", target, message}
        );
    }
    if (const auto* history = std::get_if<ChatHistory>(&c)) {
        const std::string_view target =
            clip(history->channel.empty() ? history->with : history->channel);
        std::string_view fail_code = "MESSAGE_ERROR";
        switch (code) {
            case Errc::not_in_channel:
            case Errc::no_such_channel:
            case Errc::no_such_user:
            case Errc::bad_name:
                fail_code = "INVALID_TARGET";
                break;
            case Errc::bad_request:
                fail_code = "INVALID_PARAMS";
                break;
            default:
                break;
        }
        return irc::line(
            "", settings_.server_name, "FAIL", {"CHATHISTORY", fail_code, extra, target, message}
        );
    }
    if (std::holds_alternative<HistoryTargets>(c)) {
        return irc::line(
            "", settings_.server_name, "FAIL", {"CHATHISTORY", "MESSAGE_ERROR", extra, message}
        );
    }
    if (const auto* d = std::get_if<Delete>(&c)) {
        const std::string_view target = clip(d->channel.empty() ? d->with : d->channel);
        auto fail = [&](std::vector<std::string_view> params) {
            params.insert(params.begin(), {"REDACT"});
            params.push_back(message);
            return irc::line("", settings_.server_name, "FAIL", params);
        };
        switch (code) {
            case Errc::forbidden:
                return fail({"REDACT_FORBIDDEN", target, extra});
            case Errc::no_such_message:
                return fail({"UNKNOWN_MSGID", target, extra});
            case Errc::not_in_channel:
            case Errc::no_such_channel:
            case Errc::no_such_user:
            case Errc::bad_name:
                return fail({"INVALID_TARGET", target});
            default:
                return generic();
        }
    }
    if (const auto* whois = std::get_if<Whois>(&c)) {
        return numeric("401", {clip(whois->user), "No such nick/channel"}) +
               numeric("318", {clip(whois->user), "End of /WHOIS list"});
    }

    if (const auto* rename = std::get_if<Rename>(&c)) {
        {
            std::lock_guard lock(echoes_mutex_);
            own_renames_.erase(irc::ascii_fold(rename->to));
        }
        if (code == Errc::name_taken) return numeric("433", {clip(rename->to), message});
        if (code == Errc::bad_name) return numeric("432", {clip(rename->to), "Erroneous nickname"});
        return generic();
    }
    if (std::holds_alternative<Oper>(c)) {
        if (code == Errc::bad_credentials) return numeric("464", {"Password incorrect"});
        if (code == Errc::forbidden || code == Errc::no_such_user)
            return numeric("491", {"No O-lines for your host"});
        return generic();
    }
    if (std::holds_alternative<Kill>(c) || std::holds_alternative<Wallops>(c)) {
        if (code == Errc::forbidden)
            return numeric("481", {"Permission Denied- You're not an IRC operator"});
        if (const auto* kill = std::get_if<Kill>(&c); kill && code == Errc::no_such_user)
            return numeric("401", {clip(kill->user), "No such nick/channel"});
        return generic();
    }
    if (const auto* i = std::get_if<Invite>(&c)) {
        switch (code) {
            case Errc::not_in_channel:
                return numeric("442", {clip(i->channel), "You're not on that channel"});
            case Errc::forbidden:
                return numeric("482", {clip(i->channel), "You're not channel operator"});
            case Errc::no_such_user:
                return numeric("401", {clip(i->user), "No such nick/channel"});
            case Errc::already_in_channel:
                return numeric("443", {clip(i->user), clip(i->channel), "is already on channel"});
            case Errc::no_such_channel:
            case Errc::bad_name:
                return no_channel(i->channel);
            default:
                return generic();
        }
    }

    // Moderation: TOPIC, KICK and the MODE changes.
    std::string channel;
    std::string user;
    if (const auto* t = std::get_if<Topic>(&c)) channel = t->channel;
    if (const auto* k = std::get_if<Kick>(&c))
        std::tie(channel, user) = std::tie(k->channel, k->user);
    if (const auto* mode = std::get_if<Mode>(&c)) {
        channel = mode->channel;
        // The users named: the first one stands for the change that failed.
        if (!mode->args.empty()) user = mode->args.front();
    }
    if (!channel.empty()) {
        // A channel name that is not one fails before any user is looked at.
        if (code == Errc::bad_name && !core::canonical_channel_name(channel))
            return no_channel(channel);
        switch (code) {
            case Errc::forbidden:
                return numeric("482", {clip(channel), "You're not channel operator"});
            case Errc::list_full:
                return numeric("478", {clip(channel), full_list_letter(c), "Channel list is full"});
            case Errc::no_such_channel:
                return no_channel(channel);
            case Errc::no_such_user:
                return numeric("401", {clip(user), "No such nick/channel"});
            case Errc::not_in_channel:
                return numeric("441", {clip(user), clip(channel), "They aren't on that channel"});
            case Errc::bad_name:
                if (!user.empty()) return numeric("401", {clip(user), "No such nick/channel"});
                return no_channel(channel);
            default:
                return generic();
        }
    }
    return generic();
}

std::string IrcCodec::rejected(const DecodeError& error) {
    if (error.code == Errc::line_too_long) {
        return numeric("417", {"Input line was too long"}) +
               irc::line("", "", "ERROR", {"Closing Link: " + me() + " (Input line was too long)"});
    }
    if (error.code == Errc::bad_utf8) {
        // UTF8ONLY says how: an IRCv3 standard reply, which clients that did not ask for
        // standard-replies show as an unknown line rather than take for a message.
        const std::string_view command = read_ref(error.ref).command;
        return irc::line(
            "",
            settings_.server_name,
            "FAIL",
            {command, "INVALID_UTF8", "Rejected: " + error.message}
        );
    }
    return irc::line("", settings_.server_name, "NOTICE", {me(), error.message});
}

// ---------------------------------------------------------------------------------------------
// labeled-response

std::optional<std::string> IrcCodec::label_of(const irc::Message& m) const {
    constexpr std::uint32_t kNeeded = kCapLabeledResponse | kCapBatch;
    if ((caps() & kNeeded) != kNeeded) return std::nullopt;
    for (const auto& [key, value] : m.tags) {
        if (key != "label") continue;
        const bool printable = std::ranges::none_of(value, [](char c) {
            return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        });
        if (value.empty() || value.size() > kMaxLabelBytes || !printable) return std::nullopt;
        return value;
    }
    return std::nullopt;
}

Codec::Input IrcCodec::with_label(Input input, const std::string& label) {
    if (auto* answered = std::get_if<Answered>(&input))
        return Answered{labeled_whole(label, std::move(answered->bytes))};
    if (auto* request = std::get_if<Request>(&input)) {
        // A handler that did not reach finished() (the connection closing) left nothing open.
        labeled_batch_.clear();
        labeled_answered_ = false;
        request->ref = labeled_ref(request->ref, label, several_replies(request->command));
    }
    return input;
}

std::string IrcCodec::labeled_reply(const Request& request, std::string lines) {
    const auto label = label_in(request.ref);
    if (!label) return lines;
    if (!label->several) {
        // A post's reply comes on the delivery strand, whole: it leaves the state alone.
        if (!is_post(request.command)) labeled_answered_ = true;
        return labeled_whole(label->label, std::move(lines));
    }
    if (lines.empty()) return lines;
    std::string out;
    if (labeled_batch_.empty()) {
        labeled_batch_ = "labeled" + std::to_string(++batches_);
        out = batch_start(label->label, labeled_batch_);
    }
    return out + irc::with_tag(lines, "batch=" + labeled_batch_);
}

std::string IrcCodec::finished(const Request& request) {
    const auto label = label_in(request.ref);
    if (!label || is_post(request.command)) return {};  // a post's reply may be still to come
    std::string out;
    if (!labeled_batch_.empty()) {
        out = batch_end(labeled_batch_);
    } else if (!labeled_answered_) {
        out = labeled_whole(label->label, {});
    }
    labeled_batch_.clear();
    labeled_answered_ = false;
    return out;
}

std::string IrcCodec::labeled_whole(std::string_view label, std::string lines) const {
    const std::string tag = "label=" + irc::escape_tag_value(label);
    if (lines.empty())
        return irc::line(tag, settings_.server_name, "ACK", {}, irc::Trailing::when_needed);
    if (irc::line_count(lines) == 1) return irc::with_tag(lines, tag);
    const std::string id = "labeled" + std::to_string(++batches_);
    return batch_start(label, id) + irc::with_tag(lines, "batch=" + id) + batch_end(id);
}

std::string IrcCodec::batch_start(std::string_view label, std::string_view id) const {
    return irc::line(
        "label=" + irc::escape_tag_value(label),
        settings_.server_name,
        "BATCH",
        {"+" + std::string(id), "labeled-response"},
        irc::Trailing::when_needed
    );
}

std::string IrcCodec::batch_end(std::string_view id) const {
    return irc::line(
        "", settings_.server_name, "BATCH", {"-" + std::string(id)}, irc::Trailing::when_needed
    );
}

// ---------------------------------------------------------------------------------------------
// Events

std::size_t IrcCodec::event_format() const noexcept {
    const std::uint32_t c = caps();
    const std::size_t level = (c & kCapMessageTags) != 0                     ? 2
                              : (c & (kCapServerTime | kCapAccountTag)) != 0 ? 1
                                                                             : 0;
    const std::size_t batch = (c & kCapBatch) != 0 ? 1 : 0;
    const std::size_t redaction = (c & kCapMessageRedaction) != 0 ? 1 : 0;
    return kFirstEventFormat + 2 * (2 * level + batch) + redaction;
}

std::string IrcCodec::event(const core::Event& event) const {
    const Format format = format_of(event_format());
    const std::string& server = settings_.server_name;
    if (const auto* m = std::get_if<core::MessageEvent>(&event)) {
        // Without message-tags a reply cannot say what it answers: its text does.
        if (format.tag_level < 2 && m->message.reply_to != 0 &&
            !m->message.reply_quote.from.empty())
            return message_lines(
                with_quote(m->message), m->account, format.tag_level, {}, false, m->bot
            );
        return message_lines(m->message, m->account, format.tag_level, {}, false, m->bot);
    }
    if (const auto* j = std::get_if<core::JoinEvent>(&event)) {
        const std::string display = channel_display(j->channel);
        std::string out =
            irc::line("", prefix_of(j->user), "JOIN", {display}, irc::Trailing::when_needed);
        // IRC's JOIN has no room for status: the server grants it right after, as ChanServ does.
        if (j->op)
            out +=
                irc::line("", server, "MODE", {display, "+o", j->user}, irc::Trailing::when_needed);
        return out;
    }
    if (const auto* p = std::get_if<core::PartEvent>(&event)) {
        const std::string display = channel_display(p->channel);
        if (p->by.empty() && p->reason.empty())
            return irc::line("", prefix_of(p->user), "PART", {display}, irc::Trailing::when_needed);
        if (p->by.empty()) return irc::line("", prefix_of(p->user), "PART", {display, p->reason});
        // RFC 2812: a KICK without a comment carries the kicker's nick.
        const std::string& comment = p->reason.empty() ? p->by : p->reason;
        return irc::line("", prefix_of(p->by), "KICK", {display, p->user, comment});
    }
    if (const auto* q = std::get_if<core::QuitEvent>(&event)) {
        // The user's own words are marked as theirs, so that none can pass for a server's
        // ("Killed (…)", "ping timeout").
        const std::string why = q->message.empty() ? q->reason : "Quit: " + q->message;
        return irc::line("", prefix_of(q->user), "QUIT", {why});
    }
    if (const auto* r = std::get_if<core::RenameEvent>(&event))
        return irc::line("", prefix_of(r->user), "NICK", {r->to}, irc::Trailing::when_needed);
    if (const auto* t = std::get_if<core::TopicEvent>(&event))
        return irc::line("", prefix_of(t->by), "TOPIC", {channel_display(t->channel), t->topic});
    if (const auto* mode = std::get_if<core::ModeEvent>(&event)) {
        const std::string display = channel_display(mode->channel);
        std::vector<std::string_view> params{display, mode->modes};
        params.insert(params.end(), mode->args.begin(), mode->args.end());
        return irc::line("", prefix_of(mode->by), "MODE", params, irc::Trailing::when_needed);
    }
    if (const auto* invite = std::get_if<core::InviteEvent>(&event)) {
        return irc::line(
            "",
            prefix_of(invite->by),
            "INVITE",
            {invite->user, channel_display(invite->channel)},
            irc::Trailing::when_needed
        );
    }
    if (std::holds_alternative<core::PingEvent>(event))
        return irc::line("", "", "PING", {server}, irc::Trailing::when_needed);
    if (const auto* n = std::get_if<core::NoticeEvent>(&event)) {
        // These end the connection: IRC says so with ERROR.
        if (n->code == "shutting_down" || n->code == "send_queue_full" ||
            n->code == "rate_limited" || n->code == "login_timeout" || n->code == "killed" ||
            n->code == "server_banned")
            return irc::line("", "", "ERROR", {"Closing Link: " + n->message});
        return irc::line("", server, "NOTICE", {"*", n->message});
    }
    if (const auto* w = std::get_if<core::WallopsEvent>(&event))
        return irc::line("", prefix_of(w->from), "WALLOPS", {w->text});
    // MONITOR's notices go to whoever watches: `*` stands for the watcher, as the spec allows,
    // so that one encoding serves them all.
    if (const auto* presence = std::get_if<core::PresenceEvent>(&event)) {
        if (presence->online) return irc::line("", server, "730", {"*", prefix_of(presence->user)});
        return irc::line("", server, "731", {"*", presence->user});
    }
    if (const auto* away = std::get_if<core::AwayEvent>(&event)) {
        if (away->message.empty())
            return irc::line("", prefix_of(away->user), "AWAY", {}, irc::Trailing::when_needed);
        return irc::line("", prefix_of(away->user), "AWAY", {away->message});
    }
    if (const auto* r = std::get_if<core::RealnameEvent>(&event))
        return irc::line("", prefix_of(r->user), "SETNAME", {r->realname});
    if (const auto* update = std::get_if<core::UpdateEvent>(&event))
        return change_lines(*update, format.tag_level, format.redaction);
    if (const auto* typing = std::get_if<core::TypingEvent>(&event)) {
        // A client-only tag: only for clients that take tags (accepts()).
        if (format.tag_level < 2) return {};
        const std::string_view state = typing->state == core::TypingState::active   ? "active"
                                       : typing->state == core::TypingState::paused ? "paused"
                                                                                    : "done";
        return irc::line(
            "+typing=" + std::string(state),
            prefix_of(typing->user),
            "TAGMSG",
            {typing->channel.empty() ? typing->to : channel_display(typing->channel)},
            irc::Trailing::when_needed
        );
    }
    if (const auto* relayed = std::get_if<core::TagsEvent>(&event)) {
        // Client-only tags: only for clients that take tags (accepts()).
        if (format.tag_level < 2) return {};
        return irc::line(
            client_tags(relayed->tags),
            prefix_of(relayed->user),
            "TAGMSG",
            {relayed->channel.empty() ? relayed->to : channel_display(relayed->channel)},
            irc::Trailing::when_needed
        );
    }
    if (const auto* read = std::get_if<core::ReadEvent>(&event))
        return markread_line(server, conversation_target(read->channel, read->with), read->ts_ms);
    const auto* history = std::get_if<core::HistoryEvent>(&event);
    if (history == nullptr || history->messages.empty()) return {};
    return history_lines(server, channel_display(history->channel), history->messages, format);
}

std::string IrcCodec::change_lines(const core::UpdateEvent& update, int tag_level, bool redaction)
    const {
    const core::Message& m = update.message;
    const std::string target = m.is_direct() ? m.to : channel_display(m.channel);
    const std::string id = std::to_string(m.id);
    switch (update.change) {
        case core::ChangeKind::remove: {
            if (!redaction) return change_note(update, target, tag_level);
            std::vector<std::string_view> params{target, id};
            if (!update.reason.empty()) params.emplace_back(update.reason);
            return irc::line(
                "", prefix_of(update.by), "REDACT", params, irc::Trailing::when_needed
            );
        }
        case core::ChangeKind::react:
        case core::ChangeKind::unreact: {
            // In a direct message the TAGMSG goes to the other party: the author when the
            // recipient reacts.
            const bool by_recipient =
                m.is_direct() && irc::ascii_fold(update.by) == irc::ascii_fold(m.to);
            const std::string& to = by_recipient ? m.from : target;
            if (tag_level < 2) return change_note(update, to, tag_level);
            return reaction_line(
                update.by, to, m.id, update.emoji, update.change == core::ChangeKind::react
            );
        }
        case core::ChangeKind::edit: {
            // IRC has no edits: the new text comes as a line of its own, saying so, that
            // answers the original (+draft/reply) and carries no msgid of its own.
            core::Message line = m;
            line.id = 0;
            line.reply_to = m.id;
            line.ts_ms = m.edited_ms;
            line.text = "* " + update.by + " edited: " + m.text;
            return message_lines(line, {}, tag_level, {});
        }
    }
    return {};
}

bool IrcCodec::accepts(const core::Event& event) const noexcept {
    if (const auto* update = std::get_if<core::UpdateEvent>(&event)) {
        switch (update->change) {
            case core::ChangeKind::remove:
                return true;  // REDACT, or without draft/message-redaction a line saying so
            case core::ChangeKind::react:
            case core::ChangeKind::unreact: {
                if ((caps() & kCapMessageTags) == 0) return true;  // a line saying so
                try {
                    if (irc::ascii_fold(update->by) != irc::ascii_fold(me())) return true;
                    const bool on = update->change == core::ChangeKind::react;
                    const std::string key = reaction_key(update->message.id, update->emoji, on);
                    std::lock_guard lock(echoes_mutex_);
                    return own_reactions_.erase(key) == 0;
                } catch (...) {
                    return true;
                }
            }
            case core::ChangeKind::edit:
                return true;
        }
    }
    if (std::holds_alternative<core::TypingEvent>(event) ||
        std::holds_alternative<core::TagsEvent>(event))
        return (caps() & kCapMessageTags) != 0;
    if (std::holds_alternative<core::ReadEvent>(event)) return (caps() & kCapReadMarker) != 0;
    if (std::holds_alternative<core::WallopsEvent>(event)) return wallops_;
    // away-notify and setname; extended-monitor for a user seen through MONITOR alone.
    const std::uint32_t c = caps();
    const auto wanted = [c](std::uint32_t cap, core::Audience audience) {
        return (c & cap) != 0 &&
               (audience == core::Audience::shared_channel || (c & kCapExtendedMonitor) != 0);
    };
    if (const auto* away = std::get_if<core::AwayEvent>(&event))
        return wanted(kCapAwayNotify, away->audience);
    if (const auto* r = std::get_if<core::RealnameEvent>(&event))
        return wanted(kCapSetname, r->audience);
    try {
        if (const auto* m = std::get_if<core::MessageEvent>(&event)) {
            if (m->message.is_direct()) return true;
            std::lock_guard lock(echoes_mutex_);
            return own_posts_.erase(m->message.id) == 0;
        }
        if (const auto* j = std::get_if<core::JoinEvent>(&event)) {
            std::lock_guard lock(echoes_mutex_);
            const auto it = shown_joins_.find(j->channel);
            if (it == shown_joins_.end() || irc::ascii_fold(j->user) != irc::ascii_fold(me()))
                return true;
            shown_joins_.erase(it);
            return false;
        }
        if (const auto* r = std::get_if<core::RenameEvent>(&event)) {
            std::lock_guard lock(echoes_mutex_);
            return own_renames_.erase(irc::ascii_fold(r->to)) == 0;
        }
    } catch (...) {
        return true;  // allocation failure while folding: better a duplicate than a lost line
    }
    return true;
}

}  // namespace salon::proto
