// Rules for user and channel names (PROTOCOL.md "Values").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace salon::core {

inline constexpr std::size_t kMaxUserNameBytes = 32;     // PROTOCOL.md: 1-32 characters
inline constexpr std::size_t kMaxChannelNameBytes = 50;  // PROTOCOL.md: 1-50 characters

/// True for 1-32 of A-Z a-z 0-9 _ - .
bool is_valid_user_name(std::string_view name) noexcept;

/// The key under which user names are unique: ASCII lower case.
std::string fold_user_name(std::string_view name);

/// Names starting with "Guest" in any case belong to guests and can never be registered.
bool is_guest_name(std::string_view name) noexcept;

/// The canonical channel name: a leading '#' dropped, lower-cased, then checked against
/// 1-50 of a-z 0-9 _ -. nullopt when the result is not a valid name.
std::optional<std::string> canonical_channel_name(std::string_view name);

}  // namespace salon::core
