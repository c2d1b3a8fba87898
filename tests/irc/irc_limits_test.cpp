// IRC end-to-end: the abuse limits the IRC transport shares with the native one, the failed-login
// budget under parallel SASL guessing and the deadline on registering.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "irc_client.hpp"

namespace salon::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kPassword = "correct-horse-battery-9";

/// How many times `needle` occurs in `text`.
int occurrences(const std::string& text, std::string_view needle) {
    int count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

TEST(IrcLimits, ParallelSaslGuessesAreCheckedOnlyUpToTheBudget) {
    constexpr int kBudget = 3;  // a minute's worth; one comes back every 20 s
    IrcServer server({"--failed-logins-per-minute", "3"});
    const auto added = run_salond(
        {"user", "add", "erin", "--data-dir", server.process().data_dir().string()},
        std::string(kPassword) + "\n"
    );
    ASSERT_EQ(added.exit_status, 0) << added.output;

    auto start_sasl = [&] {
        auto c = std::make_unique<IrcClient>(server.irc_port());
        c->send("CAP REQ sasl");
        c->send("NICK erin");
        c->send("USER erin 0 * :Erin");
        c->send("AUTHENTICATE PLAIN");
        c->wait_for("AUTHENTICATE");
        return c;
    };
    constexpr int kGuesses = 30;
    std::vector<std::unique_ptr<IrcClient>> guessers;
    for (int i = 0; i < kGuesses; ++i) guessers.push_back(start_sasl());
    // Every guess is on the wire before the first answer: the server sees them in parallel.
    int guess = 0;
    for (auto& c : guessers) {
        c->send("AUTHENTICATE " + sasl_plain("erin", "wrong-password-" + std::to_string(guess++)));
    }
    for (auto& c : guessers) c->wait_for("904");
    EXPECT_EQ(occurrences(server.process().log(), "failed SASL authentication"), kBudget)
        << "password checks run";

    // The budget is spent: the right password is refused too, over SASL and over PASS.
    auto right = start_sasl();
    right->send("AUTHENTICATE " + sasl_plain("erin", kPassword));
    right->wait_for("904");
    IrcClient pass(server.irc_port());
    pass.send("PASS " + std::string(kPassword));
    pass.send("NICK erin");
    pass.send("USER erin 0 * :Erin");
    const auto refused = pass.wait_for("400");
    EXPECT_NE(refused.find("too many failed logins"), std::string::npos) << refused;
}

TEST(IrcLimits, AClientThatNeverRegistersIsClosedAtTheLoginTimeoutEvenIfItPings) {
    IrcServer server({"--login-timeout", "1", "--idle-timeout", "10"});
    IrcClient idler(server.irc_port());
    idler.send("NICK halfway");  // no USER: registration never completes
    const auto start = Clock::now();
    std::optional<std::string> error;
    // A PING every 200 ms, each answered with PONG.
    while (!error && Clock::now() - start < std::chrono::seconds(4)) {
        idler.send("PING :still-here");
        const auto next_ping = Clock::now() + std::chrono::milliseconds(200);
        while (!error && Clock::now() < next_ping) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(next_ping - Clock::now());
            const auto line = idler.next(std::max(left, std::chrono::milliseconds(1)));
            if (line && line->starts_with("ERROR ")) error = line;
        }
    }
    ASSERT_TRUE(error.has_value()) << "pinging kept an unregistered client";
    EXPECT_NE(error->find("log in in time"), std::string::npos) << *error;
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(2500));
    EXPECT_TRUE(idler.closed_by_peer());
}

