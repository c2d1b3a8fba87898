// What the server keeps on disk: accounts, channels, memberships, messages and pending DMs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/channel.hpp"
#include "core/clock.hpp"
#include "core/conversation.hpp"
#include "core/message.hpp"
#include "core/names.hpp"
#include "core/server_ban.hpp"

namespace salon::store {

/// The database failed (I/O error, disk full, corruption). Every Store method may throw it; the
/// server turns it into `NO internal` for the request that hit it and carries on.
class StorageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Account {
    std::string name;           ///< display form, as registered
    std::string password_hash;  ///< argon2id string from libsodium (crypto_pwhash_str)
    bool admin = false;
    core::UnixMillis created_ms = 0;
    bool locked = false;  ///< no login (password or token) succeeds while set
    std::optional<core::UnixMillis> last_login_ms = std::nullopt;  ///< none before the first
};

/// The author shown on the channel messages of a deleted account. It is no valid user name
/// (brackets), so no account or guest can ever take it, log in as it, or be sent a DM.
inline constexpr std::string_view kDeletedAuthor = "[deleted]";

/// Hands out `count` consecutive revs from the server's id sequence and returns the first: the
/// revs given to the messages a deleted account leaves behind. Empty: the store takes them past
/// the largest id or rev it holds (right only while no server runs on the same file).
using ReserveRevs = std::function<core::MessageId(std::size_t count)>;

/// A server-wide ban (`salond user ban`): who may not log in at all.
struct ServerBan {
    core::ServerBanTarget target;
    std::string reason;  ///< told to the banned user; may be empty
    core::UnixMillis created_ms = 0;
};

/// What add_server_ban() did.
enum class BanAdded {
    added,
    exists,  ///< that target is banned already (its ban is left as it was)
    full,    ///< the cap was reached: nothing added
};

/// A stored message that changed hands (a guest's, now its account's), with its new rev.
struct Revised {
    core::MessageId id = 0;
    core::MessageId rev = 0;
};

/// A session token of an account. The secret itself is never stored: only its hash.
struct SessionToken {
    std::int64_t id = 0;  ///< never reused, so a stale id cannot name a newer token
    std::string user;     ///< the account's folded name
    std::string hash;     ///< SHA-256 of the secret, raw bytes
    std::string label;    ///< the client's description, may be empty
    core::UnixMillis created_ms = 0;
    std::optional<core::UnixMillis> last_used_ms = std::nullopt;  ///< none until a login uses it
    core::UnixMillis expires_ms = 0;
};

/// What create_token() did: the new token's id, and the ids the cap revoked to make room.
struct CreatedToken {
    std::int64_t id = 0;
    std::vector<std::int64_t> revoked = {};
};

struct ChannelRecord {
    core::ChannelName name;
    std::string topic;
    std::string key;  ///< empty: no key
    core::UnixMillis created_ms = 0;
    std::string modes = "nt";       ///< the flag letters on (core::ChannelModes::letters())
    std::size_t member_limit = 0;   ///< 0: none
    std::string topic_by = {};      ///< who set the topic (a display name); empty: not known
    core::UnixMillis topic_ms = 0;  ///< when; 0: not known
};

/// A mask on one of a channel's exception lists (IRC's `+e`, `+I`).
struct ChannelException {
    core::ExceptionList list;
    core::UserMask mask;
};

struct Membership {
    core::ChannelName channel;
    bool op = false;
};

/// A new message to write. `pending_for`: the users to whom it must be handed at their next
/// login because they were offline when it was accepted (DMs to offline registered users).
struct MessageWrite {
    core::Message message;  ///< id, rev (== id) and ts_ms already set
    std::vector<core::UserName> pending_for;
    std::string conversation;  ///< core::channel_conversation() or core::direct_conversation()
    core::UserKey from_key;
    core::UserKey to_key;                     ///< direct messages only
    std::vector<core::UserKey> mention_keys;  ///< the keys of message.mentions
};

/// A change to a stored message. Its checks are made where it is applied, inside the batch's
/// transaction, so that two changes racing for one message cannot both pass them.
struct MessageChange {
    enum class Kind { edit, remove, react, unreact };

