// What every fuzz target uses to state an invariant: a broken one aborts, so libFuzzer keeps the
// input as a crash and prints the message.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace salon::fuzz {

inline void check(bool holds, std::string_view invariant) {
    if (holds) return;
    std::fprintf(
        stderr, "invariant broken: %.*s\n", static_cast<int>(invariant.size()), invariant.data()
    );
    std::abort();
}

}  // namespace salon::fuzz
