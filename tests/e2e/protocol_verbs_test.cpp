// Every request verb of PROTOCOL.md and the documented extensions, as a client sees them.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

class Verbs : public E2e {};

TEST_P(Verbs, ConnAsGuestAnswersUserServerAndLimitsThenJoinsHome) {
    ServerProcess server;
    auto conn = open(server);
    send(*conn, "CONN", {{"us", ""}, {"pwd", ""}});
    const auto ok = body_of(conn->expect("OK", kWait));
    const auto user = str(ok, "user");
    EXPECT_TRUE(std::regex_match(user, std::regex("Guest[0-9]+"))) << user;
    EXPECT_EQ(ok.at("guest"), true);
    // server_name: by default the host name, with a dot.
    EXPECT_NE(str(ok.at("server").as_object(), "name").find('.'), std::string::npos);
    EXPECT_TRUE(ok.at("server").as_object().at("version").is_string());
    const auto& limits = ok.at("limits").as_object();
    EXPECT_EQ(limits.at("max_frame_bytes"), 16384);
    EXPECT_EQ(limits.at("max_text_bytes"), 4096);
    EXPECT_EQ(limits.at("max_channels_per_user"), 100);
    EXPECT_TRUE(limits.contains("messages_per_second"));
    EXPECT_EQ(limits.at("history_page_max"), 200);

    const auto join = body_of(conn->expect("JOIN", kWait));
    EXPECT_EQ(str(join, "channel"), "home");
    EXPECT_EQ(str(join, "user"), user);
    const auto history = body_of(conn->expect("HISTORY", kWait));
    EXPECT_EQ(str(history, "channel"), "home");
    EXPECT_TRUE(history.at("messages").as_array().empty());
}

TEST_P(Verbs, ConnIntoANamedChannelJoinsThatChannel) {
    ServerProcess server;
    auto conn = open(server);
    send(*conn, "CONN", {{"us", ""}, {"pwd", ""}, {"channel", "#Lobby"}});
    conn->expect("OK", kWait);
    EXPECT_EQ(str(body_of(conn->expect("JOIN", kWait)), "channel"), "lobby");
    EXPECT_EQ(str(body_of(conn->expect("HISTORY", kWait)), "channel"), "lobby");
}

TEST_P(Verbs, RegisterCreatesAnAccountAndLogsIn) {
    ServerProcess server;
    auto conn = open(server);
    const auto ok = register_user(*conn, "Ann");
    EXPECT_EQ(str(ok, "user"), "Ann");
    EXPECT_EQ(ok.at("guest"), false);
    // server_name: by default the host name, with a dot.
    EXPECT_NE(str(ok.at("server").as_object(), "name").find('.'), std::string::npos);

    send(*conn, "END");
    conn->expect("OK", kWait);
    auto again = open(server);
    const auto relog = login(*again, "ann", kPassword);  // names are unique without case
    EXPECT_EQ(relog.at("guest"), false);
}

