// Retention with a real salond: old messages go at a pruning round, and ids, history resumes and
// a restart stay right after.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <thread>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::int64_t int_of(const json::object& object, std::string_view key) {
    return object.at(key).to_number<std::int64_t>();
}

/// Runs `sql` on the data dir's database, salond stopped: how a test makes messages old.
void run_sql(const fs::path& data_dir, const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((data_dir / "salon.db").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
    const std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
}

/// The ids of the channel's history as `conn` reads it now.
std::vector<std::int64_t> history_ids(Connection& conn, std::string_view channel) {
    std::vector<std::int64_t> ids;
    const auto page = call_ok(conn, "HISTORY", {{"channel", channel}});
    for (const auto& message : page.at("messages").as_array())
        ids.push_back(int_of(message.as_object(), "id"));
    return ids;
}

TEST(Retention, OldMessagesArePrunedAndIdsHistoryAndRestartsStayRight) {
    // Messages written by a salond that keeps everything...
    ServerProcess keeping;
    std::int64_t kept_log = 0;
    std::int64_t newest_sent = 0;  // in home, pruned
    {
        auto ann = connect(keeping, Transport::tcp);
        register_user(*ann, "ann");
        call_ok(*ann, "JOIN", {{"channel", "logs"}});
        kept_log = int_of(call_ok(*ann, "SEND", msg("logs", "old log")), "id");
        for (int i = 0; i < 2; ++i)
            newest_sent = int_of(call_ok(*ann, "SEND", msg("home", "old news")), "id");
    }
    ASSERT_EQ(keeping.stop(SIGTERM), 0) << keeping.log();
    // ...turn ten days old; then salond keeps a day of home, and logs forever.
    run_sql(
        keeping.data_dir(),
        "UPDATE messages SET ts_ms = ts_ms - 10 * 86400000; PRAGMA wal_checkpoint(TRUNCATE);"
    );
    const fs::path config = keeping.data_dir() / "retention.toml";
    std::ofstream(config) << "[retention]\ndays = 1\ninterval_seconds = 1\n"
                             "channels = { \"#logs\" = 0 }\n";
    ServerProcess pruning(
        {.extra_args = {"--config", config.string()}, .data_dir = keeping.data_dir()}
    );

    auto ann = connect(pruning, Transport::tcp);
    login(*ann, "ann", kPassword);
    // The first round runs a second after the start.
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (!history_ids(*ann, "home").empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(history_ids(*ann, "home").empty()) << pruning.log();
    EXPECT_EQ(history_ids(*ann, "logs"), std::vector<std::int64_t>{kept_log});
    EXPECT_NE(pruning.log().find("retention: pruned 2 messages"), std::string::npos)
        << pruning.log();
    // A login after the round joins home with an empty HISTORY: the recent messages kept in
    // memory went too.
    {
        auto phone = connect(pruning, Transport::tcp);
        send(*phone, "CONN", {{"us", "ann"}, {"pwd", kPassword}});
        phone->expect("OK", kWait);
        const auto histories = bodies(drain(*phone), "HISTORY");
        EXPECT_EQ(histories.size(), 2U);  // home and logs
        for (const auto& history : histories) {
            if (str(history, "channel") != "home") continue;
            EXPECT_TRUE(history.at("messages").as_array().empty()) << json::serialize(history);
        }
    }
    // A resume from before the prune: no error, nothing pruned comes back.
    const auto resumed = call_ok(*ann, "HISTORY", {{"channel", "home"}, {"after", 0}});
    EXPECT_TRUE(resumed.at("messages").as_array().empty()) << json::serialize(resumed);

    // The newest message was pruned: ids still go on above it, after a restart too.
    const auto after_prune = int_of(call_ok(*ann, "SEND", msg("home", "new")), "id");
    EXPECT_GT(after_prune, newest_sent);
    ann.reset();
    ASSERT_EQ(pruning.stop(SIGTERM), 0) << pruning.log();
    // Once more, the newest message of all pruned before the restart.
    run_sql(pruning.data_dir(), "UPDATE messages SET ts_ms = ts_ms - 10 * 86400000");
    pruning.start();
    ann = connect(pruning, Transport::tcp);
    login(*ann, "ann", kPassword);
    const auto pruned_by = std::chrono::steady_clock::now() + kWait;
    while (!history_ids(*ann, "home").empty() && std::chrono::steady_clock::now() < pruned_by)
        std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(history_ids(*ann, "home").empty()) << pruning.log();
    ann.reset();
    ASSERT_EQ(pruning.stop(SIGTERM), 0) << pruning.log();
    pruning.start();
    ann = connect(pruning, Transport::tcp);
    login(*ann, "ann", kPassword);
    EXPECT_GT(int_of(call_ok(*ann, "SEND", msg("home", "newer")), "id"), after_prune);
}

}  // namespace
}  // namespace salon::test
