// The `salond user …` administration commands, run against a data dir like an operator would.
#include <gtest/gtest.h>

#include <fstream>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

class AdminCli : public ::testing::Test {
protected:
    void TearDown() override { std::filesystem::remove_all(dir_); }

    CommandResult user(std::vector<std::string> args, std::string_view input = {}) {
        args.insert(args.begin(), "user");
        args.push_back("--data-dir");
        args.push_back(dir_.string());
        return run_salond(args, input);
    }

    std::filesystem::path dir_ = make_temp_dir("salon-e2e-cli");
};

TEST_F(AdminCli, AddPasswdDelAndListManageAccountsTheServerUses) {
    auto r = user({"add", "ann"}, "first-password-1\n");
    ASSERT_EQ(r.exit_status, 0) << r.output;
    r = user({"add", "boss", "--admin"}, "boss-password-1\n");
    ASSERT_EQ(r.exit_status, 0) << r.output;
    r = user({"list"});
    ASSERT_EQ(r.exit_status, 0) << r.output;
    EXPECT_NE(r.output.find("ann"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("boss"), std::string::npos) << r.output;

    {
        ServerProcess server({.extra_args = {}, .data_dir = dir_});
        LineClient ann("127.0.0.1", server.port());
        EXPECT_EQ(login(ann, "ann", "first-password-1").at("guest"), false);
        // A server admin may act as operator anywhere.
        LineClient other("127.0.0.1", server.port());
        login(other, "");
        call_ok(other, "JOIN", {{"channel", "owned"}});
        LineClient boss("127.0.0.1", server.port());
        login(boss, "boss", "boss-password-1");
        call_ok(boss, "JOIN", {{"channel", "owned"}});
        call_ok(boss, "TOPIC", {{"channel", "owned"}, {"topic", "admin was here"}});
        call_ok(ann, "JOIN", {{"channel", "owned"}});
        EXPECT_EQ(call_no(ann, "TOPIC", {{"channel", "owned"}, {"topic", "me too"}}), "forbidden");
    }

    r = user({"passwd", "ann"}, "second-password-2\n");
    ASSERT_EQ(r.exit_status, 0) << r.output;
    r = user({"del", "boss"});
    ASSERT_EQ(r.exit_status, 0) << r.output;
    r = user({"list"});
    EXPECT_NE(r.output.find("ann"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("boss"), std::string::npos) << r.output;

    ServerProcess server({.extra_args = {}, .data_dir = dir_});
    LineClient ann("127.0.0.1", server.port());
    EXPECT_EQ(
        call_no(ann, "CONN", {{"us", "ann"}, {"pwd", "first-password-1"}}), "bad_credentials"
    );
    login(ann, "ann", "second-password-2");
    LineClient boss("127.0.0.1", server.port());
    EXPECT_EQ(
        call_no(boss, "CONN", {{"us", "boss"}, {"pwd", "boss-password-1"}}), "bad_credentials"
    );
}

TEST_F(AdminCli, MistakesExitNonZeroWithAMessage) {
    ASSERT_EQ(user({"add", "ann"}, "first-password-1\n").exit_status, 0);
    const std::vector<std::pair<std::vector<std::string>, std::string>> mistakes{
        {{"add", "ann"}, "again-password-1\n"},       // exists
        {{"add", "ANN"}, "again-password-1\n"},       // exists, other case
        {{"add", "bad name"}, "some-password-1\n"},   // invalid name
        {{"add", "Guestish"}, "some-password-1\n"},   // guest names are never accounts
        {{"add", "weak"}, "a\n"},                     // weak password
        {{"add", "nopass"}, ""},                      // no password at all
        {{"add"}, "some-password-1\n"},               // missing name
        {{"passwd", "nobody"}, "some-password-1\n"},  // unknown name
        {{"del", "nobody"}, ""},                      // unknown name
        {{"frobnicate"}, ""},                         // unknown subcommand
    };
    for (const auto& [args, input] : mistakes) {
        const auto r = user(args, input);
        std::string shown;
        for (const auto& a : args) {
            shown += a + " ";
        }
        EXPECT_NE(r.exit_status, 0) << shown << r.output;
        EXPECT_FALSE(r.output.empty()) << shown;
    }
    const auto list = user({"list"});
    EXPECT_EQ(list.exit_status, 0);
    EXPECT_EQ(list.output.find("weak"), std::string::npos) << list.output;
}

TEST(ServerCli, BadArgumentsExitNonZeroWithAMessage) {
    const auto dir = make_temp_dir("salon-e2e-cli");
    for (auto args : std::vector<std::vector<std::string>>{
             {"--port", "not-a-port"},
             {"--registration", "maybe"},
             {"--channel-creation", "guests"},
             {"--max-text-bytes", "5000"},
             {"--idle-timeout", "1e300"},
             {"--no-such-flag"},
             {"--config", "/nonexistent/salond.toml"},
         }) {
        // Should a bad flag be accepted after all, the server stays inside the test's sandbox.
        args.insert(args.end(), {"--bind", "127.0.0.1", "--data-dir", dir.string()});
        const auto r = run_salond(args);
        EXPECT_NE(r.exit_status, 0) << args[0] << "\n" << r.output;
        EXPECT_FALSE(r.output.empty()) << args[0];
    }
    std::filesystem::remove_all(dir);
}

TEST_F(AdminCli, CheckConfigAcceptsTheExampleAndListsEveryProblemOfABrokenFile) {
    auto r = run_salond({"check-config", SALON_SOURCE_DIR "/salon.example.toml"});
    EXPECT_EQ(r.exit_status, 0) << r.output;
    EXPECT_NE(r.output.find("salon.example.toml: valid"), std::string::npos) << r.output;

    const auto broken = dir_ / "broken.toml";
    std::ofstream(broken) << "[server]\nport = 99999\nbogus = true\n[limits]\nmax_text_bytes = 0\n";
    r = run_salond({"check-config", broken.string()});
    EXPECT_EQ(r.exit_status, 1) << r.output;
    for (const char* expected :
         {"broken.toml line 2: [server] port",
          "broken.toml line 3: [server] has no setting named 'bogus'",
          "broken.toml line 5: [limits] max_text_bytes",
          "broken.toml: not valid"}) {
        EXPECT_NE(r.output.find(expected), std::string::npos) << expected << "\n" << r.output;
    }

    // A syntax error stops the parser: its line is the one told.
    std::ofstream(broken) << "[server]\nport = \n";
    r = run_salond({"check-config", broken.string()});
    EXPECT_EQ(r.exit_status, 1) << r.output;
    EXPECT_NE(r.output.find("broken.toml line 2:"), std::string::npos) << r.output;

    // Settings that are fine alone but not together, and TLS files that do not load.
    std::ofstream(broken) << "[tls]\ncertificate = \"" << (dir_ / "none.pem").string() << "\"\n";
    r = run_salond({"check-config", broken.string()});
    EXPECT_EQ(r.exit_status, 1) << r.output;
    EXPECT_NE(r.output.find("its key"), std::string::npos) << r.output;
    std::ofstream(broken) << "[tls]\ncertificate = \"" << (dir_ / "none.pem").string()
                          << "\"\nkey = \"" << (dir_ / "none.key").string() << "\"\n";
    r = run_salond({"check-config", broken.string()});
    EXPECT_EQ(r.exit_status, 1) << r.output;
    EXPECT_NE(r.output.find("[tls] no file"), std::string::npos) << r.output;
    const auto pair = make_self_signed(dir_);
    std::ofstream(broken) << "[tls]\ncertificate = \"" << pair.certificate.string()
                          << "\"\nkey = \"" << pair.key.string() << "\"\n";
    r = run_salond({"check-config", broken.string()});
    EXPECT_EQ(r.exit_status, 0) << r.output;

    r = run_salond({"check-config", (dir_ / "missing.toml").string()});
    EXPECT_EQ(r.exit_status, 1) << r.output;
}

}  // namespace
}  // namespace salon::test
