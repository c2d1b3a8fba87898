#include "core/names.hpp"

#include <algorithm>

namespace salon::core {
namespace {

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_alnum(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool is_valid_user_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > kMaxUserNameBytes) return false;
    return std::ranges::all_of(name, [](char c) {
        return is_alnum(c) || c == '_' || c == '-' || c == '.';
    });
}

std::string fold_user_name(std::string_view name) {
    std::string folded(name);
    std::ranges::transform(folded, folded.begin(), ascii_lower);
    return folded;
}

bool is_guest_name(std::string_view name) noexcept {
    constexpr std::string_view kGuest = "guest";
    if (name.size() < kGuest.size()) return false;
    return std::ranges::equal(name.substr(0, kGuest.size()), kGuest, [](char a, char b) {
        return ascii_lower(a) == b;
    });
}

std::optional<std::string> canonical_channel_name(std::string_view name) {
    if (name.starts_with('#')) name.remove_prefix(1);
    if (name.empty() || name.size() > kMaxChannelNameBytes) return std::nullopt;
    std::string canonical(name);
    std::ranges::transform(canonical, canonical.begin(), ascii_lower);
    const bool valid = std::ranges::all_of(canonical, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
    if (!valid) return std::nullopt;
    return canonical;
}

std::optional<UserName> UserName::parse(std::string_view text) {
    if (!is_valid_user_name(text)) return std::nullopt;
    return UserName(std::string(text), fold_user_name(text));
}

bool matches_mask(std::string_view mask, std::string_view name) noexcept {
    std::size_t m = 0;
    std::size_t n = 0;
    std::size_t star = std::string_view::npos;
    std::size_t resume = 0;
    while (n < name.size()) {
        if (m < mask.size() && (mask[m] == '?' || mask[m] == name[n])) {
            ++m;
            ++n;
        } else if (m < mask.size() && mask[m] == '*') {
            star = m++;
            resume = n;
        } else if (star != std::string_view::npos) {
            m = star + 1;
            n = ++resume;
        } else {
            return false;
        }
    }
    while (m < mask.size() && mask[m] == '*') ++m;
    return m == mask.size();
}

std::optional<ChannelName> ChannelName::parse(std::string_view text) {
    auto canonical = canonical_channel_name(text);
    if (!canonical) return std::nullopt;
    return ChannelName(std::move(*canonical));
}

}  // namespace salon::core
