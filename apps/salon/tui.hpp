// The interactive full-screen client (ncurses): runs until /quit, Ctrl+C or a fatal login error.
#pragma once

#include "client/session.hpp"
#include "options.hpp"

namespace salon::cli {

/// Runs the interactive client over an already logged-in session; returns the exit code.
/// `login` is kept to log in again after a reconnect.
int run_tui(
    const Settings& settings,
    client::LoginRequest login,
    client::Session session,
    const core::LoginResult& welcome
);

}  // namespace salon::cli
