// Session tokens (TOKEN, CONN with a token, TOKENS, REVOKE) and PASSWD, against the real salond.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

namespace json = boost::json;

class SessionToken : public E2e {};

/// TOKEN on a logged-in connection; the OK body.
json::object make_token(Connection& conn, std::string_view label = "laptop") {
    return call_ok(conn, "TOKEN", {{"label", label}});
}

/// CONN with a token instead of a password, expecting OK then JOIN and HISTORY for `home`.
json::object token_login(Connection& conn, std::string_view us, std::string_view token) {
    send(conn, "CONN", {{"us", us}, {"token", token}});
    auto ok = conn.expect("OK", kWait);
    conn.wait_for("JOIN", kWait);
    conn.wait_for("HISTORY", kWait);
    return body_of(ok);
}

/// Waits for NOTICE session_revoked, then for the server's close.
void expect_revoked(Connection& conn) {
    const auto notice = body_of(conn.wait_for("NOTICE", kWait));
    EXPECT_EQ(str(notice, "code"), "session_revoked");
    EXPECT_FALSE(str(notice, "message").empty());
    EXPECT_TRUE(conn.closed_by_peer(kWait));
}

std::int64_t id_of(const json::object& body) {
    return body.at("id").to_number<std::int64_t>();
}

TEST_P(SessionToken, ATokenLogsInLikeAPasswordAndRevokingItClosesItsConnection) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    call_ok(*ann, "JOIN", {{"channel", "rust"}});
    const auto made = make_token(*ann, "Firefox on laptop");
    // The OK: an id, 43 characters of base64url (32 bytes), an expiry in about 30 days.
    const std::string token = str(made, "token");
    EXPECT_TRUE(std::regex_match(token, std::regex("[A-Za-z0-9_-]{43}"))) << token;
    EXPECT_GT(id_of(made), 0);
    EXPECT_TRUE(is_timestamp(str(made, "expires"))) << str(made, "expires");
    EXPECT_EQ(made.size(), 3U) << json::serialize(made);

    auto laptop = open(server);
    send(*laptop, "CONN", {{"us", "ann"}, {"token", token}, {"v", 2}});
    const auto ok = body_of(laptop->expect("OK", kWait));
    EXPECT_EQ(str(ok, "user"), "ann");
    EXPECT_FALSE(ok.at("guest").as_bool());
    EXPECT_EQ(ok.at("protocol").as_int64(), 2);
    // Rejoined to every channel, like a password login.
    std::set<std::string> joined;
    for (const auto& frame : drain(*laptop)) {
        if (verb_of(frame) == "JOIN") joined.insert(str(body_of(frame), "channel"));
    }
    EXPECT_EQ(joined, (std::set<std::string>{"home", "rust"}));
    call_ok(*laptop, "SEND", msg("rust", "from the laptop"));

    call_ok(*ann, "REVOKE", {{"id", id_of(made)}});
    expect_revoked(*laptop);
    // The connection that revoked stays.
    call_ok(*ann, "PING");
    // A revoked token no longer logs in.
    auto again = open(server);
    EXPECT_EQ(call_no(*again, "CONN", {{"us", "ann"}, {"token", token}}), "bad_credentials");
    // Nor does an id that is not (or no longer) one of ann's tokens revoke anything.
    EXPECT_EQ(call_no(*ann, "REVOKE", {{"id", id_of(made)}}), "no_such_token");
}

INSTANTIATE_TEST_SUITE_P(
    , SessionToken, ::testing::Values(Transport::tcp, Transport::ws), transport_name
);

class Tokens : public ::testing::Test {
protected:
    std::unique_ptr<Connection> open(const ServerProcess& server) {
        return connect(server, Transport::tcp);
    }

    /// Registers ann, takes a token for her, and logs her out: the token a device would keep.
    std::string token_of_logged_out_ann(const ServerProcess& server) {
        auto ann = open(server);
        register_user(*ann, "ann");
        std::string token = str(make_token(*ann), "token");
        call_ok(*ann, "END");
        return token;
    }
};

TEST_F(Tokens, ATokenIsRefusedForAnotherAccountAndWithAPasswordBeside) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    auto bob = open(server);
    register_user(*bob, "bob");
    const std::string token = str(make_token(*ann), "token");

    auto other = open(server);
    EXPECT_EQ(call_no(*other, "CONN", {{"us", "bob"}, {"token", token}}), "bad_credentials");
    EXPECT_EQ(call_no(*other, "CONN", {{"us", "nobody"}, {"token", token}}), "bad_credentials");
    EXPECT_EQ(
        call_no(*other, "CONN", {{"us", "ann"}, {"token", "not-a-token"}}), "bad_credentials"
    );
    EXPECT_EQ(
        call_no(*other, "CONN", {{"us", "ann"}, {"token", token}, {"pwd", kPassword}}),
        "bad_request"
    );
    EXPECT_EQ(call_no(*other, "CONN", {{"us", ""}, {"token", token}}), "bad_credentials");
    // bob cannot revoke ann's token.
    EXPECT_EQ(call_no(*bob, "REVOKE", {{"id", id_of(make_token(*ann))}}), "no_such_token");
    // After all that, ann's token still works.
    token_login(*other, "ann", token);
}

