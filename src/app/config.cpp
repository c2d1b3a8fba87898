#include "app/config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <set>
#include <utility>

#include "app/limit_table.hpp"
#include "core/names.hpp"

namespace salon::app {
namespace {

/// What a native frame carries besides its text (verb, ref, channel name, JSON syntax): the
/// frame limit must leave this much room above the text limit.
constexpr std::size_t kFrameHeadroomBytes = 256;

/// Longest time between retention's pruning rounds: a day.
constexpr std::int64_t kMaxRetentionIntervalSeconds = 24 * 60 * 60;

/// What is wrong with a file, one line per problem, each with the line it stands on: a check
/// goes on past the first so that one run lists everything to fix.
class Problems {
public:
    explicit Problems(std::string_view source) : source_(source) {}

    void add(const toml::node* node, std::string_view message) {
        const auto line = node == nullptr ? 0 : node->source().begin.line;
        problems_.emplace_back(
            line,
            line == 0 ? fmt::format("{}: {}", source_, message)
                      : fmt::format("{} line {}: {}", source_, line, message)
        );
    }

    /// @throws ConfigError naming every problem in the order of the file, when there is one
    void throw_if_any() {
        if (problems_.empty()) return;
        std::ranges::stable_sort(problems_, {}, &std::pair<toml::source_index, std::string>::first);
        std::string text;
        for (const auto& [line, message] : problems_) {
            if (!text.empty()) text += '\n';
            text += message;
        }
        throw ConfigError(text);
    }

private:
    std::string_view source_;
    std::vector<std::pair<toml::source_index, std::string>> problems_;
};

/// Reads one TOML table's keys into the config, remembering which keys it knew.
class TableReader {
public:
    TableReader(const toml::table& root, std::string_view section, Problems& problems)
        : section_(section), problems_(problems) {
        if (const auto* node = root.get(section)) {
            table_ = node->as_table();
            if (table_ == nullptr)
                problems_.add(node, fmt::format("[{}] must be a table", section));
        }
    }

    /// Reads `key` into `target` if the table has it; says whether it did. A value of the wrong
    /// type is a problem, and `target` keeps its value.
    template <typename T>
    bool read(std::string_view key, T& target) {
        known_.insert(std::string(key));
        const toml::node* node = find(key);
        if (node == nullptr) return false;
        // Types are checked strictly: toml++ would read `true` as 1 and 70000 into a uint16_t.
        if constexpr (std::is_same_v<T, std::string>) {
            if (node->is_string()) {
                target = *node->value<std::string>();
                return true;
            }
        } else if constexpr (std::is_same_v<T, bool>) {
            if (node->is_boolean()) {
                target = *node->value<bool>();
                return true;
            }
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            if (const auto* array = node->as_array();
                array && (array->empty() || array->is_homogeneous<std::string>())) {
                target.clear();
                for (const auto& item : *array) target.push_back(*item.value<std::string>());
                return true;
            }
        } else if constexpr (std::is_floating_point_v<T>) {
            if (node->is_number()) {
                target = static_cast<T>(*node->value<double>());
                return true;
            }
        } else {
            if (node->is_integer()) {
                const auto v = *node->value<std::int64_t>();
                if (v >= 0 && std::in_range<T>(v)) {
                    target = static_cast<T>(v);
                    return true;
                }
            }
        }
        problems_.add(
            node, fmt::format("[{}] {} has the wrong type or a value out of range", section_, key)
        );
        return false;
    }

    /// Reads a string that must be one of `allowed`.
    void read_choice(
        std::string_view key, std::string& target, std::initializer_list<std::string_view> allowed
    ) {
        std::string value = target;
        if (!read(key, value)) return;
        if (std::ranges::find(allowed, value) == allowed.end()) {
            problems_.add(
                find(key),
                fmt::format("[{}] {} must be one of {}", section_, key, fmt::join(allowed, ", "))
            );
            return;
        }
        target = value;
    }

    /// Reads the limits of the table whose section this is.
    void read_limits(core::Limits& limits) {
        for (const auto& spec : limit_table()) {
            if (spec.section != section_) continue;
            auto value = limit_value(spec, limits);
            if (!std::visit([&](auto& v) { return read(spec.key, v); }, value)) continue;
            auto error = set_limit_value(spec, limits, value);
            // The range too, so that the problem is told with its line.
            if (!error) error = range_error(spec, limits);
            if (error) problems_.add(find(spec.key), fmt::format("[{}] {}", section_, *error));
        }
    }