    Kind kind = Kind::edit;
    core::MessageId id = 0;      ///< the message changed
    core::MessageId rev = 0;     ///< this change's place in the id sequence
    core::UnixMillis ts_ms = 0;  ///< when it was accepted (an edit's `edited`)
    core::UserKey actor_key;
    std::string actor_name;                   ///< display form, listed among a reaction's users
    bool may_remove_others = false;           ///< a channel operator or an administrator
    std::string text;                         ///< edit
    std::vector<std::string> mentions;        ///< edit: recomputed for the new text
    std::vector<core::UserKey> mention_keys;  ///< edit
    std::string emoji;                        ///< react, unreact
    std::size_t max_reactions = 20;           ///< react: distinct emoji with at least one user
};

using Write = std::variant<MessageWrite, MessageChange>;

enum class ChangeStatus {
    applied,
    unchanged,        ///< a reaction already there, or one to remove that is not
    no_such_message,  ///< missing, or deleted (a tombstone takes no change)
    forbidden,        ///< not the author (edit), nor allowed to remove others' (remove)
    too_many_reactions,
};

/// What a write did; `message` is the message's body after it, when applied.
struct WriteOutcome {
    ChangeStatus status = ChangeStatus::applied;
    core::Message message;
};

/// A message with what the server checks before it changes or shows it.
struct StoredMessage {
    core::Message message;
    std::string conversation;
    core::UserKey from_key;
    core::UserKey to_key;
};

/// Someone a user has exchanged direct messages with.
struct DirectPartner {
    core::UserKey key;
    std::string name;  ///< display form
    std::string conversation;
};

/// One conversation's figures for CONVERSATIONS, as one user sees them.
/// Where a user has read a conversation up to: a message and a time (IRC's draft/read-marker
/// marks by time, which may be later than the message's).
struct ReadMarker {
    core::MessageId id = 0;
    core::UnixMillis ts_ms = 0;
};

struct ConversationStats {
    std::string conversation;
    std::optional<core::MessageId> last_id;  ///< none without messages
    core::UnixMillis last_ts = 0;
    core::MessageId read = 0;  ///< the user's read marker, 0 without one
    std::size_t unread = 0;    ///< after `read`, not the user's own, not deleted; capped
    std::size_t mentions = 0;  ///< of those, the ones that mention the user; capped
};

/// The messages of a conversation between two bounds (each left out, either open): IRC's
/// CHATHISTORY ranges.
struct HistoryRange {
    std::optional<core::HistoryBound> after = std::nullopt;
    std::optional<core::HistoryBound> before = std::nullopt;
    std::size_t limit = 0;
    /// Which end of a range longer than `limit` is kept: the oldest messages, else the newest.
    bool oldest = false;
    std::optional<core::MessageId> up_to = std::nullopt;  ///< and only ids <= it, when given
};

struct SearchQuery {
    std::string text;  ///< a substring, matched case-insensitively (Unicode case folding)
    std::vector<std::string> conversations;  ///< only these
    std::optional<std::string> from_folded;  ///< only by this user name
    std::optional<core::MessageId> before;   ///< only ids below it
    std::size_t limit = 20;
    /// Index matches looked at, at most, whatever the scope: a query common across the server
    /// but rare where the caller may read must not cost a scan of every match.
    std::size_t max_scanned = 20'000;
};

/// Newest first, at most `limit` + 1 messages (one more says an older page exists).
struct SearchPage {
    std::vector<core::Message> messages;
    /// Set when the scan stopped at `max_scanned` before the oldest match: matches below this
    /// id were not looked at, and the search goes on with `before` set to it.
    std::optional<core::MessageId> stopped_at;
};

/// What prune_messages() removes: the messages written (their `ts_ms`) before their
/// conversation's cutoff. nullopt keeps a conversation's messages forever.
struct PruneCutoffs {
    std::optional<core::UnixMillis> channels = std::nullopt;  ///< channels not in `by_channel`
    std::optional<core::UnixMillis> direct = std::nullopt;    ///< every direct conversation
    /// Channels with their own cutoff, by canonical name (their conversation).
    std::map<std::string, std::optional<core::UnixMillis>, std::less<>> by_channel = {};

