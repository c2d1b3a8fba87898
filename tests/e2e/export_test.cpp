// `salond export` and `salond import` against real data dirs: a channel's export loads into a
// fresh data dir and exports the same again; a person's export holds their data and no secret.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

namespace fs = std::filesystem;

std::vector<boost::json::object> read_lines(const fs::path& file) {
    std::vector<boost::json::object> lines;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(boost::json::parse(line).as_object());
    }
    return lines;
}

std::string read_text(const fs::path& file) {
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A channel export without what an import may change: the header (its time), and message ids,
/// which become their order (an import takes new ids from the data dir's sequence).
std::vector<std::string> comparable(const std::vector<boost::json::object>& lines) {
    std::map<std::int64_t, std::int64_t> order;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const auto& line = lines[i];
        if (line.at("type") == "message") {
            order.emplace(line.at("id").as_int64(), static_cast<std::int64_t>(order.size() + 1));
        }
    }
    auto renumber = [&](std::int64_t id) {
        const auto at = order.upper_bound(id);
        return at == order.begin() ? 0 : std::prev(at)->second;
    };
    std::vector<std::string> kept;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        auto line = lines[i];
        if (line.contains("id")) line["id"] = renumber(line.at("id").as_int64());
        if (line.contains("reply_to") && line.at("reply_to").as_int64() != 0) {
            line["reply_to"] = renumber(line.at("reply_to").as_int64());
        }
        kept.push_back(boost::json::serialize(line));
    }
    return kept;
}

class Exports : public ::testing::Test {
protected:
    void TearDown() override {
        for (const auto& dir : dirs_) fs::remove_all(dir);
    }

    fs::path temp_dir() { return dirs_.emplace_back(make_temp_dir("salon-e2e-export")); }

    std::vector<fs::path> dirs_;
};

/// CONN or REGISTER with "v":2 (edits, deletes and reactions), then home's JOIN and HISTORY.
void enter(Connection& conn, std::string_view us, std::string_view verb) {
    send(conn, verb, {{"us", us}, {"pwd", kPassword}, {"v", 2}});
    conn.expect("OK", kWait);
    conn.wait_for("HISTORY", kWait);
}

std::int64_t post(Connection& conn, boost::json::object args) {
    return call_ok(conn, "SEND", std::move(args)).at("id").to_number<std::int64_t>();
}

