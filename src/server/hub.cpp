#include "server/hub.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <unordered_set>

#include "core/names.hpp"
#include "server/session.hpp"

namespace salon::server {
namespace {

SharedEvent event_frame(core::Event event) {
    return make_event(std::move(event));
}

}  // namespace

Hub::Hub(
    const core::Limits& limits,
    store::Store& store,
    boost::asio::any_io_executor store_writes,
    const core::Clock& clock,
    NewestMessageId newest_message_id
)
    : limits_(limits),
      store_(store),
      store_writes_(std::move(store_writes)),
      clock_(clock),
      newest_message_id_(std::move(newest_message_id)),
      creations_by_address_(
          limits.channels_created_per_minute / 60.0, limits.channel_creation_burst, kMaxCreationKeys
      ),
      creations_by_account_(
          limits.channels_created_per_minute / 60.0, limits.channel_creation_burst, kMaxCreationKeys
      ) {}

void Hub::load_channel(
    const store::ChannelRecord& record,
    const std::vector<std::string>& bans,
    const std::vector<core::Message>& recent
) {
    std::unique_lock lock(mutex_);
    auto [it, inserted] = channels_.try_emplace(
        record.name, record.name, record.topic, record.key, limits_.history_on_join
    );
    for (const auto& ban : bans) it->second.set_ban(ban, true);
    for (const auto& message : recent) it->second.remember(message);
}

// ---------------------------------------------------------------------------------------------
// Delivery helpers

void Hub::to_user(const OnlineUser& user, const SharedEvent& event) const {
    for (const auto& session : user.sessions) session->deliver(event);
}

void Hub::to_members(const core::Channel& channel, const SharedEvent& event) {
    const std::vector<Session*>& sessions = recipients_of(channel);
    // A delivery stalls on two loads from memory, the member's Session and then its codec
    // (19,000 idle sessions do not stay in cache), and each waits for the one before it.
    // Fetching the Session some members ahead, and its codec a few members later, overlaps
    // those misses: a Session's codec pointer can be read once its line has arrived.
    constexpr std::size_t kSessionsAhead = 8;
    constexpr std::size_t kCodecsAhead = 4;
    const std::size_t n = sessions.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (i + kSessionsAhead < n) sessions[i + kSessionsAhead]->prefetch();
        if (i + kCodecsAhead < n) sessions[i + kCodecsAhead]->prefetch_codec();
        sessions[i]->deliver(event);
    }
}

const std::vector<Session*>& Hub::recipients_of(const core::Channel& channel) {
    Recipients& cached = recipients_[&channel];
    if (cached.built && cached.membership_version == channel.membership_version())
        return cached.sessions;
    cached.sessions.clear();
    for (const auto& [folded, member] : channel.members()) {
        const auto it = users_.find(folded);
        if (it == users_.end()) continue;
        for (const auto& session : it->second.sessions) cached.sessions.push_back(session.get());
    }
    cached.built = true;
    cached.membership_version = channel.membership_version();
    return cached.sessions;
}

Hub::Recipients* Hub::current_recipients(const core::Channel& channel, std::uint64_t version) {
    const auto it = recipients_.find(&channel);
    if (it == recipients_.end() || !it->second.built || it->second.membership_version != version)
        return nullptr;
    return &it->second;
}

void Hub::member_added(const core::Channel& channel, std::uint64_t before, const OnlineUser& user) {
    Recipients* cached = current_recipients(channel, before);
    if (cached == nullptr) return;
    for (const auto& session : user.sessions) cached->sessions.push_back(session.get());
    cached->membership_version = channel.membership_version();
}

void Hub::member_removed(
    const core::Channel& channel, std::uint64_t before, const OnlineUser& user
) {
    Recipients* cached = current_recipients(channel, before);
    if (cached == nullptr) return;
    std::erase_if(cached->sessions, [&](const Session* s) {
        return std::ranges::any_of(user.sessions, [s](const auto& own) { return own.get() == s; });
    });
    cached->membership_version = channel.membership_version();
}

void Hub::session_changed(const OnlineUser& user, Session* session, bool attached) {
    for (const core::Channel* channel : user.channels) {
        Recipients* cached = current_recipients(*channel, channel->membership_version());
        if (cached == nullptr) continue;
        if (attached) {
            cached->sessions.push_back(session);
        } else {
            std::erase(cached->sessions, session);
        }
    }
}

