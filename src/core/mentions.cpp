#include "core/mentions.hpp"

#include <algorithm>

#include "core/names.hpp"

namespace salon::core {
namespace {

/// A character of a user name (PROTOCOL.md "Values"); all ASCII, so a byte test is exact in UTF-8.
bool is_name_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

std::optional<std::string> resolve_token(std::string_view token, const DisplayOf& display_of) {
    while (!token.empty()) {
        if (is_valid_user_name(token)) {
            if (auto display = display_of(fold_user_name(token))) return display;
        }
        if (!token.ends_with('.') && !token.ends_with('-')) break;
        token.remove_suffix(1);
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string_view> mention_tokens(std::string_view text) {
    std::vector<std::string_view> tokens;
    for (std::size_t at = text.find('@'); at != std::string_view::npos;
         at = text.find('@', at + 1)) {
        if (at > 0 && is_name_char(text[at - 1])) continue;
        std::size_t end = at + 1;
        while (end < text.size() && is_name_char(text[end])) ++end;
        if (end > at + 1) tokens.push_back(text.substr(at + 1, end - at - 1));
    }
    return tokens;
}

std::vector<std::string> resolve_mentions(std::string_view text, const DisplayOf& display_of) {
    std::vector<std::string> users;
    for (const std::string_view token : mention_tokens(text)) {
        auto display = resolve_token(token, display_of);
        if (display && std::ranges::find(users, *display) == users.end()) {
            users.push_back(std::move(*display));
        }
    }
    return users;
}

}  // namespace salon::core
