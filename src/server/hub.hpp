// The shared state of a running server: who is online on which connections, and the channels.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/channel.hpp"
#include "core/clock.hpp"
#include "core/errc.hpp"
#include "core/events.hpp"
#include "core/limits.hpp"
#include "core/names.hpp"
#include "core/rate_limiter.hpp"
#include "server/monitor_lists.hpp"
#include "server/outbound_event.hpp"
#include "server/participant.hpp"
#include "server/settings.hpp"
#include "store/store.hpp"

namespace salon::server {

/// How a join treats keys.
enum class JoinMode {
    request,  ///< JOIN, or the channel named in CONN: the key is checked
    rejoin,   ///< a registered user returning to a channel they never left: no key asked
};

struct HubCounts {
    std::size_t users = 0;
    std::size_t sessions = 0;
    std::size_t channels = 0;
    std::size_t operators = 0;  ///< users online who are administrators or OPERed
    std::size_t max_users = 0;  ///< the most users online at once since start
    std::size_t invisible = 0;  ///< users online with IRC's +i
};

/// Users online, their sessions, and the channels with their members and recent messages.
///
/// Thread safety: every method may be called from any thread. One reader/writer lock guards
/// all of it; events are pushed into the sessions' outboxes while it is held (pushing never
/// blocks), so any two events reach every session in the same order. The OK that must precede
/// a request's events is passed in as an Acknowledgement and queued under the lock too.
/// Membership and channel changes are persisted behind the change (write-behind) on a
/// serialized executor, in the order they happened; messages are not: they go through
/// MessagePipeline and are durable before anyone sees them.
///
/// Channels: a join creates a channel that does not exist, if the creation policy and budget
/// allow (creation_refusal). A guest's channel is temporary: it keeps nothing in storage but
/// its messages, and disappears with them when its last member leaves, unless a registered user
/// is made its operator first: then it is saved whole and persists.
class Hub {
public:
    /// The id of the newest message accepted so far (committed or not).
    using NewestMessageId = std::function<core::MessageId()>;

    /// The limits are read from `settings` at each use, so that a reload applies at once.
    Hub(const LiveSettings& settings,
        store::Store& store,
        boost::asio::any_io_executor store_writes,
        const core::Clock& clock,
        NewestMessageId newest_message_id);

    /// Puts the channel creation budgets on the rates of the settings now (after a reload).
    void retune_creation_budgets();

    /// Restores a stored channel at start-up, with its bans, exception lists and its newest
    /// messages.
    void load_channel(
        const store::ChannelRecord& record,
        const std::vector<core::UserMask>& bans,
        const std::vector<store::ChannelException>& exceptions,
        const std::vector<core::Message>& recent
    );

    /// Puts the participant online for `actor`. `name_taken` when the actor is a guest whose
    /// name is online already. `ack` gets `welcome` first, before any event can reach it.
    [[nodiscard]] std::optional<core::Failure> attach(
        const ParticipantPtr& participant,
        const core::Actor& actor,
        const Acknowledgement& ack,
        const core::LoginResult& welcome
    );
    /// Takes the participant offline; on the user's last connection the user leaves every
    /// channel and their members get QUIT with `reason` and the user's own `message`.
    /// Idempotent.
    void detach(
        const ParticipantPtr& participant,
        const core::Actor& actor,
        std::string_view reason,
        std::string_view message = {}
    );

    /// The display name of an online user, nullopt when offline.
    std::optional<std::string> online_name(const core::UserName& user) const;

    /// An online user as stored data knows them.
    struct OnlineIdentity {
        std::string name;  ///< display form
        core::UserKey key;
    };

