// What the server keeps on disk: accounts, channels, memberships, messages and pending DMs.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/message.hpp"
#include "core/names.hpp"

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
};

struct ChannelRecord {
    core::ChannelName name;
    std::string topic;
    std::string key;  ///< empty: no key
    core::UnixMillis created_ms = 0;
};

struct Membership {
    core::ChannelName channel;
    bool op = false;
};

/// A message to write, with the users to whom it must be handed at their next login because
/// they were offline when it was accepted (direct messages to offline registered users).
struct MessageWrite {
    core::Message message;
    std::vector<core::UserName> pending_for;
};

/// Persistent storage.
///
/// Contract for implementations:
/// 1. Every method is blocking and safe to call from several threads at once. Callers run
///    them on worker threads, never on I/O threads.
/// 2. A method that returns has made its writes durable to the configured level (it has
///    committed); append_messages() commits the whole batch in one transaction (group commit).
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
    /// Removes the account with its memberships and pending DMs; false when there is none.
    virtual bool delete_account(const core::UserName& name) = 0;
    /// Every account, ordered by folded name.
    virtual std::vector<Account> list_accounts() = 0;

    // --- channels ---
    /// Inserts or replaces the channel's record.
    virtual void save_channel(const ChannelRecord& channel) = 0;
    virtual std::vector<ChannelRecord> load_channels() = 0;
    /// Bans are per channel; a banned name is returned folded (its display form is not kept).
    virtual void set_ban(
        const core::ChannelName& channel, const core::UserName& user, bool banned
    ) = 0;
    virtual std::vector<core::UserName> bans_of(const core::ChannelName& channel) = 0;
    /// Removes the channel's record, its bans and its messages with id <= `up_to` (a later
    /// channel of the same name keeps the messages above it). Memberships stay: the server
    /// stores none for the channels it forgets (temporary ones).
    virtual void forget_channel(const core::ChannelName& channel, core::MessageId up_to) = 0;

    // --- memberships of registered users, kept across restarts ---
    virtual void set_membership(const core::UserName& user, const Membership& membership) = 0;
    virtual void remove_membership(
        const core::UserName& user, const core::ChannelName& channel
    ) = 0;
    /// Ordered by the time the user joined.
    virtual std::vector<Membership> memberships_of(const core::UserName& user) = 0;

    // --- messages ---
    /// Writes every message of the batch and its pending deliveries in one transaction.
    virtual void append_messages(std::span<const MessageWrite> batch) = 0;
    /// Up to `limit` messages of `channel` with id < `before` (or the newest when nullopt) and
    /// id <= `up_to` when given, oldest first.
    virtual std::vector<core::Message> channel_history(
        const core::ChannelName& channel,
        std::optional<core::MessageId> before,
        std::size_t limit,
        std::optional<core::MessageId> up_to = std::nullopt
    ) = 0;
    /// The largest message id ever stored, 0 when none: ids continue from it after a restart.
    virtual core::MessageId max_message_id() = 0;
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
