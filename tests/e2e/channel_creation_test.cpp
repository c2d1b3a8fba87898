// Who may create channels, how fast, how many, and what a channel leaves behind: issue 20's
// findings 3 (channel creation unbounded) and 5 (the first guest owns `home`), and issue 22's
// lifecycle (a channel persists once a registered user is its operator).
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

class ChannelCreation : public E2e {};

/// Polls LIST until `name` is gone (the channel goes with its last member's QUIT, which the
/// server handles after the client's END or close); false when it is still there after kWait.
bool vanishes(Connection& conn, const std::string& name) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (listed(conn).contains(name)) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(100ms);  // well inside the request rate limit
    }
    return true;
}

/// The texts of a HISTORY page of `channel`, oldest first.
std::vector<std::string> history_texts(Connection& conn, std::string_view channel) {
    const auto page = call_ok(conn, "HISTORY", {{"channel", channel}});
    std::vector<std::string> texts;
    for (const auto& m : page.at("messages").as_array())
        texts.push_back(str(m.as_object(), "text"));
    return texts;
}

/// The `op` flag of `user` in WHO `channel`.
bool is_op(Connection& conn, std::string_view channel, std::string_view user) {
    const auto who = call_ok(conn, "WHO", {{"channel", channel}});  // the loop borrows from it
    for (const auto& m : who.at("members").as_array()) {
        if (str(m.as_object(), "user") == user) return m.as_object().at("op").as_bool();
    }
    ADD_FAILURE() << user << " is not in " << channel;
    return false;
}

TEST_P(ChannelCreation, AFloodOfNewChannelsFromOneAddressIsRateLimitedAfterTheBudget) {
    // The default budget: 20 new channels at once per address, then 5 a minute. Three guests
    // on one address share it; each stays far below its own request rate.
    ServerProcess server;
    std::vector<std::unique_ptr<Connection>> guests;
    for (int i = 0; i < 3; ++i) {
        guests.push_back(open(server));
        login(*guests.back(), "");
    }
    int created = 0;
    std::vector<std::string> refusals;
    for (int i = 0; i < 30; ++i) {
        Connection& guest = *guests[static_cast<std::size_t>(i) % guests.size()];
        const auto frame = call(guest, "JOIN", {{"channel", "flood" + std::to_string(i)}});
        if (verb_of(frame) == "OK") {
            ++created;
        } else {
            refusals.push_back(no_code(frame));
            EXPECT_FALSE(str(body_of(frame), "message").empty());
        }
    }
    EXPECT_EQ(created, 20);
    EXPECT_EQ(refusals, std::vector<std::string>(10, "rate_limited"));
    // Joining channels that exist costs nothing of the budget.
    call_ok(*guests[1], "JOIN", {{"channel", "flood0"}});
    call_ok(*guests[2], "JOIN", {{"channel", "home"}});
    // The connections stay usable.
    call_ok(*guests[0], "PING");
}

TEST_P(ChannelCreation, AGuestsChannelVanishesWhenEmptyAndTakesItsHistoryWithIt) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    auto b = open(server);
    login(*b, "");
    auto watcher = open(server);
    login(*watcher, "");

    call_ok(*a, "JOIN", {{"channel", "hideout"}});
    call_ok(*a, "SEND", msg("hideout", "the old secret"));
    call_ok(*b, "JOIN", {{"channel", "hideout"}});
    call_ok(*a, "PART", {{"channel", "hideout"}});
    EXPECT_TRUE(listed(*watcher).contains("hideout"));  // b is still in it
    // The last words go out just before the last member leaves: still in flight as it does.
    send(*b, "SEND", msg("hideout", "the last secret"));
    send(*b, "END");
    ASSERT_TRUE(vanishes(*watcher, "hideout"));

    // A stranger who takes the name gets a new, empty channel, and is its operator. Its
    // history shows its own message only (a page reaches up to the newest message delivered).
    auto c = open(server);
    const auto carl = str(login(*c, ""), "user");
    send(*c, "JOIN", {{"channel", "hideout"}});
    const auto ok = body_of(c->expect("OK", kWait));
    ASSERT_EQ(ok.at("members").as_array().size(), 1U);
    c->expect("JOIN", kWait);
    EXPECT_TRUE(body_of(c->expect("HISTORY", kWait)).at("messages").as_array().empty());
    EXPECT_TRUE(is_op(*c, "hideout", carl));
    call_ok(*c, "SEND", msg("hideout", "mine"));
    EXPECT_EQ(history_texts(*c, "hideout"), std::vector<std::string>{"mine"});

    // A crash before the channel could go leaves its messages stored; whoever makes a channel
    // of that name after the restart does not see them either.
    ASSERT_EQ(server.stop(SIGKILL), 128 + SIGKILL);
    server.start();
    auto d = open(server);
    login(*d, "");
    EXPECT_FALSE(listed(*d).contains("hideout"));
    call_ok(*d, "JOIN", {{"channel", "hideout"}});
    call_ok(*d, "SEND", msg("hideout", "new"));
    EXPECT_EQ(history_texts(*d, "hideout"), std::vector<std::string>{"new"});
}