    /// nullopt when offline.
    std::optional<OnlineIdentity> online(const core::UserName& user) const;
    /// Channels the user is in now.
    std::vector<core::ChannelName> channels_of(const core::UserName& user) const;
    /// What IRC's WHOIS shows `viewer` of an online user (not the secret channels `viewer` is
    /// not in); nullopt when offline.
    std::optional<core::WhoisResult> whois(const core::Actor& viewer, const core::UserName& user)
        const;
    /// Marks an online user away on all their connections, or back with an empty message; those
    /// sharing a channel with them and the connections monitoring them get AWAY (a codec shows
    /// it to the clients that asked for it).
    void set_away(const core::UserName& user, std::string message);
    /// What WHO shows of one online user (no `op`: that is a channel's); nullopt when offline.
    std::optional<core::MemberInfo> member_info(const core::UserName& user) const;
    /// WHO with a mask: the online users whose name matches `mask` (proto::WhoMask), operators
    /// only when `operators`, at most `max` of them, in no particular order. A mask with
    /// wildcards leaves out the invisible users who share no channel with `asker`.
    core::WhoResult who_matching(
        std::string_view mask, bool operators, std::size_t max, const core::UserName& asker
    ) const;
    /// IRC's user mode +i (proto::Invisible).
    void set_invisible(const core::UserName& user, bool invisible);
    /// Users whose last connection ended are remembered, newest first, this many at most.
    static constexpr std::size_t kWhowasMemory = 1000;
    /// WHOWAS: the remembered departures of `user`, newest first, at most `max`.
    core::WhoResult whowas(const core::UserName& user, std::size_t max) const;
    /// What WHO and WHOIS show of an online user's IRC USER line.
    void set_identity(const core::UserName& user, std::string username, std::string realname);
    /// IRC's SETNAME: the real name WHO and WHOIS show; the user's connections, those sharing
    /// a channel with them and those monitoring them get the RealnameEvent.
    void set_realname(const core::UserName& user, std::string realname);
    /// Marks an online user a bot (IRC's +B) or no longer one; their messages say so.
    void set_bot(const core::UserName& user, bool bot);

    // MONITOR (proto::Monitor): each connection's list lives here until it detaches, bounded
    // by core::kMaxMonitoredUsers; a user's first connection and last one are told to its
    // watchers as PresenceEvent.
    /// Adds `users` (names that are no user names are answered offline and not added).
    core::MonitorResult monitor(Participant& watcher, std::span<const std::string> users);
    void unmonitor(Participant& watcher, std::span<const std::string> users);
    void clear_monitor(Participant& watcher);
    /// The watcher's list (`status`: split into online and offline instead).
    core::MonitorResult monitored(const Participant& watcher, bool status) const;

    /// Shows an online user as an operator (IRC's OPER); an administrator's login is one.
    void set_operator(const core::UserName& user);
    /// Every connection of an online user, guest or not (KILL).
    std::vector<ParticipantPtr> connections_of(const core::UserName& user) const;
    /// Delivers `event` to every session online (WALLOPS; each codec decides whether to show it).
    void broadcast(const core::Event& event);

    /// Joins (or, when already a member, re-announces to this participant only): `ack` gets
    /// the OK body, then come the JOIN event and the HISTORY event. `remembered_op` is the
    /// operator flag kept in storage, for rejoins. Without `ack` no OK body (member list) is
    /// built, for the channels a native login joins without answering for each.
    /// A channel that does not exist is created, its creator its operator (not of `home`):
    /// `forbidden`, `too_many_channels` or `rate_limited` when creation_refusal() says so.
    /// `read_ts` goes into the OK body (IRC's MARKREAD on join).
    [[nodiscard]] std::optional<core::Failure> join(
        const ParticipantPtr& participant,
        const core::Actor& actor,
        const core::ChannelName& channel,
        std::string_view key,
        JoinMode mode,
        bool remembered_op,
        const Acknowledgement& ack,
        std::optional<core::UnixMillis> read_ts = std::nullopt
    );
    /// The member leaves; every member, the leaver included, gets PART with `reason` (the
    /// leaver's words, "" for none).
    [[nodiscard]] std::optional<core::Failure> part(
        const core::Actor& actor,
        const core::ChannelName& channel,
        std::string_view reason,
        const Acknowledgement& ack
    );

    /// What a member may read of a channel's stored messages: ids above `floor` (below it
    /// lie an earlier channel's of the same name) and up to `up_to`, the newest delivered.
    struct ReadBounds {
        core::MessageId floor = 0;
        core::MessageId up_to = 0;
    };

    /// `no_such_channel` / `not_in_channel` for a post or a history read, else what the member
    /// may read.
    std::variant<core::Failure, ReadBounds> check_member(
        const core::Actor& actor, const core::ChannelName& channel
    ) const;

