#include "core/clock.hpp"

#include <fmt/format.h>

namespace salon::core {

std::string format_timestamp(UnixMillis ms) {
    using namespace std::chrono;
    const sys_time<milliseconds> tp{milliseconds{ms}};
    const auto day = floor<days>(tp);
    const year_month_day ymd{day};
    const hh_mm_ss hms{tp - day};
    return fmt::format(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()),
        static_cast<unsigned>(ymd.day()),
        hms.hours().count(),
        hms.minutes().count(),
        hms.seconds().count(),
        hms.subseconds().count()
    );
}

}  // namespace salon::core
