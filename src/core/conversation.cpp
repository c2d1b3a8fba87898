#include "core/conversation.hpp"

#include <charconv>
#include <string>

namespace salon::core {

UserKey user_key(const UserName& name, std::uint64_t guest_serial) {
    if (guest_serial == 0) return name.folded();
    return name.folded() + '#' + std::to_string(guest_serial);
}

std::string_view key_name(std::string_view key) noexcept {
    return key.substr(0, key.find('#'));
}

std::uint64_t guest_serial(std::string_view key) noexcept {
    const std::size_t hash = key.find('#');
    if (hash == std::string_view::npos) return 0;
    std::uint64_t serial = 0;
    const std::string_view digits = key.substr(hash + 1);
    std::from_chars(digits.data(), digits.data() + digits.size(), serial);
    return serial;
}

std::string channel_conversation(const ChannelName& channel) {
    return std::string(channel.str());
}

std::string direct_conversation(std::string_view key_a, std::string_view key_b) {
    if (key_b < key_a) std::swap(key_a, key_b);
    std::string conversation;
    conversation.reserve(key_a.size() + 1 + key_b.size());
    conversation.append(key_a).append(1, ' ').append(key_b);
    return conversation;
}

std::string_view direct_partner(std::string_view conversation, std::string_view key) noexcept {
    const auto space = conversation.find(' ');
    if (space == std::string_view::npos) return {};
    const std::string_view first = conversation.substr(0, space);
    const std::string_view second = conversation.substr(space + 1);
    if (first == key) return second;
    if (second == key) return first;
    return {};
}

}  // namespace salon::core
