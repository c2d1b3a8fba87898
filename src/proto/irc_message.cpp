#include "proto/irc_message.hpp"

#include <array>
#include <cstdint>

#include "core/utf8.hpp"

namespace salon::proto::irc {
namespace {

bool is_space(char c) {
    return c == ' ';
}

/// The length of the longest prefix of `text` within `max_bytes` that does not cut a UTF-8
/// character (continuation bytes are 10xxxxxx).
std::size_t utf8_cut(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text.size();
    const auto continues = [&](std::size_t i) {
        return (static_cast<unsigned char>(text[i]) & 0xC0U) == 0x80U;
    };
    std::size_t cut = max_bytes;
    while (cut > 0 && continues(cut)) --cut;
    // Back at a character's start: not even it fits, and nothing is taken. Back at a stray
    // continuation byte (invalid UTF-8): cut anywhere.
    return cut == 0 && continues(0) ? max_bytes : cut;
}

/// `text` with each byte that does not start a valid UTF-8 character replaced by U+FFFD.
std::string replace_invalid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t start = pos;
        if (core::decode_utf8(text, pos)) {
            out += text.substr(start, pos - start);
        } else {
            out += "\xEF\xBF\xBD";
        }
    }
    return out;
}

bool is_blank(std::string_view text) {
    return text.find_first_not_of(" \t") == std::string_view::npos;
}

}  // namespace

std::optional<Message> parse(std::string_view rest) {
    Message m;
    auto skip_spaces = [&] {
        while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    };
    auto word = [&] {
        const auto end = rest.find(' ');
        const std::string_view w = rest.substr(0, end);
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
        return w;
    };

    skip_spaces();
    if (rest.starts_with('@')) {
        rest.remove_prefix(1);
        std::string_view tags = word();
        while (!tags.empty()) {
            const auto end = tags.find(';');
            const std::string_view tag = tags.substr(0, end);
            tags.remove_prefix(end == std::string_view::npos ? tags.size() : end + 1);
            if (tag.empty()) continue;
            const auto eq = tag.find('=');
            if (eq == std::string_view::npos) {
                m.tags.emplace_back(std::string(tag), std::string());
            } else {
                m.tags.emplace_back(
                    std::string(tag.substr(0, eq)), unescape_tag_value(tag.substr(eq + 1))
                );
            }
        }
        skip_spaces();
    }
    if (rest.starts_with(':')) {
        rest.remove_prefix(1);
        m.source = std::string(word());
        skip_spaces();
    }
    const std::string_view command = word();
    if (command.empty()) return std::nullopt;
    m.command = std::string(command);
    for (char& c : m.command) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    for (;;) {
        skip_spaces();
        if (rest.empty()) break;
        if (rest.front() == ':') {
            m.params.emplace_back(rest.substr(1));
            break;
        }
        m.params.emplace_back(word());
    }
    return m;
}

std::string escape_tag_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        switch (c) {
            case ';':
                out += "\\:";
                break;
            case ' ':
                out += "\\s";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string unescape_tag_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '\\') {
            out += value[i];
            continue;
        }
        if (++i == value.size()) break;  // a lone trailing backslash is dropped
        switch (value[i]) {
            case ':':
                out += ';';
                break;
            case 's':
                out += ' ';
                break;
            case 'r':
                out += '\r';
                break;
            case 'n':
                out += '\n';
                break;
            default:
                out += value[i];  // "\\" and any other escaped character stand for themselves
        }
    }
    return out;
}

bool is_valid_command(std::string_view command) noexcept {
    if (command.empty()) return false;
    if (command.size() == 3 && command.find_first_not_of("0123456789") == std::string_view::npos)
        return true;
    for (const char c : command) {
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
    }
    return true;
}

namespace {

/// Appends `text` with CR, LF and NUL as spaces: text from elsewhere (a topic, a reason) can
/// never end an IRC line early or add one.
void append_with_line_breaks_as_spaces(std::string& out, std::string_view text) {
    constexpr std::string_view kBreaks("\r\n\0", 3);
    for (auto at = text.find_first_of(kBreaks); at != std::string_view::npos;
         at = text.find_first_of(kBreaks)) {
        out.append(text.substr(0, at));
        out += ' ';
        text.remove_prefix(at + 1);
    }
    out.append(text);
}

}  // namespace