TEST_P(Verbs, JoinCreatesTheChannelWithTheJoinerAsOperator) {
    ServerProcess server;
    auto a = open(server);
    const auto ann = str(login(*a, ""), "user");
    send(*a, "JOIN", {{"channel", "#Rust-Lang"}});
    const auto ok = body_of(a->expect("OK", kWait));
    EXPECT_EQ(str(ok, "channel"), "rust-lang");
    EXPECT_TRUE(ok.at("topic").is_string());
    const auto& members = ok.at("members").as_array();
    ASSERT_EQ(members.size(), 1U);
    EXPECT_EQ(str(members[0].as_object(), "user"), ann);
    EXPECT_EQ(members[0].as_object().at("guest"), true);
    EXPECT_EQ(members[0].as_object().at("op"), true);
    const auto join = body_of(a->expect("JOIN", kWait));
    EXPECT_EQ(str(join, "channel"), "rust-lang");
    EXPECT_EQ(str(join, "user"), ann);
    EXPECT_EQ(str(body_of(a->expect("HISTORY", kWait)), "channel"), "rust-lang");

    // A second joiner: everyone, the joiner included, sees JOIN; the joiner is no operator.
    auto b = open(server);
    const auto bob = str(login(*b, ""), "user");
    send(*b, "JOIN", {{"channel", "rust-lang"}});
    const auto ok_b = body_of(b->expect("OK", kWait));
    ASSERT_EQ(ok_b.at("members").as_array().size(), 2U);
    for (const auto& m : ok_b.at("members").as_array()) {
        EXPECT_EQ(m.as_object().at("op"), str(m.as_object(), "user") == ann);
    }
    EXPECT_EQ(str(body_of(b->expect("JOIN", kWait)), "user"), bob);
    b->expect("HISTORY", kWait);
    auto seen = body_of(a->wait_for("JOIN", kWait));
    while (str(seen, "channel") != "rust-lang") {  // bob joined home first
        seen = body_of(a->wait_for("JOIN", kWait));
    }
    EXPECT_EQ(str(seen, "user"), bob);
}

TEST_P(Verbs, JoiningAChannelAgainAnswersOkAndHistoryWithoutAJoinEvent) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    auto b = open(server);
    login(*b, "");
    drain(*a);
    send(*b, "JOIN", {{"channel", "home"}});
    b->expect("OK", kWait);
    b->wait_for("HISTORY", kWait);
    EXPECT_TRUE(drain(*a).empty()) << "the other members were told about a join again";
}

TEST_P(Verbs, PartTellsEveryMemberIncludingTheLeaver) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    auto b = open(server);
    const auto bob = str(login(*b, ""), "user");
    drain(*a);
    call_ok(*b, "PART", {{"channel", "home"}});
    const auto own = body_of(b->expect("PART", kWait));
    EXPECT_EQ(str(own, "user"), bob);
    EXPECT_EQ(str(own, "channel"), "home");
    const auto seen = body_of(a->wait_for("PART", kWait));
    EXPECT_EQ(str(seen, "user"), bob);
    // Gone means gone: sending there is refused and nothing reaches the channel.
    EXPECT_EQ(call_no(*b, "SEND", msg("home", "still here?")), "not_in_channel");
    EXPECT_TRUE(bodies(drain(*a), "MSG").empty());
}

TEST_P(Verbs, SendAnswersOkBeforeTheSendersOwnMsg) {
    ServerProcess server;
    auto a = open(server);
    const auto ann = str(login(*a, ""), "user");
    auto b = open(server);
    login(*b, "");
    drain(*a);
    send(*a, "SEND", msg("home", "héllo wörld"));
    const auto ok = body_of(a->expect("OK", kWait));
    ASSERT_TRUE(ok.at("id").is_int64() || ok.at("id").is_uint64());
    EXPECT_TRUE(is_timestamp(str(ok, "ts"))) << str(ok, "ts");
    const auto mine = body_of(a->expect("MSG", kWait));
    const auto theirs = body_of(b->wait_for("MSG", kWait));
    for (const auto& m : {mine, theirs}) {
        EXPECT_EQ(m.at("id"), ok.at("id"));
        EXPECT_EQ(str(m, "channel"), "home");
        EXPECT_EQ(str(m, "from"), ann);
        EXPECT_EQ(str(m, "text"), "héllo wörld");
        EXPECT_EQ(str(m, "ts"), str(ok, "ts"));
    }
}

TEST_P(Verbs, SendAcceptsTextUpToTheLimitAndNoMore) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    call_ok(*a, "SEND", msg("home", std::string(4096, 'x')));
    EXPECT_EQ(call_no(*a, "SEND", msg("home", std::string(4097, 'x'))), "bad_request");
    EXPECT_EQ(call_no(*a, "SEND", msg("home", "")), "bad_request");
}

