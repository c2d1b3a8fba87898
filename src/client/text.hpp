// Text on a terminal: UTF-8 to code points and back, display width of wide and combining
// characters, and wrapping by columns rather than bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace salon::client {

/// Decodes UTF-8; each invalid byte becomes U+FFFD so that nothing is silently lost.
std::u32string utf8_to_u32(std::string_view text);

std::string u32_to_utf8(std::u32string_view text);

/// Terminal columns of one code point: 0 for combining marks and controls, 2 for East Asian
/// wide and fullwidth characters and most emoji, else 1. Independent of the C locale, so the
/// layout is the same in tests and on screen.
int display_width(char32_t c) noexcept;

/// Sum of display_width over a string.
std::size_t display_width(std::u32string_view text) noexcept;

/// Splits `text` into rows of at most `width` columns, breaking at the last space when one
/// fits in the row and mid-word otherwise. Never returns an empty vector.
std::vector<std::u32string> wrap(std::u32string_view text, std::size_t width);

/// True when `text` mentions `nick` as a whole word, ignoring ASCII case.
bool mentions(std::string_view text, std::string_view nick);

}  // namespace salon::client
