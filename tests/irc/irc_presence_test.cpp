// IRC end-to-end: presence. MONITOR (and the native MONITOR), away-notify, extended-monitor,
// SETNAME, and bots (user mode +B, the native BOT).

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "harness/connection.hpp"
#include "harness/line_client.hpp"
#include "irc_client.hpp"

namespace salon::test {
namespace {

namespace json = boost::json;

/// The OK or NO that answers the native request just sent; events before it are skipped.
json::object native_reply(Connection& conn) {
    for (;;) {
        auto frame = conn.next(kIrcWait);
        if (!frame) throw std::runtime_error("no reply from the native connection");
        const auto verb = verb_of(*frame);
        if (verb == "OK" || verb == "NO") return *frame;
    }
}

class IrcPresence : public ::testing::Test {
protected:
    IrcServer server_;

    std::unique_ptr<IrcClient> registered(std::string_view nick, std::string_view caps = {}) {
        auto c = std::make_unique<IrcClient>(server_.irc_port());
        c->register_as(nick, caps);
        return c;
    }

    /// A registered client that has joined `channel` and read everything up to now.
    std::unique_ptr<IrcClient> joined_to(
        std::string_view nick, std::string_view channel, std::string_view caps = {}
    ) {
        auto c = registered(nick, caps);
        c->send("JOIN " + std::string(channel));
        c->wait_for("366");
        c->drain();
        return c;
    }

