// What the server tells clients: replies to requests and unsolicited events, independent of
// any wire format. Codecs (native JSON lines, IRC) turn these into bytes.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/message.hpp"

namespace salon::core {

struct MemberInfo {
    std::string user;
    bool guest = false;
    bool op = false;
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
};

struct JoinResult {
    std::string channel;
    std::string topic;
    std::vector<MemberInfo> members;
};

struct PostResult {
    MessageId id = 0;
    UnixMillis ts_ms = 0;
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
    std::string topic;   ///< for IRC's TOPIC and MODE queries; the native WHO does not show it
    bool keyed = false;  ///< the channel has a join key
};

/// A page of history, oldest first; `more` when the byte bound of a reply left out older
/// messages that the page would otherwise have held.
struct HistoryResult {
    std::string channel;
    std::vector<Message> messages;
    bool more = false;
};

struct TopicResult {
    std::string channel;
    std::string topic;
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
    WhoisResult>;

// --- events pushed to clients ---

/// A channel message (MSG) or a direct message (DM), told apart by Message::is_direct().
struct MessageEvent {
    Message message;
    /// The sender's account name when the sender is a registered user (IRC's account-tag);
    /// empty for guests and when not known.
    std::string account = {};
};

struct JoinEvent {
    std::string channel;
    std::string user;
    bool op = false;  ///< the user joins as an operator of the channel
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
    std::string reason;
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
    NoticeEvent>;

}  // namespace salon::core
