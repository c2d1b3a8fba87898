// SIGHUP: salond reads its configuration file again and applies what can change while it runs;
// what cannot is logged as waiting for a restart, and a broken file changes nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

class Reload : public ::testing::Test {
protected:
    void SetUp() override { dir_ = make_temp_dir("salon-reload"); }

    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path write_config(std::string_view text) {
        const auto file = dir_ / "salon.toml";
        std::ofstream(file) << text;
        return file;
    }

    /// Sends SIGHUP and waits until salond has logged its `n`th line holding `what`.
    static void reload_and_wait(ServerProcess& server, std::string_view what, int n = 1) {
        ASSERT_EQ(::kill(server.pid(), SIGHUP), 0);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (count(server.log(), what) < n) {
            ASSERT_LT(std::chrono::steady_clock::now(), deadline) << server.log();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

    static int count(const std::string& text, std::string_view what) {
        int found = 0;
        for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
            ++found;
        return found;
    }

    std::filesystem::path dir_;
};

TEST_F(Reload, SighupChangesLimitsAndRegistrationLiveAndListsWhatWaitsForARestart) {
    const auto file = write_config(
        "[server]\nregistration = \"closed\"\nserver_description = \"before\"\n"
        "[limits]\nmax_text_bytes = 100\n"
    );
    ServerProcess server({.extra_args = {"--config", file.string()}, .data_dir = {}});
    auto ann = connect_tcp(server);
    login(*ann, "");
    const std::string text(200, 'x');
    EXPECT_EQ(call_no(*ann, "SEND", {{"channel", "home"}, {"text", text}}), "bad_request");
    EXPECT_EQ(
        call_no(*ann, "REGISTER", {{"us", "bob"}, {"pwd", kPassword}}), "registration_closed"
    );

    write_config(
        "[server]\nregistration = \"open\"\nserver_description = \"after\"\n"
        "[limits]\nmax_text_bytes = 300\n"
    );
    reload_and_wait(server, "SIGHUP: configuration reloaded");

    // The same connection, at once: the new limit and the open registration.
    call_ok(*ann, "SEND", {{"channel", "home"}, {"text", text}});
    auto bob = connect_tcp(server);
    register_user(*bob, "bob");
    const std::string log = server.log();
    EXPECT_NE(
        log.find("SIGHUP: configuration reloaded; changed: server.registration, "
                 "limits.max_text_bytes"),
        std::string::npos
    ) << log;
    EXPECT_NE(
        log.find("SIGHUP: server.server_description changed; it takes effect at the next restart"),
        std::string::npos
    ) << log;

    // Back to the first file: the limit goes down again, for every connection.
    write_config(
        "[server]\nregistration = \"closed\"\nserver_description = \"before\"\n"
        "[limits]\nmax_text_bytes = 100\n"
    );
    reload_and_wait(server, "SIGHUP: configuration reloaded", 2);
    EXPECT_EQ(call_no(*bob, "SEND", {{"channel", "home"}, {"text", text}}), "bad_request");
}

TEST_F(Reload, ABrokenFileChangesNothingAndSaysWhereItIsBroken) {
    const auto file = write_config("[limits]\nmax_text_bytes = 100\n");
    ServerProcess server({.extra_args = {"--config", file.string()}, .data_dir = {}});
    auto ann = connect_tcp(server);
    login(*ann, "");

    write_config("[limits]\nmax_text_bytes = 300\nno_such_limit = 1\nmessage_burst = -5\n");
    reload_and_wait(server, "SIGHUP: configuration not reloaded");
    const std::string log = server.log();
    EXPECT_NE(log.find("no_such_limit"), std::string::npos) << log;
    EXPECT_NE(log.find("line 3"), std::string::npos) << log;
    // Still the running limit, and salond serves on.
    EXPECT_EQ(
        call_no(*ann, "SEND", {{"channel", "home"}, {"text", std::string(200, 'x')}}), "bad_request"
    );
    call_ok(*ann, "SEND", {{"channel", "home"}, {"text", "still here"}});
}

TEST_F(Reload, FlagsOnTheCommandLineStillOverrideTheFileAfterAReload) {
    const auto file = write_config("[limits]\nmax_text_bytes = 100\n");
    ServerProcess server(
        {.extra_args = {"--config", file.string(), "--max-text-bytes", "50"}, .data_dir = {}}
    );
    auto ann = connect_tcp(server);
    login(*ann, "");
    write_config("[limits]\nmax_text_bytes = 300\n");
    reload_and_wait(server, "SIGHUP: configuration reloaded; changed: nothing");
    EXPECT_EQ(
        call_no(*ann, "SEND", {{"channel", "home"}, {"text", std::string(60, 'x')}}), "bad_request"
    );
}

}  // namespace
}  // namespace salon::test
