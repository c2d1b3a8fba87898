#include "app/reload.hpp"

#include <variant>

#include "app/limit_table.hpp"

namespace salon::app {
namespace {

/// Compares one setting of the two configurations, by its name in the file.
class Comparison {
public:
    Comparison(Config& running, const Config& before, ReloadPlan& plan)
        : running_(running), before_(before), plan_(plan) {}

    /// A setting that applies at once.
    template <typename Field>
    void live(std::string name, Field field) {
        if (field(running_) != field(before_)) plan_.applied.push_back(std::move(name));
    }

    /// A setting that keeps its running value until the next restart.
    template <typename Field>
    void at_restart(std::string name, Field field) {
        auto& now = field(running_);
        const auto& was = field(before_);
        if (now == was) return;
        plan_.restart_only.push_back(std::move(name));
        now = was;
    }

private:
    Config& running_;
    const Config& before_;
    ReloadPlan& plan_;
};

template <typename T>
auto member(T Config::*field) {
    return [field](auto& config) -> auto& {
        return config.*field;
    };
}

template <typename T>
auto tls_member(T TlsConfig::*field) {
    return [field](auto& config) -> auto& {
        return config.tls.*field;
    };
}

template <typename T>
auto password_member(T auth::PasswordParams::*field) {
    return [field](auto& config) -> auto& {
        return config.password.*field;
    };
}

}  // namespace

ReloadPlan plan_reload(const Config& running, const Config& next) {
    ReloadPlan plan{.running = next, .applied = {}, .restart_only = {}};
    Comparison compare(plan.running, running, plan);

    // Each listener owns its socket, I/O threads their contexts, the store its file and its
    // durability, and every connection the names it was greeted with.
    compare.at_restart("server.server_name", member(&Config::server_name));
    compare.at_restart("server.server_description", member(&Config::server_description));
    compare.at_restart("server.bind", member(&Config::bind));
    compare.at_restart("server.port", member(&Config::port));
    compare.at_restart("server.http_port", member(&Config::http_port));
    compare.at_restart("server.irc_port", member(&Config::irc_port));
    compare.at_restart("server.allowed_origins", member(&Config::allowed_origins));
    compare.at_restart("server.data_dir", member(&Config::data_dir));
    compare.at_restart("server.threads", member(&Config::threads));
    compare.at_restart("storage.sync", member(&Config::sync_full));
    // The certificate files are read again on every reload; where they are is fixed.
    compare.at_restart("tls.certificate", tls_member(&TlsConfig::certificate));
    compare.at_restart("tls.key", tls_member(&TlsConfig::key));
    compare.at_restart("tls.port", tls_member(&TlsConfig::port));
    compare.at_restart("tls.irc_port", tls_member(&TlsConfig::irc_port));
    compare.at_restart("tls.https_port", tls_member(&TlsConfig::https_port));

    compare.live("server.log_level", member(&Config::log_level));
    compare.live("server.registration", member(&Config::registration_open));
    compare.live("tls.plaintext_logins", tls_member(&TlsConfig::plaintext_logins));
    compare.live("passwords.argon2_ops", password_member(&auth::PasswordParams::ops));
    compare.live("passwords.argon2_memory_kib", password_member(&auth::PasswordParams::mem_bytes));
    compare.live("retention.days", [](auto& config) { return config.retention.days; });
    compare.live("retention.direct_days", [](auto& config) {
        return config.retention.direct_days;
    });
    compare.live("retention.channels", [](auto& config) { return config.retention.channel_days; });
    compare.live("retention.interval_seconds", [](auto& config) {
        return config.retention.interval;
    });
    for (const auto& spec : limit_table()) {
        compare.live(std::string(spec.section) + "." + std::string(spec.key), [&](auto& config) {
            return limit_value(spec, config.limits);
        });
    }
    return plan;
}

server::ServerSettings server_settings(const Config& config, const std::string& version) {
    const std::string& plaintext = config.tls.plaintext_logins;
    const auto plaintext_logins = plaintext == "deny"    ? server::PlaintextLogins::deny
                                  : plaintext == "allow" ? server::PlaintextLogins::allow
                                  : plaintext == "loopback" || config.tls.enabled()
                                      ? server::PlaintextLogins::loopback
                                      : server::PlaintextLogins::allow;
    return {
        .limits = config.limits,
        .registration_open = config.registration_open,
        .password = config.password,
        .name = config.server_name,
        .version = version,
        .plaintext_logins = plaintext_logins,
        .retention = config.retention,
    };
}

}  // namespace salon::app
