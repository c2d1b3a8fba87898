// What the server tells clients: replies to requests and unsolicited events, independent of
// any wire format. Codecs (native JSON lines, IRC) turn these into bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/message.hpp"

namespace salon::core {

struct MemberInfo {
    std::string user;
    bool guest = false;
    bool op = false;
    bool away = false;  ///< set for WHO only (IRC's H/G flag)
    bool oper = false;  ///< a server operator; set for WHO only (IRC's `*` flag)
    /// IRC's USER parameters; set for WHO only, empty when not given.
    std::string username = {};
    std::string realname = {};
    bool voice = false;  ///< may post in a moderated channel
    bool bot = false;    ///< marked a bot (IRC's +B); set for WHO only
};

struct ChannelSummary {
    std::string name;
    std::size_t members = 0;
    std::string topic;
};

struct ServerInfo {
    std::string name;
    std::string version;
};

// --- results of successful requests (the body of OK) ---

struct EmptyResult {};

struct LoginResult {
    std::string user;
    bool guest = false;
    ServerInfo server;
    std::size_t max_frame_bytes = 0;
    std::size_t max_text_bytes = 0;
    std::size_t max_channels_per_user = 0;
    double messages_per_second = 0;
    std::size_t history_page_max = 0;
    int protocol = 2;    ///< the newest protocol version the server speaks
    bool admin = false;  ///< an administrator's account: an operator from the start (IRC's +o)
};

struct JoinResult {
    std::string channel;
    std::string topic;
    std::vector<MemberInfo> members;
    bool secret = false;        ///< `+s` (IRC's NAMES marks it)
    std::string topic_by = {};  ///< who set the topic; empty when not known
    UnixMillis topic_ms = 0;    ///< when; 0 when not known
    /// The joiner's read marker time (0: none) when the request asked for it (IRC's MARKREAD).
    std::optional<UnixMillis> read_ts = {};
};

struct PostResult {
    MessageId id = 0;
    UnixMillis ts_ms = 0;
    std::string away = {};   ///< a DM's recipient's away message (IRC's 301); empty when not away
    MessageId reply_to = 0;  ///< the message it answers, as stored (0 for none)
};

/// One page of LIST, bounded in bytes: `more` when channels after the last one exist; `first`
/// unless it follows an earlier page of the same answer.
struct ListResult {
    std::vector<ChannelSummary> channels;
    bool more = false;
    bool first = true;
};

struct WhoResult {
    std::string channel;
    std::vector<MemberInfo> members;
    std::string topic;          ///< for IRC's TOPIC query; the native WHO does not show it
    bool secret = false;        ///< as JoinResult::secret
    std::string topic_by = {};  ///< as JoinResult::topic_by
    UnixMillis topic_ms = 0;
};

/// A channel's modes (MODE without changes): `modes` as IRC writes them (`+int`), `args` the
/// key and limit for members (nobody else sees them), bans and the exception lists (folded names,
/// at most kMaxListedBans each).
struct ModesResult {
    std::string channel;
    std::string modes;
    std::vector<std::string> args;
    UnixMillis created_ms = 0;
    std::vector<std::string> bans;
    std::vector<std::string> ban_exceptions = {};
    std::vector<std::string> invite_exceptions = {};
};

inline constexpr std::size_t kMaxListedBans = 500;

/// An invitation was passed on to `user`.
struct InviteResult {
    std::string channel;
    std::string user;
};

/// A page of history, oldest first; `more` when the byte bound of a reply left out older
/// messages that the page would otherwise have held.
/// For HISTORY `after`, `more` says a later page exists. `with` names the DM partner instead of
/// `channel` for direct-message history.
struct HistoryResult {
    std::string channel;
    std::vector<Message> messages;
    bool more = false;
    std::string with = {};
};

/// Where the user's read marker of a conversation stands after READ (IRC's MARKREAD), and
/// whether the request moved it (then a ReadEvent follows to each of the user's connections).
struct ReadResult {
    std::string channel;
    std::string with;
    MessageId id = 0;
    UnixMillis ts_ms = 0;  ///< 0 without a marker
    bool moved = false;
};

/// A message changed by EDIT, DELETE or REACT, and the rev of that change.
struct ChangeResult {
    MessageId id = 0;
    MessageId rev = 0;
};

/// One line of the sidebar: a channel (`channel`) or the DMs with one user (`with`).
struct ConversationSummary {
    std::string channel;
    std::string with;
    std::optional<MessageId> last_id;  ///< none for a conversation without messages
    UnixMillis last_ts = 0;
    MessageId read = 0;  ///< the read marker; 0 without one
    std::size_t unread = 0;
    std::size_t mentions = 0;
};

/// Newest activity first, empty conversations last.
struct ConversationsResult {
    std::vector<ConversationSummary> conversations;
};

/// Newest first; `more` when older matches may exist, and then the next page is the one
/// `before` `next_before` (the oldest message here, or where a search that looked at its most
/// matches stopped without filling the page).
struct SearchResult {
    std::vector<Message> messages;
    bool more = false;
    MessageId next_before = 0;
};

struct TopicResult {
    std::string channel;
    std::string topic;
    std::string by = {};
    UnixMillis ts_ms = 0;
};

/// The account whose password checked out (IRC's SASL, before the login itself).
struct AccountResult {
    std::string account;
};

struct ChannelMembership {
    std::string channel;
    bool op = false;
};

/// An online user (IRC's WHOIS).
struct WhoisResult {
    std::string user;
    bool guest = false;
    std::vector<ChannelMembership> channels;  ///< in join order
    std::string away;                         ///< empty when not away
    bool oper = false;                        ///< an administrator, or OPER succeeded
    std::string username = {};                ///< IRC's USER parameters; empty when not given
    std::string realname = {};
    bool bot = false;  ///< marked a bot (IRC's +B)
};

/// What IRC's LUSERS tells: users online now and at most since start, operators among them,
/// channels.
struct LusersResult {
    std::size_t users = 0;
    std::size_t max_users = 0;
    std::size_t operators = 0;
    std::size_t invisible = 0;  ///< users with IRC's +i
    std::size_t channels = 0;
};

/// The most users one connection may monitor (IRC's MONITOR=, native MONITOR).
inline constexpr std::size_t kMaxMonitoredUsers = 100;

/// What MONITOR answers: the users asked about by their state now (online ones by their
/// display name), those left out because the list was full, or the whole list (`listed`).
struct MonitorResult {
    std::vector<std::string> online;
    std::vector<std::string> offline;
    std::vector<std::string> refused;
    std::vector<std::string> listed;
};

/// A new session token: the secret, shown this once.
struct TokenResult {
    std::int64_t id = 0;
    std::string token;
    UnixMillis expires_ms = 0;
};

/// What TOKENS shows of one session token: never its secret.
struct TokenInfo {
    std::int64_t id = 0;
    std::string label;
    UnixMillis created_ms = 0;
    std::optional<UnixMillis> last_used_ms = std::nullopt;
    UnixMillis expires_ms = 0;
    bool current = false;  ///< the token the asking connection logged in with
};

/// Most recently used first.
struct TokensResult {
    std::vector<TokenInfo> tokens;
};

using Result = std::variant<
    EmptyResult,
    LoginResult,
    JoinResult,
    PostResult,
    ListResult,
    WhoResult,
    HistoryResult,
    TopicResult,
    AccountResult,
    WhoisResult,
    ChangeResult,
    ConversationsResult,
    SearchResult,
    TokenResult,
    TokensResult,
    LusersResult,
    ModesResult,
    InviteResult,
    MonitorResult,
    ReadResult>;

// --- events pushed to clients ---

/// A channel message (MSG) or a direct message (DM), told apart by Message::is_direct().
struct MessageEvent {
    Message message;
    /// The sender's account name when the sender is a registered user (IRC's account-tag);
    /// empty for guests and when not known.
    std::string account = {};
    bool bot = false;  ///< the sender is marked a bot (IRC's `bot` tag)
};

struct JoinEvent {
    std::string channel;
    std::string user;
    bool op = false;  ///< the joiner is an operator of the channel (kept across logins)
};

/// A member left, or was removed by an operator (then `by` and `reason` are set).
struct PartEvent {
    std::string channel;
    std::string user;
    std::string by;
    std::string reason;
};

struct QuitEvent {
    std::string user;
    std::string reason;        ///< why the connection ended: "quit" (END), "ping timeout"…
    std::string message = {};  ///< the user's own words with END ("" for none)
};

/// The recent messages replayed on join; `more` as in HistoryResult.
struct HistoryEvent {
    std::string channel;
    std::vector<Message> messages;
    bool more = false;
};

struct TopicEvent {
    std::string channel;
    std::string topic;
    std::string by;
    UnixMillis ts_ms = 0;  ///< when it was set
};

/// What an UPDATE changed: formats that show changes rather than replace the message (IRC's
/// REDACT, reaction tags, edit lines) need to know.
enum class ChangeKind { edit, remove, react, unreact };

/// A message changed (edited, deleted, reacted to): clients replace the message with its id.
/// Version 2 connections only, like ReadEvent and TypingEvent (IRC shows the change itself).
struct UpdateEvent {
    Message message;
    ChangeKind change = ChangeKind::edit;
    std::string by = {};      ///< who made the change (display name)
    std::string emoji = {};   ///< react, unreact
    std::string reason = {};  ///< remove: why (IRC's REDACT reason); not stored
};

/// The user's read marker in a conversation moved: `channel`, or `with` the DM partner.
struct ReadEvent {
    std::string channel;
    std::string with;
    MessageId id = 0;
    UnixMillis ts_ms = 0;  ///< the time it stands at (IRC's MARKREAD)
};

enum class TypingState { active, paused, done };

/// `user` is typing in `channel`, or (`with` set to the typist) in a DM to the receiver.
struct TypingEvent {
    std::string channel;
    std::string with;
    std::string user;
    TypingState state = TypingState::active;
    std::string to = {};  ///< a DM's receiver (IRC's TAGMSG target)
};

/// Client-only tags (IRC's `+name=value`), relayed live as they were sent and never stored: a
/// reaction to a message this server does not have, say. Formats without such tags (native,
/// IRC clients without message-tags) show nothing. `user` sent them to `channel`, or to `to` (a
/// DM; `with` set to the sender).
struct TagsEvent {
    std::string channel;
    std::string with;
    std::string user;
    std::string to = {};
    std::vector<std::pair<std::string, std::string>> tags = {};  ///< names and values, unescaped
};

/// A guest registered: `user` (the guest name) is now the account `to`, with the same
/// connection, channels and operator rights. Version 2 connections only (IRC: NICK).
struct RenameEvent {
    std::string user;
    std::string to;
};

/// An operator's message to everyone who wants them (IRC's WALLOPS, to users with +w).
struct WallopsEvent {
    std::string from;
    std::string text;
};

/// Modes changed: `modes` the changes made, as IRC writes them (`+m-t+v`), `args` those
/// changes' arguments in order. Every member gets it, the changer included.
struct ModeEvent {
    std::string channel;
    std::string by;  ///< who changed them
    std::string modes;
    std::vector<std::string> args;
};

/// `by` invited `user` (the receiver) to `channel`.
struct InviteEvent {
    std::string channel;
    std::string user;
    std::string by;
};

/// A user a connection monitors came online or went offline (its first connection opened, its
/// last one closed). Only to the connections monitoring them.
struct PresenceEvent {
    std::string user;
    bool online = false;
};

/// Where a change to a user (away, real name) is told: to those sharing a channel with them,
/// or to a connection that monitors them without sharing one (IRC's extended-monitor).
enum class Audience { shared_channel, monitor };

/// `user` went away with `message`, or came back (empty): IRC's away-notify.
struct AwayEvent {
    std::string user;
    std::string message;
    Audience audience = Audience::shared_channel;
};

/// `user` changed their real name (IRC's SETNAME); also to the user's own connections.
struct RealnameEvent {
    std::string user;
    std::string realname;
    Audience audience = Audience::shared_channel;
};

struct PingEvent {};

struct NoticeEvent {
    std::string code;
    std::string message;
};

using Event = std::variant<
    MessageEvent,
    JoinEvent,
    PartEvent,
    QuitEvent,
    HistoryEvent,
    TopicEvent,
    PingEvent,
    NoticeEvent,
    UpdateEvent,
    ReadEvent,
    TypingEvent,
    TagsEvent,
    RenameEvent,
    WallopsEvent,
    ModeEvent,
    InviteEvent,
    PresenceEvent,
    AwayEvent,
    RealnameEvent>;

}  // namespace salon::core
