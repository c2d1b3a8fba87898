#include "server/hub.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <iterator>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/names.hpp"

namespace salon::server {
namespace {

/// Queues the OK of the request `ack` answers; nothing when there is none to answer.
void answer(const Acknowledgement& ack, const core::Result& result) {
    if (ack) ack.to->acknowledge(ack, result);
}

/// The channel's list that a list mode letter (`b`, `e`, `I`) names.
const std::set<core::UserMask>& listed_masks(const core::Channel& channel, char letter) {
    if (letter == 'b') return channel.bans();
    return channel.exceptions(
        letter == 'e' ? core::ExceptionList::ban : core::ExceptionList::invite
    );
}

}  // namespace

Hub::Hub(
    const LiveSettings& settings,
    store::Store& store,
    boost::asio::any_io_executor store_writes,
    const core::Clock& clock,
    NewestMessageId newest_message_id
)
    : settings_(settings),
      store_(store),
      store_writes_(std::move(store_writes)),
      clock_(clock),
      newest_message_id_(std::move(newest_message_id)),
      // A reload retunes them (retune_creation_budgets).
      creations_by_address_(
          limits().channels_created_per_minute / 60.0,
          limits().channel_creation_burst,
          kMaxCreationKeys
      ),
      creations_by_account_(
          limits().channels_created_per_minute / 60.0,
          limits().channel_creation_burst,
          kMaxCreationKeys
      ) {}

void Hub::retune_creation_budgets() {
    const double rate = limits().channels_created_per_minute / 60.0;
    const double burst = limits().channel_creation_burst;
    const auto now = clock_.steady_now();
    std::unique_lock lock(mutex_);
    creations_by_address_.retune(rate, burst, now);
    creations_by_account_.retune(rate, burst, now);
}

void Hub::load_channel(
    const store::ChannelRecord& record,
    const std::vector<core::UserMask>& bans,
    const std::vector<store::ChannelException>& exceptions,
    const std::vector<core::Message>& recent
) {
    std::unique_lock lock(mutex_);
    // Channels saved before creation times were kept have none: they count from now.
    const core::UnixMillis created =
        record.created_ms != 0 ? record.created_ms : clock_.unix_now_ms();
    auto [it, inserted] = channels_.try_emplace(
        record.name.str(),
        record.name,
        record.topic,
        record.key,
        limits().history_on_join,
        core::Channel::Lifetime::persistent,
        created
    );
    it->second.set_modes(core::ChannelModes::from_letters(record.modes, record.member_limit));
    it->second.set_topic(record.topic, record.topic_by, record.topic_ms);
    for (const auto& ban : bans) it->second.set_ban(ban, true);
    for (const auto& [list, mask] : exceptions) it->second.set_exception(list, mask, true);
    for (const auto& message : recent) it->second.remember(message);
}

// ---------------------------------------------------------------------------------------------
// Delivery helpers

void Hub::to_user(const OnlineUser& user, const SharedEvent& event) const {
    for (const auto& session : user.sessions) session->deliver(event);
}

void Hub::to_sharers(const OnlineUser& user, const SharedEvent& event) {
    std::unordered_set<Participant*> told;
    for (const core::Channel* channel : user.channels) {
        for (Participant* s : recipients_of(*channel)) {
            if (told.insert(s).second) s->deliver(event);
        }
    }
    for (const auto& session : user.sessions) {
        if (told.insert(session.get()).second) session->deliver(event);
    }
}

void Hub::to_members(const core::Channel& channel, const SharedEvent& event) {
    const std::vector<Participant*>& sessions = recipients_of(channel);
    // A delivery stalls on two loads from memory, the member's Participant and then its codec
    // (19,000 idle sessions do not stay in cache), and each waits for the one before it.
    // Fetching the Participant some members ahead, and its codec a few members later, overlaps
    // those misses: its codec pointer can be read once its line has arrived.
    constexpr std::size_t kSessionsAhead = 8;
    constexpr std::size_t kCodecsAhead = 4;
    const std::size_t n = sessions.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (i + kSessionsAhead < n) sessions[i + kSessionsAhead]->prefetch();
        if (i + kCodecsAhead < n) sessions[i + kCodecsAhead]->prefetch_codec();
        sessions[i]->deliver(event);
    }
}

const std::vector<Participant*>& Hub::recipients_of(const core::Channel& channel) {
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
    std::erase_if(cached->sessions, [&](const Participant* s) {
        return std::ranges::any_of(user.sessions, [s](const auto& own) { return own.get() == s; });
    });
    cached->membership_version = channel.membership_version();
}