TEST_P(Verbs, DmReachesTheRecipientAndAnswersTheSender) {
    ServerProcess server;
    auto a = open(server);
    const auto ann = str(login(*a, ""), "user");
    auto b = open(server);
    const auto bob = str(login(*b, ""), "user");
    const auto ok = call_ok(*a, "DM", {{"to", bob}, {"text", "psst"}});
    EXPECT_TRUE(is_timestamp(str(ok, "ts")));
    const auto dm = body_of(b->wait_for("DM", kWait));
    EXPECT_EQ(dm.at("id"), ok.at("id"));
    EXPECT_EQ(str(dm, "from"), ann);
    EXPECT_EQ(str(dm, "to"), bob);
    EXPECT_EQ(str(dm, "text"), "psst");
    EXPECT_EQ(str(dm, "ts"), str(ok, "ts"));
    // The sender's only connection is the one that sent: it gets no copy.
    EXPECT_TRUE(bodies(drain(*a), "DM").empty());
    // Names are case-insensitive, and a DM to oneself is allowed.
    call_ok(*a, "DM", {{"to", lower(bob)}, {"text", "again"}});
    call_ok(*a, "DM", {{"to", ann}, {"text", "note to self"}});
}

TEST_P(Verbs, ListCountsMembersAndShowsTopics) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    auto b = open(server);
    login(*b, "");
    call_ok(*a, "JOIN", {{"channel", "solo"}});
    call_ok(*a, "TOPIC", {{"channel", "solo"}, {"topic", "just me"}});
    const auto ok = call_ok(*b, "LIST");
    std::map<std::string, std::pair<std::int64_t, std::string>> seen;
    for (const auto& c : ok.at("channels").as_array()) {
        const auto& o = c.as_object();
        seen[str(o, "name")] = {o.at("members").to_number<std::int64_t>(), str(o, "topic")};
    }
    ASSERT_TRUE(seen.contains("home"));
    ASSERT_TRUE(seen.contains("solo"));
    EXPECT_EQ(seen["home"].first, 2);
    EXPECT_EQ(seen["solo"].first, 1);
    EXPECT_EQ(seen["solo"].second, "just me");
}

TEST_P(Verbs, WhoListsMembersOfAnyExistingChannel) {
    ServerProcess server;
    auto a = open(server);
    const auto ann = str(login(*a, ""), "user");
    call_ok(*a, "JOIN", {{"channel", "den"}});
    auto b = open(server);
    login(*b, "");
    const auto ok = call_ok(*b, "WHO", {{"channel", "#den"}});  // b is not a member
    EXPECT_EQ(str(ok, "channel"), "den");
    const auto& members = ok.at("members").as_array();
    ASSERT_EQ(members.size(), 1U);
    EXPECT_EQ(str(members[0].as_object(), "user"), ann);
    EXPECT_EQ(members[0].as_object().at("guest"), true);
    EXPECT_EQ(members[0].as_object().at("op"), true);
}

TEST_P(Verbs, HistoryReturnsRecentMessagesOldestFirst) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    std::vector<boost::json::value> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(call_ok(*a, "SEND", msg("home", "m" + std::to_string(i))).at("id"));
    }
    const auto ok = call_ok(*a, "HISTORY", {{"channel", "home"}});
    EXPECT_EQ(str(ok, "channel"), "home");
    const auto& messages = ok.at("messages").as_array();
    ASSERT_EQ(messages.size(), 5U);
    for (std::size_t i = 0; i < 5; ++i) {
        const auto& m = messages[i].as_object();
        EXPECT_EQ(m.at("id"), ids[i]);
        EXPECT_EQ(str(m, "text"), "m" + std::to_string(i));
        EXPECT_EQ(str(m, "channel"), "home");
        EXPECT_TRUE(is_timestamp(str(m, "ts")));
        EXPECT_FALSE(str(m, "from").empty());
    }
    // A late joiner's HISTORY event carries the same messages.
    auto b = open(server);
    send(*b, "CONN", {{"us", ""}, {"pwd", ""}});
    b->expect("OK", kWait);
    b->expect("JOIN", kWait);
    const auto history = body_of(b->expect("HISTORY", kWait));
    ASSERT_EQ(history.at("messages").as_array().size(), 5U);
    EXPECT_EQ(history.at("messages").as_array()[4].as_object().at("id"), ids[4]);
}

