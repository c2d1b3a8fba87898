// What a reload (SIGHUP) changes in a running salond, and what waits for the next restart.
#pragma once

#include <string>
#include <vector>

#include "app/config.hpp"
#include "server/settings.hpp"

namespace salon::app {

/// A reload of `next` over the configuration salond runs with.
struct ReloadPlan {
    /// What salond runs with afterwards: `next`, but with the settings only a restart can change
    /// (listeners, storage, threads, names, TLS files) as they were.
    Config running;
    /// Settings that change now, by their names in the file ("limits.max_text_bytes").
    std::vector<std::string> applied;
    /// Settings that `next` changes but that keep their value until the next restart.
    std::vector<std::string> restart_only;
};

ReloadPlan plan_reload(const Config& running, const Config& next);

/// The chat service's settings as `config` gives them.
server::ServerSettings server_settings(const Config& config, const std::string& version);

}  // namespace salon::app
