// The hub's part of protocol version 2: changes to stored messages, read markers, typing and
// relayed client tags.
#include <string>

#include "server/hub.hpp"

namespace salon::server {

std::optional<Hub::OnlineIdentity> Hub::online(const core::UserName& name) const {
    std::shared_lock lock(mutex_);
    const auto it = users_.find(name.folded());
    if (it == users_.end()) return std::nullopt;
    return OnlineIdentity{it->second.name, it->second.key()};
}

core::UserKey Hub::OnlineUser::key() const {
    return core::user_key(*core::UserName::parse(name), guest_serial);
}

const Hub::OnlineUser* Hub::user_with_key(std::string_view key) const {
    const auto it = users_.find(std::string(core::key_name(key)));
    if (it == users_.end() || it->second.guest_serial != core::guest_serial(key)) return nullptr;
    return &it->second;
}

bool Hub::may_moderate(const core::Actor& actor, const core::ChannelName& name) const {
    std::shared_lock lock(mutex_);
    const core::Channel* channel = find_channel(name);
    return actor.admin || (channel != nullptr && channel->may_moderate(actor));
}

void Hub::deliver_update(
    core::UpdateEvent update,
    std::string_view conversation,
    const core::ChangeResult& result,
    const Acknowledgement& ack
) {
    // Exclusive, as for a new message: the channel's recent messages change with it.
    std::unique_lock lock(mutex_);
    if (ack) ack.to->acknowledge(ack, result);
    const SharedEvent event = make_event(std::move(update));
    const core::Message& message = std::get<core::UpdateEvent>(event->event()).message;
    if (!message.is_direct()) {
        const auto it = channels_.find(message.channel);
        if (it == channels_.end()) return;
        it->second.replace_recent(message);
        to_members(it->second, event);
        return;
    }
    const auto space = conversation.find(' ');
    if (space == std::string_view::npos) return;
    const OnlineUser* first = user_with_key(conversation.substr(0, space));
    const OnlineUser* second = user_with_key(conversation.substr(space + 1));
    if (first != nullptr) to_user(*first, event);
    if (second != nullptr && second != first) to_user(*second, event);
}

void Hub::tell_read(
    const core::Actor& actor,
    const core::ReadEvent& event,
    const core::Result& result,
    const Acknowledgement& ack
) {
    std::shared_lock lock(mutex_);
    if (ack) ack.to->acknowledge(ack, result);
    const OnlineUser* user = user_with_key(actor.key);
    if (user != nullptr) to_user(*user, make_event(event));
}

std::variant<Hub::LiveAudience, core::Failure> Hub::live_audience(
    const core::Actor& actor, std::string_view channel_name, std::string_view with
) const {
    if (!channel_name.empty()) {
        const core::Channel* channel = find_channel(*core::ChannelName::parse(channel_name));
        if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
        if (!channel->is_member(actor.name.folded()))
            return core::Failure(core::Errc::not_in_channel);
        return LiveAudience{.channel = channel};
    }
    const auto it = users_.find(core::fold_user_name(with));
    if (it == users_.end()) return LiveAudience{};  // nobody to tell
    return LiveAudience{.partner = &it->second};
}

void Hub::to_live_audience(
    const LiveAudience& audience, const core::Actor& actor, const SharedEvent& event
) const {
    if (audience.partner != nullptr) to_user(*audience.partner, event);
    if (audience.channel == nullptr) return;
    for (const auto& [folded, member] : audience.channel->members()) {
        if (folded == actor.name.folded()) continue;
        const auto it = users_.find(folded);
        if (it != users_.end()) to_user(it->second, event);
    }
}

std::optional<core::Failure> Hub::relay_typing(const core::Actor& actor, core::TypingEvent event) {
    std::unique_lock lock(mutex_);  // exclusive: the typist's memo of relayed `active`s changes
    const auto typist = users_.find(actor.name.folded());
    if (typist == users_.end()) return std::nullopt;
    OnlineUser& user = typist->second;
    auto found = live_audience(actor, event.channel, event.with);
    if (auto* failure = std::get_if<core::Failure>(&found)) return *failure;
    const LiveAudience audience = std::get<LiveAudience>(found);
    if (audience.channel == nullptr && audience.partner == nullptr) return std::nullopt;
    const std::string conversation =
        audience.channel != nullptr
            ? event.channel
            : core::direct_conversation(user.key(), audience.partner->key());

    // Typing is advisory: a burst of `active` from one typist need not reach anyone twice.
    if (event.state == core::TypingState::active) {
        if (!user.typing)
            user.typing = std::make_unique<std::unordered_map<std::string, core::SteadyTime>>();
        const core::SteadyTime now = clock_.steady_now();
        auto [last, first_time] = user.typing->try_emplace(conversation, now);
        if (!first_time) {
            if (now - last->second < kTypingQuietPeriod) return std::nullopt;
            last->second = now;
        }
    } else if (user.typing) {
        user.typing->erase(conversation);
    }

    event.user = user.name;
    if (audience.partner != nullptr) {
        event.with = user.name;  // as the partner sees the conversation
        event.to = audience.partner->name;
    }
    to_live_audience(audience, actor, make_event(std::move(event)));
    return std::nullopt;
}

std::optional<core::Failure> Hub::relay_tags(const core::Actor& actor, core::TagsEvent event) {
    std::shared_lock lock(mutex_);
    const auto sender = users_.find(actor.name.folded());
    if (sender == users_.end()) return std::nullopt;
    auto found = live_audience(actor, event.channel, event.with);
    if (auto* failure = std::get_if<core::Failure>(&found)) return *failure;
    const LiveAudience audience = std::get<LiveAudience>(found);
    event.user = sender->second.name;
    if (audience.partner != nullptr) {
        event.with = sender->second.name;
        event.to = audience.partner->name;
    }
    to_live_audience(audience, actor, make_event(std::move(event)));
    return std::nullopt;
}

}  // namespace salon::server
