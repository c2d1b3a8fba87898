// Login settings of `salon`: command line over config file over built-in defaults, and the
// password from SALON_PASSWORD, a file, or a prompt with echo off (never from argv).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "client/connection.hpp"
#include "client/session.hpp"

namespace salon::cli {

/// What the command line said; empty/nullopt means "not given".
struct CommandLine {
    std::optional<std::string> server;
    std::optional<std::string> user;
    std::optional<std::string> channel;
    std::optional<std::string> password_file;
    std::optional<std::string> config;
    bool register_account = false;
};

/// The settings a subcommand uses, all resolved.
struct Settings {
    client::Endpoint endpoint;
    std::string user;  ///< empty: guest
    std::string channel = "home";
    std::string password_file;
    bool register_account = false;
};

/// A failure to resolve settings: the message is printed and `salon` exits with kExitUsage.
struct SettingsError {
    std::string message;
};

/// The default config path: $XDG_CONFIG_HOME/salon/config.toml, else ~/.config/salon/config.toml.
std::filesystem::path default_config_path();

/// Merges the command line with the config file (given, or the default one if it exists).
/// Throws SettingsError.
Settings resolve_settings(const CommandLine& cli);

/// True when `user` needs a password (registered account, not a guest name).
bool needs_password(const Settings& settings);

/// SALON_PASSWORD, else the first line of the password file, else a prompt on /dev/tty with
/// echo off. Throws SettingsError when none is available (e.g. no terminal in a script).
std::string read_password(const Settings& settings);

/// The LoginRequest for these settings, password included (read_password when needed).
client::LoginRequest make_login(const Settings& settings, std::string_view channel_override = {});

}  // namespace salon::cli
