// Channel modes over the native protocol (docs/protocol.md, "Extensions: channel modes"): every
// member sees each change, the modes' rules hold, and they survive a restart.
#include <gtest/gtest.h>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

namespace json = boost::json;

class ChannelModes : public E2e {};

/// The next MODE event's body (other events before it are skipped).
json::object mode_event(Connection& conn) {
    return body_of(conn.wait_for("MODE", kWait));
}

TEST_P(ChannelModes, EveryMemberSeesAChangeAndItsRulesHold) {
    ServerProcess server;
    auto op = open(server);
    register_user(*op, "olga");
    call_ok(*op, "JOIN", {{"channel", "den"}});
    auto guest = open(server);
    const std::string guest_name = str(login(*guest, "", {}, "den"), "user");
    drain(*op);

    // +m: the change reaches both members; the guest may no longer post, until voiced.
    call_ok(*op, "MODE", {{"channel", "den"}, {"modes", "+m"}});
    EXPECT_EQ(str(mode_event(*op), "modes"), "+m");
    const auto seen = mode_event(*guest);
    EXPECT_EQ(str(seen, "modes"), "+m");
    EXPECT_EQ(str(seen, "by"), "olga");
    EXPECT_EQ(call_no(*guest, "SEND", msg("den", "hello?")), "moderated");
    call_ok(*op, "VOICE", {{"channel", "den"}, {"user", guest_name}});
    EXPECT_EQ(str(mode_event(*op), "modes"), "+v");
    EXPECT_EQ(str(mode_event(*guest), "modes"), "+v");
    call_ok(*guest, "SEND", msg("den", "voiced now"));
    // Only operators change modes; a bad limit is refused whole.
    EXPECT_EQ(call_no(*guest, "MODE", {{"channel", "den"}, {"modes", "-m"}}), "forbidden");
    EXPECT_EQ(
        call_no(*op, "MODE", {{"channel", "den"}, {"modes", "+il"}, {"args", json::array{"0"}}}),
        "bad_request"
    );

    // +i and +l: an invitation lets one user in, once.
    call_ok(*op, "MODE", {{"channel", "den"}, {"modes", "+il"}, {"args", json::array{"2"}}});
    EXPECT_EQ(str(mode_event(*op), "modes"), "+il");
    auto late = open(server);
    const std::string late_name = str(login(*late, "", {}, "home"), "user");
    EXPECT_EQ(call_no(*late, "JOIN", {{"channel", "den"}}), "invite_only");
    EXPECT_EQ(
        call_no(*guest, "INVITE", {{"channel", "den"}, {"user", late_name}}), "forbidden"
    );  // invite-only: operators invite
    EXPECT_EQ(
        call_no(*op, "INVITE", {{"channel", "den"}, {"user", guest_name}}), "already_in_channel"
    );
    call_ok(*op, "INVITE", {{"channel", "den"}, {"user", late_name}});
    EXPECT_EQ(str(body_of(late->wait_for("INVITE", kWait)), "by"), "olga");
    call_ok(*late, "JOIN", {{"channel", "den"}});  // past +i and the full +l 2

    const auto modes = call_ok(*op, "MODE", {{"channel", "den"}});
    EXPECT_EQ(str(modes, "modes"), "+ilmnt");
    EXPECT_EQ(modes.at("args").as_array(), (json::array{"2"}));
    EXPECT_TRUE(is_timestamp(str(modes, "created")));
}

TEST_P(ChannelModes, ModesKeysAndBansSurviveARestart) {
    ServerProcess server;
    {
        auto op = open(server);
        register_user(*op, "pia");
        call_ok(*op, "JOIN", {{"channel", "vault"}});
        call_ok(
            *op,
            "MODE",
            {{"channel", "vault"},
             {"modes", "+sk-t+bb"},
             {"args", json::array{"sesame", "rob", "Ba*"}}}
        );
        const auto event = mode_event(*op);
        EXPECT_EQ(str(event, "modes"), "+sk-t+bb");
        // A ban of one name shows as the name, as before masks; any other as its mask.
        EXPECT_EQ(event.at("args").as_array(), (json::array{"sesame", "rob", "ba*!*@*"}));
    }
    ASSERT_EQ(server.stop(SIGTERM), 0) << server.log();
    server.start();
    auto op = open(server);
    login(*op, "pia", kPassword, {}, 2);
    const auto modes = call_ok(*op, "MODE", {{"channel", "vault"}});
    EXPECT_EQ(str(modes, "modes"), "+kns");
    EXPECT_EQ(modes.at("args").as_array(), (json::array{"sesame"}));
    EXPECT_EQ(modes.at("bans").as_array(), (json::array{"ba*!*@*", "rob"}));
    // The mask keeps out every name it matches.
    auto bart = open(server);
    register_user(*bart, "bart");
    EXPECT_EQ(call_no(*bart, "JOIN", {{"channel", "vault"}, {"key", "sesame"}}), "banned");
    // Secret: a non-member's LIST does not show it.
    auto other = open(server);
    login(*other, "", {}, "home");
    EXPECT_FALSE(listed(*other).contains("vault"));
    EXPECT_TRUE(listed(*op).contains("vault"));
}

INSTANTIATE_TEST_SUITE_P(
    , ChannelModes, ::testing::Values(Transport::tcp, Transport::ws), transport_name
);

}  // namespace
}  // namespace salon::test
