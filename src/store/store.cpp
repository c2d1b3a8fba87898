#include "store/store.hpp"

namespace salon::store {

std::optional<core::UnixMillis> PruneCutoffs::of(std::string_view conversation) const {
    // Direct conversations are two keys joined by a space, which no channel name holds.
    if (conversation.find(' ') != std::string_view::npos) return direct;
    if (const auto it = by_channel.find(conversation); it != by_channel.end()) return it->second;
    return channels;
}

bool PruneCutoffs::keep_all() const {
    if (channels || direct) return false;
    for (const auto& [channel, cutoff] : by_channel) {
        if (cutoff) return false;
    }
    return true;
}

}  // namespace salon::store
