// One registered user on several connections: events on all, JOIN on the first, QUIT on the last.
#include <gtest/gtest.h>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

class MultiConnection : public E2e {};

TEST_P(MultiConnection, EventsReachEveryConnectionJoinFirstQuitLast) {
    ServerProcess server;
    auto ann1 = open(server);
    register_user(*ann1, "ann");
    auto bob = open(server);
    login(*bob, "");
    drain(*ann1);

    auto ann2 = open(server);
    login(*ann2, "ann", kPassword);  // rejoined to home: JOIN and HISTORY on this connection
    // Bob already saw ann join; the second connection is no new member.
    EXPECT_TRUE(bodies(drain(*bob), "JOIN").empty());
    const auto who = call_ok(*bob, "WHO", {{"channel", "home"}});
    EXPECT_EQ(who.at("members").as_array().size(), 2U);
    drain(*ann1);

    const auto id = call_ok(*bob, "SEND", msg("home", "to both")).at("id");
    for (auto* conn : {ann1.get(), ann2.get()}) {
        EXPECT_EQ(str(wait_for_id(*conn, "MSG", id), "text"), "to both");
    }
    // What one connection says, the other connection sees too.
    const auto own = call_ok(*ann1, "SEND", msg("home", "from one")).at("id");
    wait_for_id(*ann1, "MSG", own);
    wait_for_id(*ann2, "MSG", own);
    wait_for_id(*bob, "MSG", own);
    // A channel joined on one connection is joined for the user: both connections hear it.
    call_ok(*ann2, "JOIN", {{"channel", "side"}});
    call_ok(*bob, "JOIN", {{"channel", "side"}});
    const auto side = call_ok(*bob, "SEND", msg("side", "side talk")).at("id");
    EXPECT_EQ(str(wait_for_id(*ann1, "MSG", side), "channel"), "side");
    EXPECT_EQ(str(wait_for_id(*ann2, "MSG", side), "channel"), "side");
    drain(*bob);

    call_ok(*ann1, "END");
    EXPECT_TRUE(ann1->closed_by_peer(kWait));
    EXPECT_TRUE(bodies(drain(*bob), "QUIT").empty()) << "QUIT before the last connection left";
    // The connection that left is no longer a recipient; the one that stayed still is.
    const auto after = call_ok(*bob, "SEND", msg("home", "to the one left")).at("id");
    EXPECT_EQ(str(wait_for_id(*ann2, "MSG", after), "text"), "to the one left");
    call_ok(*ann2, "PING");
    call_ok(*ann2, "END");
    EXPECT_EQ(str(body_of(bob->wait_for("QUIT", kWait)), "user"), "ann");
}

TEST_P(MultiConnection, DmReachesAllRecipientConnectionsAndTheSendersOthers) {
    ServerProcess server;
    auto ann1 = open(server);
    register_user(*ann1, "ann");
    auto ann2 = open(server);
    login(*ann2, "ann", kPassword);
    auto bob1 = open(server);
    register_user(*bob1, "bob");
    auto bob2 = open(server);
    login(*bob2, "bob", kPassword);
    for (auto* c : {ann1.get(), ann2.get(), bob1.get(), bob2.get()}) {
        drain(*c, std::chrono::milliseconds(100));
    }

    const auto ok = call_ok(*ann1, "DM", {{"to", "Bob"}, {"text", "secret"}});
    for (auto* c : {ann2.get(), bob1.get(), bob2.get()}) {
        const auto dm = body_of(c->wait_for("DM", kWait));
        EXPECT_EQ(dm.at("id"), ok.at("id"));
        EXPECT_EQ(str(dm, "from"), "ann");
        EXPECT_EQ(str(dm, "text"), "secret");
        EXPECT_EQ(lower(str(dm, "to")), "bob");
    }
    EXPECT_TRUE(bodies(drain(*ann1), "DM").empty()) << "the sending connection got its own DM";
}

TEST_P(MultiConnection, DmToAnOfflineRegisteredUserArrivesAtNextLogin) {
    ServerProcess server;
    {
        auto ann = open(server);
        register_user(*ann, "ann");
        call_ok(*ann, "END");
    }
    auto bob = open(server);
    const auto bob_name = str(login(*bob, ""), "user");
    const auto ok = call_ok(*bob, "DM", {{"to", "ann"}, {"text", "while you were out"}});

    auto ann = open(server);
    send(*ann, "CONN", {{"us", "ann"}, {"pwd", kPassword}});
    ann->expect("OK", kWait);
    const auto dm = body_of(ann->wait_for("DM", kWait));
    EXPECT_EQ(dm.at("id"), ok.at("id"));
    EXPECT_EQ(str(dm, "from"), bob_name);
    EXPECT_EQ(str(dm, "text"), "while you were out");
    EXPECT_TRUE(is_timestamp(str(dm, "ts")));
    // Delivered once: the next login does not repeat it.
    call_ok(*ann, "END");
    auto again = open(server);
    send(*again, "CONN", {{"us", "ann"}, {"pwd", kPassword}});
    again->expect("OK", kWait);
    EXPECT_TRUE(bodies(drain(*again), "DM").empty());
}

INSTANTIATE_TEST_SUITE_P(
    , MultiConnection, ::testing::Values(Transport::tcp, Transport::ws), transport_name
);

}  // namespace
}  // namespace salon::test