    /// Fan-out of committed messages. Called on the delivery strand, in id order. `ack` gets
    /// the post's OK under the lock first, so that nothing the sender does after reading it
    /// (END, say) can reach the other members before the message.
    void deliver_channel_message(const core::Message& message, const Acknowledgement& ack);
    /// To every session of the recipient and the sender's sessions other than `ack.to`.
    void deliver_direct_message(const core::Message& message, const Acknowledgement& ack);

    /// The actor operates the channel or administers the server (they may delete others'
    /// messages there).
    bool may_moderate(const core::Actor& actor, const core::ChannelName& channel) const;

    /// A stored message changed (edit, delete, reaction): `ack` gets `result`, then everyone
    /// who can see the message gets `update` (channel members; both parties of a DM). Called on
    /// the delivery strand, in rev order, like the deliveries above.
    void deliver_update(
        core::UpdateEvent update,
        std::string_view conversation,
        const core::ChangeResult& result,
        const Acknowledgement& ack
    );
    /// The actor's read marker moved: `ack` gets `result`, then each of the actor's
    /// connections gets `event`.
    void tell_read(
        const core::Actor& actor,
        const core::ReadEvent& event,
        const core::Result& result,
        const Acknowledgement& ack
    );
    /// TYPING in a channel (to the other members) or a DM (`event.with`: the partner, who is
    /// told with `with` set to the typist). `active` repeated within kTypingQuietPeriod of the
    /// last one is dropped; so is a DM to a partner who is offline. `not_in_channel` /
    /// `no_such_channel` for a channel the actor is not in.
    [[nodiscard]] std::optional<core::Failure> relay_typing(
        const core::Actor& actor, core::TypingEvent event
    );
    static constexpr std::chrono::seconds kTypingQuietPeriod{3};
    /// Client-only tags (IRC's TAGMSG) to a channel's other members, or to a DM partner online
    /// (all of their connections: the sender's own when writing to themself); the same
    /// failures as relay_typing(). Never stored, so as cheap as TYPING.
    [[nodiscard]] std::optional<core::Failure> relay_tags(
        const core::Actor& actor, core::TagsEvent event
    );

    /// LIST: `ack` gets the page of channels after `after` (by name) that fits in the bulk reply
    /// bound, under the lock, so no event about a later change can reach the requester first.
    /// Returns the name to continue after when there is more.
    /// Secret channels are listed only to their members (and administrators).
    std::optional<std::string> list(
        const core::Actor& viewer,
        const std::optional<std::string>& after,
        const Acknowledgement& ack
    ) const;
    /// WHO: `ack` gets the members, the same way.
    [[nodiscard]] std::optional<core::Failure> who(
        const core::ChannelName& channel, const Acknowledgement& ack
    ) const;

    // Moderation: operators of the channel and administrators only (`forbidden` otherwise).
    [[nodiscard]] std::optional<core::Failure> set_topic(
        const core::Actor& actor,
        const core::ChannelName& channel,
        const std::string& topic,
        const Acknowledgement& ack
    );
    [[nodiscard]] std::optional<core::Failure> kick(
        const core::Actor& actor,
        const core::ChannelName& channel,
        const core::UserName& target,
        const std::string& reason,
        const Acknowledgement& ack
    );
    /// Applies MODE changes in order (core::parse_mode_changes), all or none: `no_such_user`
    /// (o, v: offline or not a name), `not_in_channel` (o, v), `bad_name` (b). `ack` gets the OK,
    /// then every member gets one MODE event with the changes that changed something (none when
    /// nothing did); a member banned by it is then removed as by KICK with reason `banned`.
    [[nodiscard]] std::optional<core::Failure> change_modes(
        const core::Actor& actor,
        const core::ChannelName& channel,
        const std::vector<core::ModeChange>& changes,
        const Acknowledgement& ack
    );
    /// MODE without changes, for anyone: `ack` gets the modes; the key and limit only when the
    /// actor is a member (or an administrator).
    [[nodiscard]] std::optional<core::Failure> modes(
        const core::Actor& actor, const core::ChannelName& channel, const Acknowledgement& ack
    ) const;
    /// INVITE: members invite (operators only when invite-only: `forbidden`); `not_in_channel`,
    /// `no_such_user` (offline), `already_in_channel`. `ack` gets the OK, the invited user's
    /// connections an INVITE event.
    [[nodiscard]] std::optional<core::Failure> invite(
        const core::Actor& actor,
        const core::ChannelName& channel,
        const core::UserName& target,
        const Acknowledgement& ack
    );
    /// The channels (canonical names) the actor is invited to and has not joined, at most `max`
    /// of them, in name order. Looks at every channel: the cost is the server's channel count.
    std::vector<std::string> invitations(const core::Actor& actor, std::size_t max) const;
    /// Why the actor may not post to the channel now (`no_such_channel`, `not_in_channel` unless
    /// it is `-n`, `moderated`), or nullopt.
    std::optional<core::Failure> post_refusal(
        const core::Actor& actor, const core::ChannelName& channel
    ) const;

