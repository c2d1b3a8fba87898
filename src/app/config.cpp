#include "app/config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <set>
#include <utility>

namespace salon::app {
namespace {

/// Reads one TOML table's keys into the config, remembering which keys it knew.
class TableReader {
public:
    TableReader(const toml::table& root, std::string_view section) : section_(section) {
        if (const auto* node = root.get(section)) {
            table_ = node->as_table();
            if (table_ == nullptr) throw ConfigError(fmt::format("[{}] must be a table", section));
        }
    }

    template <typename T>
    void read(std::string_view key, T& target) {
        known_.insert(std::string(key));
        if (table_ == nullptr) return;
        const toml::node* node = table_->get(key);
        if (node == nullptr) return;
        // Types are checked strictly: toml++ would read `true` as 1 and 70000 into a uint16_t.
        if constexpr (std::is_same_v<T, std::string>) {
            if (node->is_string()) {
                target = *node->value<std::string>();
                return;
            }
        } else if constexpr (std::is_same_v<T, bool>) {
            if (node->is_boolean()) {
                target = *node->value<bool>();
                return;
            }
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            if (const auto* array = node->as_array();
                array && (array->empty() || array->is_homogeneous<std::string>())) {
                target.clear();
                for (const auto& item : *array) target.push_back(*item.value<std::string>());
                return;
            }
        } else if constexpr (std::is_floating_point_v<T>) {
            if (node->is_number()) {
                target = static_cast<T>(*node->value<double>());
                return;
            }
        } else {
            if (node->is_integer()) {
                const auto v = *node->value<std::int64_t>();
                if (v >= 0 && std::in_range<T>(v)) {
                    target = static_cast<T>(v);
                    return;
                }
            }
        }
        throw ConfigError(
            fmt::format("[{}] {} has the wrong type or a value out of range", section_, key)
        );
    }

