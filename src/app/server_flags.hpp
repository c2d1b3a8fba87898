// salond's settings as its command line gives them: the embedded defaults, then each --config
// file, then the flags over them. Salond reads them at start and again on SIGHUP.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/limit_table.hpp"

namespace salon::app {

/// Applies the settings of each `--config FILE` (or `--config=FILE`) among `argv`, in order:
/// before the flags are defined, so that `--help` shows the file's values as the defaults.
/// @throws ConfigError
void apply_config_files(Config& config, int argc, const char* const* argv);

/// A flag for every row of the limit table. Each is bound to the limit's value as flags spell
/// it, starting from `limits` so that --help shows what the file set; apply() sets the limits
/// given on the command line.
class LimitFlags {
public:
    LimitFlags(CLI::App& app, const core::Limits& limits);

    /// @throws ConfigError for a duration outside its range
    void apply(core::Limits& limits) const;

private:
    std::vector<LimitValue> values_;
    std::vector<CLI::Option*> options_;
};

/// The server's flags, defined on `app` and bound to `config`. After `app` has parsed the
/// command line, apply() puts what the flags give as text (paths, choices, limits) into `config`.
class ServerFlags {
public:
    ServerFlags(CLI::App& app, Config& config);

    ServerFlags(const ServerFlags&) = delete;
    ServerFlags& operator=(const ServerFlags&) = delete;

    /// @throws ConfigError
    void apply();

    /// The --config file given, or "".
    const std::string& config_file() const noexcept { return config_file_; }

private:
    Config& config_;
    std::string config_file_;
    std::string data_dir_;
    std::string registration_;
    std::string sync_;
    std::string tls_cert_;
    std::string tls_key_;
    LimitFlags limits_;
};

/// The configuration that salond's arguments give now, the files read again: what a reload
/// (SIGHUP) applies. Arguments other than the server's flags (a subcommand) are ignored.
/// @throws ConfigError, with every problem of the file or the values
Config read_server_config(int argc, const char* const* argv);

}  // namespace salon::app