    /// A guest's login becomes the account `account` (REGISTER while logged in as a guest): the
    /// same sessions, channels and operator flags, now stored; every member of its channels
    /// gets one RENAME; the channels' recent messages among `reauthored` (the store's
    /// store::Store::claim_guest()) show the account and their new revs. `name_taken` when
    /// someone else is online under the account's name.
    [[nodiscard]] std::optional<core::Failure> claim(
        const core::Actor& guest,
        const core::Actor& account,
        std::span<const store::Revised> reauthored,
        const Acknowledgement& ack,
        const core::LoginResult& welcome
    );

    /// The login `actor` is now called `to` (RENAME, IRC's NICK): the same sessions, channels
    /// and rights; every member of its channels and its own sessions get one RENAME. `ack` gets
    /// the OK first. `name_taken` when someone else is online under `to`. The caller decides who
    /// may take which name.
    [[nodiscard]] std::optional<core::Failure> rename(
        const core::Actor& actor, const core::UserName& to, const Acknowledgement& ack
    );

    // Administrators' commands (`salond channel …`, through store::AdminRequest), in
    // hub_admin.cpp. `by` is who the members are told acted: the server's name.

    /// Removes the channel with everything stored of it (store::Store::delete_channel()). Each
    /// member online gets their own PART with `by` and `reason` (a KICK on IRC).
    /// `no_such_channel`; `forbidden` for `home`.
    [[nodiscard]] std::optional<core::Failure> delete_channel(
        const core::ChannelName& name, const std::string& by, const std::string& reason
    );
    /// The channel `from` is now called `to`, with its members, modes, bans, operators,
    /// history and read markers (store::Store::rename_channel()). Each member online gets
    /// their own PART of `from` (`by`, reason "renamed to <to>"), then JOIN and HISTORY of `to`,
    /// as at a login. `no_such_channel`; `name_taken` when `to` exists; `forbidden` for `home`.
    [[nodiscard]] std::optional<core::Failure> rename_channel(
        const core::ChannelName& from, const core::ChannelName& to, const std::string& by
    );
    /// Makes the registered user an operator of the channel, kept in their membership. Online
    /// in it: every member gets `MODE +o` by `by`, as for MODE. Offline: stored only, so that
    /// their next login rejoins as operator; `stored_member` says whether they have a stored
    /// membership (read by the caller, off the lock). `no_such_channel`; `not_in_channel` when
    /// neither; `no_such_user` when the name is online as a guest.
    [[nodiscard]] std::optional<core::Failure> make_operator(
        const core::ChannelName& name,
        const core::UserName& user,
        bool stored_member,
        const std::string& by
    );

    /// A deleted account's messages among the channels' recent ones show store::kDeletedAuthor,
    /// as stored ones do.
    void forget_author(const core::UserName& user);

    /// Retention pruned the stored messages before `cutoffs`: the channels' recent ones (the
    /// HISTORY a joiner gets) drop them too.
    void forget_pruned(const store::PruneCutoffs& cutoffs);

    /// While DELETE_ACCOUNT runs for `user` (its account locked meanwhile), the account watch
    /// leaves its connections alone: the deletion closes them once it has answered.
    void set_deleting(const core::UserName& user, bool deleting);
    bool deleting(const core::UserName& user) const;

    /// The registered users online, for the account watch.
    std::vector<core::UserName> registered_online() const;

