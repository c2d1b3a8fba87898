// What a reaction's emoji may be (PROTOCOL.md "REACT").
#pragma once

#include <cstddef>
#include <string_view>

namespace salon::core {

inline constexpr std::size_t kMaxEmojiBytes = 32;  // PROTOCOL.md: 1-32 bytes of UTF-8

/// True for 1-32 bytes of valid UTF-8 holding no Unicode whitespace (White_Space) and no
/// control character (category Cc). Anything else is allowed, so that emoji sequences joined by
/// U+200D (ZWJ, category Cf) or carrying variation selectors stay whole; the server does not try
/// to tell an emoji from a word.
bool is_valid_emoji(std::string_view emoji) noexcept;

}  // namespace salon::core
