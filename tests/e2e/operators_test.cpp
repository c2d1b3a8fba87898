// Server operators over the native protocol: an administrator's KILL and WALLOPS.
#include <gtest/gtest.h>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

TEST(Operators, AnAdministratorKillsAUserAndBroadcastsWallops) {
    const auto dir = data_dir_with_admin("boss", "boss-password-1");
    {
        ServerProcess server({.extra_args = {}, .data_dir = dir});
        LineClient boss("127.0.0.1", server.port());
        login(boss, "boss", "boss-password-1");
        LineClient guest("127.0.0.1", server.port());
        const auto name = str(login(guest, ""), "user");
        LineClient watcher("127.0.0.1", server.port());
        login(watcher, "");

        EXPECT_EQ(call_no(guest, "KILL", {{"user", "boss"}}), "forbidden");
        EXPECT_EQ(call_no(guest, "WALLOPS", {{"text", "hi"}}), "forbidden");
        EXPECT_EQ(call_no(boss, "KILL", {{"user", "nobody"}}), "no_such_user");
        EXPECT_EQ(call_no(boss, "WALLOPS", {{"text", ""}}), "bad_request");

        call_ok(boss, "WALLOPS", {{"text", "restart at noon"}});
        const auto wallops = body_of(watcher.wait_for("NOTICE", kWait));
        EXPECT_EQ(str(wallops, "code"), "wallops");
        EXPECT_EQ(str(wallops, "message"), "boss: restart at noon");
        EXPECT_EQ(str(body_of(guest.wait_for("NOTICE", kWait)), "code"), "wallops");  // everyone

        call_ok(boss, "KILL", {{"user", name}, {"reason", "spam"}});
        const auto killed = body_of(guest.wait_for("NOTICE", kWait));
        EXPECT_EQ(str(killed, "code"), "killed");
        EXPECT_NE(str(killed, "message").find("spam"), std::string::npos);
        EXPECT_TRUE(guest.closed_by_peer(kWait));
        const auto quit = body_of(watcher.wait_for("QUIT", kWait));
        EXPECT_EQ(str(quit, "user"), name);
        EXPECT_EQ(str(quit, "reason"), "Killed (boss (spam))");
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace salon::test
