// UTF-8 validation for frames and message texts.
#pragma once

#include <optional>
#include <string_view>

namespace salon::core {

/// Decodes the character that starts at `pos` and moves `pos` past it. For a malformed or
/// truncated sequence it returns nullopt and moves `pos` one byte on, so a caller can replace
/// it (U+FFFD) and go on. Requires pos < text.size().
std::optional<char32_t> decode_utf8(std::string_view text, std::size_t& pos) noexcept;

/// True when `text` is well-formed UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
bool is_valid_utf8(std::string_view text) noexcept;

/// The longest prefix of valid UTF-8 `text` that fits in `max_bytes` without splitting a
/// character.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept;

/// The number of code points in valid UTF-8 (continuation bytes are not counted).
std::size_t code_points(std::string_view text) noexcept;

}  // namespace salon::core
