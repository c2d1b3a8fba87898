// server_ban_bench: what the server-wide ban check costs a login that no ban bars, against 1000
// bans of the usual mix and 1000 masks that all start with a wildcard (docs/operations.md).
//   server_ban_bench [CHECKS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/server_ban.hpp"

namespace {

using salon::core::ServerBanList;
using salon::core::ServerBanRule;
using salon::core::ServerBanTarget;

ServerBanRule rule(const std::string& target) {
    auto parsed = ServerBanTarget::parse(target);
    if (!parsed) {
        std::fprintf(stderr, "server_ban_bench: not a ban target: %s\n", target.c_str());
        std::exit(2);
    }
    return {*parsed, {}};
}

/// Nanoseconds per check of `folded` from 203.0.113.1, which no ban of these lists bars.
long long nanoseconds_per_miss(const ServerBanList& list, std::string_view folded, int checks) {
    const auto address = salon::core::parse_ip_address("203.0.113.1");
    int found = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < checks; ++i) found += list.find(folded, address) != nullptr ? 1 : 0;
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (found != 0) std::fprintf(stderr, "server_ban_bench: a ban matched\n");
    return std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count() / checks;
}

}  // namespace

int main(int argc, char** argv) {
    const int checks = argc > 1 ? std::atoi(argv[1]) : 20'000;
    std::vector<ServerBanRule> usual;
    for (int i = 0; i < 400; ++i) usual.push_back(rule("spam" + std::to_string(i) + "*"));
    for (int i = 0; i < 300; ++i) usual.push_back(rule("user" + std::to_string(i)));
    for (int i = 0; i < 300; ++i)
        usual.push_back(
            rule("10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24")
        );
    const ServerBanList usual_list(std::move(usual));
    std::vector<ServerBanRule> worst;
    for (int i = 0; i < 1000; ++i) worst.push_back(rule("*spam" + std::to_string(i) + "*"));
    const ServerBanList worst_list(std::move(worst));
    std::printf(
        "1000 bans (400 spamN*, 300 names, 300 /24 blocks), name 'sam': %lld ns a check\n",
        nanoseconds_per_miss(usual_list, "sam", checks)
    );
    std::printf(
        "1000 bans (400 spamN*, 300 names, 300 /24 blocks), name 'ann': %lld ns a check\n",
        nanoseconds_per_miss(usual_list, "ann", checks)
    );
    std::printf(
        "1000 masks *spamN*, name 'sam': %lld ns a check\n",
        nanoseconds_per_miss(worst_list, "sam", std::max(1, checks / 40))
    );
    return 0;
}
