#include "app/salond.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "app/admin.hpp"
#include "app/backup.hpp"
#include "app/config.hpp"
#include "app/data_dir_lock.hpp"
#include "app/export.hpp"
#include "app/heap_trimmer.hpp"
#include "app/limit_table.hpp"
#include "app/private_files.hpp"
#include "app/reload.hpp"
#include "app/server_bans_cli.hpp"
#include "app/server_flags.hpp"
#include "app/service_manager.hpp"
#include "net/codec_factory.hpp"
#include "net/connection_registry.hpp"
#include "net/handshake_threads.hpp"
#include "net/http_listener.hpp"
#include "net/http_service.hpp"
#include "net/io_threads.hpp"
#include "net/tcp_listener.hpp"
#include "net/tls_context.hpp"
#include "proto/irc_codec.hpp"
#include "proto/native_codec.hpp"
#include "server/chat_server.hpp"
#include "store/sqlite/sqlite_store.hpp"

#ifndef SALON_VERSION
#define SALON_VERSION "0.0.0"
#endif

namespace salon::app {
namespace {
namespace asio = boost::asio;

/// How long shutdown waits for connections to flush and close before it stops anyway; with the
/// storage flush after it, salond exits well inside the 5 s an init system usually allows.
constexpr auto kShutdownGrace = std::chrono::seconds(3);

/// How often the heap trimmer looks at the resident size, and by how much it must have grown
/// since the last trim: a login storm of 19,000 guests leaves ≈ 20 MiB free between live
/// objects, returned within one interval after it.
constexpr auto kHeapTrimInterval = std::chrono::seconds(2);
constexpr std::uint64_t kHeapTrimGrowth = 16 << 20;

void log_asio_failure(std::string_view what, std::exception_ptr error) {
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        spdlog::error("{}: {}", what, e.what());
    }
}

/// `salond tls self-signed`: the pair goes to <data dir>/tls/, and the flags that use it are
/// printed.
int write_self_signed_pair(const Config& config, const std::string& host) {
    const auto dir = config.data_dir / "tls";
    const auto certificate = dir / "self-signed.crt";
    const auto key = dir / "self-signed.key";
    try {
        net::write_self_signed(host, certificate, key);
    } catch (const std::exception& e) {
        std::cerr << "salond: " << e.what() << "\n";
        return kExitFailure;
    }
    std::cout << "wrote a self-signed certificate for " << host << " (valid 90 days):\n  "
              << certificate.string() << "\n  " << key.string()
              << "\nstart salond with:\n  --tls-cert " << certificate.string() << " --tls-key "
              << key.string() << "\n";
    return kExitOk;
}

/// `salond check-config FILE`: everything salond would refuse in the file, one line each (with
/// the file's line where there is one), and whether its TLS certificate and key load.
int check_config(const std::filesystem::path& file) {
    const std::string name = file.string();
    const auto not_valid = [&](std::string_view problems) {
        std::cerr << problems << "\n" << name << ": not valid\n";
        return kExitFailure;
    };
    Config config;
    try {
        apply_config_file(config, file);
    } catch (const ConfigError& e) {
        return not_valid(e.what());  // each with its line; what depends on them can wait
    }
    try {
        validate(config);
    } catch (const ConfigError& e) {
        std::string problems;
        std::istringstream lines(e.what());
        for (std::string line; std::getline(lines, line);) {
            problems += (problems.empty() ? "" : "\n") + name + ": " + line;
        }
        return not_valid(problems);
    }
    if (config.tls.enabled()) {
        for (const auto& pem : {config.tls.certificate, config.tls.key}) {
            std::error_code error;
            if (!std::filesystem::is_regular_file(pem, error)) {
                return not_valid(name + ": [tls] no file " + pem.string());
            }
        }
        try {
            net::TlsContext(config.tls.certificate, config.tls.key, {});
        } catch (const std::exception& e) {
            return not_valid(name + ": [tls] " + e.what());
        }
    }
    std::cout << name << ": valid\n";
    return kExitOk;
}

/// Serves until SIGINT or SIGTERM. On SIGHUP, `reread` gives the configuration as it is now.
int run_server(
    const Config& config,
    std::span<const net::WebAsset> web_client,
    const std::function<Config()>& reread
) {
    spdlog::set_default_logger(spdlog::stderr_color_mt("salond"));
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    use_service_log_format();
    // OpenSSL writes TLS records with write(), which raises SIGPIPE when the peer has gone; the
    // failed write is handled where it happens (plain sockets use MSG_NOSIGNAL for the same).
    std::signal(SIGPIPE, SIG_IGN);

    // Held until the end: a second salond on this data dir, or a restore, is refused.
    const DataDirLock data_dir_lock(config.data_dir);
    store::SqliteOptions options;
    options.sync =
        config.sync_full ? store::SqliteOptions::Sync::full : store::SqliteOptions::Sync::normal;
    auto store = store::open_sqlite_store(config.data_dir / "salon.db", options);
    warn_unless_private(config.data_dir, config.data_dir / "salon.db");

    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const unsigned io_threads = config.threads == 0 ? cores : config.threads;
    net::IoThreads io(io_threads);
    const core::SystemClock clock;
    // Workers run password hashing and storage reads: at least two, so one slow hash never
    // stalls every history read.
    server::ChatServer chat(
        io.main(), server_settings(config, SALON_VERSION), *store, clock, std::max(2u, cores)
    );
    chat.load();
    chat.watch_accounts();
    chat.watch_admin_requests();
    chat.start_retention();
    std::optional<HeapTrimmer> heap_trimmer;
    if (HeapTrimmer::needed()) heap_trimmer.emplace(kHeapTrimInterval, kHeapTrimGrowth);

    net::ConnectionRegistry registry(config.limits.max_connections_per_address);
    net::HttpService http_service(chat, config.allowed_origins, web_client);
    std::optional<net::TcpListener> native;
    std::optional<net::TcpListener> irc;
    std::optional<net::HttpListener> http;
    proto::IrcSettings irc_settings;
    irc_settings.server_name = config.server_name;
    irc_settings.description = config.server_description;
    irc_settings.version = SALON_VERSION;
    irc_settings.created = core::format_timestamp(clock.unix_now_ms());
    // The one place that says which wire format each listener speaks.
    const net::CodecFactory native_codec = []() -> std::unique_ptr<proto::Codec> {
        return std::make_unique<proto::NativeCodec>();
    };
    const net::CodecFactory irc_codec = [&irc_settings]() -> std::unique_ptr<proto::Codec> {
        return std::make_unique<proto::IrcCodec>(irc_settings);
    };
    // WebSockets speak the native protocol, or IRC when the client asks for an IRCv3 subprotocol.
    const net::WebSocketCodecs websocket_codecs{
        .native = native_codec,
        .irc = irc_codec,
        .irc_max_frame_bytes = proto::irc::kMaxFrameBytes};
    // Every listener binds before any says "listening", so that line means all are ready.
    if (config.http_port != 0) {
        http.emplace(
            io,
            chat,
            http_service,
            registry,
            asio::ip::tcp::endpoint(asio::ip::make_address(config.bind), config.http_port),
            websocket_codecs
        );
    }
    if (config.port != 0) {
        native.emplace(
            io,
            chat,
            registry,
            asio::ip::tcp::endpoint(asio::ip::make_address(config.bind), config.port),
            native_codec
        );
    }
    if (config.irc_port != 0) {
        irc.emplace(
            io,
            chat,
            registry,
            asio::ip::tcp::endpoint(asio::ip::make_address(config.bind), config.irc_port),
            irc_codec,
            proto::irc::kMaxFrameBytes
        );
    }
    // TLS: one context per ALPN list, all made from the same files and reloaded together.
    // Handshakes run on threads of their own, so that their CPU work never runs on an I/O thread
    // (net/tls_handshake.hpp); half the cores, so that a handshake storm leaves the I/O threads
    // the other half.
    net::HandshakeThreads handshakes(std::max(1u, cores / 2));
    std::vector<std::unique_ptr<net::TlsContext>> tls_contexts;
    std::optional<net::TcpListener> native_tls;
    std::optional<net::TcpListener> irc_tls;
    std::optional<net::HttpListener> https;
    if (config.tls.enabled()) {
        auto make_context = [&](std::vector<std::string> alpn) -> const net::TlsContext& {
            tls_contexts.push_back(std::make_unique<net::TlsContext>(
                config.tls.certificate, config.tls.key, std::move(alpn)
            ));
            return *tls_contexts.back();
        };
        if (config.tls.https_port != 0) {
            https.emplace(
                io,
                chat,
                http_service,
                registry,
                asio::ip::tcp::endpoint(asio::ip::make_address(config.bind), config.tls.https_port),
                websocket_codecs,
                &make_context({"http/1.1"}),
                &handshakes
            );
        }
        if (config.tls.port != 0) {
            native_tls.emplace(
                io,
                chat,
                registry,
                asio::ip::tcp::endpoint(asio::ip::make_address(config.bind), config.tls.port),
                native_codec,
                0,
                &make_context({"salon"}),
                &handshakes
            );
        }
        if (config.tls.irc_port != 0) {
            irc_tls.emplace(
                io,
                chat,
                registry,
                asio::ip::tcp::endpoint(asio::ip::make_address(config.bind), config.tls.irc_port),
                irc_codec,
                proto::irc::kMaxFrameBytes,
                &make_context({}),  // IRC has no registered ALPN name
                &handshakes
            );
        }
    }
    // Before any "listening" line: whoever waits for one may send SIGTERM at once, and the
    // set holds a signal that arrives before its handler is attached.
    asio::signal_set signals(io.main(), SIGINT, SIGTERM);
    asio::signal_set reload_signals(io.main(), SIGHUP);
    // What `systemctl status` shows once salond is ready.
    std::vector<std::string> listening;
    if (native_tls) {
        const auto at = native_tls->local_endpoint();
        listening.push_back(fmt::format("native/TLS {}", at.port()));
        spdlog::info(
            "native protocol over TLS listening on {}:{}", at.address().to_string(), at.port()
        );
        asio::co_spawn(io.accepting(), native_tls->accept_loop(), [](std::exception_ptr e) {
            log_asio_failure("native TLS listener", e);
        });
    }
    if (https) {
        const auto at = https->local_endpoint();
        listening.push_back(fmt::format("HTTPS {}", at.port()));
        spdlog::info(
            "web client, WebSocket (/ws), /healthz and /metrics over TLS listening on {}:{}",
            at.address().to_string(),
            at.port()
        );
        asio::co_spawn(io.accepting(), https->accept_loop(), [](std::exception_ptr e) {
            log_asio_failure("HTTPS listener", e);
        });
    }
    if (irc_tls) {
        const auto at = irc_tls->local_endpoint();
        listening.push_back(fmt::format("IRC/TLS {}", at.port()));
        spdlog::info("irc over TLS listening on {}:{}", at.address().to_string(), at.port());
        asio::co_spawn(io.accepting(), irc_tls->accept_loop(), [](std::exception_ptr e) {
            log_asio_failure("IRC TLS listener", e);
        });
    }
    if (irc) {
        const auto at = irc->local_endpoint();
        listening.push_back(fmt::format("IRC {}", at.port()));
        spdlog::info("irc listening on {}:{}", at.address().to_string(), at.port());
        asio::co_spawn(io.accepting(), irc->accept_loop(), [](std::exception_ptr e) {
            log_asio_failure("IRC listener", e);
        });
    }
    if (http) {
        const auto at = http->local_endpoint();
        listening.push_back(fmt::format("HTTP {}", at.port()));
        spdlog::info(
            "web client, WebSocket (/ws), /healthz and /metrics listening on {}:{}",
            at.address().to_string(),
            at.port()
        );
        asio::co_spawn(io.accepting(), http->accept_loop(), [](std::exception_ptr e) {
            log_asio_failure("HTTP listener", e);
        });
    }
    if (native) {
        const auto at = native->local_endpoint();
        listening.push_back(fmt::format("native {}", at.port()));
        spdlog::info("native protocol listening on {}:{}", at.address().to_string(), at.port());
        asio::co_spawn(io.accepting(), native->accept_loop(), [](std::exception_ptr e) {
            log_asio_failure("native listener", e);
        });
    } else if (!http && !irc) {
        spdlog::warn("no listener is enabled (--port 0 --http-port 0 --irc-port 0)");
    }
    notify_ready(fmt::format("accepting connections: {}", fmt::join(listening, ", ")));

    // SIGHUP: the configuration is read again and what may change without a restart changes
    // (reload.hpp); the certificate and key are read again (an ACME client renewed them).
    // Connections keep the context they started with; new ones get the new one. Done on a
    // handshake thread, off the I/O threads, one reload at a time.
    std::mutex reload_mutex;
    Config running = config;
    const auto reload = [&] {
        std::lock_guard lock(reload_mutex);
        try {
            auto plan = plan_reload(running, reread());
            for (const auto& name : plan.restart_only) {
                spdlog::warn("SIGHUP: {} changed; it takes effect at the next restart", name);
            }
            running = std::move(plan.running);
            spdlog::set_level(spdlog::level::from_str(running.log_level));
            chat.reconfigure(server_settings(running, SALON_VERSION));
            registry.set_max_per_address(running.limits.max_connections_per_address);
            spdlog::info(
                "SIGHUP: configuration reloaded; changed: {}",
                plan.applied.empty() ? "nothing" : fmt::format("{}", fmt::join(plan.applied, ", "))
            );
        } catch (const ConfigError& e) {
            std::istringstream problems(e.what());
            for (std::string line; std::getline(problems, line);) {
                spdlog::error("SIGHUP: configuration: {}", line);
            }
            spdlog::error("SIGHUP: configuration not reloaded; the running one stays");
        }
        try {
            for (auto& context : tls_contexts) context->reload();
            if (!tls_contexts.empty()) {
                spdlog::info(
                    "SIGHUP: TLS certificate reloaded from {}", config.tls.certificate.string()
                );
            }
        } catch (const std::exception& e) {
            spdlog::error(
                "SIGHUP: TLS certificate not reloaded, keeping the old one: {}", e.what()
            );
        }
    };
    std::function<void()> await_reload = [&] {
        reload_signals.async_wait([&](const boost::system::error_code& ec, int) {
            if (ec) return;
            notify_reloading();
            asio::post(handshakes.next(), [&] {
                reload();
                notify_reloaded();
            });
            await_reload();
        });
    };
    await_reload();

    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        spdlog::info("signal {}: shutting down", signal);
        notify_stopping();
        if (native) native->stop();
        if (irc) irc->stop();
        if (native_tls) native_tls->stop();
        if (irc_tls) irc_tls->stop();
        boost::system::error_code ignored;
        reload_signals.cancel(ignored);
        // The HTTP listener stays open until the end: what it accepts now gets 503, so a load
        // balancer sees "not ready" instead of a refused connection.
        http_service.begin_shutdown();
        registry.shut_down_all();
        asio::co_spawn(
            io.main(),
            [&]() -> asio::awaitable<void> {
                asio::steady_timer tick(io.main());
                const auto deadline = std::chrono::steady_clock::now() + kShutdownGrace;
                while (registry.size() > 0 && std::chrono::steady_clock::now() < deadline) {
                    tick.expires_after(std::chrono::milliseconds(20));
                    co_await tick.async_wait(asio::use_awaitable);
                }
                io.stop();
            },
            [](std::exception_ptr e) { log_asio_failure("shutdown", e); }
        );
    });

    io.run();
    handshakes.stop();
    chat.drain();
    spdlog::info("stopped; storage flushed");
    return kExitOk;
}

}  // namespace

