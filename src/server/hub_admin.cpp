// Hub: the administrators' channel commands (`salond channel delete|rename|op`).
#include <algorithm>

#include "server/hub.hpp"

namespace salon::server {

std::optional<core::Failure> Hub::delete_channel(
    const core::ChannelName& name, const std::string& by, const std::string& reason
) {
    if (name.str() == core::kHomeChannel)
        return core::Failure(core::Errc::forbidden, "home belongs to the server");
    std::unique_lock lock(mutex_);
    core::Channel* channel = find_channel(name);
    if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
    // The channel goes for everyone at once: each member hears of their own removal only.
    for (const auto& [folded, member] : channel->members()) {
        const auto it = users_.find(folded);
        if (it == users_.end()) continue;
        to_user(it->second, make_event(core::PartEvent{name.str(), it->second.name, by, reason}));
        std::erase(it->second.channels, channel);
    }
    recipients_.erase(channel);
    const core::MessageId up_to = newest_message_id_();
    persist([name, up_to](store::Store& s) { s.delete_channel(name, up_to); });
    channels_.erase(name.str());
    return std::nullopt;
}

std::optional<core::Failure> Hub::rename_channel(
    const core::ChannelName& from, const core::ChannelName& to, const std::string& by
) {
    if (from.str() == core::kHomeChannel || to.str() == core::kHomeChannel)
        return core::Failure(core::Errc::forbidden, "home belongs to the server");
    std::unique_lock lock(mutex_);
    if (find_channel(from) == nullptr) return core::Failure(core::Errc::no_such_channel);
    if (find_channel(to) != nullptr) return core::Failure(core::Errc::name_taken);
    // The map node moves whole: the pointers to the channel (members' lists, recipients) hold.
    auto node = channels_.extract(from.str());
    node.key() = to.str();
    node.mapped().rename(to);
    core::Channel& channel = channels_.insert(std::move(node)).position->second;
    persist([from, to](store::Store& s) { s.rename_channel(from, to); });

    // A leave and a join, which every client handles: the old name's window closes, the new
    // one opens with its history, as at a login.
    const std::string reason = "renamed to " + to.str();
    const SharedEvent history = make_event(history_event(channel));
    for (const auto& [folded, member] : channel.members()) {
        const auto it = users_.find(folded);
        if (it == users_.end()) continue;
        const OnlineUser& user = it->second;
        to_user(user, make_event(core::PartEvent{from.str(), user.name, by, reason}));
        to_user(user, make_event(core::JoinEvent{to.str(), user.name, member.op}));
        to_user(user, history);
    }
    return std::nullopt;
}

std::optional<core::Failure> Hub::make_operator(
    const core::ChannelName& name,
    const core::UserName& user,
    bool stored_member,
    const std::string& by
) {
    std::unique_lock lock(mutex_);
    core::Channel* channel = find_channel(name);
    if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
    const auto online = users_.find(user.folded());
    if (online != users_.end() && online->second.guest())
        return core::Failure(core::Errc::no_such_user, "that name is online as a guest");
    if (!channel->is_member(user.folded())) {
        if (!stored_member) return core::Failure(core::Errc::not_in_channel);
        persist_kept(*channel, [user, membership = store::Membership{name, true}](store::Store& s) {
            s.set_membership(user, membership);
        });
        return std::nullopt;
    }
    if (channel->is_op(user.folded())) return std::nullopt;
    const bool was_temporary = channel->temporary();
    channel->grant_op(user.folded());
    save_membership(*channel, was_temporary, user, true);
    to_members(
        *channel,
        make_event(core::ModeEvent{
            name.str(), by, "+o", {channel->members().at(user.folded()).name}})
    );
    return std::nullopt;
}

}  // namespace salon::server
