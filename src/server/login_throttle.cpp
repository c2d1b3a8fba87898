#include "server/login_throttle.hpp"

#include <algorithm>

namespace salon::server {
namespace {

/// Per minute as a bucket: the rate per second, and a minute's worth at once.
double rate_of(double failures_per_minute) {
    return failures_per_minute / 60.0;
}

double burst_of(double failures_per_minute) {
    return std::max(1.0, failures_per_minute);
}

core::KeyedTokenBuckets per_minute(double failures_per_minute, std::size_t max_keys) {
    return {rate_of(failures_per_minute), burst_of(failures_per_minute), max_keys};
}

/// An account as one address names it. No user name holds an `@`.
std::string account_key(const core::UserName& account, const std::string& address) {
    return account.folded() + '@' + address;
}

}  // namespace

LoginThrottle::LoginThrottle(
    const core::Clock& clock, double failures_per_account_minute, double failures_per_minute
)
    : clock_(clock),
      by_account_(per_minute(failures_per_account_minute, kMaxTrackedKeys)),
      by_address_(per_minute(failures_per_minute, kMaxTrackedKeys)) {}

std::optional<LoginThrottle::Refusal> LoginThrottle::try_reserve(
    const core::UserName& account, const std::string& address
) {
    const auto now = clock_.steady_now();
    const std::string key = account_key(account, address);
    std::lock_guard lock(mutex_);
    if (by_account_.available(key, now) < 1.0) return Refusal::account;
    if (!by_address_.try_take(address, now)) return Refusal::address;
    by_account_.try_take(key, now);
    return std::nullopt;
}

void LoginThrottle::give_back(const core::UserName& account, const std::string& address) {
    const auto now = clock_.steady_now();
    const std::string key = account_key(account, address);
    std::lock_guard lock(mutex_);
    by_account_.give_back(key, now);
    by_address_.give_back(address, now);
}

void LoginThrottle::retune(double failures_per_account_minute, double failures_per_minute) {
    const auto now = clock_.steady_now();
    std::lock_guard lock(mutex_);
    by_account_.retune(
        rate_of(failures_per_account_minute), burst_of(failures_per_account_minute), now
    );
    by_address_.retune(rate_of(failures_per_minute), burst_of(failures_per_minute), now);
}

}  // namespace salon::server
