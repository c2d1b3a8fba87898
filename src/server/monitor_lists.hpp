// IRC's MONITOR lists: which connections want to hear when a user comes online or goes offline.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/names.hpp"

namespace salon::server {

class Participant;

/// Each connection's list of monitored users, bounded, and the index from a user to the
/// connections monitoring them, so that telling a user's change costs as much as they have
/// watchers, not as many users as are online. Not thread-safe: the Hub guards it.
class MonitorLists {
public:
    explicit MonitorLists(std::size_t max_per_watcher) : max_per_watcher_(max_per_watcher) {}

    /// Adds `user` to `watcher`'s list (nothing when it is there already); false when the list
    /// is full.
    bool add(Participant* watcher, const core::UserName& user);
    void remove(Participant* watcher, const core::UserName& user);
    /// Empties `watcher`'s list: MONITOR C, and the connection's end.
    void clear(Participant* watcher);
    /// `watcher`'s list, in the order the users were added.
    std::span<const core::UserName> list(const Participant* watcher) const;
    /// The connections monitoring the user whose folded name is `folded`.
    std::span<Participant* const> watchers_of(const std::string& folded) const;

private:
    std::size_t max_per_watcher_;
    std::unordered_map<const Participant*, std::vector<core::UserName>> lists_;
    std::unordered_map<std::string, std::vector<Participant*>> watchers_;  // by folded name
};

}  // namespace salon::server
