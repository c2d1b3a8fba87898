// Every error code a client can provoke, and the order in which PROTOCOL.md checks them.
#include <gtest/gtest.h>

#include <thread>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

/// Cases about bytes on the wire: they need the raw line client.
class Framing : public ::testing::Test {
protected:
    ServerProcess server_;
    std::unique_ptr<LineClient> conn_ = connect_tcp(server_);

    std::string raw_code(std::string_view bytes) {
        conn_->send_raw(bytes);
        return no_code(reply(*conn_));
    }
};

TEST_F(Framing, BadJsonKeepsTheConnectionUsable) {
    EXPECT_EQ(raw_code("{not json\n"), "bad_json");
    EXPECT_EQ(raw_code("{\"PING\":{}\n"), "bad_json");
    EXPECT_EQ(raw_code("PING\n"), "bad_json");
    call_ok(*conn_, "PING");
}

TEST_F(Framing, WrongShapesAreBadRequest) {
    EXPECT_EQ(raw_code("[1,2]\n"), "bad_request");
    EXPECT_EQ(raw_code("\"PING\"\n"), "bad_request");
    EXPECT_EQ(raw_code("42\n"), "bad_request");
    EXPECT_EQ(raw_code("{}\n"), "bad_request");
    EXPECT_EQ(raw_code("{\"PING\":{},\"PONG\":{}}\n"), "bad_request");
    EXPECT_EQ(raw_code("{\"PING\":5}\n"), "bad_request");
    EXPECT_EQ(raw_code("{\"PING\":[]}\n"), "bad_request");
    call_ok(*conn_, "PING");
}

TEST_F(Framing, BadUtf8IsCaughtBeforeJson) {
    EXPECT_EQ(raw_code("{\"PING\":{\"ref\":\"\xff\"}}\n"), "bad_utf8");
    EXPECT_EQ(raw_code("\xc3\x28 not json either\n"), "bad_utf8");
    EXPECT_EQ(raw_code("{\"PING\":{\"ref\":\"\xed\xa0\x80\"}}\n"), "bad_utf8");  // a surrogate
    call_ok(*conn_, "PING");
}

TEST_F(Framing, CrLfAndBlankLinesAreAccepted) {
    conn_->send_raw("\n\r\n\n{\"PING\":{\"ref\":1}}\r\n");
    const auto ok = conn_->expect("OK", kWait);
    EXPECT_EQ(body_of(ok).at("ref"), 1);
    EXPECT_FALSE(conn_->next(kQuiet).has_value());
}

TEST_F(Framing, AFrameSplitAcrossWritesIsOneFrame) {
    conn_->send_raw("{\"PI");
    EXPECT_FALSE(conn_->next(std::chrono::milliseconds(100)).has_value());
    conn_->send_raw("NG\":{\"ref\":\"split\"}}\n{\"PING\":{\"ref\":\"second\"}}\n");
    EXPECT_EQ(body_of(conn_->expect("OK", kWait)).at("ref"), "split");
    EXPECT_EQ(body_of(conn_->expect("OK", kWait)).at("ref"), "second");
}

TEST_F(Framing, LineTooLongAnswersAndCloses) {
    const std::string big = "{\"PING\":{\"ref\":\"" + std::string(17000, 'a') + "\"}}\n";
    conn_->send_raw(big);
    const auto no = conn_->expect("NO", kWait);
    EXPECT_EQ(no_code(no), "line_too_long");
    EXPECT_TRUE(conn_->closed_by_peer(kWait));
}

TEST_F(Framing, LineTooLongWithoutANewlineAnswersAndCloses) {
    // The server must not buffer without bound while it waits for the end of the line.
    try {
        conn_->send_raw(std::string(64 * 1024, 'a'));
    } catch (const std::runtime_error&) {
        // the server may close before taking all of it; the reply was sent first
    }
    EXPECT_EQ(no_code(conn_->expect("NO", kWait)), "line_too_long");
    EXPECT_TRUE(conn_->closed_by_peer(kWait));
}

TEST_F(Framing, ATooLongLineOfBadBytesIsLineTooLong) {
    conn_->send_raw(std::string(17000, '\xff') + "\n");
    EXPECT_EQ(no_code(conn_->expect("NO", kWait)), "line_too_long");
    EXPECT_TRUE(conn_->closed_by_peer(kWait));
}

TEST(FramingLimit, MaxFrameBytesIsConfigurable) {
    // The frame limit must leave room for a full text, so both shrink together.
    ServerProcess server(
        {.extra_args = {"--max-frame-bytes", "2048", "--max-text-bytes", "1024"}, .data_dir = {}}
    );
    auto conn = connect_tcp(server);
    call_ok(*conn, "PING", {{"pad", std::string(900, 'a')}});  // unknown fields are ignored
    conn->send_raw("{\"PING\":{\"pad\":\"" + std::string(3000, 'a') + "\"}}\n");
    EXPECT_EQ(no_code(conn->expect("NO", kWait)), "line_too_long");
    EXPECT_TRUE(conn->closed_by_peer(kWait));
}

