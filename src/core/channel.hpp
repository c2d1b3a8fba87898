// A channel's rules and state: members, operators, bans, key, topic and recent messages.
// Pure domain: no locking (its owner serializes access), no I/O.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/conversation.hpp"
#include "core/errc.hpp"
#include "core/events.hpp"
#include "core/message.hpp"
#include "core/names.hpp"

namespace salon::core {

/// Who is asking: the identity a channel's rules look at.
struct Actor {
    UserName name;
    bool guest = false;
    bool admin = false;  ///< server administrators moderate every channel
    UserKey key = {};    ///< what stored data of this login is keyed by
};

/// The modes beside the key and the bans, by IRC's letters. A new channel is `+nt`.
struct ChannelModes {
    bool moderated = false;    ///< m: only operators and voiced members post
    bool invite_only = false;  ///< i: only the invited join
    bool secret = false;       ///< s: hidden from LIST (and WHOIS) of non-members
    bool topic_ops = true;     ///< t: only operators set the topic
    bool no_external = true;   ///< n: only members post
    std::size_t limit = 0;     ///< l: at most this many members; 0 for no limit

    /// The flag letters that are on, in alphabetical order ("nt"); `l` when limited.
    std::string letters() const;
    /// Reads letters() back (unknown letters are ignored); the limit is stored apart.
    static ChannelModes from_letters(std::string_view letters, std::size_t limit);
    /// The on/off mode named by `letter` (`i m n s t`); nullptr for any other letter.
    bool* flag(char letter) noexcept;
    bool operator==(const ChannelModes&) const = default;
};

/// IRC's exception lists: a user a mask on `ban` matches joins though banned (`+e`), one a mask on
/// `invite` matches joins an invite-only channel uninvited (`+I`).
enum class ExceptionList { ban, invite };

/// One change of a MODE request: `+m`, `-l`, `+v name`, `+k key`…
struct ModeChange {
    bool on = true;
    char letter = 0;
    std::string arg;  ///< o, v (a user), b, e, I (a mask), k (the key, when on), l (the limit, on)
    std::size_t limit = 0;  ///< `+l`: arg read as a number
};

/// Why a mode string was refused; `letter` is the change at fault.
struct ModeError {
    enum class Kind { unknown_mode, missing_argument, bad_argument, too_many };
    Kind kind;
    char letter = 0;
    std::string arg;
};

/// Mode letters the server knows: flags `imnst`, `l` (limit), `k` (key), `o`, `v`, and the lists
/// of users `b`, `e`, `I`.
inline constexpr std::string_view kChannelModeLetters = "beIikolmnstv";
/// The letters of IRC's list modes: bans and the two exception lists (each takes a UserMask).
inline constexpr std::string_view kListModeLetters = "beI";
/// At most this many changes that take an argument in one request (IRC's MODES).
inline constexpr std::size_t kMaxModeArguments = 4;
/// Whether a letter of a ModeEvent's `modes` has an argument in its `args`: `b e I k o v`
/// always (`-k` has `*`), `l` when set.
bool mode_event_has_argument(char letter, bool on) noexcept;
/// At most this many masks on each of a channel's lists (IRC's MAXLIST): a join matches them all.
inline constexpr std::size_t kMaxListEntries = 500;
/// The largest member limit accepted.
inline constexpr std::size_t kMaxMemberLimit = 1'000'000;

/// Parses `+mi-t+l` and its arguments, taken in order by the letters that need one. A key must
/// be 1–23 bytes without spaces, commas or control characters; a limit 1 to kMaxMemberLimit.
std::variant<std::vector<ModeChange>, ModeError> parse_mode_changes(
    std::string_view modes, const std::vector<std::string>& args
);

/// The default channel, the classroom chat's: it belongs to the server, exists from start-up
/// and never disappears, and nobody is its operator unless an administrator makes them so.
inline constexpr std::string_view kHomeChannel = "home";

class Channel {
public:
    /// A persistent channel outlives its members (and restarts); a temporary one, made by a
    /// guest, disappears when its last member leaves. A channel persists once a registered user
    /// is its operator: only guests ever ran a temporary one.
    enum class Lifetime { persistent, temporary };

    struct Member {
        std::string name;
        bool guest = false;
        bool op = false;
        bool voice = false;
    };

    Channel(
        ChannelName name,
        std::string topic,
        std::string key,
        std::size_t recent_capacity,
        Lifetime lifetime = Lifetime::persistent,
        UnixMillis created_ms = 0
    );

    const ChannelName& name() const noexcept { return name_; }

    /// The channel is now called `to` (an administrator's rename): its recent messages say so.
    void rename(ChannelName to);

    bool temporary() const noexcept { return lifetime_ == Lifetime::temporary; }

    const std::string& topic() const noexcept { return topic_; }

    const std::string& key() const noexcept { return key_; }

    const ChannelModes& modes() const noexcept { return modes_; }

    void set_modes(const ChannelModes& modes) { modes_ = modes; }

    UnixMillis created_ms() const noexcept { return created_ms_; }

    /// The user may join once past invite-only and the limit (INVITE); forgotten on joining.
    void invite(const std::string& folded);