    void reject_unknown() const {
        if (table_ == nullptr) return;
        for (const auto& [key, value] : *table_) {
            if (!known_.contains(std::string(key.str()))) {
                throw ConfigError(fmt::format("[{}] has no setting named '{}'", section_, key.str())
                );
            }
        }
    }

private:
    std::string_view section_;
    const toml::table* table_ = nullptr;
    std::set<std::string> known_;
};

ConfigError parse_failure(std::string_view source, const toml::parse_error& e) {
    return ConfigError(
        fmt::format("{}: {} (line {})", source, e.description(), e.source().begin.line)
    );
}

/// Applies a parsed file; `source` names it in errors.
void apply_table(Config& config, const toml::table& root, std::string_view source) {
    for (const auto& [key, value] : root) {
        static const std::set<std::string> kSections{"server", "storage", "limits", "passwords"};
        if (!kSections.contains(std::string(key.str()))) {
            throw ConfigError(fmt::format("{}: unknown section or key '{}'", source, key.str()));
        }
    }

    TableReader server(root, "server");
    std::string data_dir = config.data_dir.string();
    std::string registration = config.registration_open ? "open" : "closed";
    std::string channel_creation(channel_creation_name(config.limits.channel_creation));
    server.read("bind", config.bind);
    server.read("port", config.port);
    server.read("http_port", config.http_port);
    server.read("irc_port", config.irc_port);
    server.read("allowed_origins", config.allowed_origins);
    server.read("data_dir", data_dir);
    server.read("threads", config.threads);
    server.read("log_level", config.log_level);
    server.read("registration", registration);
    server.read("channel_creation", channel_creation);
    server.reject_unknown();
    config.data_dir = data_dir;
    if (registration != "open" && registration != "closed")
        throw ConfigError("[server] registration must be \"open\" or \"closed\"");
    config.registration_open = registration == "open";
    config.limits.channel_creation = parse_channel_creation(channel_creation);

    TableReader storage(root, "storage");
    std::string sync = config.sync_full ? "full" : "normal";
    storage.read("sync", sync);
    storage.reject_unknown();
    if (sync != "normal" && sync != "full")
        throw ConfigError("[storage] sync must be \"normal\" or \"full\"");
    config.sync_full = sync == "full";

    TableReader limits(root, "limits");
    auto& l = config.limits;
    double idle_seconds = std::chrono::duration<double>(l.idle_timeout).count();
    double login_seconds = std::chrono::duration<double>(l.login_timeout).count();
    limits.read("max_frame_bytes", l.max_frame_bytes);
    limits.read("max_text_bytes", l.max_text_bytes);
    limits.read("max_channels_per_user", l.max_channels_per_user);
    limits.read("max_connections_per_address", l.max_connections_per_address);
    limits.read("messages_per_second", l.messages_per_second);
    limits.read("message_burst", l.message_burst);
    limits.read("rate_limit_strikes", l.rate_limit_strikes);
    limits.read("idle_timeout", idle_seconds);
    limits.read("login_timeout", login_seconds);
    limits.read("send_queue_bytes", l.send_queue_bytes);
    limits.read("failed_logins_per_minute", l.failed_logins_per_minute);
    limits.read("history_on_join", l.history_on_join);
    limits.read("max_channels", l.max_channels);
    limits.read("channels_created_per_minute", l.channels_created_per_minute);
    limits.read("channel_creation_burst", l.channel_creation_burst);
    limits.reject_unknown();
    l.idle_timeout = timeout_from_seconds("idle_timeout", idle_seconds);
    l.login_timeout = timeout_from_seconds("login_timeout", login_seconds);

    TableReader passwords(root, "passwords");
    std::size_t memory_kib = config.password.mem_bytes / 1024;
    passwords.read("argon2_ops", config.password.ops);
    passwords.read("argon2_memory_kib", memory_kib);
    passwords.reject_unknown();
    config.password.mem_bytes = memory_kib * 1024;
}

}  // namespace

void apply_config_file(Config& config, const std::filesystem::path& file) {
    toml::table root;
    try {
        root = toml::parse_file(file.string());
    } catch (const toml::parse_error& e) {
        throw parse_failure(file.string(), e);
    }
    apply_table(config, root, file.string());
}

void apply_config_text(Config& config, std::string_view toml, std::string_view source) {
    toml::table root;
    try {
        root = toml::parse(toml, source);
    } catch (const toml::parse_error& e) {
        throw parse_failure(source, e);
    }
    apply_table(config, root, source);
}

core::ChannelCreation parse_channel_creation(std::string_view text) {
    using core::ChannelCreation;
    for (auto policy :
         {ChannelCreation::open, ChannelCreation::registered, ChannelCreation::admins})
        if (text == channel_creation_name(policy)) return policy;
    throw ConfigError("channel_creation must be \"open\", \"registered\" or \"admins\"");
}

std::string_view channel_creation_name(core::ChannelCreation policy) {
    switch (policy) {
        case core::ChannelCreation::registered:
            return "registered";
        case core::ChannelCreation::admins:
            return "admins";
        case core::ChannelCreation::open:
            break;
    }
    return "open";
}

std::chrono::milliseconds timeout_from_seconds(std::string_view name, double seconds) {
    constexpr double kMinSeconds = 0.2;
    constexpr double kMaxSeconds = 24 * 60 * 60;
    if (!(seconds >= kMinSeconds && seconds <= kMaxSeconds)) {
        throw ConfigError(fmt::format("{} must be between 0.2 and 86400 seconds", name));
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

void validate(const Config& config) {
    const auto& l = config.limits;
    if (l.max_frame_bytes < 256) throw ConfigError("max_frame_bytes must be at least 256");
    if (l.max_text_bytes < 1 || l.max_text_bytes > 4096)
        throw ConfigError("max_text_bytes must be 1 to 4096 (PROTOCOL.md)");
    if (l.max_text_bytes + 256 > l.max_frame_bytes)
        throw ConfigError("max_frame_bytes must leave room for a full text (max_text_bytes + 256)");
    if (l.max_channels_per_user < 1) throw ConfigError("max_channels_per_user must be at least 1");
    if (l.max_connections_per_address < 1)
        throw ConfigError("max_connections_per_address must be at least 1");
    if (!(l.messages_per_second > 0) || !(l.message_burst >= 1))
        throw ConfigError("messages_per_second must be > 0 and message_burst >= 1");
    if (l.rate_limit_strikes < 1) throw ConfigError("rate_limit_strikes must be at least 1");
    if (l.idle_timeout < std::chrono::milliseconds(200))
        throw ConfigError("idle_timeout must be at least 0.2 seconds");
    if (l.login_timeout < std::chrono::milliseconds(200))
        throw ConfigError("login_timeout must be at least 0.2 seconds");
    if (l.send_queue_bytes < 4096) throw ConfigError("send_queue_bytes must be at least 4096");
    if (!(l.failed_logins_per_minute > 0))
        throw ConfigError("failed_logins_per_minute must be > 0");
    if (l.history_on_join > l.history_page_max)
        throw ConfigError("history_on_join must be at most 200");
    if (l.max_channels < 1) throw ConfigError("max_channels must be at least 1");
    if (!(l.channels_created_per_minute > 0) || !(l.channel_creation_burst >= 1))
        throw ConfigError("channels_created_per_minute must be > 0 and channel_creation_burst >= 1"
        );
    if (config.password.ops < 1 || config.password.mem_bytes < 8 * 1024)
        throw ConfigError("argon2 needs ops >= 1 and at least 8 KiB");
    static const std::set<std::string> kLevels{"trace", "debug", "info", "warn", "error", "off"};
    if (!kLevels.contains(config.log_level))
        throw ConfigError("log_level must be one of trace, debug, info, warn, error, off");
}

}  // namespace salon::app