class Errors : public E2e {};

TEST_P(Errors, CheckOrderShapeThenVerbThenState) {
    ServerProcess server;
    auto a = open(server);
    // An unknown verb is unknown_verb before login too (verb before state).
    EXPECT_EQ(call_no(*a, "FROB"), "unknown_verb");
    EXPECT_EQ(call_no(*a, "send", msg("home", "x")), "unknown_verb");  // verbs are upper case
    // Every verb that needs a login says so.
    for (const auto* verb :
         {"JOIN",
          "PART",
          "SEND",
          "DM",
          "LIST",
          "WHO",
          "HISTORY",
          "TOPIC",
          "KICK",
          "BAN",
          "UNBAN",
          "OP",
          "KEY"}) {
        EXPECT_EQ(call_no(*a, verb, {{"channel", "home"}}), "not_logged_in") << verb;
    }
    // State comes before the verb's own rules: invalid arguments still say not_logged_in.
    EXPECT_EQ(call_no(*a, "JOIN", {{"channel", "not a valid name!"}}), "not_logged_in");
    EXPECT_EQ(call_no(*a, "SEND", {{"channel", "home"}, {"text", ""}}), "not_logged_in");
    // A non-object argument is a shape error even for an unknown verb or before login.
    a->send(boost::json::object{{"FROB", 1}});
    EXPECT_EQ(no_code(reply(*a)), "bad_request");
    a->send(boost::json::object{{"JOIN", "home"}});
    EXPECT_EQ(no_code(reply(*a)), "bad_request");
    login(*a, "");
    EXPECT_EQ(call_no(*a, "FROB"), "unknown_verb");
}

TEST_P(Errors, AlreadyLoggedIn) {
    ServerProcess server;
    auto a = open(server);
    register_user(*a, "first");
    EXPECT_EQ(call_no(*a, "CONN", {{"us", ""}, {"pwd", ""}}), "already_logged_in");
    // (A guest's REGISTER makes it the account: accounts_test.cpp.)
    EXPECT_EQ(call_no(*a, "REGISTER", {{"us", "newbie"}, {"pwd", kPassword}}), "already_logged_in");
    // A failed request changes nothing: the account was not created.
    auto b = open(server);
    register_user(*b, "newbie");
}

TEST_P(Errors, BadCredentialsLooksTheSameForUnknownNamesAndWrongPasswords) {
    ServerProcess server;
    auto a = open(server);
    register_user(*a, "ann");
    auto b = open(server);
    const auto wrong = call(*b, "CONN", {{"us", "ann"}, {"pwd", "not-the-password"}});
    const auto unknown = call(*b, "CONN", {{"us", "nobody"}, {"pwd", "not-the-password"}});
    EXPECT_EQ(no_code(wrong), "bad_credentials");
    EXPECT_EQ(no_code(unknown), "bad_credentials");
    EXPECT_EQ(str(body_of(wrong), "message"), str(body_of(unknown), "message"));
    login(*b, "ANN", kPassword);  // still usable; names are case-insensitive
}

TEST_P(Errors, FailedLoginsFromOneAddressAreThrottledEvenForTheRightPassword) {
    ServerProcess server({.extra_args = {"--failed-logins-per-minute", "3"}, .data_dir = {}});
    auto a = open(server);
    register_user(*a, "ann");
    auto b = open(server);
    for (int i = 0; i < 3; ++i) {
        const auto guess = "guess-" + std::to_string(i);
        EXPECT_EQ(call_no(*b, "CONN", {{"us", "ann"}, {"pwd", guess}}), "bad_credentials");
    }
    EXPECT_EQ(call_no(*b, "CONN", {{"us", "ann"}, {"pwd", kPassword}}), "rate_limited");
    // Guests are not accounts: the throttle does not keep them out.
    login(*b, "");
}

TEST_P(Errors, NameTaken) {
    ServerProcess server;
    auto a = open(server);
    register_user(*a, "ann");
    auto b = open(server);
    EXPECT_EQ(call_no(*b, "REGISTER", {{"us", "ANN"}, {"pwd", kPassword}}), "name_taken");
    login(*b, "Guest77");
    auto c = open(server);
    EXPECT_EQ(call_no(*c, "CONN", {{"us", "guest77"}, {"pwd", ""}}), "name_taken");
    login(*c, "");
}

