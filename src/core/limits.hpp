// Every operator-tunable limit, with its unit and default, in one place. The flag, the TOML key
// and the allowed range of each are rows of src/app/limit_table.cpp.
#pragma once

#include <chrono>
#include <cstddef>

namespace salon::core {

/// Who may create channels (`--channel-creation`).
enum class ChannelCreation {
    open,        ///< anyone; a guest's channel is temporary, a registered user's persists
    registered,  ///< registered users only; guests join the channels that exist
    admins,      ///< server administrators only
};

struct Limits {
    /// Longest frame, in bytes, before `line_too_long` and a close (PROTOCOL.md default 16 KiB).
    std::size_t max_frame_bytes = 16 * 1024;
    /// Longest message text in bytes (PROTOCOL.md: 1-4096).
    std::size_t max_text_bytes = 4096;
    /// Channels one user may be in at once (`too_many_channels`).
    std::size_t max_channels_per_user = 100;
    /// Simultaneous connections from one IP address; more are refused at accept.
    std::size_t max_connections_per_address = 256;
    /// Requests per second per connection (token bucket rate), and the burst above it.
    double messages_per_second = 20.0;
    double message_burst = 40.0;
    /// Consecutive `rate_limited` answers after which the connection is closed.
    std::size_t rate_limit_strikes = 20;
    /// Silence after which the connection is closed; the server sends PING at half of it.
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(120)};
    /// Time from connecting to logging in; then `NOTICE login_timeout` and the close.
    std::chrono::milliseconds login_timeout{std::chrono::seconds(30)};
    /// Bytes queued for one connection before it is dropped with `send_queue_full`. Every chat
    /// client is a push client, so this bound is what keeps a stalled reader from growing memory.
    std::size_t send_queue_bytes = 1024 * 1024;
    /// Failed logins per minute for one account from one address, and for all accounts from
    /// one address, before further attempts get `rate_limited`. The second is larger, so that
    /// the users behind one address (a school's NAT) do not lock each other out.
    double failed_logins_per_minute = 10.0;
    double failed_logins_per_address_per_minute = 100.0;
    /// Messages replayed as the HISTORY event on join, and the most one HISTORY page returns
    /// (not tunable: PROTOCOL.md states it).
    std::size_t history_on_join = 50;
    std::size_t history_page_max = 200;
    /// Who may create channels; channels the server holds at most (`too_many_channels`); new
    /// channels per minute, per address and per registered account, and the burst above it
    /// (`rate_limited`; administrators are not counted).
    ChannelCreation channel_creation = ChannelCreation::open;
    std::size_t max_channels = 10'000;
    double channels_created_per_minute = 5.0;
    double channel_creation_burst = 20.0;
    /// Days a session token (TOKEN) stays valid after it was made or last used to log in.
    double token_ttl_days = 30.0;

    /// The most one reply built from stored data (a HISTORY page or event, a LIST page) may
    /// take, by core::wire_size_bound: a quarter of the send queue, so that it fits beside the
    /// events that reach the connection meanwhile.
    std::size_t bulk_reply_bytes() const noexcept { return send_queue_bytes / 4; }
};

}  // namespace salon::core
