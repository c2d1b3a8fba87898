// The server-wide bans as a running server holds them: read from storage by the account watch,
// checked in memory at every login.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/server_ban.hpp"

namespace salon::server {

/// The most server bans stored: each login tries every wildcard mask and CIDR block, so the
/// list is kept to what costs a login microseconds (docs/operations.md "Server bans").
inline constexpr std::size_t kMaxServerBans = 1000;

/// Why a login or a connection is barred.
struct Barred {
    std::string reason;  ///< the administrator's, may be empty
    bool by_address = false;

    /// What the banned user is told (`server_banned`).
    std::string message() const;

    /// What the user's channels see as the QUIT reason: IRC's K-Lined (by name) or D-Lined (by
    /// address), without the reason, as IRC servers do.
    std::string_view quit_reason() const noexcept { return by_address ? "D-Lined" : "K-Lined"; }
};

/// Thread-safe: the list is immutable and swapped whole, so a check at login takes no lock.
class ServerBans {
public:
    ServerBans();

    /// The ban that bars the user `folded` (a folded name) connecting from `address` (a
    /// connection's remote address), if any.
    std::optional<Barred> check(std::string_view folded, const std::string& address) const;

    /// Makes `rules` the list when they differ from it; true when they did.
    bool replace(std::vector<core::ServerBanRule> rules);

private:
    std::atomic<std::shared_ptr<const core::ServerBanList>> list_;
};

}  // namespace salon::server