TEST_P(ChannelCreation, ARegisteredUsersChannelPersistsButAGuestsDoesNotComeBackForThem) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    call_ok(*ann, "JOIN", {{"channel", "annex"}});
    auto guest = open(server);
    login(*guest, "");
    call_ok(*guest, "JOIN", {{"channel", "shed"}});
    call_ok(*ann, "JOIN", {{"channel", "shed"}});
    call_ok(*guest, "END");
    call_ok(*ann, "END");

    auto watcher = open(server);
    login(*watcher, "");
    EXPECT_TRUE(listed(*watcher).contains("annex"));  // empty, and kept
    ASSERT_TRUE(vanishes(*watcher, "shed"));
    // At her next login ann is back in her own channels, not in the vanished one.
    ann = open(server);
    send(*ann, "CONN", {{"us", "ann"}, {"pwd", kPassword}});
    ann->expect("OK", kWait);
    std::set<std::string> rejoined;
    for (const auto& frame : drain(*ann)) {
        if (verb_of(frame) == "JOIN") rejoined.insert(str(body_of(frame), "channel"));
        if (verb_of(frame) == "NOTICE") ADD_FAILURE() << boost::json::serialize(body_of(frame));
    }
    EXPECT_EQ(rejoined, (std::set<std::string>{"home", "annex"}));
    EXPECT_FALSE(listed(*watcher).contains("shed"));
}

TEST_P(ChannelCreation, AGuestsKeyedChannelGoesWithItsLastMemberAndComesBackOpen) {
    ServerProcess server;
    auto guest = open(server);
    login(*guest, "");
    call_ok(*guest, "JOIN", {{"channel", "attic"}});
    call_ok(*guest, "KEY", {{"channel", "attic"}, {"key", "sesame"}});
    call_ok(*guest, "PART", {{"channel", "attic"}});
    EXPECT_FALSE(listed(*guest).contains("attic"));

    auto next = open(server);
    const auto name = str(login(*next, ""), "user");
    call_ok(*next, "JOIN", {{"channel", "attic"}});  // no key asked: a new channel
    EXPECT_TRUE(is_op(*next, "attic", name));
}

TEST_P(ChannelCreation, ARegisteredFoundersChannelSurvivesARestartWithItsKey) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    call_ok(*ann, "JOIN", {{"channel", "vault"}});
    call_ok(*ann, "KEY", {{"channel", "vault"}, {"key", "sesame"}});
    call_ok(*ann, "END");
    ASSERT_EQ(server.stop(SIGTERM), 0) << server.log();
    server.start();
    auto guest = open(server);
    login(*guest, "");
    EXPECT_TRUE(listed(*guest).contains("vault"));
    EXPECT_EQ(call_no(*guest, "JOIN", {{"channel", "vault"}}), "bad_key");
}

TEST_P(ChannelCreation, AGuestsChannelPersistsOnceARegisteredUserIsMadeItsOperator) {
    ServerProcess server;
    auto guest = open(server);
    login(*guest, "");
    call_ok(*guest, "JOIN", {{"channel", "loft"}});
    call_ok(*guest, "TOPIC", {{"channel", "loft"}, {"topic", "ours now"}});
    auto ann = open(server);
    register_user(*ann, "ann");
    call_ok(*ann, "JOIN", {{"channel", "loft"}});
    call_ok(*guest, "KEY", {{"channel", "loft"}, {"key", "sesame"}});
    call_ok(*guest, "OP", {{"channel", "loft"}, {"user", "ann"}});
    call_ok(*guest, "END");
    call_ok(*ann, "END");

    // Empty, and kept: with what the guest set before, across a restart.
    ASSERT_EQ(server.stop(SIGTERM), 0) << server.log();
    server.start();
    auto stranger = open(server);
    login(*stranger, "");
    const auto list = call_ok(*stranger, "LIST");
    bool kept = false;
    for (const auto& c : list.at("channels").as_array()) {
        if (str(c.as_object(), "name") != "loft") continue;
        kept = true;
        EXPECT_EQ(str(c.as_object(), "topic"), "ours now");
    }
    EXPECT_TRUE(kept);
    EXPECT_EQ(call_no(*stranger, "JOIN", {{"channel", "loft"}}), "bad_key");
    // ann is back in it at her next login, as its operator.
    ann = open(server);
    send(*ann, "CONN", {{"us", "ann"}, {"pwd", kPassword}});
    ann->expect("OK", kWait);
    drain(*ann);
    EXPECT_TRUE(is_op(*ann, "loft", "ann"));
}

