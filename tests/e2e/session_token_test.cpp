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

}  // namespace
}  // namespace salon::test
