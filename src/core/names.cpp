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

std::optional<UserMask> UserMask::parse(std::string_view text) {
    if (text.empty() || text.size() > kMaxBytes || text.starts_with(':')) return std::nullopt;
    const bool printable = std::ranges::none_of(text, [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= ' ' || u == 0x7f || c == ',';
    });
    if (!printable) return std::nullopt;
    const std::size_t bang = text.find('!');
    const std::size_t at = text.find('@');
    const auto twice = [text](char c, std::size_t first) {
        return first != std::string_view::npos && text.find(c, first + 1) != std::string_view::npos;
    };
    if (twice('!', bang) || twice('@', at)) return std::nullopt;
    if (bang != std::string_view::npos && at != std::string_view::npos && at < bang)
        return std::nullopt;
    std::string_view nick = text;
    std::string_view user;
    std::string_view host;
    if (bang != std::string_view::npos) {
        nick = text.substr(0, bang);
        user = at != std::string_view::npos ? text.substr(bang + 1, at - bang - 1)
                                            : text.substr(bang + 1);
    } else if (at != std::string_view::npos) {
        nick = {};
        user = text.substr(0, at);
    }
    if (at != std::string_view::npos) host = text.substr(at + 1);
    const auto part = [](std::string_view p) { return p.empty() ? std::string_view("*") : p; };
    std::string mask = fold_user_name(part(nick));
    const std::size_t mask_bang = mask.size();
    mask += '!';
    mask += fold_user_name(part(user));
    const std::size_t mask_at = mask.size();
    mask += '@';
    mask += fold_user_name(part(host));
    if (mask.size() > kMaxBytes) return std::nullopt;
    return UserMask(std::move(mask), mask_bang, mask_at);
}

UserMask UserMask::of(const UserName& user) {
    return *parse(user.folded());
}

bool UserMask::matches(std::string_view folded) const noexcept {
    return matches_mask(nick(), folded) && matches_mask(user(), folded) &&
           matches_mask(host(), kUserHost);
}

std::optional<std::string_view> UserMask::single_user() const noexcept {
    if (user() != "*" || host() != "*" || !is_valid_user_name(nick())) return std::nullopt;
    return nick();
}

std::optional<ChannelName> ChannelName::parse(std::string_view text) {
    auto canonical = canonical_channel_name(text);
    if (!canonical) return std::nullopt;
    return ChannelName(std::move(*canonical));
}

}  // namespace salon::core