TEST_P(ChannelCreation, TheFirstGuestOnAFreshServerDoesNotOwnHome) {
    ServerProcess server;
    auto first = open(server);
    // The first to join `home` makes it, and is no operator of it.
    const auto guest = str(login(*first, "", {}, "elsewhere"), "user");
    EXPECT_FALSE(listed(*first).contains("home"));
    call_ok(*first, "JOIN", {{"channel", "home"}});
    EXPECT_FALSE(is_op(*first, "home", guest));
    auto ann = open(server);
    register_user(*ann, "ann");
    EXPECT_EQ(call_no(*first, "KEY", {{"channel", "home"}, {"key", "mine"}}), "forbidden");
    EXPECT_EQ(call_no(*first, "BAN", {{"channel", "home"}, {"user", "ann"}}), "forbidden");
    EXPECT_EQ(call_no(*first, "TOPIC", {{"channel", "home"}, {"topic", "mine"}}), "forbidden");
    EXPECT_EQ(call_no(*first, "OP", {{"channel", "home"}, {"user", guest}}), "forbidden");
    // Its members leaving does not make it go.
    call_ok(*first, "PART", {{"channel", "home"}});
    call_ok(*ann, "END");
    EXPECT_TRUE(listed(*first).contains("home"));
    // Later logins land in home with no key to meet.
    auto later = open(server);
    send(*later, "CONN", {{"us", "ann"}, {"pwd", kPassword}});
    later->expect("OK", kWait);
    for (const auto& frame : drain(*later))
        EXPECT_NE(verb_of(frame), "NOTICE") << boost::json::serialize(body_of(frame));
}

TEST(ChannelCreationAdmin, OnlyAnAdministratorMakesSomeoneOperatorOfHome) {
    const auto dir = data_dir_with_admin("boss", "boss-password-1");
    {
        ServerProcess server({.extra_args = {}, .data_dir = dir});
        LineClient guest("127.0.0.1", server.port());
        const auto name = str(login(guest, ""), "user");
        LineClient boss("127.0.0.1", server.port());
        login(boss, "boss", "boss-password-1");
        EXPECT_FALSE(is_op(boss, "home", name));
        EXPECT_FALSE(is_op(boss, "home", "boss"));  // administrators moderate without the flag
        call_ok(boss, "OP", {{"channel", "home"}, {"user", name}});
        EXPECT_TRUE(is_op(guest, "home", name));
        call_ok(guest, "TOPIC", {{"channel", "home"}, {"topic", "granted"}});
    }
    std::filesystem::remove_all(dir);
}

TEST_P(ChannelCreation, RegisteredPolicyRefusesAGuestsNewChannel) {
    ServerProcess server({.extra_args = {"--channel-creation", "registered"}, .data_dir = {}});
    auto guest = open(server);
    login(*guest, "");
    EXPECT_EQ(call_no(*guest, "JOIN", {{"channel", "squat"}}), "forbidden");
    EXPECT_FALSE(listed(*guest).contains("squat"));
    auto ann = open(server);
    register_user(*ann, "ann");
    call_ok(*ann, "JOIN", {{"channel", "squat"}});
    call_ok(*guest, "JOIN", {{"channel", "squat"}});  // joining one that exists is fine
    // A CONN naming a new channel logs in, and says why that channel was not joined.
    auto other = open(server);
    send(*other, "CONN", {{"us", ""}, {"channel", "fresh"}});
    other->expect("OK", kWait);
    const auto notice = body_of(other->wait_for("NOTICE", kWait));
    EXPECT_EQ(str(notice, "code"), "forbidden");
}

TEST_P(ChannelCreation, AdminsPolicyLetsOnlyAdministratorsCreate) {
    ServerProcess server({.extra_args = {"--channel-creation", "admins"}, .data_dir = {}});
    auto ann = open(server);
    register_user(*ann, "ann");
    EXPECT_EQ(call_no(*ann, "JOIN", {{"channel", "mine"}}), "forbidden");
    call_ok(*ann, "JOIN", {{"channel", "home"}});
}

TEST_P(ChannelCreation, TheServerHoldsAtMostMaxChannels) {
    ServerProcess server({.extra_args = {"--max-channels", "3"}, .data_dir = {}});
    auto a = open(server);
    login(*a, "");
    call_ok(*a, "JOIN", {{"channel", "two"}});
    call_ok(*a, "JOIN", {{"channel", "three"}});
    EXPECT_EQ(call_no(*a, "JOIN", {{"channel", "four"}}), "too_many_channels");
    // A guest's channel that vanishes makes room again.
    call_ok(*a, "PART", {{"channel", "three"}});
    call_ok(*a, "JOIN", {{"channel", "four"}});
}

INSTANTIATE_TEST_SUITE_P(
    , ChannelCreation, ::testing::Values(Transport::tcp, Transport::ws), transport_name
);

}  // namespace
}  // namespace salon::test
