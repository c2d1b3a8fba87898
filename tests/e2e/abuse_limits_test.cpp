// Abuse limits that must hold against a determined client: the failed-login budgets under
// parallel guessing and spraying, the deadlines on logging in and on completing a frame, and the
// privacy of the database files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// How many lines of `log` contain `needle`.
int count_lines(const std::string& log, std::string_view needle) {
    int count = 0;
    for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1))
        ++count;
    return count;
}

/// The permission bits of `path` (0 when it does not exist).
unsigned mode_of(const fs::path& path) {
    struct stat st {};

    if (::stat(path.c_str(), &st) != 0) return 0;
    return st.st_mode & 07777;
}

/// Sets the process umask for the scope (salond children inherit it).
class ScopedUmask {
public:
    explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}

    ~ScopedUmask() { ::umask(old_); }

    ScopedUmask(const ScopedUmask&) = delete;
    ScopedUmask& operator=(const ScopedUmask&) = delete;

private:
    mode_t old_;
};

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

TEST(LoginThrottleE2e, GuessingOneAccountDoesNotLockOutOthersBehindTheSameAddress) {
    // The defaults: 10 failures a minute per account and address, 100 per address.
    ServerProcess server;
    register_user(*connect_tcp(server), "alice");
    register_user(*connect_tcp(server), "bob");
    auto guesser = connect_tcp(server);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(
            call_no(*guesser, "CONN", {{"us", "alice"}, {"pwd", "guess-" + std::to_string(i)}}),
            "bad_credentials"
        ) << i;
    }
    EXPECT_EQ(call_no(*guesser, "CONN", {{"us", "alice"}, {"pwd", "guess-10"}}), "rate_limited");
    EXPECT_EQ(call_no(*guesser, "CONN", {{"us", "ALICE"}, {"pwd", kPassword}}), "rate_limited");
    // bob, behind the same address (a school's NAT), logs in as usual.
    login(*connect_tcp(server), "bob", kPassword);
}

TEST(LoginThrottleE2e, TheAddressCeilingStopsASprayOverManyAccounts) {
    ServerProcess server(
        {.extra_args = {"--failed-logins-per-address-per-minute", "5"}, .data_dir = {}}
    );
    register_user(*connect_tcp(server), "carol");
    auto sprayer = connect_tcp(server);
    int checked = 0;
    for (int i = 0; i < 8; ++i) {
        const auto code =
            call_no(*sprayer, "CONN", {{"us", "user" + std::to_string(i)}, {"pwd", "guess"}});
        if (code == "bad_credentials") {
            ++checked;
        } else {
            EXPECT_EQ(code, "rate_limited") << i;
        }
    }
    EXPECT_EQ(checked, 5);
    EXPECT_EQ(count_lines(server.log(), "failed login"), 5) << "password checks run";
    // The address's budget is spent for every account, the right password included.
    EXPECT_EQ(call_no(*sprayer, "CONN", {{"us", "carol"}, {"pwd", kPassword}}), "rate_limited");
}

// ---------------------------------------------------------------------------------------------
// Deadlines: a frame must complete, a connection must log in

class Deadlines : public E2e {};

TEST(DeadlinesRaw, AFrameTrickledForeverIsSilenceAndTheConnectionIsClosed) {
    ServerProcess server({.extra_args = {"--idle-timeout", "1"}, .data_dir = {}});
    auto slow = connect_tcp(server);
    login(*slow, "");
    drain(*slow, std::chrono::milliseconds(100));

    // One byte every 100 ms of a frame that never ends: before, every byte was a sign of life.
    slow->send_raw(R"({"SEND":{"channel":"home","text":")");
    const auto start = Clock::now();
    bool closed = false;
    while (!closed && Clock::now() - start < std::chrono::seconds(4)) {
        try {
            slow->send_raw("a");
        } catch (const std::runtime_error&) {
            closed = true;  // the server is gone already
            break;
        }
        closed = slow->closed_by_peer(std::chrono::milliseconds(100));
    }
    const auto took = Clock::now() - start;
    EXPECT_TRUE(closed) << "a trickled frame kept the connection open";
    // The idle timeout (1 s) plus the watchdog's resolution and some scheduling slack.
    EXPECT_LT(took, std::chrono::milliseconds(2500));
}

