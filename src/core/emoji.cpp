#include "core/emoji.hpp"

#include "core/utf8.hpp"

namespace salon::core {
namespace {

/// Unicode category Cc: the C0 and C1 controls and DEL.
bool is_control(char32_t c) noexcept {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

/// Unicode's White_Space property, less the controls is_control() already covers.
bool is_white_space(char32_t c) noexcept {
    switch (c) {
        case 0x0020:
        case 0x00A0:
        case 0x1680:
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x3000:
            return true;
        default:
            return c >= 0x2000 && c <= 0x200A;
    }
}

}  // namespace

bool is_valid_emoji(std::string_view emoji) noexcept {
    if (emoji.empty() || emoji.size() > kMaxEmojiBytes) return false;
    std::size_t pos = 0;
    while (pos < emoji.size()) {
        const auto c = decode_utf8(emoji, pos);
        if (!c || is_control(*c) || is_white_space(*c)) return false;
    }
    return true;
}

}  // namespace salon::core