core::Channel* Hub::find_channel(const std::string& name) {
    const auto it = channels_.find(name);
    return it == channels_.end() ? nullptr : &it->second;
}

const core::Channel* Hub::find_channel(const std::string& name) const {
    const auto it = channels_.find(name);
    return it == channels_.end() ? nullptr : &it->second;
}

void Hub::persist(std::function<void(store::Store&)> write) {
    boost::asio::post(store_writes_, [this, write = std::move(write)] {
        try {
            write(store_);
        } catch (const std::exception& e) {
            spdlog::error("storage: a channel or membership change was not saved: {}", e.what());
        }
    });
}

core::HistoryEvent Hub::history_event(const core::Channel& channel) const {
    core::HistoryEvent event{channel.name(), channel.recent()};
    event.more = core::keep_newest_within(event.messages, limits_.bulk_reply_bytes());
    return event;
}

void Hub::persist_kept(const core::Channel& channel, std::function<void(store::Store&)> write) {
    if (!channel.temporary()) persist(std::move(write));
}

store::ChannelRecord Hub::record_of(const core::Channel& channel) {
    return store::ChannelRecord{channel.name(), channel.topic(), channel.key(), 0};
}

// ---------------------------------------------------------------------------------------------
// Sessions

std::optional<core::Failure> Hub::attach(
    const SessionPtr& session, const core::Actor& actor, const Reply& reply
) {
    std::unique_lock lock(mutex_);
    auto [it, inserted] = users_.try_emplace(actor.folded);
    OnlineUser& user = it->second;
    // A guest never shares an online name with anyone: an IRC guest may hold a name that an
    // account is registered under later, and the two must not merge.
    if (!inserted && (actor.guest || user.guest))
        return core::Failure(core::Errc::name_taken, "that name is in use by a guest");
    if (inserted) {
        user.name = actor.name;
        user.guest = actor.guest;
    }
    user.sessions.push_back(session);
    session_changed(user, session.get(), true);
    reply();
    return std::nullopt;
}

void Hub::detach(const SessionPtr& session, const core::Actor& actor, std::string_view reason) {
    std::unique_lock lock(mutex_);
    const auto it = users_.find(actor.folded);
    if (it == users_.end()) return;
    OnlineUser& user = it->second;
    const auto pos = std::ranges::find(user.sessions, session);
    if (pos == user.sessions.end()) return;
    user.sessions.erase(pos);
    session_changed(user, session.get(), false);
    if (!user.sessions.empty()) return;

    // The user's last connection: they leave every channel (a registered user's memberships
    // stay in storage for the next login) and each member hears QUIT once.
    const SharedEvent quit = event_frame(core::QuitEvent{user.name, std::string(reason)});
    std::unordered_set<Session*> told;
    for (core::Channel* channel : user.channels) {
        const auto before = channel->membership_version();
        channel->remove_member(actor.folded);
        member_removed(*channel, before, user);
        for (Session* s : recipients_of(*channel)) {
            if (told.insert(s).second) s->deliver(quit);
        }
        vanish_if_empty(*channel);
    }
    users_.erase(it);
}

std::optional<std::string> Hub::online_name(std::string_view folded) const {
    std::shared_lock lock(mutex_);
    const auto it = users_.find(std::string(folded));
    if (it == users_.end()) return std::nullopt;
    return it->second.name;
}

std::vector<std::string> Hub::channels_of(std::string_view folded) const {
    std::shared_lock lock(mutex_);
    const auto it = users_.find(std::string(folded));
    std::vector<std::string> names;
    if (it != users_.end()) {
        names.reserve(it->second.channels.size());
        for (const core::Channel* channel : it->second.channels) names.push_back(channel->name());
    }
    return names;
}

std::optional<core::WhoisResult> Hub::whois(std::string_view folded) const {
    std::shared_lock lock(mutex_);
    const auto it = users_.find(std::string(folded));
    if (it == users_.end()) return std::nullopt;
    const OnlineUser& user = it->second;
    core::WhoisResult result{user.name, user.guest, {}, user.away ? *user.away : std::string()};
    for (const core::Channel* channel : user.channels)
        result.channels.push_back({channel->name(), channel->is_op(folded)});
    return result;
}

void Hub::set_away(std::string_view folded, std::string message) {
    std::unique_lock lock(mutex_);
    const auto it = users_.find(std::string(folded));
    if (it == users_.end()) return;
    if (message.empty()) {
        it->second.away.reset();
    } else {
        it->second.away = std::make_unique<std::string>(std::move(message));
    }
}

