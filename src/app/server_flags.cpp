#include "app/server_flags.hpp"

#include <string_view>
#include <variant>

namespace salon::app {

void apply_config_files(Config& config, int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--config" && i + 1 < argc) {
            apply_config_file(config, argv[i + 1]);
        } else if (arg.starts_with("--config=")) {
            apply_config_file(config, std::string(arg.substr(9)));
        }
    }
}

LimitFlags::LimitFlags(CLI::App& app, const core::Limits& limits) {
    const auto table = limit_table();
    // Every value is in place before any is bound: CLI11 keeps references to them.
    values_.reserve(table.size());
    for (const auto& spec : table) values_.push_back(limit_value(spec, limits));
    for (std::size_t i = 0; i < table.size(); ++i) {
        const auto& spec = table[i];
        auto* option = std::visit(
            [&](auto& value) {
                return app.add_option(std::string(spec.flag), value, limit_help(spec));
            },
            values_[i]
        );
        option->capture_default_str();
        if (!spec.choices.empty()) {
            option->check(
                CLI::IsMember(std::vector<std::string>(spec.choices.begin(), spec.choices.end()))
            );
        }
        options_.push_back(option);
    }
}

void LimitFlags::apply(core::Limits& limits) const {
    const auto table = limit_table();
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (options_[i]->count() == 0) continue;
        if (auto error = set_limit_value(table[i], limits, values_[i])) throw ConfigError(*error);
    }
}

ServerFlags::ServerFlags(CLI::App& app, Config& config)
    : config_(config),
      data_dir_(config.data_dir.string()),
      registration_(config.registration_open ? "open" : "closed"),
      sync_(config.sync_full ? "full" : "normal"),
      tls_cert_(config.tls.certificate.string()),
      tls_key_(config.tls.key.string()),
      limits_(app, config.limits) {
    app.add_option("--config", config_file_, "TOML file with settings (see salon.example.toml)")
        ->check(CLI::ExistingFile);
    app.add_option(
           "--server-name",
           config_.server_name,
           "the server's name for IRC and CONN's OK (a dot in it)"
    )
        ->capture_default_str();
    app.add_option(
           "--server-description",
           config_.server_description,
           "the server's info as IRC shows it (WHOIS, LINKS)"
    )
        ->capture_default_str();
    app.add_option("--bind", config_.bind, "address to listen on")->capture_default_str();
    app.add_option("--port", config_.port, "native protocol TCP port; 0 = off")
        ->capture_default_str();
    app.add_option(
           "--http-port",
           config_.http_port,
           "HTTP port (web client, /ws, /healthz, /metrics); 0 = off"
    )
        ->capture_default_str();
    app.add_option("--irc-port", config_.irc_port, "IRC port (irssi, WeeChat…); 0 = off")
        ->capture_default_str();
    app.add_option(
           "--allowed-origins",
           config_.allowed_origins,
           "comma-separated Origins whose pages may use /ws (default: the page's own origin)"
    )
        ->delimiter(',');
    app.add_option("--data-dir", data_dir_, "where the database lives")->capture_default_str();
    app.add_option("--threads", config_.threads, "I/O threads; 0 = one per core")
        ->capture_default_str();
    app.add_option("--log-level", config_.log_level, "trace|debug|info|warn|error|off")
        ->capture_default_str();
    app.add_option("--registration", registration_, "whether clients may REGISTER accounts")
        ->check(CLI::IsMember({"open", "closed"}))
        ->capture_default_str();
    app.add_option(
           "--sync", sync_, "storage durability: normal (survives a crash) or full (power loss)"
    )
        ->check(CLI::IsMember({"normal", "full"}))
        ->capture_default_str();

    app.add_option("--tls-cert", tls_cert_, "TLS certificate chain (PEM); turns the TLS ports on")
        ->capture_default_str();
    app.add_option("--tls-key", tls_key_, "the TLS certificate's private key (PEM)")
        ->capture_default_str();
    app.add_option("--tls-port", config_.tls.port, "native protocol over TLS; 0 = off")
        ->capture_default_str();
    app.add_option("--irc-tls-port", config_.tls.irc_port, "IRC over TLS; 0 = off")
        ->capture_default_str();
    app.add_option("--https-port", config_.tls.https_port, "HTTPS and wss:// on /ws; 0 = off")
        ->capture_default_str();
    app.add_option(
           "--plaintext-logins",
           config_.tls.plaintext_logins,
           "passwords in plain text: allow, loopback (only from this machine), deny (TLS only); "
           "default: loopback with a certificate, else allow"
    )
        ->check(CLI::IsMember({"allow", "loopback", "deny"}));
}

void ServerFlags::apply() {
    config_.data_dir = data_dir_;
    config_.tls.certificate = tls_cert_;
    config_.tls.key = tls_key_;
    config_.registration_open = registration_ == "open";
    config_.sync_full = sync_ == "full";
    limits_.apply(config_.limits);
}

Config read_server_config(int argc, const char* const* argv) {
    Config config;
    apply_config_files(config, argc, argv);
    CLI::App app;
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.allow_extras();
    ServerFlags flags(app, config);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        throw ConfigError(e.what());
    }
    flags.apply();
    validate(config);
    return config;
}

}  // namespace salon::app
