#include "core/message.hpp"

namespace salon::core {
namespace {

/// Field names, punctuation, two ids, a timestamp and the names of both ends, generously.
constexpr std::size_t kEnvelopeBytes = 256;

}  // namespace

std::size_t escaped_size_bound(std::string_view text) {
    std::size_t bytes = text.size();
    for (const char c : text) {
        switch (c) {
            case '"':
            case '\\':
            case '\b':
            case '\f':
            case '\n':
            case '\r':
            case '\t':
                bytes += 1;  // a two-byte escape
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) bytes += 5;  // \u00XX
        }
    }
    return bytes;
}

std::size_t wire_size_bound(const Message& message) {
    constexpr std::size_t kItemBytes = 16;  // quotes, a comma and a field name's share
    std::size_t bytes = kEnvelopeBytes + message.channel.size() + message.from.size() +
                        message.to.size() + escaped_size_bound(message.text);
    for (const Reaction& reaction : message.reactions) {
        bytes += kItemBytes + escaped_size_bound(reaction.emoji);
        for (const std::string& user : reaction.users) bytes += kItemBytes + user.size();
    }
    for (const std::string& user : message.mentions) bytes += kItemBytes + user.size();
    return bytes;
}

bool keep_newest_within(std::vector<Message>& messages, std::size_t budget_bytes) {
    std::size_t total = 0;
    std::size_t first_kept = messages.size();
    while (first_kept > 0) {
        total += wire_size_bound(messages[first_kept - 1]);
        if (total > budget_bytes && first_kept < messages.size()) break;
        --first_kept;
    }
    if (first_kept == 0) return false;
    messages.erase(messages.begin(), messages.begin() + static_cast<std::ptrdiff_t>(first_kept));
    return true;
}

bool keep_front_within(std::vector<Message>& messages, std::size_t budget_bytes) {
    std::size_t total = 0;
    std::size_t kept = 0;
    while (kept < messages.size()) {
        total += wire_size_bound(messages[kept]);
        if (total > budget_bytes && kept > 0) break;
        ++kept;
    }
    if (kept == messages.size()) return false;
    messages.resize(kept);
    return true;
}

}  // namespace salon::core
