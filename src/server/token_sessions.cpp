#include "server/token_sessions.hpp"

namespace salon::server {

bool TokenSessions::add(std::int64_t token, const ParticipantPtr& participant) {
    std::lock_guard lock(mutex_);
    if (revoked_.contains(token)) return false;
    sessions_.emplace(token, participant);
    return true;
}

void TokenSessions::remove(std::int64_t token, const Participant* participant) {
    std::lock_guard lock(mutex_);
    auto [first, last] = sessions_.equal_range(token);
    for (auto it = first; it != last;) {
        const auto held = it->second.lock();
        if (held == nullptr || held.get() == participant) {
            it = sessions_.erase(it);
        } else {
            ++it;
        }
    }
}

std::vector<ParticipantPtr> TokenSessions::revoke(std::int64_t token) {
    std::vector<ParticipantPtr> out;
    std::lock_guard lock(mutex_);
    auto [first, last] = sessions_.equal_range(token);
    for (auto it = first; it != last; ++it) {
        if (auto held = it->second.lock()) out.push_back(std::move(held));
    }
    sessions_.erase(token);
    if (revoked_.insert(token).second) {
        revoked_order_.push_back(token);
        if (revoked_order_.size() > kRememberedRevocations) {
            revoked_.erase(revoked_order_.front());
            revoked_order_.pop_front();
        }
    }
    return out;
}

}  // namespace salon::server
