// UTF-8 and terminal column arithmetic for the message pane and the input line.
#include "client/text.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "core/utf8.hpp"

namespace salon::client {

std::u32string utf8_to_u32(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    std::size_t pos = 0;
    while (pos < s.size()) out.push_back(core::decode_utf8(s, pos).value_or(U'\uFFFD'));
    return out;
}

std::string u32_to_utf8(std::u32string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char32_t c : text) {
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else if (c < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else if (c < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (c >> 12)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (c >> 18)));
            out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    return out;
}

namespace {

using Range = std::pair<char32_t, char32_t>;

// Combining marks most likely in chat text; a full table would come from Unicode's
// DerivedGeneralCategory, which is not worth the size here.
constexpr std::array kZeroWidth{
    Range{0x0300, 0x036F},
    Range{0x0483, 0x0489},
    Range{0x0591, 0x05BD},
    Range{0x0610, 0x061A},
    Range{0x064B, 0x065F},
    Range{0x0E31, 0x0E31},
    Range{0x0E34, 0x0E3A},
    Range{0x0E47, 0x0E4E},
    Range{0x1AB0, 0x1AFF},
    Range{0x1DC0, 0x1DFF},
    Range{0x200B, 0x200F},
    Range{0x20D0, 0x20FF},
    Range{0xFE00, 0xFE0F},
    Range{0xFE20, 0xFE2F},
    Range{0xE0100, 0xE01EF},
};

// East Asian Wide (W) and Fullwidth (F) blocks, plus the emoji blocks terminals draw wide.
constexpr std::array kWide{
    Range{0x1100, 0x115F},   Range{0x231A, 0x231B},   Range{0x2329, 0x232A},
    Range{0x23E9, 0x23EC},   Range{0x23F0, 0x23F0},   Range{0x23F3, 0x23F3},
    Range{0x25FD, 0x25FE},   Range{0x2614, 0x2615},   Range{0x2648, 0x2653},
    Range{0x267F, 0x267F},   Range{0x2693, 0x2693},   Range{0x26A1, 0x26A1},
    Range{0x26AA, 0x26AB},   Range{0x26BD, 0x26BE},   Range{0x26C4, 0x26C5},
    Range{0x26CE, 0x26CE},   Range{0x26D4, 0x26D4},   Range{0x26EA, 0x26EA},
    Range{0x26F2, 0x26F3},   Range{0x26F5, 0x26F5},   Range{0x26FA, 0x26FA},
    Range{0x26FD, 0x26FD},   Range{0x2705, 0x2705},   Range{0x270A, 0x270B},
    Range{0x2728, 0x2728},   Range{0x274C, 0x274C},   Range{0x274E, 0x274E},
    Range{0x2753, 0x2755},   Range{0x2757, 0x2757},   Range{0x2795, 0x2797},
    Range{0x27B0, 0x27B0},   Range{0x27BF, 0x27BF},   Range{0x2B1B, 0x2B1C},
    Range{0x2B50, 0x2B50},   Range{0x2B55, 0x2B55},   Range{0x2E80, 0x303E},
    Range{0x3041, 0x33FF},   Range{0x3400, 0x4DBF},   Range{0x4E00, 0x9FFF},
    Range{0xA000, 0xA4CF},   Range{0xA960, 0xA97F},   Range{0xAC00, 0xD7A3},
    Range{0xF900, 0xFAFF},   Range{0xFE10, 0xFE19},   Range{0xFE30, 0xFE6F},
    Range{0xFF00, 0xFF60},   Range{0xFFE0, 0xFFE6},   Range{0x16FE0, 0x16FE4},
    Range{0x17000, 0x18CFF}, Range{0x1B000, 0x1B2FF}, Range{0x1F004, 0x1F004},
    Range{0x1F0CF, 0x1F0CF}, Range{0x1F18E, 0x1F18E}, Range{0x1F191, 0x1F19A},
    Range{0x1F200, 0x1F251}, Range{0x1F300, 0x1F320}, Range{0x1F32D, 0x1F335},
    Range{0x1F337, 0x1F37C}, Range{0x1F37E, 0x1F393}, Range{0x1F3A0, 0x1F3CA},
    Range{0x1F3CF, 0x1F3D3}, Range{0x1F3E0, 0x1F3F0}, Range{0x1F3F4, 0x1F3F4},
    Range{0x1F3F8, 0x1F43E}, Range{0x1F440, 0x1F440}, Range{0x1F442, 0x1F4FC},
    Range{0x1F4FF, 0x1F53D}, Range{0x1F54B, 0x1F54E}, Range{0x1F550, 0x1F567},
    Range{0x1F57A, 0x1F57A}, Range{0x1F595, 0x1F596}, Range{0x1F5A4, 0x1F5A4},
    Range{0x1F5FB, 0x1F64F}, Range{0x1F680, 0x1F6C5}, Range{0x1F6CC, 0x1F6CC},
    Range{0x1F6D0, 0x1F6D2}, Range{0x1F6D5, 0x1F6D7}, Range{0x1F6EB, 0x1F6EC},
    Range{0x1F6F4, 0x1F6FC}, Range{0x1F7E0, 0x1F7EB}, Range{0x1F90C, 0x1F93A},
    Range{0x1F93C, 0x1F945}, Range{0x1F947, 0x1F9FF}, Range{0x1FA70, 0x1FAFF},
    Range{0x20000, 0x2FFFD}, Range{0x30000, 0x3FFFD},
};

template <std::size_t N>
bool in_ranges(const std::array<Range, N>& ranges, char32_t c) noexcept {
    const auto it =
        std::upper_bound(ranges.begin(), ranges.end(), c, [](char32_t value, const Range& r) {
            return value < r.first;
        });
    return it != ranges.begin() && c <= std::prev(it)->second;
}

bool is_space(char32_t c) noexcept {
    return c == U' ' || c == U'\t';
}

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_name_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

}  // namespace

int display_width(char32_t c) noexcept {
    if (c == 0) return 0;
    if (c < 0x20 || (c >= 0x7F && c < 0xA0)) return 0;
    if (in_ranges(kZeroWidth, c)) return 0;
    if (in_ranges(kWide, c)) return 2;
    return 1;
}

std::size_t display_width(std::u32string_view text) noexcept {
    std::size_t w = 0;
    for (char32_t c : text) w += static_cast<std::size_t>(display_width(c));
    return w;
}

namespace {

bool starts_url(std::u32string_view word) {
    return word.starts_with(U"http://") || word.starts_with(U"https://") ||
           word.starts_with(U"www.");
}

}  // namespace

std::vector<std::u32string> wrap(std::u32string_view text, std::size_t width) {
    std::vector<std::u32string> rows;
    if (width == 0) width = 1;
    while (!text.empty()) {
        std::size_t cols = 0;
        std::size_t end = 0;  // code points that fit
        while (end < text.size()) {
            const auto w = static_cast<std::size_t>(display_width(text[end]));
            if (cols + w > width) break;
            cols += w;
            ++end;
        }
        if (end == text.size()) {
            rows.emplace_back(text);
            break;
        }
        if (end == 0) end = 1;  // a wide character in a one-column pane still has to go somewhere
        std::size_t cut = end;
        // Prefer breaking after the last space in the row, unless that leaves it nearly empty;
        // but a URL moves to the next row whole rather than being cut, wherever its space is.
        std::size_t space = end;
        while (space > 0 && !is_space(text[space])) --space;
        if (space > 0 && (space > end / 2 || starts_url(text.substr(space + 1)))) cut = space;
        rows.emplace_back(text.substr(0, cut));
        text.remove_prefix(cut);
        while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    }
    if (rows.empty()) rows.emplace_back();
    return rows;
}

bool mentions(std::string_view text, std::string_view nick) {
    if (nick.empty() || text.size() < nick.size()) return false;
    for (std::size_t i = 0; i + nick.size() <= text.size(); ++i) {
        bool match = true;
        for (std::size_t k = 0; k < nick.size() && match; ++k) {
            match = ascii_lower(text[i + k]) == ascii_lower(nick[k]);
        }
        if (!match) continue;
        const bool left_ok = i == 0 || !is_name_char(text[i - 1]);
        const std::size_t after = i + nick.size();
        const bool right_ok = after == text.size() || !is_name_char(text[after]);
        if (left_ok && right_ok) return true;
    }
    return false;
}

}  // namespace salon::client