TEST_P(Verbs, PingAnswersOkBeforeAndAfterLoginAndPongIsNotAnswered) {
    ServerProcess server;
    auto a = open(server);
    EXPECT_EQ(body_of(call(*a, "PING")).size(), 0U);
    send(*a, "PONG");
    EXPECT_FALSE(a->next(kQuiet).has_value());
    login(*a, "");
    call_ok(*a, "PING");
    send(*a, "PONG");
    EXPECT_FALSE(a->next(kQuiet).has_value());
}

TEST_P(Verbs, EndAnswersOkClosesAndTellsTheChannels) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    auto b = open(server);
    const auto bob = str(login(*b, ""), "user");
    call_ok(*b, "JOIN", {{"channel", "side"}});
    call_ok(*a, "JOIN", {{"channel", "side"}});
    drain(*a);
    call_ok(*b, "END");
    EXPECT_TRUE(b->closed_by_peer(kWait));
    // One QUIT per channel the user was in.
    std::vector<boost::json::object> quits;
    quits.push_back(body_of(a->wait_for("QUIT", kWait)));
    const auto rest = drain(*a);
    for (auto& q : bodies(rest, "QUIT")) {
        quits.push_back(q);
    }
    ASSERT_FALSE(quits.empty());
    for (const auto& q : quits) {
        EXPECT_EQ(str(q, "user"), bob);
        EXPECT_TRUE(q.contains("reason"));
    }
    const auto who = call_ok(*a, "WHO", {{"channel", "side"}});
    EXPECT_EQ(who.at("members").as_array().size(), 1U);
}

TEST(VerbsOverTcp, EndAfterPipelinedSendsAnswersEverySendBeforeClosing) {
    ServerProcess server;
    auto a = connect_tcp(server);
    login(*a, "");
    auto b = connect_tcp(server);
    login(*b, "");
    drain(*a);
    // One write, so END is read before any SEND has committed; every SEND is still answered,
    // in order, before END's OK and the close.
    constexpr int kSends = 5;
    std::string batch;
    for (int i = 0; i < kSends; ++i) {
        batch += R"({"SEND":{"channel":"home","text":"bye )" + std::to_string(i) + R"(","ref":)" +
                 std::to_string(i) + "}}\n";
    }
    batch += R"({"END":{"ref":"end"}})"
             "\n";
    a->send_raw(batch);
    std::vector<boost::json::value> refs;
    while (refs.size() < kSends + 1) {
        const auto frame = a->next(kWait);
        ASSERT_TRUE(frame.has_value())
            << "the connection ended after " << refs.size() << " replies";
        if (verb_of(*frame) == "OK") refs.push_back(body_of(*frame).at("ref"));
    }
    for (int i = 0; i < kSends; ++i) {
        EXPECT_EQ(refs[static_cast<std::size_t>(i)], i);
    }
    EXPECT_EQ(refs.back(), "end");
    EXPECT_TRUE(a->closed_by_peer(kWait));
    for (int i = 0; i < kSends; ++i) {
        EXPECT_EQ(str(body_of(b->wait_for("MSG", kWait)), "text"), "bye " + std::to_string(i));
    }
}

TEST_P(Verbs, EndBeforeLoginAnswersOkAndCloses) {
    ServerProcess server;
    auto a = open(server);
    send(*a, "END", {{"ref", "bye"}});
    EXPECT_EQ(str(body_of(a->expect("OK", kWait)), "ref"), "bye");
    EXPECT_TRUE(a->closed_by_peer(kWait));
}