TEST_F(Tokens, GuestsGetForbidden) {
    ServerProcess server;
    auto guest = open(server);
    login(*guest, "");
    EXPECT_EQ(call_no(*guest, "TOKEN"), "forbidden");
    EXPECT_EQ(call_no(*guest, "TOKENS"), "forbidden");
    EXPECT_EQ(call_no(*guest, "REVOKE", {{"id", 1}}), "forbidden");
    EXPECT_EQ(
        call_no(*guest, "PASSWD", {{"old", kPassword}, {"new", "another-password-2"}}), "forbidden"
    );
    auto before = open(server);
    EXPECT_EQ(call_no(*before, "TOKEN"), "not_logged_in");
}

TEST_F(Tokens, TheLabelIsBounded) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    EXPECT_EQ(call_no(*ann, "TOKEN", {{"label", std::string(65, 'x')}}), "bad_request");
    EXPECT_EQ(call_no(*ann, "TOKEN", {{"label", 7}}), "bad_request");
    call_ok(*ann, "TOKEN", {{"label", std::string(64, 'x')}});
    call_ok(*ann, "TOKEN");
}

TEST_F(Tokens, TokensListsLabelsAndTimesNeverTheSecretMostRecentlyUsedFirst) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    const auto first = make_token(*ann, "phone");
    const auto second = make_token(*ann, "tablet");
    // Before any use: the newest first, never used, not this connection's.
    auto listed = call_ok(*ann, "TOKENS");
    const auto& before = listed.at("tokens").as_array();
    ASSERT_EQ(before.size(), 2U);
    EXPECT_EQ(id_of(before[0].as_object()), id_of(second));
    EXPECT_TRUE(before[0].as_object().at("last_used").is_null());
    EXPECT_FALSE(before[0].as_object().at("current").as_bool());

    auto phone = open(server);
    token_login(*phone, "ann", str(first, "token"));
    listed = call_ok(*phone, "TOKENS");
    const std::string text = json::serialize(listed);
    EXPECT_EQ(text.find(str(first, "token")), std::string::npos) << text;
    EXPECT_EQ(text.find(str(second, "token")), std::string::npos) << text;
    const auto& tokens = listed.at("tokens").as_array();
    ASSERT_EQ(tokens.size(), 2U);
    const auto& used = tokens[0].as_object();
    EXPECT_EQ(id_of(used), id_of(first));
    EXPECT_EQ(str(used, "label"), "phone");
    EXPECT_TRUE(is_timestamp(str(used, "created")));
    EXPECT_TRUE(is_timestamp(str(used, "last_used")));
    EXPECT_TRUE(is_timestamp(str(used, "expires")));
    EXPECT_FALSE(used.contains("token"));
    EXPECT_TRUE(used.at("current").as_bool());
    EXPECT_EQ(str(tokens[1].as_object(), "label"), "tablet");
    EXPECT_FALSE(tokens[1].as_object().at("current").as_bool());
    // The password login's connection holds no token.
    const auto from_password = call_ok(*ann, "TOKENS");  // the loop borrows from it
    for (const auto& t : from_password.at("tokens").as_array()) {
        EXPECT_FALSE(t.as_object().at("current").as_bool());
    }
}

TEST_F(Tokens, ATokenExpiresUnlessUsedAndEachUseRenewsIt) {
    // 0.0001 days: 8.64 s.
    ServerProcess server({.extra_args = {"--token-ttl-days", "0.0001"}, .data_dir = {}});
    auto ann = open(server);
    register_user(*ann, "ann");
    const std::string kept = str(make_token(*ann, "kept"), "token");
    const std::string idle = str(make_token(*ann, "idle"), "token");
    std::this_thread::sleep_for(5s);
    auto device = open(server);
    const auto renewed = token_login(*device, "ann", kept);
    call_ok(*device, "END");
    std::this_thread::sleep_for(5s);
    // 10 s after they were made: the idle one expired, the one used at 5 s was renewed.
    auto late = open(server);
    EXPECT_EQ(call_no(*late, "CONN", {{"us", "ann"}, {"token", idle}}), "bad_credentials");
    token_login(*late, "ann", kept);
    const auto tokens = call_ok(*late, "TOKENS").at("tokens").as_array();
    ASSERT_EQ(tokens.size(), 1U);
    EXPECT_EQ(str(tokens[0].as_object(), "label"), "kept");
    EXPECT_EQ(str(renewed, "user"), "ann");
}