    /// The cutoff of a stored conversation (core::channel_conversation() or
    /// core::direct_conversation()).
    std::optional<core::UnixMillis> of(std::string_view conversation) const;
    /// Whether nothing is ever pruned.
    bool keep_all() const;
};

/// What a backup's database holds, as the backend's check of it found it.
struct BackupSummary {
    int schema_version = 0;
    std::int64_t accounts = 0;
    std::int64_t channels = 0;
    std::int64_t messages = 0;
};

/// What `salond channel list` shows of a stored channel.
struct ChannelSummary {
    ChannelRecord record;
    std::size_t members = 0;   ///< stored memberships (registered users)
    std::size_t messages = 0;  ///< stored messages, counted up to the cap asked for
    std::optional<core::UnixMillis> last_message_ms = std::nullopt;  ///< none without messages
};

/// An administrator's change to a running server's channels (`salond channel …`), queued in the
/// database for the server to apply: another process cannot reach its memory.
struct AdminRequest {
    enum class Action { delete_channel, rename_channel, op };

    std::int64_t id = 0;  ///< set by enqueue_admin_request()
    Action action = Action::delete_channel;
    std::string channel = {};   ///< as the administrator typed it
    std::string argument = {};  ///< rename: the new name; op: the user
    core::UnixMillis created_ms = 0;
};

/// What the server made of an AdminRequest: `message` is shown to the administrator.
struct AdminOutcome {
    bool ok = false;
    std::string message = {};
};

/// Persistent storage.
///
/// Contract for implementations:
/// 1. Every method is blocking and safe to call from several threads at once. Callers run
///    them on worker threads, never on I/O threads.
/// 2. A method that returns has made its writes durable to the configured level (it has
///    committed); commit() applies the whole batch in one transaction (group commit).
/// 3. Failures throw StorageError and leave the database as it was before the call.
class Store {
public:
    virtual ~Store() = default;

    // --- accounts ---
    /// False when the name is already registered (in any case). `account.name` must be a valid
    /// user name (UserName::display()); an implementation may refuse another with StorageError.
    virtual bool create_account(const Account& account) = 0;
    virtual std::optional<Account> find_account(const core::UserName& name) = 0;
    /// False when there is no such account.
    virtual bool set_password(const core::UserName& name, std::string_view password_hash) = 0;
    /// Removes the account with its session tokens, memberships, pending DMs, direct messages (both
    /// ways), read markers, reactions and mentions; its channel messages stay, their author
    /// becoming kDeletedAuthor (no key: nobody may edit them) with a new rev each, from
    /// `reserve_revs`, so that a resume by rev sees the change. False when there is none.
    /// Works in bounded transactions (the writer is released between them): the account is
    /// locked first and removed last, so a deletion cut short by a crash leaves a locked account
    /// that a second call finishes.
    virtual bool delete_account(const core::UserName& name, const ReserveRevs& reserve_revs) = 0;
    /// A guest registering in place: creates `account` as create_account() does and, in the same
    /// transaction, gives it what the guest login `guest_key` stored. Its direct conversations
    /// are re-keyed to the account (both sides: the partner's list, read marker and history
    /// name the account), its read markers, mentions and reactions become the account's, and the
    /// messages it wrote or received show the account's name, each with a new rev from
    /// `reserve_revs`. nullopt when the name is registered already (nothing changes); else the
    /// channel messages re-authored, for the server's recent-message cache.
    /// The account's key is new: a key without a serial belongs to an account alone, and
    /// delete_account() leaves none behind. Should some still be stored, a clash with it fails
    /// the whole claim (StorageError) rather than mixing a former owner's data into the guest's.
    virtual std::optional<std::vector<Revised>> claim_guest(
        const Account& account, const core::UserKey& guest_key, const ReserveRevs& reserve_revs
    ) = 0;
    /// Undoes claim_guest() when the login could not become the account after all (someone
    /// came online under the name meanwhile): what it moved goes back to `guest_key`, shown as
    /// `guest_name`, and the account is removed. False when there is no such account.
    virtual bool unclaim_guest(
        const core::UserName& account,
        const core::UserKey& guest_key,
        std::string_view guest_name,
        const ReserveRevs& reserve_revs
    ) = 0;
    /// Sets or clears the lock; false when there is no such account.
    virtual bool set_locked(const core::UserName& name, bool locked) = 0;
    /// The folded names of the locked accounts.
    virtual std::vector<std::string> locked_accounts() = 0;
    /// A successful login at `when`; nothing when the account is gone.
    virtual void record_login(const core::UserName& name, core::UnixMillis when) = 0;
    /// Every account, ordered by folded name.
    virtual std::vector<Account> list_accounts() = 0;