int salond_main(int argc, char** argv, std::span<const net::WebAsset> web_client) {
    Config config;

    // The file's settings come first so that flags given on the command line override them.
    apply_config_files(config, argc, argv);

    CLI::App app{"salond: the Salon chat server"};
    // A flag given twice counts once, the last time, as most tools do: scripts and tests can
    // append an override to a standard command line.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.set_version_flag("--version", std::string("salond ") + SALON_VERSION);
    ServerFlags server_flags(app, config);
    bool print_limits_markdown = false;
    app.add_flag(
        "--print-limits-markdown",
        print_limits_markdown,
        "print the limits table of docs/configuration.md and exit"
    );

    auto* user =
        app.add_subcommand("user", "manage accounts in the data dir")->require_subcommand(1);
    std::string name;
    bool admin = false;
    std::optional<UserAction> action;
    auto* add = user->add_subcommand("add", "create an account (password from stdin)");
    add->add_option("NAME", name, "account name")->required();
    add->add_flag("--admin", admin, "make the account a server administrator");
    add->callback([&] { action = UserAction::add; });
    auto* passwd = user->add_subcommand("passwd", "set an account's password (from stdin)");
    passwd->add_option("NAME", name, "account name")->required();
    passwd->callback([&] { action = UserAction::passwd; });
    auto* del = user->add_subcommand("del", "delete an account");
    del->add_option("NAME", name, "account name")->required();
    del->callback([&] { action = UserAction::del; });
    auto* list =
        user->add_subcommand("list", "list the accounts: name, role, created, last login, locked");
    list->callback([&] { action = UserAction::list; });
    auto* lock = user->add_subcommand(
        "lock", "lock an account: no login; a running salond closes its sessions within seconds"
    );
    lock->add_option("NAME", name, "account name")->required();
    lock->callback([&] { action = UserAction::lock; });
    auto* unlock = user->add_subcommand("unlock", "unlock an account");
    unlock->add_option("NAME", name, "account name")->required();
    unlock->callback([&] { action = UserAction::unlock; });
    for (auto* sub : {user, add, passwd, del, list, lock, unlock}) sub->fallthrough();
    BanCommand ban_command;
    for (auto* sub : add_ban_subcommands(*user, ban_command)) sub->fallthrough();

    auto* channel = app.add_subcommand(
                           "channel",
                           "manage channels; with salond running, through it: members online "
                           "see the change at once (docs/operations.md)"
    )
                        ->require_subcommand(1);
    std::optional<ChannelAction> channel_action;
    std::string channel_name;
    std::string channel_argument;
    auto* channel_list = channel->add_subcommand(
        "list",
        "list the stored channels: name, stored members, modes, messages, last message, topic"
    );
    channel_list->callback([&] { channel_action = ChannelAction::list; });
    auto* channel_delete = channel->add_subcommand(
        "delete", "delete a channel with its history, memberships, bans and read markers"
    );
    channel_delete->add_option("NAME", channel_name, "the channel")->required();
    channel_delete->callback([&] { channel_action = ChannelAction::del; });
    auto* channel_rename = channel->add_subcommand(
        "rename", "rename a channel; its history, members, operators and bans go with it"
    );
    channel_rename->add_option("OLD", channel_name, "the channel")->required();
    channel_rename->add_option("NEW", channel_argument, "its new name")->required();
    channel_rename->callback([&] { channel_action = ChannelAction::rename; });
    auto* channel_op = channel->add_subcommand(
        "op", "make a member an operator of a channel (kept across logins and restarts)"
    );
    channel_op->add_option("NAME", channel_name, "the channel")->required();
    channel_op->add_option("USER", channel_argument, "a registered member")->required();
    channel_op->callback([&] { channel_action = ChannelAction::op; });
    for (auto* sub : {channel, channel_list, channel_delete, channel_rename, channel_op})
        sub->fallthrough();

    auto* tls = app.add_subcommand("tls", "TLS certificates")->require_subcommand(1);
    std::string tls_host = "localhost";
    bool make_self_signed = false;
    auto* self_signed = tls->add_subcommand(
        "self-signed", "write a self-signed certificate and key into the data dir, for trying TLS"
    );
    self_signed->add_option("--host", tls_host, "the name clients connect to")
        ->capture_default_str();
    self_signed->callback([&] { make_self_signed = true; });
    for (auto* sub : {tls, self_signed}) sub->fallthrough();

    std::string checked_file;
    auto* check = app.add_subcommand(
        "check-config",
        "check a configuration file: exit 0 when salond accepts it, 1 with one line per problem"
    );
    check->add_option("FILE", checked_file, "the TOML file")->required();
    std::string backup_file;
    auto* backup = app.add_subcommand(
        "backup", "write a backup of the data dir to FILE, while salond runs (see Backups below)"
    );
    backup->add_option("FILE", backup_file, "the backup to write (a tar file; must not exist)")
        ->required();
    std::string restore_file;
    auto* restore = app.add_subcommand(
        "restore", "replace the data dir's database with a backup's; salond must be stopped"
    );
    restore->add_option("FILE", restore_file, "a file written by salond backup")
        ->required()
        ->check(CLI::ExistingFile);
    ExportRequest export_request;
    std::string export_output;
    std::string export_format = "json";
    auto* export_data = app.add_subcommand(
        "export", "write one channel's or one person's data as JSON Lines (docs/operations.md)"
    );
    auto* export_channel =
        export_data->add_option("--channel", export_request.channel, "the channel to export");
    auto* export_user = export_data->add_option(
        "--user", export_request.user, "the account whose data to export (data-protection requests)"
    );
    export_channel->excludes(export_user);
    export_data
        ->add_option("--format", export_format, "json: one JSON object per line (the only format)")
        ->check(CLI::IsMember({"json"}))
        ->capture_default_str();
    export_data->add_option(
        "--output", export_output, "the file to write; default: standard output"
    );
    std::string import_file;
    auto* import_data = app.add_subcommand(
        "import", "load a channel's export into the data dir; salond must be stopped"
    );
    import_data->add_option("FILE", import_file, "a file written by salond export --channel")
        ->required()
        ->check(CLI::ExistingFile);
    for (auto* sub : {backup, restore, export_data, import_data}) sub->fallthrough();
    app.footer(
        "Backups (docs/operations.md):\n"
        "  salond backup FILE --config /etc/salon/salon.toml   while salond runs; FILE is a tar\n"
        "      holding salon.db (the database, consistent as of one moment), the configuration\n"
        "      file given with --config (salon.toml) and backup.toml (what, when, which salond).\n"
        "  salond restore FILE --config /etc/salon/salon.toml  with salond stopped: checks the\n"
        "      backup in full first (a bad one changes nothing), keeps the replaced database as\n"
        "      salon.db.before-restore-<time>, and puts the backup's configuration file beside\n"
        "      it as salon.toml.from-backup without installing it."
    );

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitUsage;
    }
    if (check->parsed()) return check_config(checked_file);
    if (print_limits_markdown) {
        std::cout << limits_markdown();
        return kExitOk;
    }
    server_flags.apply();
    validate(config);

    if (make_self_signed) return write_self_signed_pair(config, tls_host);
    if (backup->parsed())
        return run_backup(config, server_flags.config_file(), backup_file, std::cout, std::cerr);
    if (restore->parsed()) return run_restore(config, restore_file, std::cout, std::cerr);
    if (export_data->parsed()) {
        if (export_request.channel.empty() == export_request.user.empty()) {
            std::cerr << "salond: export: give --channel NAME or --user NAME\n";
            return kExitUsage;
        }
        export_request.output = export_output;
        return run_export(config, export_request, std::cout, std::cerr);
    }
    if (import_data->parsed()) return run_import(config, import_file, std::cout, std::cerr);
    if (channel_action) {
        return run_channel_command(
            config, *channel_action, channel_name, channel_argument, std::cout, std::cerr
        );
    }
    if (ban_command.action) return run_ban_command(config, ban_command, std::cout, std::cerr);
    if (action)
        return run_user_command(config, *action, name, admin, std::cin, std::cout, std::cerr);
    return run_server(config, web_client, [argc, argv] { return read_server_config(argc, argv); });
}

}  // namespace salon::app