void Hub::session_changed(const OnlineUser& user, Participant* session, bool attached) {
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

core::Channel* Hub::find_channel(const core::ChannelName& name) {
    const auto it = channels_.find(name.str());
    return it == channels_.end() ? nullptr : &it->second;
}

const core::Channel* Hub::find_channel(const core::ChannelName& name) const {
    const auto it = channels_.find(name.str());
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
    core::HistoryEvent event{channel.name().str(), channel.recent()};
    event.more = core::keep_newest_within(event.messages, limits().bulk_reply_bytes());
    return event;
}

void Hub::persist_kept(const core::Channel& channel, std::function<void(store::Store&)> write) {
    if (!channel.temporary()) persist(std::move(write));
}

void Hub::save_membership(
    const core::Channel& channel, bool was_temporary, const core::UserName& user, bool op
) {
    if (!was_temporary || channel.temporary()) {
        persist_kept(
            channel,
            [user, membership = store::Membership{channel.name(), op}](store::Store& s) {
                s.set_membership(user, membership);
            }
        );
        return;
    }
    std::vector<core::UserMask> bans(channel.bans().begin(), channel.bans().end());
    std::vector<store::ChannelException> exceptions;
    for (const auto list : {core::ExceptionList::ban, core::ExceptionList::invite}) {
        for (const auto& mask : channel.exceptions(list)) exceptions.push_back({list, mask});
    }
    std::vector<std::pair<core::UserName, store::Membership>> members;
    for (const auto& [folded, member] : channel.members()) {
        if (!member.guest)
            members.emplace_back(
                *core::UserName::parse(member.name), store::Membership{channel.name(), member.op}
            );
    }
    persist([record = record_of(channel),
             bans = std::move(bans),
             exceptions = std::move(exceptions),
             members = std::move(members)](store::Store& s) {
        s.save_channel(record);
        for (const auto& banned : bans) s.set_ban(record.name, banned, true);
        for (const auto& [list, name] : exceptions) s.set_exception(record.name, list, name, true);
        for (const auto& [member, membership] : members) s.set_membership(member, membership);
    });
}

store::ChannelRecord Hub::record_of(const core::Channel& channel) {
    return store::ChannelRecord{
        .name = channel.name(),
        .topic = channel.topic(),
        .key = channel.key(),
        .created_ms = channel.created_ms(),
        .modes = channel.modes().letters(),
        .member_limit = channel.modes().limit,
        .topic_by = channel.topic_by(),
        .topic_ms = channel.topic_ms()};
}

// ---------------------------------------------------------------------------------------------
// Sessions

std::optional<core::Failure> Hub::attach(
    const ParticipantPtr& session,
    const core::Actor& actor,
    const Acknowledgement& ack,
    const core::LoginResult& welcome
) {
    std::unique_lock lock(mutex_);
    auto [it, inserted] = users_.try_emplace(actor.name.folded());
    OnlineUser& user = it->second;
    // A guest never shares an online name with anyone: an IRC guest may hold a name that an
    // account is registered under later, and the two must not merge.
    if (!inserted && (actor.guest || user.guest()))
        return core::Failure(core::Errc::name_taken, "that name is in use by a guest");
    if (inserted) {
        user.name = actor.name.display();
        user.guest_serial = core::guest_serial(actor.key);
    }
    user.sessions.push_back(session);
    user.oper = user.oper || actor.admin;
    max_users_ = std::max(max_users_, users_.size());
    session_changed(user, session.get(), true);
    answer(ack, welcome);
    if (inserted) tell_watchers(user.name, true);
    return std::nullopt;
}

void Hub::detach(
    const ParticipantPtr& session,
    const core::Actor& actor,
    std::string_view reason,
    std::string_view message
) {
    std::unique_lock lock(mutex_);
    monitors_.clear(session.get());
    const auto it = users_.find(actor.name.folded());
    if (it == users_.end()) return;
    OnlineUser& user = it->second;
    const auto pos = std::ranges::find(user.sessions, session);
    if (pos == user.sessions.end()) return;
    user.sessions.erase(pos);
    session_changed(user, session.get(), false);
    if (!user.sessions.empty()) return;

    // The user's last connection: they leave every channel (a registered user's memberships
    // stay in storage for the next login) and each member hears QUIT once.
    const SharedEvent quit =
        make_event(core::QuitEvent{user.name, std::string(reason), std::string(message)});
    std::unordered_set<Participant*> told;
    for (core::Channel* channel : user.channels) {
        const auto before = channel->membership_version();
        channel->remove_member(actor.name.folded());
        member_removed(*channel, before, user);
        for (Participant* s : recipients_of(*channel)) {
            if (told.insert(s).second) s->deliver(quit);
        }
        vanish_if_empty(*channel);
    }
    core::MemberInfo gone{user.name, user.guest()};
    describe(user, gone);
    departed_.push_front(std::move(gone));
    if (departed_.size() > kWhowasMemory) departed_.pop_back();
    tell_watchers(user.name, false);
    users_.erase(it);
}

std::optional<std::string> Hub::online_name(const core::UserName& name) const {
    std::shared_lock lock(mutex_);
    const auto it = users_.find(name.folded());
    if (it == users_.end()) return std::nullopt;
    return it->second.name;
}

std::vector<core::ChannelName> Hub::channels_of(const core::UserName& name) const {
    std::shared_lock lock(mutex_);
    const auto it = users_.find(name.folded());
    std::vector<core::ChannelName> names;
    if (it != users_.end()) {
        names.reserve(it->second.channels.size());
        for (const core::Channel* channel : it->second.channels) names.push_back(channel->name());
    }
    return names;
}

std::optional<core::WhoisResult> Hub::whois(const core::Actor& viewer, const core::UserName& name)
    const {
    std::shared_lock lock(mutex_);
    const auto it = users_.find(name.folded());
    if (it == users_.end()) return std::nullopt;
    const OnlineUser& user = it->second;
    core::WhoisResult result{
        user.name, user.guest(), {}, user.away ? *user.away : std::string(), user.oper};
    result.bot = user.bot;
    if (user.identity) {
        result.username = user.identity->username;
        result.realname = user.identity->realname;
    }
    for (const core::Channel* channel : user.channels) {
        if (channel->modes().secret && !viewer.admin && !channel->is_member(viewer.name.folded()))
            continue;
        result.channels.push_back({channel->name().str(), channel->is_op(name.folded())});
    }
    return result;
}

void Hub::set_away(const core::UserName& name, std::string message) {
    std::unique_lock lock(mutex_);
    const auto it = users_.find(name.folded());
    if (it == users_.end()) return;
    OnlineUser& user = it->second;
    // Only a change is told: AWAY repeated with the same message, or back when not away, is not.
    if (message.empty() ? !user.away : user.away && *user.away == message) return;
    if (message.empty()) {
        user.away.reset();
    } else {
        user.away = std::make_unique<std::string>(message);
    }
    tell_about(
        user,
        core::AwayEvent{user.name, message},
        core::AwayEvent{user.name, message, core::Audience::monitor},
        false
    );
}

void Hub::describe(const OnlineUser& user, core::MemberInfo& info) {
    info.away = user.away != nullptr;
    info.oper = user.oper;
    info.bot = user.bot;
    if (user.identity) {
        info.username = user.identity->username;
        info.realname = user.identity->realname;
    }
}

std::optional<core::MemberInfo> Hub::member_info(const core::UserName& name) const {
    std::shared_lock lock(mutex_);
    const auto it = users_.find(name.folded());
    if (it == users_.end()) return std::nullopt;
    core::MemberInfo info{it->second.name, it->second.guest()};
    describe(it->second, info);
    return info;
}

core::WhoResult Hub::whowas(const core::UserName& name, std::size_t max) const {
    std::shared_lock lock(mutex_);
    core::WhoResult result;
    for (const auto& gone : departed_) {
        if (result.members.size() >= max) break;
        if (core::fold_user_name(gone.user) == name.folded()) result.members.push_back(gone);
    }
    return result;
}

void Hub::set_invisible(const core::UserName& name, bool invisible) {
    std::unique_lock lock(mutex_);
    const auto it = users_.find(name.folded());
    if (it != users_.end()) it->second.invisible = invisible;
}

core::WhoResult Hub::who_matching(
    std::string_view mask, bool operators, std::size_t max, const core::UserName& asker
) const {
    core::WhoResult result;
    // A plain nick is one lookup, not a walk over everyone online.
    if (mask.find_first_of("*?") == std::string_view::npos) {
        const auto name = core::UserName::parse(mask);
        auto info = name ? member_info(*name) : std::nullopt;
        if (info && max > 0 && (!operators || info->oper)) result.members.push_back(*info);
        return result;
    }
    const std::string folded = core::fold_user_name(mask);
    std::shared_lock lock(mutex_);
    for (const auto& [name, user] : users_) {
        if (result.members.size() >= max) break;
        if ((operators && !user.oper) || !core::matches_mask(folded, name)) continue;
        const bool hidden = user.invisible && name != asker.folded() &&
                            std::ranges::none_of(user.channels, [&](const core::Channel* c) {
                                return c->is_member(asker.folded());
                            });
        if (hidden) continue;
        core::MemberInfo info{user.name, user.guest()};
        describe(user, info);
        result.members.push_back(std::move(info));
    }
    return result;
}

void Hub::set_identity(const core::UserName& name, std::string username, std::string realname) {
    std::unique_lock lock(mutex_);
    const auto it = users_.find(name.folded());
    if (it == users_.end()) return;
    it->second.identity = std::make_unique<OnlineUser::Identity>(OnlineUser::Identity{
        std::move(username), std::move(realname)});
}

void Hub::set_operator(const core::UserName& name) {
    std::unique_lock lock(mutex_);
    const auto it = users_.find(name.folded());
    if (it != users_.end()) it->second.oper = true;
}

std::vector<ParticipantPtr> Hub::connections_of(const core::UserName& name) const {
    std::shared_lock lock(mutex_);
    const auto it = users_.find(name.folded());
    if (it == users_.end()) return {};
    return it->second.sessions;
}

void Hub::broadcast(const core::Event& event) {
    const SharedEvent shared = make_event(core::Event(event));
    std::unique_lock lock(mutex_);  // exclusive, as for every event: one order for all sessions
    for (const auto& [folded, user] : users_) {
        for (const auto& session : user.sessions) session->deliver(shared);
    }
}

// ---------------------------------------------------------------------------------------------
// Channels

std::optional<core::Failure> Hub::join(
    const ParticipantPtr& session,
    const core::Actor& actor,
    const core::ChannelName& name,
    std::string_view key,
    JoinMode mode,
    bool remembered_op,
    const Acknowledgement& ack,
    std::optional<core::UnixMillis> read_ts
) {
    const std::string& folded = actor.name.folded();
    std::unique_lock lock(mutex_);
    const auto user_it = users_.find(folded);
    if (user_it == users_.end())
        return core::Failure(core::Errc::internal, "the session is not online");
    OnlineUser& user = user_it->second;

    core::Channel* channel = find_channel(name);
    // The member list is built only when there is somebody to answer.
    const auto answer_join = [&] {
        if (ack)
            answer(
                ack,
                core::JoinResult{
                    .channel = name.str(),
                    .topic = channel->topic(),
                    .members = channel->member_infos(),
                    .secret = channel->modes().secret,
                    .topic_by = channel->topic_by(),
                    .topic_ms = channel->topic_ms(),
                    .read_ts = read_ts}
            );
    };
    const bool created = channel == nullptr;
    if (channel != nullptr && channel->is_member(folded)) {
        // Already in: a new connection of the user, or a repeated JOIN. Only this session
        // hears about it.
        answer_join();
        session->deliver(make_event(core::JoinEvent{name.str(), user.name, channel->is_op(folded)})
        );
        session->deliver(make_event(history_event(*channel)));
        return std::nullopt;
    }
    if (user.channels.size() >= limits().max_channels_per_user)
        return core::Failure(core::Errc::too_many_channels);
    if (channel != nullptr) {
        if (channel->shuts_out(folded) && !actor.admin) return core::Failure(core::Errc::banned);
        if (mode == JoinMode::request) {
            if (auto refusal = channel->join_refusal(actor, key)) return core::Failure(*refusal);
        }
    } else {
        if (auto refusal = creation_refusal(actor, session->remote_address(), name)) return refusal;
        channel = &create_channel(actor, name);
    }

    // `home` belongs to the server: its first joiner is no operator.
    const bool op = (created && name.str() != core::kHomeChannel) || remembered_op;
    const auto before = channel->membership_version();
    const bool was_temporary = channel->temporary();
    channel->add_member(actor, op);
    member_added(*channel, before, user);
    user.channels.push_back(channel);
    if (user.registered()) save_membership(*channel, was_temporary, actor.name, op);

    answer_join();
    to_members(*channel, make_event(core::JoinEvent{name.str(), user.name, op}));
    // away-notify: the members learn at once that the joiner is away.
    if (user.away) {
        const SharedEvent away = make_event(core::AwayEvent{user.name, *user.away});
        for (Participant* s : recipients_of(*channel)) {
            const bool own = std::ranges::any_of(user.sessions, [s](const auto& mine) {
                return mine.get() == s;
            });
            if (!own) s->deliver(away);
        }
    }
    to_user(user, make_event(history_event(*channel)));
    return std::nullopt;
}

std::optional<core::Failure> Hub::part(
    const core::Actor& actor,
    const core::ChannelName& name,
    std::string_view reason,
    const Acknowledgement& ack
) {
    std::unique_lock lock(mutex_);
    core::Channel* channel = find_channel(name);
    if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
    const auto user_it = users_.find(actor.name.folded());
    if (user_it == users_.end() || !channel->is_member(actor.name.folded()))
        return core::Failure(core::Errc::not_in_channel);

    answer(ack, core::EmptyResult{});
    // The leaver hears PART too, on every connection, so it goes out before removal.
    to_members(
        *channel,
        make_event(core::PartEvent{name.str(), user_it->second.name, "", std::string(reason)})
    );
    remove_membership(actor.name, user_it->second, *channel);
    return std::nullopt;
}

void Hub::remove_membership(const core::UserName& name, OnlineUser& user, core::Channel& channel) {
    const auto before = channel.membership_version();
    channel.remove_member(name.folded());
    member_removed(channel, before, user);
    std::erase(user.channels, &channel);
    if (user.registered()) {
        persist_kept(channel, [name, channel_name = channel.name()](store::Store& s) {
            s.remove_membership(name, channel_name);
        });
    }
    vanish_if_empty(channel);
}

std::optional<core::Failure> Hub::creation_refusal(
    const core::Actor& actor, const std::string& address, const core::ChannelName& name
) {
    if (name.str() == core::kHomeChannel) return std::nullopt;  // the server's own, never refused
    using core::ChannelCreation;
    if (limits().channel_creation == ChannelCreation::admins && !actor.admin) {
        return core::Failure(
            core::Errc::forbidden, "only server administrators may create channels here"
        );
    }
    if (limits().channel_creation == ChannelCreation::registered && actor.guest) {
        return core::Failure(
            core::Errc::forbidden, "guests may not create channels here; register, or join one"
        );
    }
    if (channels_.size() >= limits().max_channels) {
        return core::Failure(
            core::Errc::too_many_channels, "the server holds as many channels as it may"
        );
    }
    if (actor.admin) return std::nullopt;
    // A guest has no account to count: any name is theirs for the asking.
    const auto now = clock_.steady_now();
    const bool by_account = !actor.guest;
    const std::string& account = actor.name.folded();
    if (creations_by_address_.available(address, now) < 1.0 ||
        (by_account && creations_by_account_.available(account, now) < 1.0)) {
        return core::Failure(
            core::Errc::rate_limited, "too many new channels from your address or account; wait"
        );
    }
    creations_by_address_.try_take(address, now);
    if (by_account) creations_by_account_.try_take(account, now);
    return std::nullopt;
}

core::Channel& Hub::create_channel(const core::Actor& actor, const core::ChannelName& name) {
    const auto lifetime = actor.guest && name.str() != core::kHomeChannel
                              ? core::Channel::Lifetime::temporary
                              : core::Channel::Lifetime::persistent;
    core::Channel& channel =
        channels_
            .try_emplace(
                name.str(), name, "", "", limits().history_on_join, lifetime, clock_.unix_now_ms()
            )
            .first->second;
    channel.start_after(forget_stored(name));
    persist_kept(channel, [record = record_of(channel)](store::Store& s) {
        s.save_channel(record);
    });
    return channel;
}

void Hub::vanish_if_empty(core::Channel& channel) {
    if (!channel.temporary() || channel.member_count() > 0) return;
    recipients_.erase(&channel);
    forget_stored(channel.name());
    channels_.erase(channel.name().str());
}

core::MessageId Hub::forget_stored(const core::ChannelName& name) {
    const core::MessageId up_to = newest_message_id_();
    persist([name, up_to](store::Store& s) { s.forget_channel(name, up_to); });
    return up_to;
}

std::variant<core::Failure, Hub::ReadBounds> Hub::check_member(
    const core::Actor& actor, const core::ChannelName& name
) const {
    std::shared_lock lock(mutex_);
    const core::Channel* channel = find_channel(name);
    if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
    if (!channel->is_member(actor.name.folded())) return core::Failure(core::Errc::not_in_channel);
    return ReadBounds{channel->history_floor(), channel->last_message_id()};
}

void Hub::deliver_channel_message(const core::Message& message, const Acknowledgement& ack) {
    // Exclusive: the recent-message ring changes, and a join must see the ring and the member
    // list agree (a message is either in the joiner's HISTORY or delivered to them, never both).
    std::unique_lock lock(mutex_);
    const SharedEvent frame = make_event(message_event(message));
    answer(
        ack,
        core::PostResult{.id = message.id, .ts_ms = message.ts_ms, .reply_to = message.reply_to}
    );
    // A committed message names its channel canonically already.
    const auto it = channels_.find(message.channel);
    if (it == channels_.end()) return;
    it->second.remember(message);
    to_members(it->second, frame);
}

void Hub::deliver_direct_message(const core::Message& message, const Acknowledgement& ack) {
    std::shared_lock lock(mutex_);
    const SharedEvent frame = make_event(message_event(message));
    const auto to = users_.find(core::fold_user_name(message.to));
    const bool away = to != users_.end() && to->second.away;
    answer(
        ack,
        core::PostResult{
            .id = message.id,
            .ts_ms = message.ts_ms,
            .away = away ? *to->second.away : "",
            .reply_to = message.reply_to,
        }
    );
    if (to != users_.end()) to_user(to->second, frame);
    const auto from = users_.find(core::fold_user_name(message.from));
    if (from == users_.end() || from == to) return;
    for (const auto& s : from->second.sessions) {
        if (s.get() != ack.to) s->deliver(frame);
    }
}

std::optional<std::string> Hub::list(
    const core::Actor& viewer, const std::optional<std::string>& after, const Acknowledgement& ack
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
        if (channel.modes().secret && !viewer.admin && !channel.is_member(viewer.name.folded()))
            continue;
        bytes += kEntryBytes + name.size() + core::escaped_size_bound(channel.topic());
        if (bytes > limits().bulk_reply_bytes() && !result.channels.empty()) {
            result.more = true;
            break;
        }
        result.channels.push_back(core::ChannelSummary{
            name, channel.member_count(), channel.topic()});
    }
    std::optional<std::string> next;
    if (result.more) next = result.channels.back().name;
    answer(ack, result);
    return next;
}

