// Server-wide bans against the real salond: `salond user ban|unban|bans` while the server runs,
// by name mask and by address, over TCP and WebSocket, and across a restart.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

/// The server looks at the bans every 2 s (its account watch).
constexpr std::chrono::seconds kWatchWait{10};

/// `salond user …` against the server's data dir, while it runs.
CommandResult user(const ServerProcess& server, std::vector<std::string> args) {
    args.insert(args.begin(), "user");
    args.push_back("--data-dir");
    args.push_back(server.data_dir().string());
    return run_salond(args);
}

/// Waits for the NOTICE that a ban closes `conn` with, and the close.
void expect_banned_and_closed(Connection& conn, std::string_view reason) {
    const auto notice = body_of(conn.wait_for("NOTICE", kWatchWait));
    EXPECT_EQ(str(notice, "code"), "server_banned");
    EXPECT_NE(str(notice, "message").find(reason), std::string::npos) << str(notice, "message");
    EXPECT_TRUE(conn.closed_by_peer(kWait));
}

/// A login refused by a ban: `NO server_banned`, then the server closes the connection.
void expect_login_refused(Connection& conn, boost::json::object conn_args) {
    EXPECT_EQ(call_no(conn, "CONN", std::move(conn_args)), "server_banned");
    EXPECT_TRUE(conn.closed_by_peer(kWait));
}

/// Logs in with `conn_args` on a new `transport` connection until the server takes it, which it
/// does once its watch has read an unban; each refusal meanwhile must be `server_banned`.
void expect_login_accepted_within_the_watch(
    const ServerProcess& server, Transport transport, const boost::json::object& conn_args
) {
    const auto deadline = std::chrono::steady_clock::now() + kWatchWait;
    for (;;) {
        auto retry = connect(server, transport);
        send(*retry, "CONN", conn_args);
        const auto answer = reply(*retry);
        if (verb_of(answer) == "OK") break;
        ASSERT_EQ(no_code(answer), "server_banned");
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "still banned after unban";
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

TEST(ServerBans, ANameMaskClosesTheUserOnlineRefusesTheirLoginsAndSurvivesARestart) {
    ServerProcess server;
    auto ann = connect(server, Transport::tcp);
    register_user(*ann, "ann");
    auto bob = connect(server, Transport::ws);
    register_user(*bob, "bob");
    drain(*ann);

    const auto banned = user(server, {"ban", "AN*", "--reason", "spam runs"});
    ASSERT_EQ(banned.exit_status, 0) << banned.output;
    expect_banned_and_closed(*ann, "spam runs");
    const auto quit = body_of(bob->wait_for("QUIT", kWait));
    EXPECT_EQ(str(quit, "user"), "ann");
    EXPECT_EQ(str(quit, "reason"), "K-Lined");  // the reason is the banned user's to read

    auto again = connect(server, Transport::ws);
    expect_login_refused(*again, {{"us", "ann"}, {"pwd", kPassword}});
    // Refused before the password is looked at, and REGISTER of a matching name too.
    auto other = connect(server, Transport::tcp);
    expect_login_refused(*other, {{"us", "anna"}, {"pwd", "whatever-it-is"}});
    auto newcomer = connect(server, Transport::tcp);
    EXPECT_EQ(
        call_no(*newcomer, "REGISTER", {{"us", "anders"}, {"pwd", kPassword}}), "server_banned"
    );
    // Not a ban on bob, nor on guests; but a guest may not take a banned name.
    auto guest = connect(server, Transport::tcp);
    EXPECT_TRUE(login(*guest, "").at("guest").as_bool());
    EXPECT_EQ(call_no(*guest, "RENAME", {{"to", "annie"}}), "bad_name");

    const auto listed = user(server, {"bans"});
    ASSERT_EQ(listed.exit_status, 0) << listed.output;
    EXPECT_NE(listed.output.find("an*!*@*\tname\t"), std::string::npos) << listed.output;
    EXPECT_NE(listed.output.find("\tspam runs\n"), std::string::npos) << listed.output;

    bob.reset();
    guest.reset();
    server.stop();
    server.start();
    auto after_restart = connect(server, Transport::tcp);
    expect_login_refused(*after_restart, {{"us", "ann"}, {"pwd", kPassword}});

    ASSERT_EQ(user(server, {"unban", "an*"}).exit_status, 0);
    EXPECT_EQ(user(server, {"bans"}).output, "");
    // The server reads the change within its watch interval.
    expect_login_accepted_within_the_watch(
        server, Transport::tcp, {{"us", "ann"}, {"pwd", kPassword}}
    );
}

TEST(ServerBans, AnAddressBlockBansGuestsAndUsersOnEveryTransportUntilUnbanned) {
    ServerProcess server;
    auto guest = connect(server, Transport::ws);
    login(*guest, "");
    auto ann = connect(server, Transport::tcp);
    register_user(*ann, "ann");
    drain(*ann);

    // A CIDR block that holds 127.0.0.1, written with host bits: stored as 127.0.0.0/8.
    const auto banned = user(server, {"ban", "127.1.2.3/8"});
    ASSERT_EQ(banned.exit_status, 0) << banned.output;
    EXPECT_NE(banned.output.find("127.0.0.0/8"), std::string::npos) << banned.output;
    expect_banned_and_closed(*guest, "banned from this server");
    expect_banned_and_closed(*ann, "banned from this server");

    for (const auto transport : {Transport::tcp, Transport::ws}) {
        auto refused = connect(server, transport);
        expect_login_refused(*refused, {{"us", ""}, {"pwd", ""}});
    }
    auto registered = connect(server, Transport::tcp);
    expect_login_refused(*registered, {{"us", "ann"}, {"pwd", kPassword}});

    ASSERT_EQ(user(server, {"unban", "127.0.0.0/8"}).exit_status, 0);
    expect_login_accepted_within_the_watch(server, Transport::ws, {{"us", ""}, {"pwd", ""}});
}

TEST(ServerBans, BadTargetsAndReasonsExitTwoWithAMessageAndChangeNothing) {
    ServerProcess server;
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"ban", "10.0.0.0/33"},
             {"ban", "::/129"},
             {"ban", "bob!*@example.com"},
             {"ban", "b#b"},
             {"ban", "*"},
             {"ban", "0.0.0.0/0"},
             {"ban", "bob", "--reason", "two\nlines"},
             {"ban", "bob", "--reason", std::string(201, 'x')},
             {"unban", "1.2.3.4/99"},
         }) {
        const auto result = user(server, args);
        EXPECT_EQ(result.exit_status, 2) << args[1] << ": " << result.output;
        EXPECT_NE(result.output.find("salond: "), std::string::npos) << result.output;
    }
    EXPECT_EQ(user(server, {"bans"}).output, "");
    EXPECT_EQ(user(server, {"unban", "nobody"}).exit_status, 1);
    ASSERT_EQ(user(server, {"ban", "bob"}).exit_status, 0);
    const auto twice = user(server, {"ban", "BOB!*@*"});
    EXPECT_EQ(twice.exit_status, 1);
    EXPECT_NE(twice.output.find("banned already"), std::string::npos) << twice.output;
}

}  // namespace
}  // namespace salon::test
