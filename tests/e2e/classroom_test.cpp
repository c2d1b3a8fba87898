// The original classroom chat's flows, which every old client still depends on.
#include <gtest/gtest.h>

#include <regex>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

class Classroom : public E2e {};

TEST_P(Classroom, EmptyUsIsAUniqueNumberedGuestInHome) {
    ServerProcess server;
    auto a = open(server);
    auto b = open(server);
    const auto first = login(*a, "");
    const auto second = login(*b, "");
    for (const auto& ok : {first, second}) {
        EXPECT_TRUE(std::regex_match(str(ok, "user"), std::regex("Guest[0-9]+")))
            << str(ok, "user");
        EXPECT_EQ(ok.at("guest"), true);
    }
    EXPECT_NE(str(first, "user"), str(second, "user"));
    const auto who = call_ok(*a, "WHO", {{"channel", "home"}});
    EXPECT_EQ(who.at("members").as_array().size(), 2U);
}

TEST_P(Classroom, UsStartingWithGuestInAnyCaseIsAGuestAndPwdIsIgnored) {
    ServerProcess server;
    for (const auto* name : {"Guest1", "guest_bob", "GUEST", "gUeSt.x"}) {
        auto conn = open(server);
        send(*conn, "CONN", {{"us", name}, {"pwd", "anything at all"}});
        const auto ok = body_of(conn->expect("OK", kWait));
        EXPECT_EQ(str(ok, "user"), name);
        EXPECT_EQ(ok.at("guest"), true);
        EXPECT_EQ(str(body_of(conn->expect("JOIN", kWait)), "channel"), "home");
    }
}

TEST_P(Classroom, OldSendFormWorksAndEveryoneIncludingTheSenderSeesIt) {
    ServerProcess server;
    auto a = open(server);
    const auto ann = str(login(*a, ""), "user");
    auto b = open(server);
    login(*b, "");
    auto c = open(server);
    login(*c, "");
    drain(*a);
    drain(*b);
    send(*a, "SEND", {{"USER", ann}, {"CHANNEL", "home"}, {"PAYLOAD", "old school"}});
    const auto ok = body_of(a->expect("OK", kWait));
    for (auto* conn : {a.get(), b.get(), c.get()}) {
        const auto m = body_of(conn->wait_for("MSG", kWait));
        EXPECT_EQ(m.at("id"), ok.at("id"));
        EXPECT_EQ(str(m, "from"), ann);
        EXPECT_EQ(str(m, "channel"), "home");
        EXPECT_EQ(str(m, "text"), "old school");
    }
    // The name in USER is compared without regard to case, like every user name.
    std::string upper = ann;
    for (auto& ch : upper) {
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    call_ok(*a, "SEND", {{"USER", upper}, {"CHANNEL", "#home"}, {"PAYLOAD", "shouting"}});
}

TEST_P(Classroom, JoinPartAndQuitNoticesOnEveryWayOfLeaving) {
    ServerProcess server;
    auto watcher = open(server);
    login(*watcher, "");

    auto joins_and_leaves = [&](auto leave, std::string_view expected_verb) {
        auto conn = connect_tcp(server);
        const auto name = str(login(*conn, ""), "user");
        const auto join = body_of(watcher->wait_for("JOIN", kWait));
        EXPECT_EQ(str(join, "user"), name);
        EXPECT_EQ(str(join, "channel"), "home");
        leave(*conn);
        const auto gone = body_of(watcher->wait_for(expected_verb, kWait));
        EXPECT_EQ(str(gone, "user"), name) << expected_verb;
    };
    joins_and_leaves([](LineClient& c) { call_ok(c, "PART", {{"channel", "home"}}); }, "PART");
    joins_and_leaves([](LineClient& c) { call_ok(c, "END"); }, "QUIT");
    joins_and_leaves([](LineClient& c) { c.close(); }, "QUIT");  // FIN without END
    joins_and_leaves([](LineClient& c) { c.reset(); }, "QUIT");  // RST: a crash
}

TEST_P(Classroom, IdsIncreaseAndTimestampsAreRfc3339Millis) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    std::int64_t last = -1;
    for (int i = 0; i < 20; ++i) {
        send(*a, "SEND", msg("home", "n" + std::to_string(i)));
        const auto ok = body_of(a->expect("OK", kWait));
        const auto m = body_of(a->expect("MSG", kWait));
        const auto id = ok.at("id").to_number<std::int64_t>();
        EXPECT_GT(id, last);
        last = id;
        EXPECT_TRUE(is_timestamp(str(ok, "ts"))) << str(ok, "ts");
        EXPECT_TRUE(is_timestamp(str(m, "ts"))) << str(m, "ts");
    }
    // DM ids come from the same server-wide sequence.
    const auto me =
        str(call_ok(*a, "WHO", {{"channel", "home"}}).at("members").as_array()[0].as_object(),
            "user");
    const auto dm = call_ok(*a, "DM", {{"to", me}, {"text", "self"}});
    EXPECT_NE(dm.at("id").to_number<std::int64_t>(), last);
}

TEST_P(Classroom, HashAndCaseNameTheSameChannel) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "", "", "#Home");
    auto b = open(server);
    login(*b, "");
    call_ok(*a, "SEND", msg("HOME", "one channel"));
    EXPECT_EQ(str(body_of(b->wait_for("MSG", kWait)), "channel"), "home");
}

INSTANTIATE_TEST_SUITE_P(
    , Classroom, ::testing::Values(Transport::tcp, Transport::ws), transport_name
);

}  // namespace
}  // namespace salon::test
