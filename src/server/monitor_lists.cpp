#include "server/monitor_lists.hpp"

#include <algorithm>

namespace salon::server {

bool MonitorLists::add(Participant* watcher, const core::UserName& user) {
    auto& list = lists_[watcher];
    if (std::ranges::find(list, user) != list.end()) return true;
    if (list.size() >= max_per_watcher_) return false;
    list.push_back(user);
    watchers_[user.folded()].push_back(watcher);
    return true;
}

void MonitorLists::remove(Participant* watcher, const core::UserName& user) {
    const auto it = lists_.find(watcher);
    if (it == lists_.end()) return;
    const auto erased = std::erase(it->second, user);
    if (it->second.empty()) lists_.erase(it);
    if (erased == 0) return;
    const auto w = watchers_.find(user.folded());
    if (w == watchers_.end()) return;
    std::erase(w->second, watcher);
    if (w->second.empty()) watchers_.erase(w);
}

void MonitorLists::clear(Participant* watcher) {
    const auto it = lists_.find(watcher);
    if (it == lists_.end()) return;
    for (const auto& user : it->second) {
        const auto w = watchers_.find(user.folded());
        if (w == watchers_.end()) continue;
        std::erase(w->second, watcher);
        if (w->second.empty()) watchers_.erase(w);
    }
    lists_.erase(it);
}

std::span<const core::UserName> MonitorLists::list(const Participant* watcher) const {
    const auto it = lists_.find(watcher);
    if (it == lists_.end()) return {};
    return it->second;
}

std::span<Participant* const> MonitorLists::watchers_of(const std::string& folded) const {
    const auto it = watchers_.find(folded);
    if (it == watchers_.end()) return {};
    return it->second;
}

}  // namespace salon::server