    /// The connections of a registered user online (none for a guest), for PASSWD.
    std::vector<ParticipantPtr> sessions_of(const core::UserName& user) const;
    /// Every session online, for shutdown.
    std::vector<ParticipantPtr> sessions() const;
    /// Calls `visit` with the folded name and each session of every user online, under the
    /// lock: `visit` must be quick and call nothing of the hub's (server bans collect matches).
    void for_each_session(
        const std::function<void(std::string_view folded, const ParticipantPtr&)>& visit
    ) const;
    HubCounts counts() const;

private:
    std::set<std::string> deleting_;  // folded names

    /// Every online user has one, so it is kept small: channels by pointer (std::map nodes do
    /// not move, and a channel is erased only once it has no members), the rarely set AWAY
    /// message out of line.
    struct OnlineUser {
        std::string name;
        // The serial of a guest's login (see core::user_key); 0 for a registered user. Kept
        // instead of the key itself: this struct is per online user, the key rarely needed.
        std::uint64_t guest_serial = 0;

        bool guest() const { return guest_serial != 0; }

        bool registered() const { return guest_serial == 0; }

        core::UserKey key() const;

        std::vector<ParticipantPtr> sessions;
        bool oper = false;       // an administrator's login, or OPER on one of the sessions
        bool invisible = false;  // IRC's +i: left out of WHO masks (Hub::who_matching)
        std::vector<core::Channel*> channels;  // in join order
        std::unique_ptr<std::string> away;     // IRC's AWAY message; none when present

        struct Identity {
            std::string username;
            std::string realname;
        };

        std::unique_ptr<Identity> identity;  // IRC's USER line; none for native logins
        bool bot = false;                    // IRC's +B: their messages carry the bot tag
        // When each conversation last relayed this user's `active` TYPING; none until they type.
        std::unique_ptr<std::unordered_map<std::string, core::SteadyTime>> typing;
    };

    /// What WHO shows of an online user besides the member list: away, operator, USER line.
    static void describe(const OnlineUser& user, core::MemberInfo& info);
    /// The online user whose key is `key` (a guest's key names one login), or nullptr.
    const OnlineUser* user_with_key(std::string_view key) const;

    /// Who hears of a live-only event (typing, client tags) in a conversation: the channel's
    /// other members, or the DM partner; neither when the partner is offline.
    struct LiveAudience {
        const core::Channel* channel = nullptr;
        const OnlineUser* partner = nullptr;
    };

    /// The audience of the conversation `channel` (its members) or `with` (a user) for the
    /// actor; not_in_channel or no_such_channel for a channel the actor is not in.
    std::variant<LiveAudience, core::Failure> live_audience(
        const core::Actor& actor, std::string_view channel, std::string_view with
    ) const;
    void to_live_audience(
        const LiveAudience& audience, const core::Actor& actor, const SharedEvent& event
    ) const;

