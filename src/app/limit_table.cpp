#include "app/limit_table.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>

namespace salon::app {
namespace {

using core::Limits;

constexpr Limits kDefaults{};

/// Indexed by the value of core::ChannelCreation.
constexpr std::array<std::string_view, 3> kChannelCreationNames{"open", "registered", "admins"};

/// PROTOCOL.md bounds a message text to 1-4096 bytes.
constexpr double kProtocolMaxTextBytes = 4096;

// Flags and keys are what scripts and files already use: never rename one.
constexpr std::array kTable{
    LimitSpec{
        .section = "limits",
        .key = "max_frame_bytes",
        .flag = "--max-frame-bytes",
        .field = &Limits::max_frame_bytes,
        .unit = LimitUnit::bytes,
        .min = 256,
        .description = "longest frame, line ending excluded; a longer one gets `line_too_long` "
                       "and the close; at least `max_text_bytes` + 256",
    },
    LimitSpec{
        .section = "limits",
        .key = "max_text_bytes",
        .flag = "--max-text-bytes",
        .field = &Limits::max_text_bytes,
        .unit = LimitUnit::bytes,
        .min = 1,
        .max = kProtocolMaxTextBytes,
        .description = "longest text of a message, a topic or an away message",
    },
    LimitSpec{
        .section = "limits",
        .key = "max_channels_per_user",
        .flag = "--max-channels-per-user",
        .field = &Limits::max_channels_per_user,
        .unit = LimitUnit::count,
        .min = 1,
        .description = "channels one user may be in at once (`too_many_channels`)",
    },
    LimitSpec{
        .section = "limits",
        .key = "max_connections_per_address",
        .flag = "--max-connections-per-address",
        .field = &Limits::max_connections_per_address,
        .unit = LimitUnit::count,
        .min = 1,
        .description = "simultaneous connections from one IP address; more are refused at accept",
    },
    LimitSpec{
        .section = "limits",
        .key = "messages_per_second",
        .flag = "--messages-per-second",
        .field = &Limits::messages_per_second,
        .unit = LimitUnit::per_second,
        .min = 0,
        .min_exclusive = true,
        .description = "request rate per connection (token bucket)",
    },
    LimitSpec{
        .section = "limits",
        .key = "message_burst",
        .flag = "--message-burst",
        .field = &Limits::message_burst,
        .unit = LimitUnit::count,
        .min = 1,
        .description = "requests allowed in a burst above that rate",
    },
    LimitSpec{
        .section = "limits",
        .key = "rate_limit_strikes",
        .flag = "--rate-limit-strikes",
        .field = &Limits::rate_limit_strikes,
        .unit = LimitUnit::count,
        .min = 1,
        .description = "`rate_limited` answers in a row before the connection is closed",
    },
    LimitSpec{
        .section = "limits",
        .key = "idle_timeout",
        .flag = "--idle-timeout",
        .field = &Limits::idle_timeout,
        .unit = LimitUnit::seconds,
        .min = 0.2,
        .max = 24 * 60 * 60,
        .description = "silence before the close, with a PING at half of it; only complete "
                       "frames break a silence",
    },
    LimitSpec{
        .section = "limits",
        .key = "login_timeout",
        .flag = "--login-timeout",
        .field = &Limits::login_timeout,
        .unit = LimitUnit::seconds,
        .min = 0.2,
        .max = 24 * 60 * 60,
        .description = "time from connecting to logging in; then `NOTICE login_timeout` and the "
                       "close (answering PINGs does not extend it)",
    },
    LimitSpec{
        .section = "limits",
        .key = "send_queue_bytes",
        .flag = "--send-queue-bytes",
        .field = &Limits::send_queue_bytes,
        .unit = LimitUnit::bytes,
        .min = 4096,
        .description = "queued bytes before a client that does not read is dropped with "
                       "`send_queue_full` (only events from others count; replies never do); a "
                       "quarter of it bounds a bulk reply: a `HISTORY` page or event, a `LIST` "
                       "page, a page of waiting DMs",
    },
    LimitSpec{
        .section = "limits",
        .key = "failed_logins_per_minute",
        .flag = "--failed-logins-per-minute",
        .field = &Limits::failed_logins_per_minute,
        .unit = LimitUnit::per_minute,
        .min = 0,
        .min_exclusive = true,
        .description = "failed logins for one account from one address before further attempts "
                       "at it get `rate_limited`",
    },
    LimitSpec{
        .section = "limits",
        .key = "failed_logins_per_address_per_minute",
        .flag = "--failed-logins-per-address-per-minute",
        .field = &Limits::failed_logins_per_address_per_minute,
        .unit = LimitUnit::per_minute,
        .min = 0,
        .min_exclusive = true,
        .description = "failed logins for any accounts from one address before every attempt "
                       "from it gets `rate_limited`",
    },
    LimitSpec{
        .section = "limits",
        .key = "history_on_join",
        .flag = "--history-on-join",
        .field = &Limits::history_on_join,
        .unit = LimitUnit::count,
        .max = static_cast<double>(kDefaults.history_page_max),
        .description = "messages in the `HISTORY` event after a join; at most one `HISTORY` page",
    },
    LimitSpec{
        .section = "server",
        .key = "channel_creation",
        .flag = "--channel-creation",
        .field = &Limits::channel_creation,
        .unit = LimitUnit::choice,
        .choices = kChannelCreationNames,
        .description = "who may create channels: `open` (anyone; a guest's channels are "
                       "temporary), `registered`, `admins` (see Channels below)",
    },
    LimitSpec{
        .section = "limits",
        .key = "max_channels",
        .flag = "--max-channels",
        .field = &Limits::max_channels,
        .unit = LimitUnit::count,
        .min = 1,
        .description = "channels the server holds at most; creating more is `too_many_channels`",
    },
    LimitSpec{
        .section = "limits",
        .key = "channels_created_per_minute",
        .flag = "--channels-created-per-minute",
        .field = &Limits::channels_created_per_minute,
        .unit = LimitUnit::per_minute,
        .min = 0,
        .min_exclusive = true,
        .description = "new channels per address and per registered account (`rate_limited`; "
                       "administrators are not counted)",
    },
    LimitSpec{
        .section = "limits",
        .key = "channel_creation_burst",
        .flag = "--channel-creation-burst",
        .field = &Limits::channel_creation_burst,
        .unit = LimitUnit::count,
        .min = 1,
        .description = "new channels allowed at once above that rate",
    },
    LimitSpec{
        .section = "limits",
        .key = "token_ttl_days",
        .flag = "--token-ttl-days",
        .field = &Limits::token_ttl_days,
        .unit = LimitUnit::days,
        .min = 0,
        .min_exclusive = true,
        .max = 3650,
        .description = "how long a session token (`TOKEN`) stays valid after it was made or last "
                       "used to log in; fractions of a day are allowed",
    },
};

template <typename... F>
struct Overloaded : F... {
    using F::operator()...;
};

// Spelled out for clang before 17, which does not deduce an aggregate's template arguments.
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

double as_number(const LimitValue& value) {
    if (const auto* count = std::get_if<std::size_t>(&value)) return static_cast<double>(*count);
    if (const auto* number = std::get_if<double>(&value)) return *number;
    return 0;
}

bool in_range(const LimitSpec& spec, double value) {
    const bool above_min = spec.min_exclusive ? value > spec.min : value >= spec.min;
    return above_min && value <= spec.max;  // false for NaN
}

std::string_view unit_name(LimitUnit unit) {
    switch (unit) {
        case LimitUnit::bytes:
            return "bytes";
        case LimitUnit::count:
            return "count";
        case LimitUnit::per_second:
            return "per second";
        case LimitUnit::per_minute:
            return "per minute";
        case LimitUnit::seconds:
            return "seconds";
        case LimitUnit::days:
            return "days";
        case LimitUnit::choice:
            break;
    }
    return "choice";
}

/// "1 to 4096", "at least 256", "> 0": what range_error() and the docs say is allowed.
std::string range_text(const LimitSpec& spec, std::string_view to, std::string_view at_least) {
    if (std::isinf(spec.max)) {
        return spec.min_exclusive ? fmt::format("> {}", spec.min)
                                  : fmt::format("{}{}", at_least, spec.min);
    }
    return fmt::format("{}{}{}", spec.min, to, spec.max);
}

/// "idle_timeout must be 0.2 to 86400 seconds".
std::string out_of_range(const LimitSpec& spec) {
    const auto range = range_text(spec, " to ", "at least ");
    if (spec.unit == LimitUnit::seconds)
        return fmt::format("{} must be {} seconds", spec.key, range);
    return fmt::format("{} must be {}", spec.key, range);
}

std::string spelled(const LimitValue& value) {
    return std::visit([](const auto& v) { return fmt::format("{}", v); }, value);
}

/// The word after the flag in the docs: N for a whole number, X for any number, S for seconds,
/// the choices for a name.
std::string placeholder(const LimitSpec& spec) {
    if (spec.unit == LimitUnit::choice) return fmt::format("{}", fmt::join(spec.choices, "\\|"));
    if (spec.unit == LimitUnit::seconds) return "S";
    return std::holds_alternative<std::size_t core::Limits::*>(spec.field) ? "N" : "X";
}

}  // namespace

std::span<const LimitSpec> limit_table() {
    return kTable;
}

LimitValue limit_value(const LimitSpec& spec, const core::Limits& limits) {
    return std::visit(
        Overloaded{
            [&](std::size_t Limits::*m) -> LimitValue { return limits.*m; },
            [&](double Limits::*m) -> LimitValue { return limits.*m; },
            [&](std::chrono::milliseconds Limits::*m) -> LimitValue {
                return std::chrono::duration<double>(limits.*m).count();
            },
            [&](core::ChannelCreation Limits::*m) -> LimitValue {
                return std::string(spec.choices[static_cast<std::size_t>(limits.*m)]);
            },
        },
        spec.field
    );
}

std::optional<std::string> set_limit_value(
    const LimitSpec& spec, core::Limits& limits, const LimitValue& value
) {
    return std::visit(
        Overloaded{
            [&](std::size_t Limits::*m) -> std::optional<std::string> {
                limits.*m = std::get<std::size_t>(value);
                return std::nullopt;
            },
            [&](double Limits::*m) -> std::optional<std::string> {
                limits.*m = std::get<double>(value);
                return std::nullopt;
            },
            [&](std::chrono::milliseconds Limits::*m) -> std::optional<std::string> {
                // Checked before the conversion: 1e300 seconds must not wrap into a valid count.
                const double seconds = std::get<double>(value);
                if (!in_range(spec, seconds)) return out_of_range(spec);
                limits.*m = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
                return std::nullopt;
            },
            [&](core::ChannelCreation Limits::*m) -> std::optional<std::string> {
                const auto& name = std::get<std::string>(value);
                for (std::size_t i = 0; i < spec.choices.size(); ++i) {
                    if (spec.choices[i] == name) {
                        limits.*m = static_cast<core::ChannelCreation>(i);
                        return std::nullopt;
                    }
                }
                return fmt::format("{} must be one of {}", spec.key, fmt::join(spec.choices, ", "));
            },
        },
        spec.field
    );
}

std::optional<std::string> range_error(const LimitSpec& spec, const core::Limits& limits) {
    if (spec.unit == LimitUnit::choice) return std::nullopt;  // an enum holds only its names
    if (in_range(spec, as_number(limit_value(spec, limits)))) return std::nullopt;
    return out_of_range(spec);
}

std::string_view channel_creation_name(core::ChannelCreation policy) {
    return kChannelCreationNames.at(static_cast<std::size_t>(policy));
}

std::string limit_help(const LimitSpec& spec) {
    std::string help(spec.description);
    std::erase(help, '`');
    if (spec.unit == LimitUnit::count || spec.unit == LimitUnit::choice) return help;
    return fmt::format("{} [{}]", help, unit_name(spec.unit));
}

std::string limits_markdown() {
    std::string out =
        "| flag | TOML | default | unit | allowed | meaning |\n"
        "|---|---|---|---|---|---|\n";
    for (const auto& spec : kTable) {
        const std::string allowed = spec.unit == LimitUnit::choice
                                        ? fmt::format("`{}`", fmt::join(spec.choices, "`, `"))
                                        : range_text(spec, "–", "≥ ");
        out += fmt::format(
            "| `{} {}` | `[{}] {}` | `{}` | {} | {} | {} |\n",
            spec.flag,
            placeholder(spec),
            spec.section,
            spec.key,
            spelled(limit_value(spec, kDefaults)),
            unit_name(spec.unit),
            allowed,
            spec.description
        );
    }
    return out;
}

}  // namespace salon::app
