// Login settings of `salon`: command line over config file over built-in defaults, and the
// credential: a session token from a file (--token-file, SALON_TOKEN_FILE, `token_file`), else
// the password from SALON_PASSWORD, a file, or a prompt with echo off (never from argv).
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
    std::optional<std::string> token_file;
    std::optional<std::string> config;
    bool tls = false;                    ///< --tls: TLS unless the address says salon://
    std::optional<std::string> ca_file;  ///< --ca
    bool insecure = false;               ///< --insecure
    bool register_account = false;
};

/// The settings a subcommand uses, all resolved.
struct Settings {
    client::Endpoint endpoint;
    std::string user;  ///< empty: guest
    std::string channel = "home";
    std::string password_file;
    /// --token-file, else $SALON_TOKEN_FILE, else the config's `token_file`; empty: none.
    std::string token_file;
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

/// The first line of the token file. Throws SettingsError when it cannot be read or is empty.
std::string read_token(const Settings& settings);

/// After a failed login: what to do about a refused token, or about a plain connection to
/// what may be a TLS port.
void explain_login_failure(
    const Settings& settings, const client::LoginRequest& login, const client::Error& error
);

/// Reads one line from the controlling terminal, shown as typed only with `echo`; nullopt when
/// there is no terminal.
std::optional<std::string> prompt_line(const std::string& prompt, bool echo);

/// prompt_line with echo off.
std::optional<std::string> prompt_secret(const std::string& prompt);

/// How make_login proves who the user is.
enum class Credential {
    token_or_password,  ///< the token when a token file is configured, else the password
    password,           ///< always the password (`salon token create`)
};

/// The LoginRequest for these settings, with the token or the password a registered user needs
/// (read_token / read_password). --register always uses the password.
client::LoginRequest make_login(
    const Settings& settings,
    std::string_view channel_override = {},
    Credential credential = Credential::token_or_password
);

}  // namespace salon::cli
