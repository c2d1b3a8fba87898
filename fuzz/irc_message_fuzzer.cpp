// IRC's line syntax on one client line (without "\r\n"). Beyond "no crash" it checks that:
// - a parsed line has a non-empty upper-case command, and tag values survive escape/unescape;
// - writing its parameters back with irc::line() gives one line ending "\r\n" with no other CR,
//   LF or NUL, within 512 bytes when the fixed part fits, that parses back to the same
//   parameters (the last one possibly cut);
// - split_text() of the last parameter gives non-empty pieces within the limit that put back
//   together are the text without its line breaks, and stay UTF-8 when the text was.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "core/utf8.hpp"
#include "proto/irc_message.hpp"

namespace {

using salon::fuzz::check;
namespace irc = salon::proto::irc;

bool has_line_breaks(std::string_view text) {
    return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

void check_written_back(const irc::Message& m) {
    const std::string_view source = "nick!user@host";
    std::vector<std::string_view> params(m.params.begin(), m.params.end());
    const std::string out = irc::line("", source, "PRIVMSG", params);
    check(
        out.ends_with("\r\n") && !has_line_breaks(out.substr(0, out.size() - 2)),
        "a written line has no line break but its end"
    );

    // Only the last parameter is cut to fit; the others are the caller's to keep short (a byte
    // that is not UTF-8 grows to U+FFFD's three, so count only those that are UTF-8 already).
    std::size_t fixed = 1 + source.size() + 1 + 7 + 2 + 2;  // ":source PRIVMSG" " :" "\r\n"
    bool middle_utf8 = true;
    for (std::size_t i = 0; i + 1 < params.size(); ++i) {
        fixed += params[i].size() + 1;
        middle_utf8 = middle_utf8 && salon::core::is_valid_utf8(params[i]);
    }
    if (fixed <= irc::kMaxLineBytes && middle_utf8)
        check(out.size() <= irc::kMaxLineBytes, "512 bytes a line");

    check(salon::core::is_valid_utf8(out), "a written line is UTF-8, whatever it was given");

    // Parameters without line breaks and in UTF-8 come back as they were (others are mended).
    bool clean = true;
    for (const auto& p : params)
        clean = clean && !has_line_breaks(p) && salon::core::is_valid_utf8(p);
    if (!clean) return;
    const auto back = irc::parse(out.substr(0, out.size() - 2));
    check(
        back && back->command == "PRIVMSG" && back->params.size() == params.size(),
        "a written line parses back"
    );
    for (std::size_t i = 0; i < params.size(); ++i) {
        const bool last = i + 1 == params.size();
        check(
            last ? params[i].starts_with(back->params[i]) : params[i] == back->params[i],
            "parameters survive writing"
        );
    }
}

void check_split(std::string_view text, std::size_t max_bytes) {
    std::string joined;
    for (const auto& piece : irc::split_text(text, max_bytes, SIZE_MAX)) {
        check(!piece.empty() && piece.size() <= max_bytes, "pieces are non-empty and fit");
        check(!has_line_breaks(piece), "pieces hold no line break");
        if (max_bytes >= 4 && salon::core::is_valid_utf8(text)) {
            check(salon::core::is_valid_utf8(piece), "pieces of UTF-8 are UTF-8");
        }
        joined += piece;
    }
    // Every line of the text without its CR and NUL, the lines of only blanks left out.
    std::string expected;
    for (std::string_view rest = text; !rest.empty();) {
        const auto newline = rest.find('\n');
        std::string current;
        for (const char c : rest.substr(0, newline)) {
            if (c != '\r' && c != '\0') current += c;
        }
        rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
        if (current.find_first_not_of(" \t") != std::string::npos) expected += current;
    }
    check(joined == expected, "the pieces are the text");
    check(
        irc::split_text(text, max_bytes, irc::kMaxLinesPerMessage).size() <=
            irc::kMaxLinesPerMessage,
        "a message becomes a bounded number of lines"
    );
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const auto m = irc::parse(line);
    if (!m) return 0;
    check(!m->command.empty(), "a parsed line has a command");
    for (const char c : m->command) check(!(c >= 'a' && c <= 'z'), "commands are upper-cased");
    for (const auto& [key, value] : m->tags) {
        const auto escaped = irc::escape_tag_value(value);
        check(escaped.find_first_of("; \r\n") == std::string::npos, "escaped tags are one token");
        check(irc::unescape_tag_value(escaped) == value, "tag values survive escaping");
    }
    check_written_back(*m);
    if (!m->params.empty()) {
        const std::string& text = m->params.back();
        check_split(text, 1 + (size % 400));
        (void)irc::base64_decode(text);
    }
    return 0;
}
