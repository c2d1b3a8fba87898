// Which channels a login joins, and with which status: `"join": false` (issue 22: one-shot
// clients created channels and memberships as a side effect) and operators who keep their
// flag across logins (issue 22: a founder lost it at every login naming their channel).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

class LoginJoins : public E2e {};

/// The channels named by the JOIN events among `frames`.
std::set<std::string> joined(const std::vector<Frame>& frames) {
    std::set<std::string> channels;
    for (const auto& join : bodies(frames, "JOIN")) channels.insert(str(join, "channel"));
    return channels;
}

/// Logs in as the account `us` with `args` added to CONN; the frames that follow the OK.
std::vector<Frame> log_in_as(Connection& conn, std::string_view us, boost::json::object args = {}) {
    args["us"] = us;
    args["pwd"] = kPassword;
    send(conn, "CONN", std::move(args));
    conn.expect("OK", kWait);
    return drain(conn);
}

/// Every member's `op` flag in WHO `channel`, by user.
std::map<std::string, bool> operators(Connection& conn, std::string_view channel) {
    std::map<std::string, bool> ops;
    const auto who = call_ok(conn, "WHO", {{"channel", channel}});  // the loop borrows from it
    for (const auto& m : who.at("members").as_array())
        ops[str(m.as_object(), "user")] = m.as_object().at("op").as_bool();
    return ops;
}

TEST_P(LoginJoins, AGuestLoginWithJoinFalseJoinsNothingAndCreatesNothing) {
    ServerProcess server;
    auto guest = open(server);
    send(*guest, "CONN", {{"us", ""}, {"join", false}});
    guest->expect("OK", kWait);
    const auto frames = drain(*guest);
    EXPECT_TRUE(joined(frames).empty());
    EXPECT_TRUE(bodies(frames, "HISTORY").empty());
    // On a fresh server `home` exists only once someone joins it.
    EXPECT_FALSE(listed(*guest).contains("home"));
    EXPECT_EQ(call_no(*guest, "HISTORY", {{"channel", "home"}}), "no_such_channel");
}

TEST_P(LoginJoins, AnAccountWithJoinFalseIsBackInItsChannelsButNotInHome) {
    ServerProcess server;
    auto ann = open(server);
    send(*ann, "REGISTER", {{"us", "ann"}, {"pwd", kPassword}, {"join", false}});
    ann->expect("OK", kWait);
    EXPECT_TRUE(joined(drain(*ann)).empty()) << "REGISTER with join false joins no home";
    call_ok(*ann, "JOIN", {{"channel", "dev"}});
    call_ok(*ann, "END");

    ann = open(server);
    EXPECT_EQ(joined(log_in_as(*ann, "ann", {{"join", false}})), std::set<std::string>{"dev"});
    call_ok(*ann, "END");
    // Nor did that login leave a membership of home behind.
    ann = open(server);
    EXPECT_EQ(joined(log_in_as(*ann, "ann", {{"join", false}})), std::set<std::string>{"dev"});
    EXPECT_FALSE(listed(*ann).contains("home"));
}

TEST_P(LoginJoins, JoinMustBeABooleanAndNamesNoChannelWhenFalse) {
    ServerProcess server;
    auto conn = open(server);
    EXPECT_EQ(call_no(*conn, "CONN", {{"us", ""}, {"join", "no"}}), "bad_request");
    EXPECT_EQ(call_no(*conn, "CONN", {{"us", ""}, {"join", 0}}), "bad_request");
    EXPECT_EQ(
        call_no(*conn, "REGISTER", {{"us", "ann"}, {"pwd", kPassword}, {"join", "false"}}),
        "bad_request"
    );
    EXPECT_EQ(
        call_no(*conn, "CONN", {{"us", ""}, {"channel", "dev"}, {"join", false}}), "bad_request"
    );
    // `true` is the default, said out loud.
    send(*conn, "CONN", {{"us", ""}, {"join", true}});
    conn->expect("OK", kWait);
    EXPECT_EQ(joined(drain(*conn)), std::set<std::string>{"home"});
}

TEST_P(LoginJoins, TheFounderKeepsOperatorStatusAcrossLogins) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    call_ok(*ann, "JOIN", {{"channel", "den"}});
    auto bob = open(server);
    register_user(*bob, "bob");
    call_ok(*bob, "JOIN", {{"channel", "den"}});
    call_ok(*ann, "END");
    drain(*bob);

    // Naming the channel in CONN, as the web and desktop clients do on every reconnect.
    ann = open(server);
    log_in_as(*ann, "ann", {{"channel", "den"}});
    EXPECT_TRUE(operators(*bob, "den").at("ann"));
    // The members hear that an operator joined (and a member of home, that she is none there).
    std::map<std::string, bool> heard;
    for (const auto& join : bodies(drain(*bob), "JOIN")) {
        if (str(join, "user") == "ann") heard[str(join, "channel")] = join.at("op").as_bool();
    }
    EXPECT_EQ(heard, (std::map<std::string, bool>{{"den", true}, {"home", false}}));
    call_ok(*ann, "END");

    // Without `channel`, after that login saved the membership again, and after a restart.
    ann = open(server);
    log_in_as(*ann, "ann");
    EXPECT_TRUE(operators(*ann, "den").at("ann"));
    call_ok(*ann, "TOPIC", {{"channel", "den"}, {"topic", "still mine"}});
    call_ok(*ann, "END");
    bob.reset();
    ASSERT_EQ(server.stop(SIGTERM), 0) << server.log();
    server.start();
    ann = open(server);
    log_in_as(*ann, "ann", {{"channel", "den"}});
    EXPECT_EQ(operators(*ann, "den"), (std::map<std::string, bool>{{"ann", true}}));
}

TEST_P(LoginJoins, AMemberWhoIsNoOperatorJoinsWithOpFalse) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    call_ok(*ann, "JOIN", {{"channel", "den"}});
    auto guest = open(server);
    const auto name = str(login(*guest, "", {}, "den"), "user");
    bool heard = false;
    for (const auto& join : bodies(drain(*ann), "JOIN")) {
        if (str(join, "user") != name) continue;  // ann's own
        heard = true;
        EXPECT_EQ(join.at("op"), false);
    }
    EXPECT_TRUE(heard);
}

TEST(LoginJoinsAdmin, AnOperatorOfHomeKeepsTheFlagAtTheDefaultLogin) {
    const auto dir = data_dir_with_admin("boss", "boss-password-1");
    {
        ServerProcess server({.extra_args = {}, .data_dir = dir});
        LineClient boss("127.0.0.1", server.port());
        login(boss, "boss", "boss-password-1");
        {
            LineClient ann("127.0.0.1", server.port());
            register_user(ann, "ann");
            call_ok(boss, "OP", {{"channel", "home"}, {"user", "ann"}});
            call_ok(ann, "END");
        }
        for (int login_count = 0; login_count < 2; ++login_count) {
            LineClient ann("127.0.0.1", server.port());
            log_in_as(ann, "ann");  // into home, the default
            EXPECT_TRUE(operators(ann, "home").at("ann")) << "login " << login_count;
            call_ok(ann, "END");
        }
    }
    std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    , LoginJoins, ::testing::Values(Transport::tcp, Transport::ws), transport_name
);

}  // namespace
}  // namespace salon::test