std::string Hub::account_of(std::string_view name) const {
    const auto it = users_.find(core::fold_user_name(name));
    if (it == users_.end() || !it->second.registered()) return {};
    return it->second.name;
}

// ---------------------------------------------------------------------------------------------
// Channels

std::optional<core::Failure> Hub::join(
    const SessionPtr& session,
    const core::Actor& actor,
    const std::string& name,
    std::string_view key,
    JoinMode mode,
    bool remembered_op,
    const std::function<void(const core::JoinResult&)>& reply
) {
    std::unique_lock lock(mutex_);
    const auto user_it = users_.find(actor.folded);
    if (user_it == users_.end())
        return core::Failure(core::Errc::internal, "the session is not online");
    OnlineUser& user = user_it->second;

    core::Channel* channel = find_channel(name);
    const bool created = channel == nullptr;
    if (channel != nullptr && channel->is_member(actor.folded)) {
        // Already in: a new connection of the user, or a repeated JOIN. Only this session
        // hears about it.
        if (reply)
            reply(core::JoinResult{channel->name(), channel->topic(), channel->member_infos()});
        session->deliver(event_frame(core::JoinEvent{channel->name(), user.name}));
        session->deliver(event_frame(history_event(*channel)));
        return std::nullopt;
    }
    if (user.channels.size() >= limits_.max_channels_per_user)
        return core::Failure(core::Errc::too_many_channels);
    if (channel != nullptr) {
        if (channel->is_banned(actor.folded) && !actor.admin)
            return core::Failure(core::Errc::banned);
        if (mode == JoinMode::request) {
            if (auto refusal = channel->join_refusal(actor, key)) return core::Failure(*refusal);
        }
    } else {
        if (auto refusal = creation_refusal(actor, session->remote_address(), name)) return refusal;
        channel = &create_channel(actor, name);
    }

    // `home` belongs to the server: its first joiner is no operator.
    const bool op = (created && name != core::kHomeChannel) || remembered_op;
    const auto before = channel->membership_version();
    channel->add_member(actor, op);
    member_added(*channel, before, user);
    user.channels.push_back(channel);
    if (user.registered()) {
        persist_kept(
            *channel,
            [folded = actor.folded, membership = store::Membership{name, op}](store::Store& s) {
                s.set_membership(folded, membership);
            }
        );
    }

    if (reply) reply(core::JoinResult{channel->name(), channel->topic(), channel->member_infos()});
    to_members(*channel, event_frame(core::JoinEvent{channel->name(), user.name}));
    to_user(user, event_frame(history_event(*channel)));
    return std::nullopt;
}

std::optional<core::Failure> Hub::part(
    const core::Actor& actor, const std::string& name, const Reply& reply
) {
    std::unique_lock lock(mutex_);
    core::Channel* channel = find_channel(name);
    if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
    const auto user_it = users_.find(actor.folded);
    if (user_it == users_.end() || !channel->is_member(actor.folded))
        return core::Failure(core::Errc::not_in_channel);

    reply();
    // The leaver hears PART too, on every connection, so it goes out before removal.
    to_members(
        *channel, event_frame(core::PartEvent{channel->name(), user_it->second.name, "", ""})
    );
    remove_membership(user_it->second, *channel);
    return std::nullopt;
}

void Hub::remove_membership(OnlineUser& user, core::Channel& channel) {
    const std::string folded = core::fold_user_name(user.name);
    const auto before = channel.membership_version();
    channel.remove_member(folded);
    member_removed(channel, before, user);
    std::erase(user.channels, &channel);
    if (user.registered()) {
        persist_kept(channel, [folded, name = channel.name()](store::Store& s) {
            s.remove_membership(folded, name);
        });
    }
    vanish_if_empty(channel);
}

std::optional<core::Failure> Hub::creation_refusal(
    const core::Actor& actor, const std::string& address, const std::string& name
) {
    if (name == core::kHomeChannel) return std::nullopt;  // the server's own, never refused
    using core::ChannelCreation;
    if (limits_.channel_creation == ChannelCreation::admins && !actor.admin) {
        return core::Failure(
            core::Errc::forbidden, "only server administrators may create channels here"
        );
    }
    if (limits_.channel_creation == ChannelCreation::registered && actor.guest) {
        return core::Failure(
            core::Errc::forbidden, "guests may not create channels here; register, or join one"
        );
    }
    if (channels_.size() >= limits_.max_channels) {
        return core::Failure(
            core::Errc::too_many_channels, "the server holds as many channels as it may"
        );
    }
    if (actor.admin) return std::nullopt;
    // A guest has no account to count: any name is theirs for the asking.
    const auto now = clock_.steady_now();
    const bool by_account = !actor.guest;
    if (creations_by_address_.available(address, now) < 1.0 ||
        (by_account && creations_by_account_.available(actor.folded, now) < 1.0)) {
        return core::Failure(
            core::Errc::rate_limited, "too many new channels from your address or account; wait"
        );
    }
    creations_by_address_.try_take(address, now);
    if (by_account) creations_by_account_.try_take(actor.folded, now);
    return std::nullopt;
}