    /// The user was invited and has not joined since.
    bool is_invited(const std::string& folded) const { return invited_.contains(folded); }

    /// The failure a join would meet (`banned`, `invite_only`, `channel_full`, `bad_key`), or
    /// nullopt when it may proceed. Administrators pass them all; an invitation passes
    /// invite-only and the limit; a ban exception passes the ban, an invite exception
    /// invite-only.
    std::optional<Errc> join_refusal(const Actor& actor, std::string_view key) const;

    /// Adds the member; false when already a member (nothing changes). A registered operator
    /// makes the channel persistent.
    bool add_member(const Actor& actor, bool op);
    /// Removes the member; false when not a member.
    bool remove_member(std::string_view folded);
    /// The member `folded` is now called `to`, with the same operator and voice; false when not
    /// a member.
    bool rename_member(std::string_view folded, const UserName& to);

    bool is_member(std::string_view folded) const;
    bool is_op(std::string_view folded) const;
    /// Operators and administrators may moderate (TOPIC, KICK, BAN, UNBAN, OP, KEY).
    bool may_moderate(const Actor& actor) const;
    /// Makes a member an operator, and the channel persistent if they are registered; false
    /// when not a member.
    bool grant_op(std::string_view folded);
    /// Takes operator status away; false when not a member.
    bool revoke_op(std::string_view folded);
    /// Gives or takes voice (`+m` lets voiced members post); false when not a member.
    bool set_voice(std::string_view folded, bool voice);
    /// Whether the actor may post here (`no_external`, `moderated`): the refusal, or nullopt.
    std::optional<Errc> post_refusal(const Actor& actor) const;

    /// The topic, set by `by` (a display name) at `set_ms`.
    void set_topic(std::string topic, std::string by, UnixMillis set_ms) {
        topic_ = std::move(topic);
        topic_by_ = std::move(by);
        topic_ms_ = set_ms;
    }

    /// Who set the topic last, and when; empty and 0 when not known (set before schema 8).
    const std::string& topic_by() const noexcept { return topic_by_; }

    UnixMillis topic_ms() const noexcept { return topic_ms_; }

    void set_key(std::string key) { key_ = std::move(key); }

    /// Adds or removes a ban; false when that changes nothing.
    bool set_ban(const UserMask& mask, bool banned);
    /// Whether a ban matches the user (folded name).
    bool is_banned(std::string_view folded) const;

    const std::set<UserMask>& bans() const noexcept { return bans_; }

    /// Adds or removes an exception; false when that changes nothing.
    bool set_exception(ExceptionList list, const UserMask& mask, bool on);
    /// Whether an exception of the list matches the user (folded name).
    bool is_excepted(ExceptionList list, std::string_view folded) const;
    /// Banned and not on the ban exception list: kept out, whatever the join.
    bool shuts_out(std::string_view folded) const;

    const std::set<UserMask>& exceptions(ExceptionList list) const noexcept {
        return list == ExceptionList::ban ? ban_exceptions_ : invite_exceptions_;
    }

    const std::map<std::string, Member, std::less<>>& members() const noexcept { return members_; }

    std::size_t member_count() const noexcept { return members_.size(); }

    /// Changes whenever a member joins or leaves: whoever caches something derived from the
    /// member list knows when it went stale.
    std::uint64_t membership_version() const noexcept { return membership_version_; }

    /// Members as the wire shows them, ordered by folded name.
    std::vector<MemberInfo> member_infos() const;

    /// Keeps the message among the recent ones (the HISTORY sent on join), dropping the oldest
    /// past capacity. Messages must arrive in id order.
    void remember(const Message& message);
    std::vector<Message> recent() const;
    /// A remembered message changed (edited, deleted, reacted to): the recent ones show it so.
    void replace_recent(const Message& message);
    /// Drops the recent messages sent before `cutoff`: retention removed them from storage.
    void forget_recent_before(UnixMillis cutoff);

    /// The newest message remembered, 0 when none.
    MessageId last_message_id() const noexcept { return last_message_id_; }

    /// Stored messages up to `id` belong to an earlier channel of this name, whose removal from
    /// storage may still be on its way (or was cut short by a crash): reads skip them.
    void start_after(MessageId id) noexcept { history_floor_ = id; }

    MessageId history_floor() const noexcept { return history_floor_; }

private:
    ChannelName name_;
    std::string topic_;
    std::string topic_by_;
    UnixMillis topic_ms_ = 0;
    std::string key_;
    ChannelModes modes_;
    UnixMillis created_ms_;
    std::set<std::string, std::less<>> invited_;  // folded names, until they join
    std::size_t recent_capacity_;
    Lifetime lifetime_;
    std::map<std::string, Member, std::less<>> members_;  // by folded name
    // Matched one by one at each join: bounded by kMaxListEntries each.
    std::set<UserMask> bans_;
    std::set<UserMask> ban_exceptions_;
    std::set<UserMask> invite_exceptions_;
    std::deque<Message> recent_;
    MessageId last_message_id_ = 0;
    MessageId history_floor_ = 0;
    std::uint64_t membership_version_ = 0;
};

}  // namespace salon::core