std::string line(
    std::string_view tags,
    std::string_view source,
    std::string_view command,
    const std::vector<std::string_view>& params,
    Trailing trailing,
    Budget budget
) {
    std::string out;
    out.reserve(tags.size() + source.size() + command.size() + 64);
    if (!tags.empty()) {
        out += '@';
        out += tags;
        out += ' ';
    }
    if (!source.empty()) {
        out += ':';
        out += source;
        out += ' ';
    }
    const std::size_t line_start = budget == Budget::without_source ? out.size()
                                   : tags.empty()                   ? 0
                                                                    : tags.size() + 2;
    out += command;
    for (std::size_t i = 0; i < params.size(); ++i) {
        out += ' ';
        // UTF8ONLY: whatever a parameter holds, the line is UTF-8 (the codec refuses input
        // that is not, so this only guards text that came in some other way).
        std::string repaired;
        std::string_view p = params[i];
        if (!core::is_valid_utf8(p)) {
            repaired = replace_invalid_utf8(p);
            p = repaired;
        }
        const bool last = i + 1 == params.size();
        const bool needed = p.empty() || p.front() == ':' || p.find(' ') != p.npos;
        // A relayed text of one word may have come without its ':': that byte is ours.
        const bool ours = last && !needed && budget == Budget::without_source;
        if (last && (trailing == Trailing::always || needed)) out += ':';
        std::size_t room = p.size();
        if (last) {
            const std::size_t used =
                out.size() - line_start + 2 - (ours && out.back() == ':' ? 1 : 0);  // + "\r\n"
            room = used >= kMaxLineBytes ? 0 : utf8_cut(p, kMaxLineBytes - used);
        }
        append_with_line_breaks_as_spaces(out, p.substr(0, room));
    }
    out += "\r\n";
    return out;
}

std::string with_tag(std::string_view lines, std::string_view tag) {
    std::string out;
    out.reserve(lines.size() + (tag.size() + 2) * line_count(lines));
    while (!lines.empty()) {
        const auto end = lines.find("\r\n");
        std::string_view one =
            lines.substr(0, end == std::string_view::npos ? lines.size() : end + 2);
        lines.remove_prefix(one.size());
        out += '@';
        out += tag;
        if (one.starts_with('@')) {
            out += ';';
            one.remove_prefix(1);
        } else {
            out += ' ';
        }
        out += one;
    }
    return out;
}

std::size_t line_count(std::string_view lines) noexcept {
    std::size_t count = 0;
    for (auto at = lines.find("\r\n"); at != std::string_view::npos;
         at = lines.find("\r\n", at + 2))
        ++count;
    return count;
}

std::vector<std::string> split_text(
    std::string_view text, std::size_t max_bytes, std::size_t max_pieces
) {
    std::vector<std::string> pieces;
    if (max_bytes == 0 || max_pieces == 0) return pieces;
    std::size_t left_out = 0;  // pieces past max_pieces - 1, counted once the limit is reached
    while (!text.empty()) {
        const auto newline = text.find('\n');
        std::string current;
        // Span by span: a history reply splits hundreds of long texts.
        std::string_view piece = text.substr(0, newline);
        constexpr std::string_view kDropped("\r\0", 2);
        for (auto at = piece.find_first_of(kDropped); at != std::string_view::npos;
             at = piece.find_first_of(kDropped)) {
            current.append(piece.substr(0, at));
            piece.remove_prefix(at + 1);
        }
        current.append(piece);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        if (is_blank(current)) continue;  // an IRC line without text would be empty

        std::string_view rest = current;
        while (!rest.empty()) {
            // A character longer than a whole piece is cut anyway, so that the text ends.
            std::size_t cut = std::max<std::size_t>(1, utf8_cut(rest, max_bytes));
            if (cut < rest.size()) {
                // Prefer a word boundary: the space stays at the end of this piece so that the
                // pieces put back together are the original text.
                const auto space = rest.substr(0, cut).rfind(' ');
                if (space != std::string_view::npos && space > 0) cut = space + 1;
            }
            if (pieces.size() + 1 < max_pieces) {
                pieces.emplace_back(rest.substr(0, cut));
            } else {
                ++left_out;
                if (left_out == 1) pieces.emplace_back(rest.substr(0, cut));
            }
            rest.remove_prefix(cut);
        }
    }
    // The last piece allowed stands for everything from there on.
    if (left_out > 1) {
        // Appended rather than `"[" + std::to_string(…)`, which g++ 12 at -O3 misreports
        // (-Wrestrict).
        std::string marker("[");
        marker.append(std::to_string(left_out)).append(" more lines not shown]");
        pieces.back() = std::string(core::utf8_prefix(marker, max_bytes));
    }
    return pieces;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::array<int, 4> v{};
        int padding = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            if (c == '=') {
                // Padding only at the very end, and at most two.
                if (i + 4 != text.size() || j < 2) return std::nullopt;
                ++padding;
                v[j] = 0;
                continue;
            }
            if (padding > 0) return std::nullopt;
            v[j] = value(c);
            if (v[j] < 0) return std::nullopt;
        }
        const auto n = static_cast<std::uint32_t>((v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3]);
        out += static_cast<char>((n >> 16) & 0xFFU);
        if (padding < 2) out += static_cast<char>((n >> 8) & 0xFFU);
        if (padding < 1) out += static_cast<char>(n & 0xFFU);
    }
    return out;
}

std::string ascii_fold(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

}  // namespace salon::proto::irc