std::optional<core::Failure> Hub::who(const core::ChannelName& name, const Acknowledgement& ack)
    const {
    std::shared_lock lock(mutex_);
    const core::Channel* channel = find_channel(name);
    if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
    auto members = channel->member_infos();
    for (auto& member : members) {
        const auto it = users_.find(core::fold_user_name(member.user));
        if (it != users_.end()) describe(it->second, member);
    }
    answer(
        ack,
        core::WhoResult{
            .channel = name.str(),
            .members = std::move(members),
            .topic = channel->topic(),
            .secret = channel->modes().secret,
            .topic_by = channel->topic_by(),
            .topic_ms = channel->topic_ms()}
    );
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Moderation

template <typename Change>
std::optional<core::Failure> Hub::moderate(
    const core::Actor& actor, const core::ChannelName& name, Change change, Also also
) {
    std::unique_lock lock(mutex_);
    core::Channel* channel = find_channel(name);
    if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
    const bool member_may = also == Also::members_unless_topic_ops && !channel->modes().topic_ops &&
                            channel->is_member(actor.name.folded());
    if (!channel->may_moderate(actor) && !member_may) {
        return core::Failure(core::Errc::forbidden, "only the channel's operators may do that");
    }
    return change(*channel);
}

std::optional<core::Failure> Hub::set_topic(
    const core::Actor& actor,
    const core::ChannelName& name,
    const std::string& topic,
    const Acknowledgement& ack
) {
    return moderate(
        actor,
        name,
        [&](core::Channel& channel) -> std::optional<core::Failure> {
            const core::UnixMillis now = clock_.unix_now_ms();
            channel.set_topic(topic, actor.name.display(), now);
            persist_kept(channel, [record = record_of(channel)](store::Store& s) {
                s.save_channel(record);
            });
            answer(ack, core::TopicResult{name.str(), topic, actor.name.display(), now});
            to_members(
                channel, make_event(core::TopicEvent{name.str(), topic, actor.name.display(), now})
            );
            return std::nullopt;
        },
        Also::members_unless_topic_ops
    );
}

std::optional<core::Failure> Hub::kick(
    const core::Actor& actor,
    const core::ChannelName& name,
    const core::UserName& target,
    const std::string& reason,
    const Acknowledgement& ack
) {
    return moderate(actor, name, [&](core::Channel& channel) -> std::optional<core::Failure> {
        const auto user_it = users_.find(target.folded());
        if (user_it == users_.end()) return core::Failure(core::Errc::no_such_user);
        if (!channel.is_member(target.folded())) {
            return core::Failure(core::Errc::not_in_channel, "that user is not in the channel");
        }
        answer(ack, core::EmptyResult{});
        to_members(
            channel,
            make_event(core::PartEvent{
                name.str(), user_it->second.name, actor.name.display(), reason})
        );
        remove_membership(target, user_it->second, channel);
        return std::nullopt;
    });
}

std::optional<core::Failure> Hub::change_modes(
    const core::Actor& actor,
    const core::ChannelName& name,
    const std::vector<core::ModeChange>& changes,
    const Acknowledgement& ack
) {
    return moderate(actor, name, [&](core::Channel& channel) -> std::optional<core::Failure> {
        // Checked whole first: a refused request changes nothing.
        std::vector<std::optional<core::UserName>> users;
        std::vector<std::optional<core::UserMask>> masks;
        for (const auto& change : changes) {
            users.emplace_back();
            masks.emplace_back();
            if (core::kListModeLetters.find(change.letter) != std::string_view::npos) {
                masks.back() = core::UserMask::parse(change.arg);
                if (!masks.back()) return core::Failure(core::Errc::bad_name);
                if (change.on &&
                    listed_masks(channel, change.letter).size() >= core::kMaxListEntries)
                    return core::Failure(core::Errc::list_full);
                continue;
            }
            if (change.letter != 'o' && change.letter != 'v') continue;
            auto user = core::UserName::parse(change.arg);
            if (!user || !users_.contains(user->folded()))
                return core::Failure(core::Errc::no_such_user);
            if (!channel.is_member(user->folded()))
                return core::Failure(core::Errc::not_in_channel, "that user is not in the channel");
            users.back() = std::move(user);
        }

        core::ModeEvent event{name.str(), actor.name.display(), {}, {}};
        char sign = 0;
        const auto applied = [&](const core::ModeChange& change, std::string arg = {}) {
            const char now = change.on ? '+' : '-';
            if (sign != now) event.modes += now;
            sign = now;
            event.modes += change.letter;
            if (!arg.empty()) event.args.push_back(std::move(arg));
        };
        const core::ChannelModes before = channel.modes();
        core::ChannelModes modes = before;
        const std::string key_before = channel.key();
        bool banned = false;  // a ban was added: the members it shuts out leave once MODE is out
        for (std::size_t i = 0; i < changes.size(); ++i) {
            const core::ModeChange& change = changes[i];
            if (bool* flag = modes.flag(change.letter); flag != nullptr) {
                if (*flag != change.on) applied(change);
                *flag = change.on;
                continue;
            }
            if (change.letter == 'l') {
                const std::size_t limit = change.on ? change.limit : 0;
                if (modes.limit != limit) applied(change, change.on ? change.arg : "");
                modes.limit = limit;
            } else if (change.letter == 'k') {
                const std::string key = change.on ? change.arg : "";
                if (channel.key() != key) applied(change, change.on ? key : "*");
                channel.set_key(key);
            } else if (change.letter == 'o' || change.letter == 'v') {
                const core::UserName& user = *users[i];
                const std::string& display = users_.at(user.folded()).name;
                const bool is = change.letter == 'o' ? channel.is_op(user.folded())
                                                     : channel.members().at(user.folded()).voice;
                if (is == change.on) continue;
                applied(change, display);
                if (change.letter == 'v') {
                    channel.set_voice(user.folded(), change.on);
                    continue;
                }
                const bool was_temporary = channel.temporary();
                if (change.on) {
                    channel.grant_op(user.folded());
                } else {
                    channel.revoke_op(user.folded());
                }
                if (users_.at(user.folded()).registered())
                    save_membership(channel, was_temporary, user, change.on);
            } else if (change.letter == 'b') {
                const core::UserMask& mask = *masks[i];
                if (!channel.set_ban(mask, change.on)) continue;
                applied(change, mask.str());
                persist_kept(channel, [name, mask, on = change.on](store::Store& s) {
                    s.set_ban(name, mask, on);
                });
                banned |= change.on;
            } else if (change.letter == 'e' || change.letter == 'I') {
                const core::UserMask& mask = *masks[i];
                const auto list =
                    change.letter == 'e' ? core::ExceptionList::ban : core::ExceptionList::invite;
                if (!channel.set_exception(list, mask, change.on)) continue;
                applied(change, mask.str());
                persist_kept(channel, [name, list, mask, on = change.on](store::Store& s) {
                    s.set_exception(name, list, mask, on);
                });
            }
        }
        // The members the bans now shut out leave, but not whoever set them.
        std::vector<core::UserName> removed;
        if (banned) {
            for (const auto& [folded, member] : channel.members()) {
                if (folded != actor.name.folded() && channel.shuts_out(folded))
                    removed.push_back(*core::UserName::parse(member.name));
            }
        }
        channel.set_modes(modes);
        if (modes != before || channel.key() != key_before) {
            persist_kept(channel, [record = record_of(channel)](store::Store& s) {
                s.save_channel(record);
            });
        }
        answer(ack, core::EmptyResult{});
        if (!event.modes.empty()) to_members(channel, make_event(std::move(event)));
        for (const auto& user : removed) {
            const auto user_it = users_.find(user.folded());
            if (user_it == users_.end() || !channel.is_member(user.folded())) continue;
            to_members(
                channel,
                make_event(core::PartEvent{
                    name.str(), user_it->second.name, actor.name.display(), "banned"})
            );
            // May erase a temporary channel: nothing touches it afterwards.
            remove_membership(user, user_it->second, channel);
            if (find_channel(name) == nullptr) break;
        }
        return std::nullopt;
    });
}

std::optional<core::Failure> Hub::modes(
    const core::Actor& actor, const core::ChannelName& name, const Acknowledgement& ack
) const {
    std::shared_lock lock(mutex_);
    const core::Channel* channel = find_channel(name);
    if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
    const bool insider = actor.admin || channel->is_member(actor.name.folded());
    core::ModesResult result{name.str(), "+", {}, channel->created_ms(), {}};
    // k sorts before l: the arguments follow the letters' order.
    if (!channel->key().empty()) {
        result.modes += 'k';
        if (insider) result.args.push_back(channel->key());
    }
    result.modes += channel->modes().letters();
    if (channel->modes().limit != 0 && insider)
        result.args.push_back(std::to_string(channel->modes().limit));
    const auto listed = [](const std::set<core::UserMask>& masks) {
        std::vector<std::string> out;
        for (const auto& mask : masks) {
            if (out.size() == core::kMaxListedBans) break;
            out.push_back(mask.str());
        }
        return out;
    };
    result.bans = listed(channel->bans());
    result.ban_exceptions = listed(channel->exceptions(core::ExceptionList::ban));
    result.invite_exceptions = listed(channel->exceptions(core::ExceptionList::invite));
    answer(ack, result);
    return std::nullopt;
}

std::optional<core::Failure> Hub::invite(
    const core::Actor& actor,
    const core::ChannelName& name,
    const core::UserName& target,
    const Acknowledgement& ack
) {
    std::unique_lock lock(mutex_);
    core::Channel* channel = find_channel(name);
    if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
    if (!channel->is_member(actor.name.folded()) && !actor.admin)
        return core::Failure(core::Errc::not_in_channel);
    if (channel->modes().invite_only && !channel->may_moderate(actor)) {
        return core::Failure(
            core::Errc::forbidden,
            "only the channel's operators may invite to it: it is invite-only"
        );
    }
    const auto user_it = users_.find(target.folded());
    if (user_it == users_.end()) return core::Failure(core::Errc::no_such_user);
    if (channel->is_member(target.folded())) return core::Failure(core::Errc::already_in_channel);
    channel->invite(target.folded());
    answer(ack, core::InviteResult{name.str(), user_it->second.name});
    to_user(
        user_it->second,
        make_event(core::InviteEvent{name.str(), user_it->second.name, actor.name.display()})
    );
    return std::nullopt;
}

std::vector<std::string> Hub::invitations(const core::Actor& actor, std::size_t max) const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> names;
    for (const auto& [name, channel] : channels_) {
        if (names.size() >= max) break;
        if (channel.is_invited(actor.name.folded())) names.push_back(name);
    }
    return names;
}

