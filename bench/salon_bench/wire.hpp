// What salon-bench writes and recognises on the wire: the timestamped payload and the few
// lines of the native protocol, IRC and Redis RESP it has to tell apart.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace salon::bench {

enum class Protocol { native, irc, redis };

/// What a measured message carries in its text: when it was sent (CLOCK_MONOTONIC ns in
/// this process), by which sender, and that sender's sequence number.
struct Payload {
    std::uint64_t sent_ns = 0;
    std::uint32_t sender = 0;
    std::uint64_t seq = 0;
};

/// "~T<ns>:<sender>:<seq>:" then 'x' up to `bytes`. Only characters that need no escaping
/// in JSON, IRC or RESP, so the server relays it byte for byte.
inline std::string make_payload(const Payload& p, std::size_t bytes) {
    std::string text = "~T" + std::to_string(p.sent_ns) + ':' + std::to_string(p.sender) + ':' +
                       std::to_string(p.seq) + ':';
    if (text.size() < bytes) text.append(bytes - text.size(), 'x');
    return text;
}

namespace detail {
inline bool read_number(std::string_view& s, std::uint64_t& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc{} || end == s.data() || end == s.data() + s.size() || *end != ':') {
        return false;
    }
    s.remove_prefix(static_cast<std::size_t>(end - s.data()) + 1);
    return true;
}
}  // namespace detail

/// Parses a text that starts with a payload; anything else is not ours.
inline std::optional<Payload> parse_payload(std::string_view text) {
    if (!text.starts_with("~T")) return std::nullopt;
    text.remove_prefix(2);
    Payload p;
    std::uint64_t sender = 0;
    if (!detail::read_number(text, p.sent_ns) || !detail::read_number(text, sender) ||
        !detail::read_number(text, p.seq) || sender > UINT32_MAX) {
        return std::nullopt;
    }
    p.sender = static_cast<std::uint32_t>(sender);
    return p;
}

/// The message text a delivery line carries, or nothing if the line is not a delivery:
/// native `{"MSG":{…,"text":"…"}}`, IRC `:prefix PRIVMSG #chan :text`, Redis the payload
/// line of a `message` push (the bulk string lines of RESP arrive one per line).
inline std::optional<std::string_view> delivery_text(Protocol protocol, std::string_view line) {
    switch (protocol) {
        case Protocol::native: {
            if (!line.starts_with(R"({"MSG":)")) return std::nullopt;
            const auto at = line.find(R"("text":")");
            if (at == std::string_view::npos) return std::nullopt;
            return line.substr(at + 8);
        }
        case Protocol::irc: {
            if (!line.starts_with(':')) return std::nullopt;
            const auto command = line.find(" PRIVMSG ");
            if (command == std::string_view::npos) return std::nullopt;
            const auto trailing = line.find(" :", command + 9);
            if (trailing == std::string_view::npos) return std::nullopt;
            return line.substr(trailing + 2);
        }
        case Protocol::redis:
            if (!line.starts_with("~T")) return std::nullopt;
            return line;
    }
    return std::nullopt;
}

/// The three-digit numeric of a server reply `:server 001 nick …`, or -1.
inline int irc_numeric(std::string_view line) {
    if (!line.starts_with(':')) return -1;
    const auto space = line.find(' ');
    if (space == std::string_view::npos || line.size() < space + 5 || line[space + 4] != ' ') {
        return -1;
    }
    int code = 0;
    for (std::size_t i = space + 1; i < space + 4; ++i) {
        if (line[i] < '0' || line[i] > '9') return -1;
        code = code * 10 + (line[i] - '0');
    }
    return code;
}

/// The id of a SEND's reply `{"OK":{"id":42,"ts":…}}` (salon-bench sends no `ref`, so the id
/// comes first); nothing for any other OK, e.g. a HISTORY page whose messages carry ids.
inline std::optional<std::uint64_t> native_ok_id(std::string_view line) {
    constexpr std::string_view kPrefix = R"({"OK":{"id":)";
    if (!line.starts_with(kPrefix)) return std::nullopt;
    std::uint64_t id = 0;
    const char* begin = line.data() + kPrefix.size();
    const auto [end, ec] = std::from_chars(begin, line.data() + line.size(), id);
    if (ec != std::errc{} || end == begin) return std::nullopt;
    return id;
}

}  // namespace salon::bench
