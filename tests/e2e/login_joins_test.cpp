// Which channels a login joins: `"join": false` (issue 22: one-shot clients created channels
// and memberships as a side effect).
#include <gtest/gtest.h>

#include <set>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

class LoginJoins : public E2e {};

/// The channel names LIST shows.
std::set<std::string> listed(Connection& conn) {
    std::set<std::string> names;
    const auto list = call_ok(conn, "LIST");  // the loop borrows from it
    for (const auto& c : list.at("channels").as_array()) names.insert(str(c.as_object(), "name"));
    return names;
}

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

INSTANTIATE_TEST_SUITE_P(
    , LoginJoins, ::testing::Values(Transport::tcp, Transport::ws), transport_name
);

}  // namespace
}  // namespace salon::test
