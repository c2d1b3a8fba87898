// Time, injected: rate limits, idle timeouts and message timestamps read it through Clock so
// that tests can drive time by hand instead of sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace salon::core {

using SteadyTime = std::chrono::steady_clock::time_point;

/// Milliseconds since the Unix epoch, UTC. Stored in the database: never change the unit.
using UnixMillis = std::int64_t;

/// A source of time. Implementations must be safe to call from any thread.
class Clock {
public:
    virtual ~Clock() = default;
    virtual SteadyTime steady_now() const = 0;
    virtual UnixMillis unix_now_ms() const = 0;
};

/// The real clocks.
class SystemClock final : public Clock {
public:
    SteadyTime steady_now() const override { return std::chrono::steady_clock::now(); }

    UnixMillis unix_now_ms() const override {
        using namespace std::chrono;
        return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    }
};

/// RFC 3339 UTC with milliseconds: 2026-11-24T12:00:00.123Z (PROTOCOL.md "ts").
std::string format_timestamp(UnixMillis ms);

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` (also a `+HH:MM`/`-HH:MM` offset) into Unix milliseconds
/// (RFC 3339, read by hand: g++ 12 has no std::chrono::parse).
std::optional<UnixMillis> parse_timestamp(std::string_view text);

}  // namespace salon::core