    // --- server-wide bans ---
    /// Adds `ban` unless its target is banned already or `max_bans` bans are stored, both
    /// checked in the same transaction as the insert, so that concurrent additions cannot pass
    /// the cap.
    virtual BanAdded add_server_ban(const ServerBan& ban, std::size_t max_bans) = 0;
    /// False when no ban has that target.
    virtual bool remove_server_ban(const core::ServerBanTarget& target) = 0;
    /// Every server ban, oldest first (then by target).
    virtual std::vector<ServerBan> server_bans() = 0;

    // --- session tokens (delete_account() removes an account's tokens too) ---
    /// Stores `token` (its `user` an existing account's folded name; `id` and `last_used_ms`
    /// are ignored); nullopt when the account does not exist. In the same transaction, the
    /// account's expired tokens are removed, and while it holds more than `max_per_account` the
    /// least recently used (by last use, else creation) are revoked, so that concurrent
    /// creations cannot pass the cap.
    virtual std::optional<CreatedToken> create_token(
        const SessionToken& token, std::size_t max_per_account
    ) = 0;
    /// A login with a token: the account's token whose hash is `hash`, unless expired at `now`.
    /// When found, its last use becomes `now` and its expiry `expires_ms`; the record returned
    /// carries them.
    virtual std::optional<SessionToken> use_token(
        const core::UserName& user,
        std::string_view hash,
        core::UnixMillis now,
        core::UnixMillis expires_ms
    ) = 0;
    /// The account's tokens not expired at `now`, most recently used (else created) first.
    virtual std::vector<SessionToken> tokens_of(
        const core::UserName& user, core::UnixMillis now
    ) = 0;
    /// False when the account has no token of that id.
    virtual bool revoke_token(const core::UserName& user, std::int64_t id) = 0;
    /// Sets the account's password hash and, in the same transaction, revokes every token of
    /// it but `keep` (none: all). Returns the ids revoked; nullopt when there is no account.
    virtual std::optional<std::vector<std::int64_t>> change_password(
        const core::UserName& name, std::string_view password_hash, std::optional<std::int64_t> keep
    ) = 0;

