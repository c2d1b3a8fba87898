#include "core/clock.hpp"

#include <gtest/gtest.h>

namespace salon::core {
namespace {

TEST(ClockTest, TimestampsAreRfc3339UtcWithMilliseconds) {
    EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(format_timestamp(1'795'521'600'123), "2026-11-24T12:00:00.123Z");
}

}  // namespace
}  // namespace salon::core