core::Channel& Hub::create_channel(const core::Actor& actor, const std::string& name) {
    const auto lifetime = actor.guest && name != core::kHomeChannel
                              ? core::Channel::Lifetime::temporary
                              : core::Channel::Lifetime::persistent;
    core::Channel& channel =
        channels_.try_emplace(name, name, "", "", limits_.history_on_join, lifetime).first->second;
    forget_stored(name);
    persist_kept(channel, [record = record_of(channel)](store::Store& s) {
        s.save_channel(record);
    });
    return channel;
}

void Hub::vanish_if_empty(core::Channel& channel) {
    if (!channel.temporary() || channel.member_count() > 0) return;
    recipients_.erase(&channel);
    const auto it = channels_.find(channel.name());
    forget_stored(it->first);
    channels_.erase(it);
}

void Hub::forget_stored(const std::string& name) {
    persist([name, up_to = newest_message_id_()](store::Store& s) { s.forget_channel(name, up_to); }
    );
}

std::variant<core::Failure, core::MessageId> Hub::check_member(
    const core::Actor& actor, const std::string& name
) const {
    std::shared_lock lock(mutex_);
    const core::Channel* channel = find_channel(name);
    if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
    if (!channel->is_member(actor.folded)) return core::Failure(core::Errc::not_in_channel);
    return channel->last_message_id();
}

void Hub::deliver_channel_message(const core::Message& message, const Reply& acknowledge) {
    // Exclusive: the recent-message ring changes, and a join must see the ring and the member
    // list agree (a message is either in the joiner's HISTORY or delivered to them, never both).
    std::unique_lock lock(mutex_);
    const SharedEvent frame = event_frame(core::MessageEvent{message, account_of(message.from)});
    acknowledge();
    core::Channel* channel = find_channel(message.channel);
    if (channel == nullptr) return;
    channel->remember(message);
    to_members(*channel, frame);
}

void Hub::deliver_direct_message(
    const core::Message& message, const Session* origin, const Reply& acknowledge
) {
    std::shared_lock lock(mutex_);
    const SharedEvent frame = event_frame(core::MessageEvent{message, account_of(message.from)});
    acknowledge();
    const auto to = users_.find(core::fold_user_name(message.to));
    if (to != users_.end()) to_user(to->second, frame);
    const auto from = users_.find(core::fold_user_name(message.from));
    if (from == users_.end() || from == to) return;
    for (const auto& s : from->second.sessions) {
        if (s.get() != origin) s->deliver(frame);
    }
}

void Hub::list(
    const std::optional<std::string>& after,
    const std::function<void(const core::ListResult&)>& reply
) const {
    // Name, count and punctuation of one entry, generously; the topic is counted escaped.
    constexpr std::size_t kEntryBytes = 96;
    std::shared_lock lock(mutex_);
    core::ListResult result;
    result.first = !after.has_value();
    std::size_t bytes = 0;
    for (auto it = after ? channels_.upper_bound(*after) : channels_.begin(); it != channels_.end();
         ++it) {
        const auto& [name, channel] = *it;
        bytes += kEntryBytes + name.size() + core::escaped_size_bound(channel.topic());
        if (bytes > limits_.bulk_reply_bytes() && !result.channels.empty()) {
            result.more = true;
            break;
        }
        result.channels.push_back(core::ChannelSummary{
            name, channel.member_count(), channel.topic()});
    }
    reply(result);
}

