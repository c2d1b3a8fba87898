// Local-time formatting of the protocol's timestamps.
#include "client/timestamp.hpp"

#include <array>
#include <chrono>
#include <ctime>

namespace salon::client {
namespace {

std::tm local_tm(core::UnixMillis ms) {
    const auto seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    std::tm tm{};
    localtime_r(&seconds, &tm);
    return tm;
}

}  // namespace

// strftime with literal patterns, so that -Wformat=2 can check them.
std::string format_local_hms(core::UnixMillis ms) {
    const std::tm tm = local_tm(ms);
    std::array<char, 16> buf{};
    return std::string(buf.data(), std::strftime(buf.data(), buf.size(), "%H:%M:%S", &tm));
}

std::string format_local_date(core::UnixMillis ms) {
    const std::tm tm = local_tm(ms);
    std::array<char, 16> buf{};
    return std::string(buf.data(), std::strftime(buf.data(), buf.size(), "%Y-%m-%d", &tm));
}

std::string format_local_day(core::UnixMillis ms) {
    const std::tm tm = local_tm(ms);
    std::array<char, 64> buf{};
    std::string day(buf.data(), std::strftime(buf.data(), buf.size(), "%A %d %B %Y", &tm));
    if (day.size() > 1 && day[day.find(' ') + 1] == '0') day.erase(day.find(' ') + 1, 1);
    return day;
}

}  // namespace salon::client