TEST_P(Verbs, TopicIsSetByTheOperatorAndShownToMembers) {
    ServerProcess server;
    auto a = open(server);
    const auto ann = str(login(*a, ""), "user");
    call_ok(*a, "JOIN", {{"channel", "talk"}});
    auto b = open(server);
    login(*b, "");
    call_ok(*b, "JOIN", {{"channel", "talk"}});
    drain(*a);
    drain(*b);
    call_ok(*a, "TOPIC", {{"channel", "talk"}, {"topic", "on topic"}});
    for (auto* c : {a.get(), b.get()}) {
        const auto topic = body_of(c->wait_for("TOPIC", kWait));
        EXPECT_EQ(str(topic, "channel"), "talk");
        EXPECT_EQ(str(topic, "topic"), "on topic");
        EXPECT_EQ(str(topic, "by"), ann);
    }
    auto c = open(server);
    login(*c, "");
    EXPECT_EQ(str(call_ok(*c, "JOIN", {{"channel", "talk"}}), "topic"), "on topic");
}

TEST_P(Verbs, KickRemovesTheUserAndTellsMembersWhoAndWhy) {
    ServerProcess server;
    auto a = open(server);
    const auto ann = str(login(*a, ""), "user");
    call_ok(*a, "JOIN", {{"channel", "club"}});
    auto b = open(server);
    const auto bob = str(login(*b, ""), "user");
    call_ok(*b, "JOIN", {{"channel", "club"}});
    drain(*a);
    drain(*b);
    call_ok(*a, "KICK", {{"channel", "club"}, {"user", bob}, {"reason", "spam"}});
    for (auto* c : {a.get(), b.get()}) {
        const auto part = body_of(c->wait_for("PART", kWait));
        EXPECT_EQ(str(part, "channel"), "club");
        EXPECT_EQ(str(part, "user"), bob);
        EXPECT_EQ(str(part, "by"), ann);
        EXPECT_EQ(str(part, "reason"), "spam");
    }
    EXPECT_EQ(call_no(*b, "SEND", msg("club", "hey")), "not_in_channel");
    call_ok(*b, "JOIN", {{"channel", "club"}});  // a kick is not a ban
}

TEST_P(Verbs, BanKicksAndKeepsOutUntilUnban) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    call_ok(*a, "JOIN", {{"channel", "club"}});
    auto b = open(server);
    const auto bob = str(login(*b, ""), "user");
    call_ok(*b, "JOIN", {{"channel", "club"}});
    drain(*b);
    call_ok(*a, "BAN", {{"channel", "club"}, {"user", bob}});
    EXPECT_EQ(str(body_of(b->wait_for("PART", kWait)), "user"), bob);
    EXPECT_EQ(call_no(*b, "JOIN", {{"channel", "club"}}), "banned");
    call_ok(*a, "UNBAN", {{"channel", "club"}, {"user", bob}});
    call_ok(*b, "JOIN", {{"channel", "club"}});
}

TEST_P(Verbs, OpGrantsOperatorRights) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    call_ok(*a, "JOIN", {{"channel", "club"}});
    auto b = open(server);
    const auto bob = str(login(*b, ""), "user");
    call_ok(*b, "JOIN", {{"channel", "club"}});
    EXPECT_EQ(call_no(*b, "TOPIC", {{"channel", "club"}, {"topic", "mine"}}), "forbidden");
    call_ok(*a, "OP", {{"channel", "club"}, {"user", bob}});
    call_ok(*b, "TOPIC", {{"channel", "club"}, {"topic", "mine"}});
    const auto who = call_ok(*a, "WHO", {{"channel", "club"}});
    for (const auto& m : who.at("members").as_array()) {
        EXPECT_EQ(m.as_object().at("op"), true) << boost::json::serialize(m);
    }
}

