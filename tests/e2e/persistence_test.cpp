// What survives a logout, a restart and a crash: memberships, history and acknowledged messages.
#include <gtest/gtest.h>

#include <set>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

class Persistence : public E2e {};

/// Logs in as `us` and returns the channels the JOIN events named (one HISTORY each).
std::set<std::string> rejoined_channels(Connection& conn, std::string_view us) {
    send(conn, "CONN", {{"us", us}, {"pwd", kPassword}});
    conn.expect("OK", kWait);
    std::set<std::string> joined;
    std::set<std::string> histories;
    for (const auto& frame : drain(conn)) {
        if (verb_of(frame) == "JOIN") {
            joined.insert(str(body_of(frame), "channel"));
        } else if (verb_of(frame) == "HISTORY") {
            histories.insert(str(body_of(frame), "channel"));
        }
    }
    EXPECT_EQ(joined, histories);
    return joined;
}

TEST_P(Persistence, RegisteredUsersRejoinTheirChannelsAfterReloginAndRestart) {
    ServerProcess server;
    {
        auto ann = open(server);
        register_user(*ann, "ann");
        for (const auto* channel : {"rust", "cpp", "gone"}) {
            call_ok(*ann, "JOIN", {{"channel", channel}});
        }
        call_ok(*ann, "PART", {{"channel", "gone"}});
        call_ok(*ann, "END");
    }
    const std::set<std::string> expected{"home", "rust", "cpp"};
    {
        auto ann = open(server);
        EXPECT_EQ(rejoined_channels(*ann, "ann"), expected);
        call_ok(*ann, "END");
    }
    ASSERT_EQ(server.stop(SIGTERM), 0) << server.log();
    server.start();
    auto ann = open(server);
    EXPECT_EQ(rejoined_channels(*ann, "ann"), expected);
    // ...and the account itself survived: a wrong password is still wrong.
    auto other = open(server);
    EXPECT_EQ(
        call_no(*other, "CONN", {{"us", "ann"}, {"pwd", "wrong-password-1"}}), "bad_credentials"
    );
}

TEST_P(Persistence, HistorySurvivesARestart) {
    ServerProcess server;
    std::vector<std::pair<std::int64_t, std::string>> sent;
    {
        auto a = open(server);
        register_user(*a, "ann");
        for (int i = 0; i < 5; ++i) {
            const auto text = "kept " + std::to_string(i);
            sent.emplace_back(
                call_ok(*a, "SEND", msg("home", text)).at("id").to_number<std::int64_t>(), text
            );
        }
    }
    ASSERT_EQ(server.stop(SIGTERM), 0) << server.log();
    server.start();
    auto a = open(server);
    login(*a, "ann", kPassword);
    const auto history = call_ok(*a, "HISTORY", {{"channel", "home"}});
    const auto& messages = history.at("messages").as_array();
    ASSERT_EQ(messages.size(), sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        EXPECT_EQ(messages[i].as_object().at("id").to_number<std::int64_t>(), sent[i].first);
        EXPECT_EQ(str(messages[i].as_object(), "text"), sent[i].second);
        EXPECT_EQ(str(messages[i].as_object(), "from"), "ann");
    }
    // New ids continue above the old ones.
    const auto id = call_ok(*a, "SEND", msg("home", "after")).at("id").to_number<std::int64_t>();
    EXPECT_GT(id, sent.back().first);
}

TEST_P(Persistence, HistoryPagesBackwardsExactlyBeforeTheGivenId) {
    ServerProcess server(
        {.extra_args = {"--messages-per-second", "1000", "--message-burst", "1000"}, .data_dir = {}}
    );
    auto a = open(server);
    login(*a, "");
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 60; ++i) {
        send(*a, "SEND", msg("home", "p" + std::to_string(i)));
    }
    for (int i = 0; i < 60; ++i) {
        const auto frame = a->wait_for("OK", kWait);
        ids.push_back(body_of(frame).at("id").to_number<std::int64_t>());
    }
    auto page_ids = [&](boost::json::object args) {
        args["channel"] = "home";
        std::vector<std::int64_t> out;
        const auto page = call_ok(*a, "HISTORY", std::move(args));  // the loop borrows from it
        for (const auto& m : page.at("messages").as_array()) {
            out.push_back(m.as_object().at("id").to_number<std::int64_t>());
        }
        return out;
    };
    auto slice = [&](std::size_t from, std::size_t to) {
        return std::vector<std::int64_t>(
            ids.begin() + static_cast<std::ptrdiff_t>(from),
            ids.begin() + static_cast<std::ptrdiff_t>(to)
        );
    };
    EXPECT_EQ(page_ids({}), slice(10, 60));  // default limit 50, the newest
    EXPECT_EQ(page_ids({{"limit", 10}}), slice(50, 60));
    EXPECT_EQ(page_ids({{"limit", 10}, {"before", ids[50]}}), slice(40, 50));
    EXPECT_EQ(page_ids({{"limit", 10}, {"before", ids[5]}}), slice(0, 5));
    EXPECT_EQ(page_ids({{"limit", 10}, {"before", ids[0]}}), std::vector<std::int64_t>{});
    EXPECT_EQ(page_ids({{"limit", 200}}), slice(0, 60));
    // Walking back page by page visits every message once, in order.
    std::vector<std::int64_t> walked;
    std::optional<std::int64_t> before;
    for (int guard = 0; guard < 20; ++guard) {
        boost::json::object args{{"limit", 7}};
        if (before) {
            args["before"] = *before;
        }
        auto page = page_ids(std::move(args));
        if (page.empty()) {
            break;
        }
        before = page.front();
        walked.insert(walked.begin(), page.begin(), page.end());
    }
    EXPECT_EQ(walked, ids);
}

TEST_P(Persistence, NothingAcknowledgedIsLostAfterKill9) {
    ServerProcess server(
        {.extra_args = {"--messages-per-second", "10000", "--message-burst", "10000"},
         .data_dir = {}}
    );
    std::vector<std::int64_t> acked;
    {
        auto a = open(server);
        register_user(*a, "ann");
        constexpr int kMessages = 150;
        for (int i = 0; i < kMessages; ++i) {
            send(*a, "SEND", msg("home", "durable " + std::to_string(i)));
        }
        for (int i = 0; i < kMessages; ++i) {
            acked.push_back(body_of(a->wait_for("OK", kWait)).at("id").to_number<std::int64_t>());
        }
        EXPECT_EQ(server.stop(SIGKILL), 128 + SIGKILL);
    }
    server.start();
    auto a = open(server);
    login(*a, "ann", kPassword);
    std::set<std::int64_t> stored;
    const auto history = call_ok(*a, "HISTORY", {{"channel", "home"}, {"limit", 200}});
    for (const auto& m : history.at("messages").as_array()) {
        stored.insert(m.as_object().at("id").to_number<std::int64_t>());
    }
    for (const auto id : acked) {
        EXPECT_TRUE(stored.contains(id)) << "acknowledged id " << id << " lost";
    }
}

INSTANTIATE_TEST_SUITE_P(
    , Persistence, ::testing::Values(Transport::tcp, Transport::ws), transport_name
);

}  // namespace
}  // namespace salon::test
