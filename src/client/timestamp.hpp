// Reading the protocol's RFC 3339 timestamps and showing them in the user's local time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace salon::client {

using core::parse_timestamp;

/// `HH:MM:SS` in the process's local time zone (TZ), as the terminal client shows it.
std::string format_local_hms(core::UnixMillis ms);

/// `YYYY-MM-DD` in the local time zone, for day-change lines.
std::string format_local_date(core::UnixMillis ms);

/// `Monday 30 November 2026` in the local time zone (and LC_TIME), for day-change lines.
std::string format_local_day(core::UnixMillis ms);

}  // namespace salon::client