TEST_P(Verbs, KeyGuardsJoinUntilRemoved) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    call_ok(*a, "JOIN", {{"channel", "vault"}});
    call_ok(*a, "KEY", {{"channel", "vault"}, {"key", "sesame"}});
    auto b = open(server);
    login(*b, "");
    EXPECT_EQ(call_no(*b, "JOIN", {{"channel", "vault"}}), "bad_key");
    EXPECT_EQ(call_no(*b, "JOIN", {{"channel", "vault"}, {"key", "wrong"}}), "bad_key");
    call_ok(*b, "JOIN", {{"channel", "vault"}, {"key", "sesame"}});
    call_ok(*a, "KEY", {{"channel", "vault"}, {"key", ""}});
    auto c = open(server);
    login(*c, "");
    call_ok(*c, "JOIN", {{"channel", "vault"}});
}

TEST_P(Verbs, RefIsEchoedAsStringAndIntegerOnOkAndNo) {
    ServerProcess server;
    auto a = open(server);
    send(*a, "PING", {{"ref", "r-1"}});
    EXPECT_EQ(body_of(a->expect("OK", kWait)).at("ref"), "r-1");
    send(*a, "PING", {{"ref", 42}});
    EXPECT_EQ(body_of(a->expect("OK", kWait)).at("ref"), 42);
    send(*a, "JOIN", {{"channel", "home"}, {"ref", "r-2"}});
    auto no = body_of(a->expect("NO", kWait));
    EXPECT_EQ(no.at("ref"), "r-2");
    EXPECT_EQ(str(no, "code"), "not_logged_in");
    send(*a, "JOIN", {{"channel", "home"}, {"ref", -7}});
    EXPECT_EQ(body_of(a->expect("NO", kWait)).at("ref"), -7);

    send(*a, "CONN", {{"us", ""}, {"pwd", ""}, {"ref", 9}});
    EXPECT_EQ(body_of(a->expect("OK", kWait)).at("ref"), 9);
    a->expect("JOIN", kWait);
    a->expect("HISTORY", kWait);
    send(*a, "SEND", {{"channel", "home"}, {"text", "x"}, {"ref", "s"}});
    EXPECT_EQ(body_of(a->expect("OK", kWait)).at("ref"), "s");
    // Events never carry a ref.
    EXPECT_FALSE(body_of(a->expect("MSG", kWait)).contains("ref"));
    send(*a, "SEND", {{"channel", "nowhere"}, {"text", "x"}, {"ref", std::string(64, 'r')}});
    EXPECT_EQ(body_of(a->expect("NO", kWait)).at("ref"), boost::json::value(std::string(64, 'r')));
}

TEST_P(Verbs, AnInvalidRefIsABadRequestWithoutEcho) {
    ServerProcess server;
    auto a = open(server);
    for (const boost::json::value& ref :
         {boost::json::value(std::string(65, 'r')),
          boost::json::value(true),
          boost::json::value(1.5),
          boost::json::value(boost::json::array{1})}) {
        send(*a, "PING", {{"ref", ref}});
        const auto no = a->expect("NO", kWait);
        EXPECT_EQ(no_code(no), "bad_request") << boost::json::serialize(ref);
        EXPECT_FALSE(body_of(no).contains("ref")) << boost::json::serialize(no);
    }
    call_ok(*a, "PING");
}

TEST_P(Verbs, UnknownExtraFieldsAreIgnored) {
    ServerProcess server;
    auto a = open(server);
    call_ok(*a, "PING", {{"whatever", 1}});
    send(*a, "CONN", {{"us", ""}, {"pwd", ""}, {"client", "e2e"}});
    a->expect("OK", kWait);
}

INSTANTIATE_TEST_SUITE_P(, Verbs, ::testing::Values(Transport::tcp, Transport::ws), transport_name);

}  // namespace
}  // namespace salon::test
