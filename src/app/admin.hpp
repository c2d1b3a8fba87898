// `salond user …`: account administration working directly on the data dir; `salond channel …`:
// channel administration, through the running server when there is one.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

#include "app/config.hpp"

namespace salon::app {

/// Exit statuses of salond's commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  ///< the command ran and failed (no such user, taken…)
inline constexpr int kExitUsage = 2;    ///< bad arguments or configuration

enum class UserAction { add, passwd, del, list, lock, unlock };

/// Runs one `salond user` action. Passwords come from `in`: a prompt with echo off when it
/// is a terminal, else its first line. Messages go to `out` / `err`. Returns an exit status.
int run_user_command(
    const Config& config,
    UserAction action,
    const std::string& name,
    bool admin,
    std::istream& in,
    std::ostream& out,
    std::ostream& err
);

enum class ChannelAction { list, del, rename, op };

/// How long `salond channel delete|rename|op` waits for a running server's answer.
inline constexpr std::chrono::seconds kChannelCommandWait{10};

/// Runs one `salond channel` action. `channel` is the channel acted on (none for list),
/// `argument` the new name (rename) or the user (op). With a salond running on the data dir,
/// the change is queued for it (store::AdminRequest) and its answer awaited, so that members
/// online see it at once; otherwise it is made to the stored state, holding the data dir's lock.
/// Returns an exit status.
int run_channel_command(
    const Config& config,
    ChannelAction action,
    const std::string& channel,
    const std::string& argument,
    std::ostream& out,
    std::ostream& err
);

}  // namespace salon::app
