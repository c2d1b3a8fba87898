// `salond user …`: account administration working directly on the data dir.
#pragma once

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

}  // namespace salon::app