std::optional<core::Failure> Hub::post_refusal(
    const core::Actor& actor, const core::ChannelName& name
) const {
    std::shared_lock lock(mutex_);
    const core::Channel* channel = find_channel(name);
    if (channel == nullptr) return core::Failure(core::Errc::no_such_channel);
    if (auto refusal = channel->post_refusal(actor)) return core::Failure(*refusal);
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------

std::optional<core::Failure> Hub::claim(
    const core::Actor& guest,
    const core::Actor& account,
    std::span<const store::Revised> reauthored,
    const Acknowledgement& ack,
    const core::LoginResult& welcome
) {
    std::unique_lock lock(mutex_);
    const auto it = users_.find(guest.name.folded());
    if (it == users_.end() || !it->second.guest() || it->second.key() != guest.key)
        return core::Failure(core::Errc::internal, "the guest login is gone");
    if (users_.contains(account.name.folded())) return core::Failure(core::Errc::name_taken);
    auto node = users_.extract(it);
    node.key() = account.name.folded();
    OnlineUser& user = node.mapped();
    user.name = account.name.display();
    user.guest_serial = 0;
    users_.insert(std::move(node));
    answer(ack, welcome);
    tell_renamed(guest.name.display(), user.name);
    for (core::Channel* channel : user.channels) {
        const bool op = channel->is_op(guest.name.folded());
        const bool was_temporary = channel->temporary();
        channel->remove_member(guest.name.folded());
        channel->add_member(account, op);
        save_membership(*channel, was_temporary, account.name, op);
    }
    // The sessions are the same: the recipients caches are rebuilt for the new versions.
    to_sharers(user, make_event(core::RenameEvent{guest.name.display(), account.name.display()}));
    if (reauthored.empty()) return std::nullopt;
    std::unordered_map<core::MessageId, core::MessageId> revs;
    for (const store::Revised& r : reauthored) revs.emplace(r.id, r.rev);
    // Any channel: the guest may have left some it wrote in.
    for (auto& [name, channel] : channels_) {
        for (auto message : channel.recent()) {
            const auto revised = revs.find(message.id);
            if (revised == revs.end()) continue;
            message.from = account.name.display();
            message.by_account = true;
            message.rev = revised->second;
            channel.replace_recent(message);
        }
    }
    return std::nullopt;
}

std::optional<core::Failure> Hub::rename(
    const core::Actor& actor, const core::UserName& to, const Acknowledgement& ack
) {
    std::unique_lock lock(mutex_);
    const auto it = users_.find(actor.name.folded());
    if (it == users_.end()) return core::Failure(core::Errc::internal, "the login is gone");
    const std::string from = it->second.name;
    if (from == to.display()) {
        answer(ack, core::EmptyResult{});
        return std::nullopt;
    }
    if (to.folded() != actor.name.folded() && users_.contains(to.folded()))
        return core::Failure(core::Errc::name_taken);
    auto node = users_.extract(it);
    node.key() = to.folded();
    OnlineUser& user = node.mapped();  // stays valid once the node is back in the map
    user.name = to.display();
    users_.insert(std::move(node));
    for (core::Channel* channel : user.channels) channel->rename_member(actor.name.folded(), to);
    answer(ack, core::EmptyResult{});
    to_sharers(user, make_event(core::RenameEvent{from, to.display()}));
    tell_renamed(from, to.display());
    return std::nullopt;
}

void Hub::forget_author(const core::UserName& user) {
    std::unique_lock lock(mutex_);
    for (auto& [name, channel] : channels_) {
        for (auto message : channel.recent()) {
            const auto author = core::UserName::parse(message.from);
            if (!author || author->folded() != user.folded()) continue;
            message.from = std::string(store::kDeletedAuthor);
            channel.replace_recent(message);
        }
    }
}

void Hub::forget_pruned(const store::PruneCutoffs& cutoffs) {
    std::unique_lock lock(mutex_);
    for (auto& [name, channel] : channels_) {
        if (const auto cutoff = cutoffs.of(name)) channel.forget_recent_before(*cutoff);
    }
}

void Hub::set_deleting(const core::UserName& user, bool deleting) {
    std::unique_lock lock(mutex_);
    if (deleting) {
        deleting_.insert(user.folded());
    } else {
        deleting_.erase(user.folded());
    }
}

bool Hub::deleting(const core::UserName& user) const {
    std::shared_lock lock(mutex_);
    return deleting_.contains(user.folded());
}

std::vector<core::UserName> Hub::registered_online() const {
    std::shared_lock lock(mutex_);
    std::vector<core::UserName> names;
    for (const auto& [folded, user] : users_) {
        if (!user.registered()) continue;
        if (auto name = core::UserName::parse(user.name)) names.push_back(std::move(*name));
    }
    return names;
}

std::vector<ParticipantPtr> Hub::sessions_of(const core::UserName& user) const {
    std::shared_lock lock(mutex_);
    const auto it = users_.find(user.folded());
    if (it == users_.end() || !it->second.registered()) return {};
    return it->second.sessions;
}

std::vector<ParticipantPtr> Hub::sessions() const {
    std::shared_lock lock(mutex_);
    std::vector<ParticipantPtr> out;
    for (const auto& [folded, user] : users_)
        out.insert(out.end(), user.sessions.begin(), user.sessions.end());
    return out;
}

void Hub::for_each_session(
    const std::function<void(std::string_view folded, const ParticipantPtr&)>& visit
) const {
    std::shared_lock lock(mutex_);
    for (const auto& [folded, user] : users_) {
        for (const auto& session : user.sessions) visit(folded, session);
    }
}

HubCounts Hub::counts() const {
    std::shared_lock lock(mutex_);
    HubCounts counts{users_.size(), 0, channels_.size(), 0, max_users_, 0};
    for (const auto& [folded, user] : users_) {
        counts.sessions += user.sessions.size();
        if (user.oper) ++counts.operators;
        if (user.invisible) ++counts.invisible;
    }
    return counts;
}

}  // namespace salon::server