TEST_F(Tokens, FailedTokenLoginsAreThrottledLikeFailedPasswords) {
    ServerProcess server({.extra_args = {"--failed-logins-per-minute", "3"}, .data_dir = {}});
    auto ann = open(server);
    register_user(*ann, "ann");
    const std::string token = str(make_token(*ann), "token");
    auto thief = open(server);
    const std::string wrong = std::string(42, 'A') + "E";
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(call_no(*thief, "CONN", {{"us", "ann"}, {"token", wrong}}), "bad_credentials");
    }
    EXPECT_EQ(call_no(*thief, "CONN", {{"us", "ann"}, {"token", token}}), "rate_limited");
    EXPECT_EQ(
        call_no(*thief, "CONN", {{"us", "ann"}, {"pwd", std::string(kPassword)}}), "rate_limited"
    );
}

TEST_F(Tokens, ATokenSurvivesARestart) {
    ServerProcess server;
    const std::string token = token_of_logged_out_ann(server);
    ASSERT_EQ(server.stop(SIGTERM), 0) << server.log();
    server.start();
    auto ann = open(server);
    token_login(*ann, "ann", token);
}

TEST_F(Tokens, AnAccountKeepsFiftyTokensEvenWhenAHundredAreAskedForAtOnce) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    const auto oldest = make_token(*ann, "oldest");
    // 100 requests pipelined over 4 connections (25 each stays inside the rate burst).
    std::vector<std::unique_ptr<Connection>> devices;
    for (int d = 0; d < 4; ++d) {
        devices.push_back(open(server));
        login(*devices.back(), "ann", kPassword);
    }
    for (int i = 0; i < 25; ++i) {
        for (auto& device : devices) {
            send(*device, "TOKEN", {{"label", "batch"}, {"ref", i}});
        }
    }
    std::set<std::string> secrets;
    for (auto& device : devices) {
        for (int i = 0; i < 25; ++i) {
            const auto ok = body_of(device->wait_for("OK", kWait));
            secrets.insert(str(ok, "token"));
        }
    }
    EXPECT_EQ(secrets.size(), 100U);
    const auto tokens = call_ok(*ann, "TOKENS").at("tokens").as_array();
    EXPECT_EQ(tokens.size(), 50U);
    // The least recently used went first: the oldest is gone.
    auto late = open(server);
    EXPECT_EQ(
        call_no(*late, "CONN", {{"us", "ann"}, {"token", str(oldest, "token")}}), "bad_credentials"
    );
    EXPECT_EQ(call_no(*ann, "REVOKE", {{"id", id_of(oldest)}}), "no_such_token");
}

TEST_F(Tokens, AHundredTokenRequestsOnOneConnectionMeetTheRateLimitAndTheCap) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    auto flood = open(server);
    login(*flood, "ann", kPassword);
    for (int i = 0; i < 100; ++i) send(*flood, "TOKEN", {{"ref", i}});
    // The burst passes, then `rate_limited`, and a run of those closes the connection.
    std::size_t made = 0;
    std::size_t refused = 0;
    while (auto frame = flood->next(kWait)) {
        if (verb_of(*frame) == "OK") ++made;
        if (verb_of(*frame) == "NO") {
            EXPECT_EQ(str(body_of(*frame), "code"), "rate_limited");
            ++refused;
        }
    }
    // The burst of 40, less the token the login took.
    EXPECT_GE(made, 39U);
    EXPECT_GT(refused, 0U);
    EXPECT_LE(made + refused, 100U);
    // A TOKEN being made when the flood closes the connection is kept without its OK reaching
    // the client: at most one more than counted (the requests are handled one at a time).
    const auto tokens = call_ok(*ann, "TOKENS").at("tokens").as_array();
    EXPECT_GE(tokens.size(), std::min<std::size_t>(made, 50));
    EXPECT_LE(tokens.size(), std::min<std::size_t>(made + 1, 50));
}

TEST_F(Tokens, ATokenTheCapRevokesClosesItsConnection) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    const std::string first = str(make_token(*ann, "first"), "token");
    auto device = open(server);
    token_login(*device, "ann", first);
    // 50 more, newer than its last use: the 50th revokes it.
    auto helper = open(server);
    login(*helper, "ann", kPassword);
    for (int i = 0; i < 49; ++i) make_token(i % 2 == 0 ? *ann : *helper, "newer");
    call_ok(*device, "PING");
    make_token(*ann, "the fiftieth");
    expect_revoked(*device);
    EXPECT_EQ(call_ok(*ann, "TOKENS").at("tokens").as_array().size(), 50U);
}

