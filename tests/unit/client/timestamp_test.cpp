#include "client/timestamp.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "core/clock.hpp"

namespace salon::client {
namespace {

TEST(TimestampTest, ParsesTheProtocolFormat) {
    EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00.000Z"), 0);
    EXPECT_EQ(parse_timestamp("2026-11-24T12:00:00.123Z"), 1795521600123);
    EXPECT_EQ(parse_timestamp("2026-11-24T12:00:00Z"), 1795521600000);
    EXPECT_EQ(parse_timestamp("2026-11-24T13:00:00.5+01:00"), 1795521600500);
}

TEST(TimestampTest, RoundTripsWithCoreFormatting) {
    for (core::UnixMillis ms : {0LL, 1LL, 999LL, 1795521600123LL, 4102444799999LL}) {
        EXPECT_EQ(parse_timestamp(core::format_timestamp(ms)), ms);
    }
}

TEST(TimestampTest, RejectsMalformedText) {
    for (const char* bad :
         {"",
          "2026-11-24",
          "2026-13-01T00:00:00Z",
          "2026-02-30T00:00:00Z",
          "2026-11-24T25:00:00Z",
          "2026-11-24T12:00:00",
          "2026-11-24T12:00:00.Z",
          "2026-11-24T12:00:00Zjunk",
          "x026-11-24T12:00:00Z"}) {
        EXPECT_EQ(parse_timestamp(bad), std::nullopt) << bad;
    }
}

TEST(TimestampTest, FormatsInTheLocalTimeZone) {
    const char* old = std::getenv("TZ");
    const std::string saved = old != nullptr ? old : "";
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    EXPECT_EQ(format_local_hms(1795521600123), "12:00:00");
    EXPECT_EQ(format_local_date(1795521600123), "2026-11-24");
    // The day line's words, irssi style, without a leading zero (C locale in tests).
    EXPECT_EQ(format_local_day(1795521600123), "Tuesday 24 November 2026");
    EXPECT_EQ(format_local_day(1796169600000), "Wednesday 2 December 2026");
    ::setenv("TZ", "Asia/Kolkata", 1);  // +05:30, no daylight saving
    ::tzset();
    EXPECT_EQ(format_local_hms(1795521600123), "17:30:00");
    if (old != nullptr) {
        ::setenv("TZ", saved.c_str(), 1);
    } else {
        ::unsetenv("TZ");
    }
    ::tzset();
}

}  // namespace
}  // namespace salon::client