    // --- channels ---
    /// Inserts or replaces the channel's record.
    virtual void save_channel(const ChannelRecord& channel) = 0;
    virtual std::vector<ChannelRecord> load_channels() = 0;
    /// Bans are per channel, as masks (core::UserMask, folded).
    virtual void set_ban(
        const core::ChannelName& channel, const core::UserMask& mask, bool banned
    ) = 0;
    virtual std::vector<core::UserMask> bans_of(const core::ChannelName& channel) = 0;
    /// Exception lists are per channel and kept like bans.
    virtual void set_exception(
        const core::ChannelName& channel,
        core::ExceptionList list,
        const core::UserMask& mask,
        bool on
    ) = 0;
    virtual std::vector<ChannelException> exceptions_of(const core::ChannelName& channel) = 0;
    /// Removes the channel's record, its bans, exception lists and messages with id <= `up_to` (a
    /// later channel of the same name keeps the messages above it). Memberships stay: the server
    /// stores none for the channels it forgets (temporary ones). Read markers stay too: they are
    /// the user's, per conversation name (IRC clients expect MARKREAD to survive a channel's end),
    /// and an old marker's id is below every message of a later channel of the name.
    virtual void forget_channel(const core::ChannelName& channel, core::MessageId up_to) = 0;

    /// Removes the channel as forget_channel() does and, unlike it, its memberships and its read
    /// markers too: an administrator deleted it (`salond channel delete`).
    virtual void delete_channel(const core::ChannelName& channel, core::MessageId up_to) = 0;
    /// Moves everything stored under the channel `from` to the name `to`, in one transaction:
    /// its record, bans, exception lists, memberships with their operator flags, messages,
    /// mentions and read markers. What an earlier channel left under `to` (messages, markers)
    /// goes first. The caller makes sure no channel is called `to`.
    virtual void rename_channel(const core::ChannelName& from, const core::ChannelName& to) = 0;
    /// Up to `limit` stored channels after `after` (by name), with their figures; messages are
    /// counted up to `count_cap` each, so that a page costs the same however long the history.
    virtual std::vector<ChannelSummary> channel_summaries(
        const std::optional<core::ChannelName>& after, std::size_t limit, std::size_t count_cap
    ) = 0;

    // --- memberships of registered users, kept across restarts ---
    virtual void set_membership(const core::UserName& user, const Membership& membership) = 0;
    virtual void remove_membership(
        const core::UserName& user, const core::ChannelName& channel
    ) = 0;
    /// Ordered by the time the user joined.
    virtual std::vector<Membership> memberships_of(const core::UserName& user) = 0;

    // --- administrators' requests to a running server (`salond channel …`) ---
    /// Queues the request; returns its id.
    virtual std::int64_t enqueue_admin_request(const AdminRequest& request) = 0;
    /// Takes up to `limit` pending requests, oldest first, in one atomic update: a request is
    /// handed to one taker only, however many servers poll the same database.
    virtual std::vector<AdminRequest> claim_admin_requests(std::size_t limit) = 0;
    /// Records the outcome of a claimed request.
    virtual void finish_admin_request(std::int64_t id, const AdminOutcome& outcome) = 0;
    /// The outcome of a finished request, which is then forgotten; nullopt while it waits or
    /// runs, or when there is no such request.
    virtual std::optional<AdminOutcome> take_admin_outcome(std::int64_t id) = 0;
    /// Withdraws a request nobody has claimed yet; false when it was claimed (or is unknown).
    virtual bool cancel_admin_request(std::int64_t id) = 0;

    // --- backups ---
    /// Writes a consistent copy of everything stored, as of one moment, to the new file
    /// `destination`, private to its owner, while the store stays in use: writers go on
    /// meanwhile. The file is in the backend's own format (SQLite: a standalone database file;
    /// PostgreSQL: a pg_dump archive), which the backend's check reads back before a restore.
    /// @throws StorageError when `destination` exists or cannot be written (nothing is left
    ///         behind then).
    virtual void back_up_to(const std::filesystem::path& destination) = 0;