TEST(DeadlinesRaw, AWebSocketMessageTrickledBetweenPingsIsSilenceToo) {
    ServerProcess server({.extra_args = {"--idle-timeout", "1"}, .data_dir = {}});
    auto slow = connect_ws(server);
    login(*slow, "");
    drain(*slow, std::chrono::milliseconds(100));

    // A fragmented message that never ends, with a control ping after every fragment.
    slow->send_frame(WsClient::kText, R"({"SEND":{"channel":"home","text":")", false);
    const auto start = Clock::now();
    bool closed = false;
    while (!closed && Clock::now() - start < std::chrono::seconds(4)) {
        try {
            slow->send_frame(WsClient::kContinuation, "a", false);
            slow->send_frame(WsClient::kPing, "alive?");
        } catch (const std::runtime_error&) {
            closed = true;
            break;
        }
        closed = slow->closed_by_peer(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(closed) << "pings inside a never-ending message kept the connection open";
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(2500));
}

TEST_P(Deadlines, AConnectionThatOnlyPingsIsToldAndClosedAtTheLoginTimeout) {
    ServerProcess server(
        {.extra_args = {"--login-timeout", "1", "--idle-timeout", "10"}, .data_dir = {}}
    );
    auto idler = open(server);
    const auto start = Clock::now();
    std::optional<Frame> notice;
    // A PING every 200 ms, each answered with OK: before, that held the connection forever.
    while (!notice && !idler->eof() && Clock::now() - start < std::chrono::seconds(4)) {
        send(*idler, "PING");
        const auto next_ping = Clock::now() + std::chrono::milliseconds(200);
        while (!notice && !idler->eof() && Clock::now() < next_ping) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(next_ping - Clock::now());
            auto frame = idler->next(std::max(left, std::chrono::milliseconds(1)));
            if (frame && verb_of(*frame) == "NOTICE") notice = frame;
        }
    }
    ASSERT_TRUE(notice.has_value()) << "pinging kept a connection that never logged in";
    const auto took = Clock::now() - start;
    EXPECT_EQ(str(body_of(*notice), "code"), "login_timeout");
    EXPECT_GE(took, std::chrono::milliseconds(900));
    EXPECT_LT(took, std::chrono::milliseconds(2500));
    EXPECT_TRUE(idler->closed_by_peer(kWait));
}

TEST_P(Deadlines, ALoggedInClientThatAnswersPingsStaysPastBothTimeouts) {
    ServerProcess server(
        {.extra_args = {"--login-timeout", "1", "--idle-timeout", "1"}, .data_dir = {}}
    );
    auto client = open(server);
    login(*client, "");
    const auto start = Clock::now();
    int pings = 0;
    while (Clock::now() - start < std::chrono::seconds(3)) {
        auto frame = client->next(std::chrono::milliseconds(100));
        if (!frame) {
            ASSERT_FALSE(client->eof()) << "closed after " << pings << " PINGs";
            continue;
        }
        EXPECT_NE(verb_of(*frame), "NOTICE") << boost::json::serialize(*frame);
        if (verb_of(*frame) == "PING") {
            ++pings;
            send(*client, "PONG");
        }
    }
    EXPECT_GE(pings, 2);
    call_ok(*client, "PING");
}

INSTANTIATE_TEST_SUITE_P(
    , Deadlines, ::testing::Values(Transport::tcp, Transport::ws), transport_name
);

// ---------------------------------------------------------------------------------------------
// The database is private

TEST(PrivateData, TheDatabaseFilesAreOwnerOnlyWhateverTheUmask) {
    const ScopedUmask umask_022(022);
    ServerProcess server;  // creates salon.db in its data dir, and keeps -wal and -shm open
    register_user(*connect_tcp(server), "ann");
    const auto db = server.data_dir() / "salon.db";
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const fs::path file = db.string() + suffix;
        ASSERT_TRUE(fs::exists(file)) << file;
        EXPECT_EQ(mode_of(file), 0600U) << file;
    }
    EXPECT_EQ(count_lines(server.log(), "open to other users"), 0) << server.log();
}

TEST(PrivateData, AFreshDataDirIsOwnerOnlyWhateverTheUmask) {
    const ScopedUmask umask_022(022);
    const auto parent = make_temp_dir("salon-private");
    const auto dir = parent / "data";
    const auto result = run_salond(
        {"user", "add", "ann", "--data-dir", dir.string()}, std::string(kPassword) + "\n"
    );
    EXPECT_EQ(result.exit_status, 0) << result.output;
    EXPECT_EQ(mode_of(dir), 0700U);
    EXPECT_EQ(mode_of(dir / "salon.db"), 0600U);
    fs::remove_all(parent);
}

TEST(PrivateData, AnExistingDataDirOthersCanReadGetsAWarningAtStart) {
    const auto dir = make_temp_dir("salon-open-dir");
    fs::permissions(dir, fs::perms(0755));
    {
        ServerProcess server({.extra_args = {}, .data_dir = dir});
        const auto log = server.log();
        EXPECT_EQ(count_lines(log, "data dir " + dir.string() + " is open to other users"), 1)
            << log;
        EXPECT_EQ(count_lines(log, "chmod 700 " + dir.string()), 1) << log;
        EXPECT_EQ(count_lines(log, "chmod 600"), 0) << "salon.db itself is private\n" << log;
        EXPECT_EQ(mode_of(dir), 0755U) << "an existing directory keeps its mode";
    }
    fs::remove_all(dir);
}

}  // namespace
}  // namespace salon::test
