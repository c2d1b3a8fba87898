#include "server/login_throttle.hpp"

#include <algorithm>

namespace salon::server {

LoginThrottle::LoginThrottle(const core::Clock& clock, double failures_per_minute)
    : clock_(clock),
      failures_(
          failures_per_minute / 60.0, std::max(1.0, failures_per_minute), kMaxTrackedAddresses
      ) {}

bool LoginThrottle::try_reserve(const std::string& address) {
    const auto now = clock_.steady_now();
    std::lock_guard lock(mutex_);
    return failures_.try_take(address, now);
}

void LoginThrottle::give_back(const std::string& address) {
    const auto now = clock_.steady_now();
    std::lock_guard lock(mutex_);
    failures_.give_back(address, now);
}

}  // namespace salon::server