TEST_F(Tokens, PasswdChecksTheOldPasswordThenRevokesEveryOtherSession) {
    ServerProcess server;
    auto by_password = open(server);
    register_user(*by_password, "ann");
    const auto mine = make_token(*by_password, "this one");
    const auto other = make_token(*by_password, "another");
    auto current = open(server);
    token_login(*current, "ann", str(mine, "token"));
    auto by_other_token = open(server);
    token_login(*by_other_token, "ann", str(other, "token"));
    auto bob = open(server);
    register_user(*bob, "bob");

    const std::string fresh = "a-new-password-7";
    EXPECT_EQ(
        call_no(*current, "PASSWD", {{"old", "not-the-password"}, {"new", fresh}}),
        "bad_credentials"
    );
    EXPECT_EQ(call_no(*current, "PASSWD", {{"old", kPassword}, {"new", "short"}}), "weak_password");
    EXPECT_EQ(call_no(*current, "PASSWD", {{"old", kPassword}}), "bad_request");
    call_ok(*current, "PASSWD", {{"old", kPassword}, {"new", fresh}});

    expect_revoked(*by_password);
    expect_revoked(*by_other_token);
    // This connection stays, with its token; bob is untouched.
    call_ok(*current, "SEND", msg("home", "still here"));
    call_ok(*bob, "PING");
    const auto tokens = call_ok(*current, "TOKENS").at("tokens").as_array();
    ASSERT_EQ(tokens.size(), 1U);
    EXPECT_EQ(id_of(tokens[0].as_object()), id_of(mine));
    EXPECT_TRUE(tokens[0].as_object().at("current").as_bool());

    auto later = open(server);
    EXPECT_EQ(
        call_no(*later, "CONN", {{"us", "ann"}, {"token", str(other, "token")}}), "bad_credentials"
    );
    EXPECT_EQ(call_no(*later, "CONN", {{"us", "ann"}, {"pwd", kPassword}}), "bad_credentials");
    login(*later, "ann", fresh);
    auto device = open(server);
    token_login(*device, "ann", str(mine, "token"));
    // Neither secrets nor passwords reach the log.
    const std::string log = server.log();
    for (const std::string& secret :
         {str(mine, "token"), str(other, "token"), fresh, std::string(kPassword)}) {
        EXPECT_EQ(log.find(secret), std::string::npos) << secret;
    }
    EXPECT_NE(log.find("changed the password"), std::string::npos) << log;
}

TEST_F(Tokens, PasswdFromAPasswordLoginRevokesEveryToken) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    const std::string token = str(make_token(*ann), "token");
    call_ok(*ann, "PASSWD", {{"old", kPassword}, {"new", "a-new-password-7"}});
    EXPECT_TRUE(call_ok(*ann, "TOKENS").at("tokens").as_array().empty());
    auto later = open(server);
    EXPECT_EQ(call_no(*later, "CONN", {{"us", "ann"}, {"token", token}}), "bad_credentials");
}

TEST_F(Tokens, DeletingTheAccountTakesItsTokens) {
    ServerProcess server;
    const std::string token = token_of_logged_out_ann(server);
    ASSERT_EQ(server.stop(SIGTERM), 0) << server.log();
    const auto deleted =
        run_salond({"user", "del", "ann", "--data-dir", server.data_dir().string()});
    ASSERT_EQ(deleted.exit_status, 0) << deleted.output;
    server.start();
    auto again = open(server);
    register_user(*again, "ann");
    auto device = open(server);
    EXPECT_EQ(call_no(*device, "CONN", {{"us", "ann"}, {"token", token}}), "bad_credentials");
}

TEST_F(Tokens, AnAdministratorsPasswordResetRevokesEveryToken) {
    ServerProcess server;
    const std::string token = token_of_logged_out_ann(server);
    const auto reset = run_salond(
        {"user", "passwd", "ann", "--data-dir", server.data_dir().string()}, "reset-password-3\n"
    );
    ASSERT_EQ(reset.exit_status, 0) << reset.output;
    EXPECT_NE(reset.output.find("1 session tokens revoked"), std::string::npos) << reset.output;
    auto device = open(server);
    EXPECT_EQ(call_no(*device, "CONN", {{"us", "ann"}, {"token", token}}), "bad_credentials");
    login(*device, "ann", "reset-password-3");
}

}  // namespace
}  // namespace salon::test
