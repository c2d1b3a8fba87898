// Abuse limits that must hold against a determined client: the failed-login budget under
// parallel guessing.
#include <gtest/gtest.h>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

/// How many lines of `log` contain `needle`.
int count_lines(const std::string& log, std::string_view needle) {
    int count = 0;
    for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1))
        ++count;
    return count;
}

// ---------------------------------------------------------------------------------------------
// The failed-login budget

TEST(LoginThrottleE2e, ParallelGuessesAreCheckedOnlyUpToTheBudget) {
    // 5 a minute: one attempt comes back every 12 s, longer than the test takes.
    constexpr int kBudget = 5;
    ServerProcess server({.extra_args = {"--failed-logins-per-minute", "5"}, .data_dir = {}});
    register_user(*connect_tcp(server), "ann");

    // Every guess is on the wire before the first answer: the server sees them in parallel.
    constexpr int kGuesses = 100;
    std::vector<std::unique_ptr<LineClient>> guessers;
    for (int i = 0; i < kGuesses; ++i) guessers.push_back(connect_tcp(server));
    int guess = 0;
    for (auto& guesser : guessers) {
        send(*guesser, "CONN", {{"us", "ann"}, {"pwd", "guess-" + std::to_string(guess++)}});
    }
    int checked = 0;
    int refused = 0;
    for (auto& guesser : guessers) {
        const auto code = no_code(reply(*guesser, std::chrono::seconds(30)));
        if (code == "bad_credentials") {
            ++checked;
        } else if (code == "rate_limited") {
            ++refused;
        } else {
            ADD_FAILURE() << code;
        }
    }
    EXPECT_EQ(checked, kBudget);
    EXPECT_EQ(refused, kGuesses - kBudget);
    EXPECT_EQ(count_lines(server.log(), "failed login"), kBudget) << "password checks run";
    // The budget is spent: the right password waits too.
    EXPECT_EQ(call_no(*guessers[0], "CONN", {{"us", "ann"}, {"pwd", kPassword}}), "rate_limited");
}

TEST(LoginThrottleE2e, ARightPasswordIsNotChargedToTheBudget) {
    ServerProcess server({.extra_args = {"--failed-logins-per-minute", "2"}, .data_dir = {}});
    register_user(*connect_tcp(server), "ann");
    for (int i = 0; i < 4; ++i) login(*connect_tcp(server), "ann", kPassword);
    auto guesser = connect_tcp(server);
    EXPECT_EQ(call_no(*guesser, "CONN", {{"us", "ann"}, {"pwd", "guess-1"}}), "bad_credentials");
    EXPECT_EQ(call_no(*guesser, "CONN", {{"us", "ann"}, {"pwd", "guess-2"}}), "bad_credentials");
    EXPECT_EQ(call_no(*guesser, "CONN", {{"us", "ann"}, {"pwd", "guess-3"}}), "rate_limited");
}

}  // namespace
}  // namespace salon::test