TEST(IrcLimits, EveryChannelOfAJoinLineCostsARequest) {
    // A burst of 10 requests and a slow refill: a line naming 20 channels joins about 10.
    IrcServer server(
        {"--message-burst", "10", "--messages-per-second", "0.5", "--channel-creation-burst", "100"}
    );
    IrcClient c(server.irc_port());
    c.register_as("jo");
    std::string line = "JOIN ";
    constexpr int kChannels = 20;
    for (int i = 0; i < kChannels; ++i) line += (i ? ",#c" : "#c") + std::to_string(i);
    c.send(line);
    int joined = 0;
    int refused = 0;
    while (joined + refused < kChannels) {
        const std::string reply = c.wait_for([](const proto::irc::Message& m) {
            return m.command == "JOIN" || m.command == "NOTICE";
        });
        if (reply.find("rate_limited") != std::string::npos) {
            ++refused;
        } else if (parse_line(reply).command == "JOIN") {
            ++joined;
        }
    }
    EXPECT_GE(joined, 8);
    EXPECT_LE(joined, 11);
    EXPECT_EQ(joined + refused, kChannels);
}

TEST(IrcLimits, ListLargerThanABulkReplyArrivesWholeAsOneList) {
    // A 64 KiB send queue makes a bulk reply 16 KiB: 60 channels with 400-byte topics (each
    // counted at 800 bytes, as JSON escapes its quotes) take four LIST pages.
    IrcServer server(
        {"--send-queue-bytes",
         "65536",
         "--messages-per-second",
         "100000",
         "--message-burst",
         "100000",
         "--channel-creation-burst",
         "1000"}
    );
    const auto added = run_salond(
        {"user", "add", "lister", "--data-dir", server.process().data_dir().string()},
        std::string(kPassword) + "\n"
    );
    ASSERT_EQ(added.exit_status, 0) << added.output;
    IrcClient c(server.irc_port());
    c.register_as("lister", {}, kPassword);
    constexpr int kChannels = 60;
    const std::string topic(400, '"');
    for (int i = 0; i < kChannels; ++i) {
        const std::string name = "#l" + std::to_string(i);
        c.send("JOIN " + name);
        c.send("TOPIC " + name + " :" + topic);
        c.send("PART " + name);
    }
    for (int parted = 0; parted < kChannels;) {
        if (parse_line(c.wait_for("PART")).command == "PART") ++parted;
    }
    c.send("LIST");
    std::vector<std::string> lines;
    c.wait_for("323", &lines);
    int starts = 0;
    int entries = 0;
    for (const auto& line : lines) {
        const auto m = parse_line(line);
        starts += m.command == "321" ? 1 : 0;
        entries += m.command == "322" ? 1 : 0;
    }
    EXPECT_EQ(starts, 1);
    EXPECT_EQ(entries, kChannels);   // IRC clients join no home
    EXPECT_TRUE(c.drain().empty());  // one 323: the list ended once
    c.send("PING :after");
    c.wait_for("PONG");
}

TEST(IrcLimits, AListHoldsAtMost500MasksAndTheNextIs478) {
    IrcServer server({"--messages-per-second", "100000", "--message-burst", "100000"});
    IrcClient op(server.irc_port());
    op.register_as("chanop");
    op.send("JOIN #full");
    op.wait_for("366");
    for (int i = 0; i < 500; i += 4) {
        std::string line = "MODE #full +eeee";
        for (int j = i; j < i + 4; ++j) line += " m" + std::to_string(j) + "!*@*";
        op.send(line);
    }
    op.send("PING :filled");
    std::vector<std::string> replies;
    op.wait_for("PONG", &replies);
    EXPECT_EQ(occurrences(joined(replies), " 478 "), 0) << joined(replies);
    EXPECT_EQ(occurrences(joined(replies), " MODE #full +eeee "), 125);
    op.send("MODE #full +e one-more!*@*");
    const std::string refused = op.wait_for("478");
    EXPECT_NE(refused.find(" 478 chanop #full e :Channel list is full"), std::string::npos)
        << refused;
    // The other lists have room of their own, and taking one off makes room again.
    op.send("MODE #full +b spam*!*@*");
    EXPECT_NE(op.wait_for("MODE").find("+b spam*!*@*"), std::string::npos);
    op.send("MODE #full -e m0!*@*");
    op.wait_for("MODE");
    op.send("MODE #full +e one-more!*@*");
    EXPECT_NE(op.wait_for("MODE").find("+e one-more!*@*"), std::string::npos);
}

}  // namespace
}  // namespace salon::test
