// How stored messages, markers and authorship name their owners and conversations. Guest names
// are reused, so nothing stored is keyed by a display name alone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/names.hpp"

namespace salon::core {

/// Who owns stored data: a registered user's folded name ("alice"), or a guest's folded name,
/// '#' and a serial unique to that login ("guest12#40117"): a guest's DMs, read markers and
/// authorship belong to its current login only.
using UserKey = std::string;

/// `guest_serial` is 0 for a registered user.
UserKey user_key(const UserName& name, std::uint64_t guest_serial);

/// The folded user name a key belongs to ("guest12" for "guest12#40117").
std::string_view key_name(std::string_view key) noexcept;

/// The serial of a guest's key (40117 for "guest12#40117"); 0 for a registered user's.
std::uint64_t guest_serial(std::string_view key) noexcept;

/// A stored conversation: a channel's canonical name, or for direct messages the two parties'
/// keys in byte order joined by a space. Channel names never hold a space, so the two kinds
/// never collide.
std::string channel_conversation(const ChannelName& channel);
std::string direct_conversation(std::string_view key_a, std::string_view key_b);

/// The key of the other party of a direct conversation that `key` is in; empty when `key` is
/// not one of its parties (or `conversation` is a channel's).
std::string_view direct_partner(std::string_view conversation, std::string_view key) noexcept;

}  // namespace salon::core