std::optional<core::Failure> Hub::who(
    const std::string& name, const std::function<void(const core::WhoResult&)>& reply
) const {
    std::shared_lock lock(mutex_);
    const core::Channel* channel = find_channel(name);
    if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
    reply(core::WhoResult{
        channel->name(), channel->member_infos(), channel->topic(), !channel->key().empty()});
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Moderation

template <typename Change>
std::optional<core::Failure> Hub::moderate(
    const core::Actor& actor, const std::string& name, Change change
) {
    std::unique_lock lock(mutex_);
    core::Channel* channel = find_channel(name);
    if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
    if (!channel->may_moderate(actor)) {
        return core::Failure(core::Errc::forbidden, "only the channel's operators may do that");
    }
    return change(*channel);
}

std::optional<core::Failure> Hub::set_topic(
    const core::Actor& actor, const std::string& name, const std::string& topic, const Reply& reply
) {
    return moderate(actor, name, [&](core::Channel& channel) -> std::optional<core::Failure> {
        channel.set_topic(topic);
        persist_kept(channel, [record = record_of(channel)](store::Store& s) {
            s.save_channel(record);
        });
        reply();
        to_members(channel, event_frame(core::TopicEvent{channel.name(), topic, actor.name}));
        return std::nullopt;
    });
}

std::optional<core::Failure> Hub::kick(
    const core::Actor& actor,
    const std::string& name,
    const std::string& target,
    const std::string& reason,
    const Reply& reply
) {
    return moderate(actor, name, [&](core::Channel& channel) -> std::optional<core::Failure> {
        const std::string folded = core::fold_user_name(target);
        const auto user_it = users_.find(folded);
        if (user_it == users_.end()) return core::Failure(core::Errc::no_such_user);
        if (!channel.is_member(folded)) {
            return core::Failure(core::Errc::not_in_channel, "that user is not in the channel");
        }
        reply();
        to_members(
            channel,
            event_frame(core::PartEvent{channel.name(), user_it->second.name, actor.name, reason})
        );
        remove_membership(user_it->second, channel);
        return std::nullopt;
    });
}

std::optional<core::Failure> Hub::set_ban(
    const core::Actor& actor,
    const std::string& name,
    const std::string& target,
    bool banned,
    const Reply& reply
) {
    if (!core::is_valid_user_name(target)) return core::Failure(core::Errc::bad_name);
    return moderate(actor, name, [&](core::Channel& channel) -> std::optional<core::Failure> {
        const std::string folded = core::fold_user_name(target);
        channel.set_ban(folded, banned);
        persist_kept(channel, [name, folded, banned](store::Store& s) {
            s.set_ban(name, folded, banned);
        });
        reply();
        const auto user_it = users_.find(folded);
        if (banned && user_it != users_.end() && channel.is_member(folded)) {
            to_members(
                channel,
                event_frame(core::PartEvent{
                    channel.name(), user_it->second.name, actor.name, "banned"})
            );
            remove_membership(user_it->second, channel);
        }
        return std::nullopt;
    });
}

std::optional<core::Failure> Hub::grant_op(
    const core::Actor& actor, const std::string& name, const std::string& target, const Reply& reply
) {
    return moderate(actor, name, [&](core::Channel& channel) -> std::optional<core::Failure> {
        const std::string folded = core::fold_user_name(target);
        const auto user_it = users_.find(folded);
        if (user_it == users_.end()) return core::Failure(core::Errc::no_such_user);
        if (!channel.grant_op(folded)) {
            return core::Failure(core::Errc::not_in_channel, "that user is not in the channel");
        }
        if (user_it->second.registered()) {
            persist_kept(
                channel,
                [folded, membership = store::Membership{name, true}](store::Store& s) {
                    s.set_membership(folded, membership);
                }
            );
        }
        reply();
        return std::nullopt;
    });
}

std::optional<core::Failure> Hub::set_key(
    const core::Actor& actor, const std::string& name, const std::string& key, const Reply& reply
) {
    return moderate(actor, name, [&](core::Channel& channel) -> std::optional<core::Failure> {
        channel.set_key(key);
        persist_kept(channel, [record = record_of(channel)](store::Store& s) {
            s.save_channel(record);
        });
        reply();
        return std::nullopt;
    });
}

// ---------------------------------------------------------------------------------------------

std::vector<SessionPtr> Hub::sessions() const {
    std::shared_lock lock(mutex_);
    std::vector<SessionPtr> out;
    for (const auto& [folded, user] : users_)
        out.insert(out.end(), user.sessions.begin(), user.sessions.end());
    return out;
}

HubCounts Hub::counts() const {
    std::shared_lock lock(mutex_);
    HubCounts counts{users_.size(), 0, channels_.size()};
    for (const auto& [folded, user] : users_) counts.sessions += user.sessions.size();
    return counts;
}

}  // namespace salon::server
