// `salond user ban|unban|bans`: server-wide bans, kept in the data dir's database; a running
// salond reads them within seconds (server::ServerBans).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "app/config.hpp"

namespace CLI {
class App;
}

namespace salon::app {

/// Longest ban reason, in bytes: it is told to the banned user in one IRC line.
inline constexpr std::size_t kMaxBanReasonBytes = 200;

enum class BanAction { ban, unban, list };

/// What the command line asked for.
struct BanCommand {
    std::optional<BanAction> action = std::nullopt;
    std::string target = {};  ///< a name mask, or an IP address or CIDR block
    std::string reason = {};
};

/// Adds `ban`, `unban` and `bans` to `user` (`salond user`), filling `command`; returns them.
std::vector<CLI::App*> add_ban_subcommands(CLI::App& user, BanCommand& command);

/// Runs the command on the data dir's database. Messages go to `out` / `err`. Returns an exit
/// status: kExitUsage for a bad target or reason (nothing opened), kExitFailure when the ban
/// exists already, the list is full, or there is no such ban to remove.
int run_ban_command(
    const Config& config, const BanCommand& command, std::ostream& out, std::ostream& err
);

}  // namespace salon::app