TEST_P(Errors, BadName) {
    ServerProcess server;
    auto a = open(server);
    for (const auto* name :
         {"has space", "semi;colon", "ünïcode", "", "abcdefghijabcdefghijabcdefghijabc"}) {
        EXPECT_EQ(call_no(*a, "REGISTER", {{"us", name}, {"pwd", kPassword}}), "bad_name") << name;
    }
    EXPECT_EQ(call_no(*a, "CONN", {{"us", "Guest!!"}, {"pwd", ""}}), "bad_name");
    // Exactly 32 characters of the allowed set is fine.
    register_user(*a, "abc.DEF_ghi-0123456789abcdefghij");
    EXPECT_EQ(call_no(*a, "JOIN", {{"channel", "no spaces"}}), "bad_name");
    EXPECT_EQ(call_no(*a, "JOIN", {{"channel", std::string(51, 'c')}}), "bad_name");
    call_ok(*a, "JOIN", {{"channel", std::string(50, 'c')}});
}

TEST_P(Errors, GuestNamesCannotBeRegistered) {
    ServerProcess server;
    auto a = open(server);
    const auto code = call_no(*a, "REGISTER", {{"us", "guestly"}, {"pwd", kPassword}});
    EXPECT_TRUE(code == "bad_name" || code == "name_taken") << code;
}

TEST_P(Errors, WeakPassword) {
    ServerProcess server;
    auto a = open(server);
    EXPECT_EQ(call_no(*a, "REGISTER", {{"us", "ann"}, {"pwd", "a"}}), "weak_password");
    EXPECT_EQ(call_no(*a, "REGISTER", {{"us", "ann"}, {"pwd", ""}}), "weak_password");
    register_user(*a, "ann");
}

TEST_P(Errors, RegistrationClosed) {
    ServerProcess server({.extra_args = {"--registration", "closed"}, .data_dir = {}});
    auto a = open(server);
    EXPECT_EQ(call_no(*a, "REGISTER", {{"us", "ann"}, {"pwd", kPassword}}), "registration_closed");
    login(*a, "");  // guests still get in
}

TEST_P(Errors, NotInChannelAndNoSuchChannel) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    call_ok(*a, "JOIN", {{"channel", "theirs"}});
    auto b = open(server);
    login(*b, "");
    EXPECT_EQ(call_no(*b, "SEND", msg("theirs", "x")), "not_in_channel");
    EXPECT_EQ(call_no(*b, "PART", {{"channel", "theirs"}}), "not_in_channel");
    EXPECT_EQ(call_no(*b, "HISTORY", {{"channel", "theirs"}}), "not_in_channel");
    EXPECT_EQ(call_no(*b, "SEND", msg("nowhere", "x")), "no_such_channel");
    EXPECT_EQ(call_no(*b, "PART", {{"channel", "nowhere"}}), "no_such_channel");
    EXPECT_EQ(call_no(*b, "HISTORY", {{"channel", "nowhere"}}), "no_such_channel");
    EXPECT_EQ(call_no(*b, "WHO", {{"channel", "nowhere"}}), "no_such_channel");
    EXPECT_TRUE(bodies(drain(*a), "MSG").empty());
}

TEST_P(Errors, NoSuchUser) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    EXPECT_EQ(call_no(*a, "DM", {{"to", "nobody"}, {"text", "hi"}}), "no_such_user");
    EXPECT_EQ(call_no(*a, "DM", {{"to", "Guest99999"}, {"text", "hi"}}), "no_such_user");
}

TEST_P(Errors, ForbiddenImpersonationAndNonOperatorCommands) {
    ServerProcess server;
    auto a = open(server);
    const auto ann = str(login(*a, ""), "user");
    call_ok(*a, "JOIN", {{"channel", "club"}});
    auto b = open(server);
    const auto bob = str(login(*b, ""), "user");
    call_ok(*b, "JOIN", {{"channel", "club"}});
    drain(*a);
    EXPECT_EQ(
        call_no(*b, "SEND", {{"USER", ann}, {"CHANNEL", "club"}, {"PAYLOAD", "I am ann"}}),
        "forbidden"
    );
    EXPECT_EQ(call_no(*b, "TOPIC", {{"channel", "club"}, {"topic", "t"}}), "forbidden");
    EXPECT_EQ(call_no(*b, "KICK", {{"channel", "club"}, {"user", ann}}), "forbidden");
    EXPECT_EQ(call_no(*b, "BAN", {{"channel", "club"}, {"user", ann}}), "forbidden");
    EXPECT_EQ(call_no(*b, "OP", {{"channel", "club"}, {"user", bob}}), "forbidden");
    EXPECT_EQ(call_no(*b, "KEY", {{"channel", "club"}, {"key", "k"}}), "forbidden");
    // Nothing of it happened.
    const auto frames = drain(*a);
    EXPECT_TRUE(bodies(frames, "MSG").empty());
    EXPECT_TRUE(bodies(frames, "TOPIC").empty());
    EXPECT_TRUE(bodies(frames, "PART").empty());
    const auto who = call_ok(*a, "WHO", {{"channel", "club"}});
    EXPECT_EQ(who.at("members").as_array().size(), 2U);
}

