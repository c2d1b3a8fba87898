// The hub's presence: MONITOR lists, and what those sharing a channel with a user or monitoring
// them are told of the user (online, offline, away, real name, bot).
#include <algorithm>
#include <unordered_set>

#include "server/hub.hpp"

namespace salon::server {

core::MessageEvent Hub::message_event(const core::Message& message) const {
    const auto it = users_.find(core::fold_user_name(message.from));
    if (it == users_.end()) return core::MessageEvent{message};
    const OnlineUser& sender = it->second;
    return core::MessageEvent{message, sender.registered() ? sender.name : "", sender.bot};
}

void Hub::tell_watchers(const std::string& name, bool online) {
    const auto watchers = monitors_.watchers_of(core::fold_user_name(name));
    if (watchers.empty()) return;
    const SharedEvent event = make_event(core::PresenceEvent{name, online});
    for (Participant* watcher : watchers) watcher->deliver(event);
}

void Hub::tell_renamed(const std::string& from, const std::string& to) {
    if (core::fold_user_name(from) == core::fold_user_name(to)) return;
    tell_watchers(from, false);
    tell_watchers(to, true);
}

void Hub::tell_about(
    const OnlineUser& user, const core::Event& shared, const core::Event& monitored, bool to_self
) {
    const SharedEvent for_members = make_event(core::Event(shared));
    std::unordered_set<Participant*> told;
    for (const auto& session : user.sessions) {
        told.insert(session.get());
        if (to_self) session->deliver(for_members);
    }
    for (const core::Channel* channel : user.channels) {
        for (Participant* s : recipients_of(*channel)) {
            if (told.insert(s).second) s->deliver(for_members);
        }
    }
    const auto watchers = monitors_.watchers_of(core::fold_user_name(user.name));
    if (watchers.empty()) return;
    const SharedEvent for_watchers = make_event(core::Event(monitored));
    for (Participant* watcher : watchers) {
        if (told.insert(watcher).second) watcher->deliver(for_watchers);
    }
}

void Hub::set_realname(const core::UserName& name, std::string realname) {
    std::unique_lock lock(mutex_);
    const auto it = users_.find(name.folded());
    if (it == users_.end()) return;
    OnlineUser& user = it->second;
    if (!user.identity) {
        // A native login has no USER line: its user name is its nick, as WHO shows it.
        user.identity = std::make_unique<OnlineUser::Identity>();
    }
    user.identity->realname = realname;
    tell_about(
        user,
        core::RealnameEvent{user.name, realname},
        core::RealnameEvent{user.name, realname, core::Audience::monitor},
        true
    );
}

void Hub::set_bot(const core::UserName& name, bool bot) {
    std::unique_lock lock(mutex_);
    const auto it = users_.find(name.folded());
    if (it != users_.end()) it->second.bot = bot;
}

core::MonitorResult Hub::monitor(Participant& watcher, std::span<const std::string> users) {
    core::MonitorResult result;
    std::unique_lock lock(mutex_);
    for (const auto& raw : users) {
        const auto name = core::UserName::parse(raw);
        if (!name) {
            result.offline.push_back(raw);
            continue;
        }
        if (!monitors_.add(&watcher, *name)) {
            result.refused.push_back(raw);
            continue;
        }
        const auto it = users_.find(name->folded());
        if (it == users_.end()) {
            result.offline.push_back(raw);
        } else {
            result.online.push_back(it->second.name);
        }
    }
    return result;
}

void Hub::unmonitor(Participant& watcher, std::span<const std::string> users) {
    std::unique_lock lock(mutex_);
    for (const auto& raw : users) {
        if (const auto name = core::UserName::parse(raw)) monitors_.remove(&watcher, *name);
    }
}

void Hub::clear_monitor(Participant& watcher) {
    std::unique_lock lock(mutex_);
    monitors_.clear(&watcher);
}

core::MonitorResult Hub::monitored(const Participant& watcher, bool status) const {
    core::MonitorResult result;
    std::shared_lock lock(mutex_);
    for (const auto& name : monitors_.list(&watcher)) {
        if (!status) {
            result.listed.push_back(name.display());
            continue;
        }
        const auto it = users_.find(name.folded());
        if (it == users_.end()) {
            result.offline.push_back(name.display());
        } else {
            result.online.push_back(it->second.name);
        }
    }
    return result;
}

}  // namespace salon::server