    // --- messages ---
    /// Applies the batch in order, in one transaction: one outcome per write. A change's failed
    /// check is an outcome, not an error; StorageError undoes the whole batch.
    virtual std::vector<WriteOutcome> commit(std::span<const Write> batch) = 0;
    virtual std::optional<StoredMessage> find_message(core::MessageId id) = 0;
    /// Up to `limit` messages of the conversation with id < `before` (or the newest when
    /// nullopt) and id <= `up_to` when given, oldest first.
    virtual std::vector<core::Message> history(
        std::string_view conversation,
        std::optional<core::MessageId> before,
        std::size_t limit,
        std::optional<core::MessageId> up_to = std::nullopt
    ) = 0;
    /// The messages of `range`, oldest first. A time bound stands for the place in the id order
    /// where the messages' times pass it (ids and times rise together, but for clock steps).
    virtual std::vector<core::Message> history_range(
        std::string_view conversation, const HistoryRange& range
    ) = 0;
    /// Up to `limit` messages of the conversation whose rev > `after_rev`, ordered by rev.
    virtual std::vector<core::Message> changed_after(
        std::string_view conversation, core::MessageId after_rev, std::size_t limit
    ) = 0;
    /// Never deleted messages.
    virtual SearchPage search(const SearchQuery& query) = 0;
    /// Removes the messages older than their conversation's cutoff (deleted ones too: a
    /// tombstone goes with its message's time), with their reactions, mentions, search entries
    /// and places on waiting lists. What points at them stays: a reply's `reply_to`, read markers
    /// (unread counts look only above them), a direct partner's entry. max_message_id() keeps
    /// counting from the largest id ever handed out. Works in transactions of at most
    /// `batch_limit` messages, letting other writes in between them, and stops between two
    /// when `stop` is requested (the next call goes on); returns the count removed.
    virtual std::size_t prune_messages(
        const PruneCutoffs& cutoffs, std::size_t batch_limit, std::stop_token stop = {}
    ) = 0;
    /// The largest id or rev ever stored, 0 when none: the sequence continues from it.
    virtual core::MessageId max_message_id() = 0;

    // --- direct-message partners and read markers ---
    virtual std::vector<DirectPartner> direct_partners(const core::UserKey& user) = 0;
    /// The partner of that name the user exchanged DMs with most recently (guest names are
    /// reused), if any.
    virtual std::optional<DirectPartner> direct_partner_named(
        const core::UserKey& user, const core::UserName& partner
    ) = 0;
    /// 0 without a marker.
    virtual core::MessageId read_marker(
        const core::UserKey& user, std::string_view conversation
    ) = 0;
    /// The marker and its time; zeros without one.
    virtual ReadMarker read_position(const core::UserKey& user, std::string_view conversation) = 0;
    /// Moves the marker forward to `id`; false (nothing written) when it is at or past it. Its
    /// time becomes that message's, unless it stood later already.
    virtual bool advance_read_marker(
        const core::UserKey& user, std::string_view conversation, core::MessageId id
    ) = 0;
    /// Moves the marker forward to the time `ts_ms`, and its id to the newest message of the
    /// conversation at or before that time (never back); false (nothing written) when it stands
    /// at or past that time. Costs a scan of the messages after `ts_ms`.
    virtual bool advance_read_time(
        const core::UserKey& user, std::string_view conversation, core::UnixMillis ts_ms
    ) = 0;
    /// In the order given; unread and mention counts stop at `count_cap`.
    virtual std::vector<ConversationStats> conversation_stats(
        const core::UserKey& user, std::span<const std::string> conversations, std::size_t count_cap
    ) = 0;

    /// Up to `limit` of the direct messages waiting for `user` with id > `after`, oldest first.
    /// They stay waiting until forget_pending_dms(): a login that ends while handing them over
    /// leaves the rest for the next one.
    virtual std::vector<core::Message> pending_dms(
        const core::UserName& user, core::MessageId after, std::size_t limit
    ) = 0;
    /// Takes the direct messages with id <= `up_to` off `user`'s waiting list: they were
    /// delivered.
    virtual void forget_pending_dms(const core::UserName& user, core::MessageId up_to) = 0;
};

}  // namespace salon::store