    /// The value of `key` as it is, for a caller that checks it; nullptr when the table has none.
    const toml::node* take(std::string_view key) {
        known_.insert(std::string(key));
        return find(key);
    }

    void reject_unknown() const {
        if (table_ == nullptr) return;
        for (const auto& [key, value] : *table_) {
            if (!known_.contains(std::string(key.str()))) {
                problems_.add(
                    &value, fmt::format("[{}] has no setting named '{}'", section_, key.str())
                );
            }
        }
    }

private:
    const toml::node* find(std::string_view key) const {
        return table_ == nullptr ? nullptr : table_->get(key);
    }

    std::string_view section_;
    Problems& problems_;
    const toml::table* table_ = nullptr;
    std::set<std::string> known_;
};

/// Reads a number of days kept (0: forever) from `node`; nullopt, with a problem, when it is
/// not one. `what` names the setting in the problem.
std::optional<unsigned> retention_days(
    const toml::node& node, std::string_view what, Problems& problems
) {
    const auto value = node.is_integer() ? node.value<std::int64_t>() : std::nullopt;
    if (!value || *value < 0 || *value > core::Retention::kMaxDays) {
        problems.add(
            &node,
            fmt::format(
                "[retention] {} must be a number of days from 0 (keep forever) to {}",
                what,
                core::Retention::kMaxDays
            )
        );
        return std::nullopt;
    }
    return static_cast<unsigned>(*value);
}

/// The [retention] section: days for every conversation, for direct messages, per channel, and
/// the time between pruning rounds.
void read_retention(const toml::table& root, core::Retention& retention, Problems& problems) {
    TableReader reader(root, "retention", problems);
    if (const toml::node* days = reader.take("days")) {
        if (const auto value = retention_days(*days, "days", problems)) retention.days = *value;
    }
    if (const toml::node* days = reader.take("direct_days")) {
        if (const auto value = retention_days(*days, "direct_days", problems))
            retention.direct_days = *value;
    }
    if (const toml::node* node = reader.take("channels")) {
        const toml::table* channels = node->as_table();
        if (channels == nullptr) problems.add(node, "[retention] channels must be a table");
        static const toml::table kNone;
        for (const auto& [key, value] : channels != nullptr ? *channels : kNone) {
            const auto channel = core::ChannelName::parse(key.str());
            if (!channel) {
                problems.add(
                    &value,
                    fmt::format("[retention] channels: '{}' is not a channel name", key.str())
                );
                continue;
            }
            const auto what = fmt::format("channels.\"{}\"", key.str());
            if (const auto days = retention_days(value, what, problems))
                retention.channel_days[channel->str()] = *days;
        }
    }
    if (const toml::node* node = reader.take("interval_seconds")) {
        const auto seconds = node->is_integer() ? node->value<std::int64_t>() : std::nullopt;
        if (!seconds || *seconds < 1 || *seconds > kMaxRetentionIntervalSeconds) {
            problems.add(
                node,
                fmt::format(
                    "[retention] interval_seconds must be from 1 to {}",
                    kMaxRetentionIntervalSeconds
                )
            );
        } else {
            retention.interval = std::chrono::seconds(*seconds);
        }
    }
    reader.reject_unknown();
}

ConfigError parse_failure(std::string_view source, const toml::parse_error& e) {
    return ConfigError(
        e.source().begin.line == 0
            ? fmt::format("{}: {}", source, e.description())
            : fmt::format("{} line {}: {}", source, e.source().begin.line, e.description())
    );
}

/// Applies a parsed file; `source` names it in errors.
void apply_table(Config& config, const toml::table& root, std::string_view source) {
    Problems problems(source);
    for (const auto& [key, value] : root) {
        static const std::set<std::string> kSections{
            "server", "storage", "limits", "passwords", "tls", "retention"};
        if (!kSections.contains(std::string(key.str()))) {
            problems.add(&value, fmt::format("unknown section or key '{}'", key.str()));
        }
    }

    TableReader server(root, "server", problems);
    std::string data_dir = config.data_dir.string();
    std::string registration = config.registration_open ? "open" : "closed";
    server.read("server_name", config.server_name);
    server.read("server_description", config.server_description);
    server.read("bind", config.bind);
    server.read("port", config.port);
    server.read("http_port", config.http_port);
    server.read("irc_port", config.irc_port);
    server.read("allowed_origins", config.allowed_origins);
    server.read("data_dir", data_dir);
    server.read("threads", config.threads);
    server.read("log_level", config.log_level);
    server.read_choice("registration", registration, {"open", "closed"});
    server.read_limits(config.limits);
    server.reject_unknown();
    config.data_dir = data_dir;
    config.registration_open = registration == "open";

    TableReader storage(root, "storage", problems);
    std::string sync = config.sync_full ? "full" : "normal";
    storage.read_choice("sync", sync, {"normal", "full"});
    storage.reject_unknown();
    config.sync_full = sync == "full";

    TableReader limits(root, "limits", problems);
    limits.read_limits(config.limits);
    limits.reject_unknown();

    TableReader passwords(root, "passwords", problems);
    std::size_t memory_kib = config.password.mem_bytes / 1024;
    passwords.read("argon2_ops", config.password.ops);
    passwords.read("argon2_memory_kib", memory_kib);
    passwords.reject_unknown();
    config.password.mem_bytes = memory_kib * 1024;

    TableReader tls(root, "tls", problems);
    std::string certificate = config.tls.certificate.string();
    std::string key = config.tls.key.string();
    tls.read("certificate", certificate);
    tls.read("key", key);
    tls.read("port", config.tls.port);
    tls.read("irc_port", config.tls.irc_port);
    tls.read("https_port", config.tls.https_port);
    tls.read("plaintext_logins", config.tls.plaintext_logins);
    tls.reject_unknown();
    config.tls.certificate = certificate;
    config.tls.key = key;

    read_retention(root, config.retention, problems);
    problems.throw_if_any();
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

std::string default_server_name() {
    std::array<char, 256> host{};
    if (gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') return "salond.local";
    std::string name(host.data());
    if (name.find('.') == std::string::npos) name += ".local";
    return name;
}

void validate(const Config& config) {
    std::vector<std::string> problems;
    const auto problem = [&](std::string message) { problems.push_back(std::move(message)); };
    // A host name (letters, digits, '-', '.'), with a dot: IRC clients take a source without one
    // for a nick.
    const std::string& name = config.server_name;
    const bool host_chars = std::ranges::all_of(name, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
    });
    if (name.size() > 63 || !host_chars || name.find('.') == std::string::npos ||
        name.front() == '.' || name.front() == '-')
        problem("server_name must be a host name with a dot, at most 63 bytes");
    if (config.server_description.empty() || config.server_description.size() > 100)
        problem("server_description must be 1 to 100 bytes");
    const auto& l = config.limits;
    for (const auto& spec : limit_table()) {
        if (auto error = range_error(spec, l)) problem(*error);
    }
    if (l.max_text_bytes + kFrameHeadroomBytes > l.max_frame_bytes) {
        problem(fmt::format(
            "max_frame_bytes must leave room for a full text (max_text_bytes + {})",
            kFrameHeadroomBytes
        ));
    }
    if (config.password.ops < 1 || config.password.mem_bytes < 8 * 1024)
        problem("argon2 needs ops >= 1 and at least 8 KiB");
    if (config.tls.certificate.empty() != config.tls.key.empty())
        problem("TLS needs both a certificate (--tls-cert) and its key (--tls-key)");
    static const std::set<std::string> kPlaintextLogins{"", "allow", "loopback", "deny"};
    if (!kPlaintextLogins.contains(config.tls.plaintext_logins))
        problem("plaintext_logins must be one of allow, loopback, deny");
    static const std::set<std::string> kLevels{"trace", "debug", "info", "warn", "error", "off"};
    if (!kLevels.contains(config.log_level))
        problem("log_level must be one of trace, debug, info, warn, error, off");
    if (!problems.empty()) throw ConfigError(fmt::format("{}", fmt::join(problems, "\n")));
}

}  // namespace salon::app
