#include "core/channel.hpp"

#include <algorithm>

namespace salon::core {

Channel::Channel(
    ChannelName name,
    std::string topic,
    std::string key,
    std::size_t recent_capacity,
    Lifetime lifetime
)
    : name_(std::move(name)),
      topic_(std::move(topic)),
      key_(std::move(key)),
      recent_capacity_(recent_capacity),
      lifetime_(lifetime) {}

std::optional<Errc> Channel::join_refusal(const Actor& actor, std::string_view key) const {
    if (actor.admin) return std::nullopt;
    if (is_banned(actor.name.folded())) return Errc::banned;
    if (!key_.empty() && key != key_) return Errc::bad_key;
    return std::nullopt;
}

bool Channel::add_member(const Actor& actor, bool op) {
    const bool added =
        members_.try_emplace(actor.name.folded(), Member{actor.name.display(), actor.guest, op})
            .second;
    if (!added) return false;
    ++membership_version_;
    if (op && !actor.guest) lifetime_ = Lifetime::persistent;
    return true;
}

bool Channel::remove_member(std::string_view folded) {
    const auto it = members_.find(folded);
    if (it == members_.end()) return false;
    members_.erase(it);
    ++membership_version_;
    return true;
}

bool Channel::is_member(std::string_view folded) const {
    return members_.contains(folded);
}

bool Channel::is_op(std::string_view folded) const {
    const auto it = members_.find(folded);
    return it != members_.end() && it->second.op;
}

bool Channel::may_moderate(const Actor& actor) const {
    return actor.admin || is_op(actor.name.folded());
}

bool Channel::grant_op(std::string_view folded) {
    const auto it = members_.find(folded);
    if (it == members_.end()) return false;
    it->second.op = true;
    if (!it->second.guest) lifetime_ = Lifetime::persistent;
    return true;
}

void Channel::set_ban(const std::string& folded, bool banned) {
    if (banned) {
        bans_.insert(folded);
    } else {
        bans_.erase(folded);
    }
}

bool Channel::is_banned(std::string_view folded) const {
    return bans_.contains(folded);
}

std::vector<MemberInfo> Channel::member_infos() const {
    std::vector<MemberInfo> out;
    out.reserve(members_.size());
    for (const auto& [folded, m] : members_) out.push_back(MemberInfo{m.name, m.guest, m.op});
    return out;
}

void Channel::remember(const Message& message) {
    last_message_id_ = message.id;
    if (recent_capacity_ == 0) return;
    recent_.push_back(message);
    while (recent_.size() > recent_capacity_) recent_.pop_front();
}

std::vector<Message> Channel::recent() const {
    return {recent_.begin(), recent_.end()};
}

void Channel::replace_recent(const Message& message) {
    const auto it = std::ranges::lower_bound(recent_, message.id, {}, &Message::id);
    if (it != recent_.end() && it->id == message.id) *it = message;
}

}  // namespace salon::core