    // All private helpers require mutex_ (held shared for const ones, exclusive otherwise).
    core::Channel* find_channel(const core::ChannelName& name);
    const core::Channel* find_channel(const core::ChannelName& name) const;
    void to_user(const OnlineUser& user, const SharedEvent& event) const;
    /// Once to each session that shares a channel with `user`, and to the user's own.
    /// Requires mutex_ held exclusively.
    void to_sharers(const OnlineUser& user, const SharedEvent& event);
    /// Requires mutex_ held exclusively (it may rebuild the channel's recipients).
    void to_members(const core::Channel& channel, const SharedEvent& event);
    /// Every session of every member of the channel, so that fan-out is one walk over a
    /// vector. Built once, then kept in step by the member_* and session_changed helpers, so
    /// a login storm does not rebuild every channel's list on every join; a cache that missed
    /// a change (its version differs from the channel's) is rebuilt here.
    /// Requires mutex_ held exclusively.
    const std::vector<Participant*>& recipients_of(const core::Channel& channel);
    /// `before` is the channel's membership version before the change.
    void member_added(const core::Channel& channel, std::uint64_t before, const OnlineUser& user);
    void member_removed(const core::Channel& channel, std::uint64_t before, const OnlineUser& user);
    /// A session of `user` attached or detached: the channels they are in gain or lose it.
    void session_changed(const OnlineUser& user, Participant* session, bool attached);
    /// May erase the channel (see vanish_if_empty): the caller must not use it afterwards.
    void remove_membership(const core::UserName& name, OnlineUser& user, core::Channel& channel);
    /// Why `actor`, on a session from `address`, may not create channel `name` now; nullopt
    /// when they may, and then their creation budget has paid for it.
    std::optional<core::Failure> creation_refusal(
        const core::Actor& actor, const std::string& address, const core::ChannelName& name
    );
    core::Channel& create_channel(const core::Actor& actor, const core::ChannelName& name);
    /// Erases a temporary channel without members, and its messages from storage.
    void vanish_if_empty(core::Channel& channel);
    /// Stored messages of `name` up to the newest accepted id are forgotten: a channel that
    /// vanished, or that a crash kept from being forgotten, leaves nothing to a later one.
    /// Returns the newest id it covers.
    core::MessageId forget_stored(const core::ChannelName& name);
    /// Who may run a moderation change besides operators and administrators.
    enum class Also { nobody, members_unless_topic_ops };
    /// Runs `change` on the channel under the exclusive lock if the actor may moderate it.
    template <typename Change>
    std::optional<core::Failure> moderate(
        const core::Actor& actor,
        const core::ChannelName& name,
        Change change,
        Also also = Also::nobody
    );
    /// The HISTORY event a joiner gets: the channel's recent messages, as many of the newest as
    /// fit in the bulk reply bound.
    core::HistoryEvent history_event(const core::Channel& channel) const;
    void persist(std::function<void(store::Store&)> write);
    /// persist(), for the channel's record, bans and memberships: a temporary channel has none.
    void persist_kept(const core::Channel& channel, std::function<void(store::Store&)> write);
    /// Saves a registered member's membership. When the change made a temporary channel
    /// persistent (`was_temporary`), saves what it had kept in memory only: its record, its
    /// bans and every registered member.
    void save_membership(
        const core::Channel& channel, bool was_temporary, const core::UserName& user, bool op
    );
    static store::ChannelRecord record_of(const core::Channel& channel);
    /// A live MessageEvent: the message with what its sender is now: their account when they
    /// are registered (IRC's account-tag), whether they are a bot.
    core::MessageEvent message_event(const core::Message& message) const;
    /// The user online as `name` came online or went offline: their watchers hear it.
    void tell_watchers(const std::string& name, bool online);
    /// A user online as `from` is now `to` (a guest who registered): the watchers of `from`
    /// hear that it went offline, those of `to` that it came online; a change of case is no
    /// change to them.
    void tell_renamed(const std::string& from, const std::string& to);
    /// A change to `user` (away, real name): the members of their channels get `shared`, the
    /// connections monitoring them that share none get `monitored`; the user's own
    /// connections get `shared` only when `to_self`. Requires mutex_ held exclusively.
    void tell_about(
        const OnlineUser& user,
        const core::Event& shared,
        const core::Event& monitored,
        bool to_self
    );

    const core::Limits& limits() const noexcept { return settings_.current().limits; }

    const LiveSettings& settings_;
    store::Store& store_;
    boost::asio::any_io_executor store_writes_;
    const core::Clock& clock_;
    NewestMessageId newest_message_id_;

    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, OnlineUser> users_;  // by folded name
    std::size_t max_users_ = 0;
    MonitorLists monitors_{core::kMaxMonitoredUsers};
    std::deque<core::MemberInfo> departed_;  // for WHOWAS, newest first; kWhowasMemory at most
    std::map<std::string, core::Channel> channels_;  // by canonical name, ordered for LIST
    // Channel creations, by address and by registered account (folded name).
    static constexpr std::size_t kMaxCreationKeys = 100'000;  // bounds each map's memory
    core::KeyedTokenBuckets creations_by_address_;
    core::KeyedTokenBuckets creations_by_account_;

    struct Recipients {
        bool built = false;
        std::uint64_t membership_version = 0;
        std::vector<Participant*> sessions;
    };

    /// The channel's cache if it was current at membership version `version`, else nullptr.
    Recipients* current_recipients(const core::Channel& channel, std::uint64_t version);

    // By channel: std::map nodes do not move; vanish_if_empty() drops a channel's entry with
    // it, before a new channel can take its address.
    std::unordered_map<const core::Channel*, Recipients> recipients_;
};

}  // namespace salon::server