TEST_P(Errors, Banned) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    call_ok(*a, "JOIN", {{"channel", "club"}});
    auto b = open(server);
    const auto bob = str(login(*b, ""), "user");
    call_ok(*a, "BAN", {{"channel", "club"}, {"user", bob}});  // bans work on absent users too
    EXPECT_EQ(call_no(*b, "JOIN", {{"channel", "club"}}), "banned");
}

TEST_P(Errors, BadKey) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    call_ok(*a, "JOIN", {{"channel", "vault"}});
    call_ok(*a, "KEY", {{"channel", "vault"}, {"key", "k1"}});
    auto b = open(server);
    login(*b, "");
    EXPECT_EQ(call_no(*b, "JOIN", {{"channel", "vault"}, {"key", "k2"}}), "bad_key");
}

TEST_P(Errors, TooManyChannels) {
    ServerProcess server({.extra_args = {"--max-channels-per-user", "2"}, .data_dir = {}});
    auto a = open(server);
    login(*a, "");  // home is one
    call_ok(*a, "JOIN", {{"channel", "two"}});
    EXPECT_EQ(call_no(*a, "JOIN", {{"channel", "three"}}), "too_many_channels");
    call_ok(*a, "PART", {{"channel", "two"}});
    call_ok(*a, "JOIN", {{"channel", "three"}});
}

TEST_P(Errors, WrongFieldTypesAreBadRequest) {
    ServerProcess server;
    auto a = open(server);
    EXPECT_EQ(call_no(*a, "CONN", {{"us", 5}, {"pwd", ""}}), "bad_request");
    login(*a, "");
    EXPECT_EQ(call_no(*a, "SEND", {{"channel", 5}, {"text", "x"}}), "bad_request");
    EXPECT_EQ(call_no(*a, "SEND", {{"channel", "home"}}), "bad_request");
    EXPECT_EQ(call_no(*a, "SEND", {{"channel", "home"}, {"text", true}}), "bad_request");
    EXPECT_EQ(call_no(*a, "JOIN", {{"channel", boost::json::array{}}}), "bad_request");
    EXPECT_EQ(call_no(*a, "DM", {{"to", "x"}}), "bad_request");
    EXPECT_EQ(call_no(*a, "HISTORY", {{"channel", "home"}, {"before", "x"}}), "bad_request");
    EXPECT_EQ(call_no(*a, "HISTORY", {{"channel", "home"}, {"limit", 0}}), "bad_request");
    EXPECT_EQ(call_no(*a, "HISTORY", {{"channel", "home"}, {"limit", 201}}), "bad_request");
    call_ok(*a, "HISTORY", {{"channel", "home"}, {"limit", 200}});
}

TEST_P(Errors, RateLimitedThenUsableAgain) {
    ServerProcess server(
        {.extra_args =
             {"--messages-per-second", "5", "--message-burst", "5", "--rate-limit-strikes", "1000"},
         .data_dir = {}}
    );
    auto a = open(server);
    login(*a, "");
    for (int i = 0; i < 20; ++i) {
        send(*a, "SEND", msg("home", "flood " + std::to_string(i)));
    }
    int ok = 0;
    int limited = 0;
    for (int i = 0; i < 20; ++i) {
        const auto frame = reply(*a);
        if (verb_of(frame) == "OK") {
            ++ok;
        } else if (no_code(frame) == "rate_limited") {
            ++limited;
        }
    }
    EXPECT_GE(ok, 1);
    EXPECT_LE(ok, 10);
    EXPECT_EQ(ok + limited, 20);
    // Tokens come back: within a bounded wait a SEND succeeds again on the same connection.
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    bool recovered = false;
    while (!recovered && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        recovered = verb_of(call(*a, "SEND", msg("home", "calm"))) == "OK";
    }
    EXPECT_TRUE(recovered);
}

TEST_P(Errors, RepeatedRateLimitAbuseDisconnects) {
    ServerProcess server(
        {.extra_args =
             {"--messages-per-second", "5", "--message-burst", "5", "--rate-limit-strikes", "3"},
         .data_dir = {}}
    );
    auto a = open(server);
    login(*a, "");
    for (int i = 0; i < 40; ++i) {
        try {
            send(*a, "SEND", msg("home", "flood"));
        } catch (const std::runtime_error&) {
            break;  // already closed
        }
    }
    EXPECT_TRUE(a->closed_by_peer(kWait));
    auto b = open(server);  // the server itself is fine
    login(*b, "");
}

INSTANTIATE_TEST_SUITE_P(
    , Errors, ::testing::Values(Transport::tcp, Transport::ws), transport_name
);

}  // namespace
}  // namespace salon::test
