// The table of operator-tunable limits: one row per field of core::Limits that a flag or a TOML
// key can set. The flags, the file keys, the range checks and the table in
// docs/configuration.md all come from its rows.
#pragma once

#include <chrono>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "core/limits.hpp"

namespace salon::app {

/// What a limit counts, as the docs name it.
enum class LimitUnit { bytes, count, per_second, per_minute, seconds, days, choice };

/// Where a row's value lives in core::Limits. A duration is given in seconds; a choice by name.
using LimitField = std::variant<
    std::size_t core::Limits::*,
    double core::Limits::*,
    std::chrono::milliseconds core::Limits::*,
    core::ChannelCreation core::Limits::*>;

/// A limit as flags and files spell it: a whole number, a number (seconds for a duration), or
/// a name.
using LimitValue = std::variant<std::size_t, double, std::string>;

/// One tunable limit.
struct LimitSpec {
    std::string_view section;  ///< its TOML table, without brackets
    std::string_view key;      ///< its TOML key; also what error messages call it
    std::string_view flag;     ///< its command-line flag, the key with dashes
    LimitField field;
    LimitUnit unit;
    /// The allowed values: [min, max], or (min, max] when `min_exclusive`. Checked by
    /// validate(); a duration also when it is set, since one out of range may not fit.
    double min = 0;
    bool min_exclusive = false;
    double max = std::numeric_limits<double>::infinity();
    /// For a choice, the names of the enum's values in the order of their numbers.
    std::span<const std::string_view> choices = {};
    /// One line for `--help` and the docs; Markdown code spans are shown bare in `--help`.
    std::string_view description;
};

/// Every row, in the order the docs list them.
std::span<const LimitSpec> limit_table();

/// The limit's value in `limits`, as flags and files spell it.
LimitValue limit_value(const LimitSpec& spec, const core::Limits& limits);

/// Sets the limit from its spelling, which must be of the kind limit_value() gives. Returns
/// why it cannot: a name that is not one of the choices, or a duration outside its range.
std::optional<std::string> set_limit_value(
    const LimitSpec& spec, core::Limits& limits, const LimitValue& value
);

/// Why the limit's value in `limits` is outside its range, or nothing when it is inside.
std::optional<std::string> range_error(const LimitSpec& spec, const core::Limits& limits);

/// The policy's name as flags and files spell it.
std::string_view channel_creation_name(core::ChannelCreation policy);

/// The description for `--help`: without Markdown code marks, with the unit.
std::string limit_help(const LimitSpec& spec);

/// The Markdown table of docs/configuration.md's "Limits" section.
std::string limits_markdown();

}  // namespace salon::app