    /// A native guest connection, its join of home complete.
    std::unique_ptr<LineClient> native_guest(const std::string& name) {
        auto conn = std::make_unique<LineClient>("127.0.0.1", server_.native_port());
        conn->send(make_frame("CONN", {{"us", name}, {"pwd", ""}}));
        if (verb_of(native_reply(*conn)) != "OK") throw std::runtime_error("native login failed");
        conn->wait_for("HISTORY", kIrcWait);
        return conn;
    }
};

// ---------------------------------------------------------------------------------------------
// MONITOR

TEST_F(IrcPresence, MonitorTellsWhenAUserComesOnlineAndGoesOffline) {
    auto watcher = registered("wendy");
    watcher->send("MONITOR + bob,carol");
    EXPECT_NE(watcher->wait_for("731").find(" 731 wendy :bob,carol"), std::string::npos);

    auto bob = registered("bob");
    EXPECT_NE(watcher->wait_for("730").find(" 730 * :bob!bob@salon"), std::string::npos);
    watcher->send("MONITOR L");
    std::vector<std::string> list;
    list.push_back(watcher->wait_for("733", &list));
    EXPECT_TRUE(has_line(list, " 732 wendy :bob,carol")) << joined(list);
    watcher->send("MONITOR S");
    const auto status = watcher->drain();
    EXPECT_TRUE(has_line(status, " 730 wendy :bob!bob@salon")) << joined(status);
    EXPECT_TRUE(has_line(status, " 731 wendy :carol")) << joined(status);

    bob->send("QUIT :bye");
    EXPECT_NE(watcher->wait_for("731").find(" 731 * :bob"), std::string::npos);

    watcher->send("MONITOR - bob");
    EXPECT_TRUE(watcher->drain().empty()) << "MONITOR - has no answer";
    auto bob_again = registered("bob");
    EXPECT_FALSE(has_line(watcher->drain(), " 730 ")) << "bob is no longer monitored";

    watcher->send("MONITOR C");
    watcher->send("MONITOR L");
    const auto cleared = watcher->drain();
    ASSERT_EQ(cleared.size(), 1U) << joined(cleared);
    EXPECT_NE(cleared[0].find(" 733 wendy "), std::string::npos);
}

TEST_F(IrcPresence, MonitorListsAreBoundedAndTakeOnlyNicks) {
    auto watcher = registered("wendy");
    std::string names;
    for (int i = 0; i < 100; ++i) names += (names.empty() ? "u" : ",u") + std::to_string(i);
    watcher->send("MONITOR + " + names);
    watcher->wait_for("731");
    watcher->drain();
    watcher->send("MONITOR + extra");
    EXPECT_NE(
        watcher->wait_for("734").find(" 734 wendy 100 extra :Monitor list is full."),
        std::string::npos
    );

    auto other = registered("oscar");
    other->send("MONITOR + *!user@host");
    EXPECT_NE(other->wait_for("731").find(" 731 oscar :*!user@host"), std::string::npos);
    other->send("MONITOR L");
    const auto list = other->drain();
    EXPECT_FALSE(has_line(list, " 732 ")) << "a mask is no nick: " << joined(list);
    other->send("MONITOR");
    other->wait_for("461");
}

TEST_F(IrcPresence, MonitorIsAdvertisedAndEndsWithItsConnection) {
    auto first = std::make_unique<IrcClient>(server_.irc_port());
    const auto welcome = first->register_as("wendy");
    EXPECT_TRUE(has_line(welcome, "MONITOR=100")) << joined(welcome);
    first->send("MONITOR + bob");
    first->wait_for("731");
    first->send("QUIT");
    ASSERT_TRUE(first->closed_by_peer());

    // The same nick again: a new connection starts with an empty list, and bob's login is
    // told to nobody (a stale watcher would be a dangling connection).
    auto second = registered("wendy");
    auto bob = registered("bob");
    second->send("MONITOR L");
    const auto list = second->drain();
    ASSERT_EQ(list.size(), 1U) << joined(list);
    EXPECT_NE(list[0].find(" 733 wendy "), std::string::npos);
}

TEST_F(IrcPresence, NativeMonitorAnswersAndTellsPresence) {
    auto native = native_guest("Guestnat");
    auto bob = registered("bob");
    native->send(make_frame("MONITOR", {{"op", "add"}, {"users", json::array{"bob", "carol"}}}));
    const auto ok = native_reply(*native);
    ASSERT_EQ(verb_of(ok), "OK") << json::serialize(ok);
    EXPECT_EQ(body_of(ok).at("online"), json::value(json::array{"bob"}));
    EXPECT_EQ(body_of(ok).at("offline"), json::value(json::array{"carol"}));

    auto carol = registered("carol");
    const auto presence = native->wait_for("PRESENCE", kIrcWait);
    EXPECT_EQ(body_of(presence).at("user").as_string(), "carol");
    EXPECT_TRUE(body_of(presence).at("online").as_bool());

    native->send(make_frame("MONITOR", {{"op", "sideways"}}));
    EXPECT_EQ(verb_of(native_reply(*native)), "NO");
}

// ---------------------------------------------------------------------------------------------
// away-notify and extended-monitor

TEST_F(IrcPresence, AwayNotifyTellsChannelMembersWhoAskedForIt) {
    auto alice = joined_to("alice", "#lounge", "away-notify");
    auto carol = joined_to("carol", "#lounge");
    auto bob = joined_to("bob", "#lounge");
    alice->drain();
    carol->drain();

    bob->send("AWAY :at lunch");
    bob->wait_for("306");
    EXPECT_NE(alice->wait_for("AWAY").find(":bob!bob@salon AWAY :at lunch"), std::string::npos);
    bob->send("AWAY");
    bob->wait_for("305");
    const std::string back = alice->wait_for("AWAY");
    EXPECT_EQ(back.substr(back.find(':')), ":bob!bob@salon AWAY");
    EXPECT_FALSE(has_line(carol->drain(), "AWAY")) << "carol did not ask for away-notify";
    EXPECT_FALSE(has_line(bob->drain(), "AWAY")) << "bob's own AWAY is answered by 305/306";

    // Someone away who joins is shown away at once.
    auto dave = registered("dave");
    dave->send("AWAY :busy");
    dave->wait_for("306");
    dave->send("JOIN #lounge");
    std::vector<std::string> seen;
    seen.push_back(alice->wait_for("AWAY", &seen));
    EXPECT_TRUE(has_line(seen, ":dave!dave@salon JOIN #lounge")) << joined(seen);
    EXPECT_NE(seen.back().find(":dave!dave@salon AWAY :busy"), std::string::npos);
    EXPECT_FALSE(has_line(dave->drain(), " AWAY ")) << "the joiner is not told their own away";
}

TEST_F(IrcPresence, ExtendedMonitorTellsAwayToWatchersOutsideTheChannels) {
    auto watcher = registered("wendy", "extended-monitor away-notify");
    auto plain = registered("pete", "away-notify");
    auto bob = registered("bob");
    watcher->send("MONITOR + bob");
    watcher->wait_for("730");
    plain->send("MONITOR + bob");
    plain->wait_for("730");

    bob->send("AWAY :afk");
    bob->wait_for("306");
    EXPECT_NE(watcher->wait_for("AWAY").find(":bob!bob@salon AWAY :afk"), std::string::npos);
    EXPECT_FALSE(has_line(plain->drain(), "AWAY")) << "pete did not ask for extended-monitor";
}

// ---------------------------------------------------------------------------------------------
// SETNAME

TEST_F(IrcPresence, SetnameChangesTheRealNameAndTellsThoseWhoAskedForIt) {
    auto alice = joined_to("alice", "#lounge", "setname");
    auto bob = joined_to("bob", "#lounge", "setname");
    auto carol = joined_to("carol", "#lounge");
    auto watcher = registered("wendy", "extended-monitor setname");
    watcher->send("MONITOR + alice");
    watcher->wait_for("730");
    bob->drain();
    alice->drain();

    alice->send("SETNAME :Alice Liddell");
    EXPECT_NE(
        alice->wait_for("SETNAME").find(":alice!alice@salon SETNAME :Alice Liddell"),
        std::string::npos
    );
    EXPECT_NE(bob->wait_for("SETNAME").find("SETNAME :Alice Liddell"), std::string::npos);
    EXPECT_NE(watcher->wait_for("SETNAME").find("SETNAME :Alice Liddell"), std::string::npos);
    EXPECT_FALSE(has_line(carol->drain(), "SETNAME")) << "carol did not ask for setname";

    carol->send("WHOIS alice");
    EXPECT_NE(carol->wait_for("311").find(" * :Alice Liddell"), std::string::npos);
    carol->send("WHO #lounge");
    std::vector<std::string> who;
    who.push_back(carol->wait_for("315", &who));
    EXPECT_TRUE(has_line(who, " alice H@ :0 Alice Liddell")) << joined(who);

    alice->send("SETNAME :");
    EXPECT_NE(alice->wait_for("FAIL").find("FAIL SETNAME INVALID_REALNAME"), std::string::npos);
    alice->send("SETNAME :" + std::string(129, 'x'));
    EXPECT_NE(alice->wait_for("FAIL").find("FAIL SETNAME INVALID_REALNAME"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Bots

TEST_F(IrcPresence, BotModeIsShownInWhoisWhoAndAsATagOnItsMessages) {
    auto bot = registered("robo", "message-tags echo-message");
    bot->send("MODE robo +B");
    EXPECT_NE(bot->wait_for("MODE").find(":robo!robo@salon MODE robo +B"), std::string::npos);
    bot->send("MODE robo");
    const std::string modes = bot->wait_for("221");
    EXPECT_NE(modes.find(" 221 robo :+B"), std::string::npos) << modes;
    bot->send("JOIN #lounge");
    bot->wait_for("366");

    auto user = joined_to("ursula", "#lounge", "message-tags");
    user->send("WHOIS robo");
    std::vector<std::string> whois;
    whois.push_back(user->wait_for("318", &whois));
    EXPECT_TRUE(has_line(whois, " 335 ursula robo :is a bot")) << joined(whois);
    user->send("WHO #lounge");
    std::vector<std::string> who;
    who.push_back(user->wait_for("315", &who));
    EXPECT_TRUE(has_line(who, " robo HB")) << joined(who);

    bot->drain();
    bot->send("PRIVMSG #lounge :beep boop");
    const std::string echo = bot->wait_for("PRIVMSG");
    EXPECT_TRUE(tag_of(echo, "bot").has_value()) << echo;
    const std::string seen = user->wait_for("PRIVMSG");
    EXPECT_TRUE(tag_of(seen, "bot").has_value()) << seen;
    bot->send("PRIVMSG ursula :beep");
    EXPECT_TRUE(tag_of(user->wait_for("PRIVMSG"), "bot").has_value());

    bot->send("MODE robo -B");
    bot->wait_for("MODE");
    bot->send("PRIVMSG #lounge :human now");
    EXPECT_FALSE(tag_of(user->wait_for("PRIVMSG"), "bot").has_value());
}

TEST_F(IrcPresence, ANativeBotIsMarkedForIrcAndNativeClients) {
    auto user = joined_to("ursula", "#home", "message-tags");
    auto native = native_guest("Guestbot");
    auto listener = native_guest("Guestear");
    native->send(make_frame("BOT", {{"on", true}}));
    ASSERT_EQ(verb_of(native_reply(*native)), "OK");
    native->send(make_frame("SEND", {{"channel", "home"}, {"text", "beep"}}));
    native_reply(*native);

    EXPECT_TRUE(tag_of(user->wait_for("PRIVMSG"), "bot").has_value());
    const auto msg = listener->wait_for("MSG", kIrcWait);
    EXPECT_TRUE(body_of(msg).at("bot").as_bool());
}

}  // namespace
}  // namespace salon::test