TEST_F(Exports, AChannelExportLoadsIntoAFreshDirAndExportsTheSameAgain) {
    const fs::path source = temp_dir();
    {
        ServerProcess server({.extra_args = {}, .data_dir = source});
        auto ann = connect_tcp(server);
        auto bob = connect_tcp(server);
        enter(*ann, "ann", "REGISTER");
        enter(*bob, "bob", "REGISTER");
        call_ok(*ann, "JOIN", {{"channel", "proj"}});
        call_ok(*ann, "TOPIC", {{"channel", "proj"}, {"topic", "the plan"}});
        call_ok(*bob, "JOIN", {{"channel", "proj"}});
        call_ok(
            *ann,
            "MODE",
            {{"channel", "proj"},
             {"modes", "+bb"},
             {"args", boost::json::array{"eve", "sp?m*!*@*"}}}
        );
        post(*bob, msg("home", "elsewhere"));  // ids of another channel in between
        const auto first = post(*ann, msg("proj", "first, @bob"));
        auto reply = msg("proj", "second");
        reply["reply_to"] = first;
        post(*bob, reply);
        const auto edited = post(*ann, msg("proj", "to be edited"));
        call_ok(*ann, "EDIT", {{"id", edited}, {"text", "edited"}});
        const auto doomed = post(*bob, msg("proj", "to be deleted"));
        call_ok(*bob, "DELETE", {{"id", doomed}});
        call_ok(*ann, "REACT", {{"id", first}, {"emoji", "👍"}});
        call_ok(*bob, "REACT", {{"id", first}, {"emoji", "👍"}});
        call_ok(*bob, "READ", {{"channel", "proj"}, {"id", edited}});
        auto guest = connect_tcp(server);
        login(*guest, "");
        call_ok(*guest, "JOIN", {{"channel", "proj"}});
        post(*guest, msg("proj", "a guest was here"));
        call_ok(*ann, "DM", {{"to", "bob"}, {"text", "psst, bob"}});
    }
    const fs::path work = temp_dir();
    auto salond = [](std::vector<std::string> args, const fs::path& dir) {
        args.push_back("--data-dir");
        args.push_back(dir.string());
        return run_salond(args);
    };
    const fs::path exported = work / "proj.json";
    auto r = salond(
        {"export", "--channel", "proj", "--format", "json", "--output", exported.string()}, source
    );
    ASSERT_EQ(r.exit_status, 0) << r.output;
    const auto original = read_lines(exported);
    ASSERT_GE(original.size(), 10u);
    EXPECT_EQ(original[0].at("kind"), "channel");

    // A fresh data dir with the two accounts (memberships and markers belong to accounts).
    const fs::path fresh = temp_dir();
    for (const char* name : {"ann", "bob"}) {
        ASSERT_EQ(
            run_salond({"user", "add", name, "--data-dir", fresh.string()}, "password-one-1\n")
                .exit_status,
            0
        );
    }
    r = salond({"import", exported.string()}, fresh);
    ASSERT_EQ(r.exit_status, 0) << r.output;
    EXPECT_NE(r.output.find("imported channel proj"), std::string::npos) << r.output;
    const fs::path again = work / "again.json";
    r = salond(
        {"export", "--channel", "proj", "--format", "json", "--output", again.string()}, fresh
    );
    ASSERT_EQ(r.exit_status, 0) << r.output;
    EXPECT_EQ(comparable(read_lines(again)), comparable(original));
    {
        // salond serves the imported channel.
        ServerProcess server({.extra_args = {}, .data_dir = fresh});
        auto guest = connect_tcp(server);
        login(*guest, "");
        call_ok(*guest, "JOIN", {{"channel", "proj"}});
        const auto history = call_ok(*guest, "HISTORY", {{"channel", "proj"}});
        EXPECT_NE(boost::json::serialize(history).find("first, @bob"), std::string::npos);
    }

    // Conflicts and bad files are refused, and change nothing.
    const auto before = comparable(read_lines(again));
    r = salond({"import", exported.string()}, fresh);
    EXPECT_EQ(r.exit_status, 1) << r.output;
    EXPECT_NE(r.output.find("exists"), std::string::npos) << r.output;
    std::string broken = read_text(exported);
    broken.insert(
        broken.find('\n') + 1, "{\"type\":\"member\",\"user\":\"no spaces allowed\",\"op\":true}\n"
    );
    const fs::path bad = work / "bad.json";
    std::ofstream(bad) << broken;
    const fs::path other = temp_dir();
    r = salond({"import", bad.string()}, other);
    EXPECT_EQ(r.exit_status, 1) << r.output;
    EXPECT_NE(r.output.find("line 2"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(other / "salon.db"));
    r = salond(
        {"export",
         "--channel",
         "proj",
         "--format",
         "json",
         "--output",
         (work / "third.json").string()},
        fresh
    );
    EXPECT_EQ(comparable(read_lines(work / "third.json")), before);

    // One person's data: their account (no password hash), DMs, memberships and messages.
    r = salond({"export", "--user", "ann", "--format", "json"}, source);
    ASSERT_EQ(r.exit_status, 0) << r.output;
    EXPECT_EQ(r.output.find("argon2"), std::string::npos);
    EXPECT_NE(r.output.find("\"type\":\"account\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("psst, bob"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("first, @bob"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"channel\":\"proj\""), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("to be deleted"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("second"), std::string::npos) << "bob's message: " << r.output;
    const fs::path person = work / "ann.json";
    std::ofstream(person) << r.output;
    r = salond({"import", person.string()}, other);
    EXPECT_EQ(r.exit_status, 1) << r.output;
    EXPECT_NE(r.output.find("only a channel's"), std::string::npos) << r.output;
    // Mistakes: no such channel or account, both or neither of --channel and --user.
    EXPECT_EQ(salond({"export", "--channel", "nope"}, source).exit_status, 1);
    EXPECT_EQ(salond({"export", "--user", "nobody"}, source).exit_status, 1);
    EXPECT_EQ(salond({"export"}, source).exit_status, 2);
    EXPECT_NE(salond({"export", "--channel", "proj", "--user", "ann"}, source).exit_status, 0);
}

}  // namespace
}  // namespace salon::test
