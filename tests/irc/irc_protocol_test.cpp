// IRC end-to-end: registration and identity, every supported command, error numerics for bad
// input, and delivery between IRC, native TCP and WebSocket clients of one real salond.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/utf8.hpp"
#include "harness/connection.hpp"
#include "harness/line_client.hpp"
#include "harness/ws_client.hpp"
#include "irc_client.hpp"

namespace salon::test {
namespace {

namespace json = boost::json;

constexpr std::string_view kPassword = "correct-horse-battery-9";

/// The OK or NO that answers the request just sent; events before it are skipped.
json::object native_reply(Connection& conn) {
    for (;;) {
        auto frame = conn.next(kIrcWait);
        if (!frame) throw std::runtime_error("no reply from the native connection");
        const auto verb = verb_of(*frame);
        if (verb == "OK" || verb == "NO") return *frame;
    }
}

/// A native connection logged in as a guest or an account (registered first when `register_`).
std::unique_ptr<LineClient> native_login(IrcServer& server, const std::string& us, bool register_) {
    auto conn = std::make_unique<LineClient>("127.0.0.1", server.native_port());
    if (register_) {
        conn->send(make_frame("REGISTER", {{"us", us}, {"pwd", kPassword}}));
    } else {
        conn->send(make_frame("CONN", {{"us", us}, {"pwd", ""}}));
    }
    const auto reply = native_reply(*conn);
    if (verb_of(reply) != "OK")
        throw std::runtime_error("native login failed: " + json::serialize(reply));
    conn->wait_for("HISTORY", kIrcWait);  // the join of home is complete
    return conn;
}

/// Registers an account through the native protocol and logs that connection out again.
void create_account(IrcServer& server, const std::string& name) {
    auto conn = native_login(server, name, true);
    conn->send(make_frame("END"));
    native_reply(*conn);
}

class IrcE2e : public ::testing::Test {
protected:
    IrcServer server_;

    std::unique_ptr<IrcClient> client() { return std::make_unique<IrcClient>(server_.irc_port()); }

    /// A registered IRC client that has joined #home.
    std::unique_ptr<IrcClient> in_home(std::string_view nick, std::string_view caps = {}) {
        auto c = client();
        c->register_as(nick, caps);
        c->send("JOIN #home");
        c->wait_for("366");
        return c;
    }
};

// ---------------------------------------------------------------------------------------------
// Registration and identity

TEST_F(IrcE2e, WelcomeBurstWithIsupportAndMotd) {
    auto c = client();
    const auto lines = c->register_as("alice");
    for (const char* needle :
         {" 001 alice ",
          " 002 alice ",
          " 003 alice ",
          " 004 alice ",
          " 005 alice ",
          "CHANTYPES=#",
          "CASEMAPPING=ascii",
          "CHANNELLEN=51",
          "NICKLEN=32",
          "PREFIX=(ov)@+",
          "CHANMODES=beI,k,l,imnst",
          "MODES=4",
          "TOPICLEN=",
          " 375 alice ",
          " 372 alice ",
          " 376 alice "}) {
        EXPECT_TRUE(has_line(lines, needle)) << needle << "\n" << joined(lines);
    }
    EXPECT_FALSE(has_line(lines, " JOIN ")) << "IRC clients pick their own channels";
}

TEST_F(IrcE2e, AGuestNickInUseIs433AndAnotherNickWorks) {
    auto first = client();
    first->register_as("bob");
    auto second = client();
    second->send("NICK bob");
    second->send("USER bob 0 * :Bob");
    const std::string taken = second->wait_for("433");
    EXPECT_NE(taken.find("bob"), std::string::npos);
    second->send("JOIN #home");
    second->wait_for("451");  // still not registered
    second->send("NICK bob2");
    second->wait_for("001");
}

TEST_F(IrcE2e, ARegisteredNickNeedsItsPassword) {
    create_account(server_, "carol");
    auto without = client();
    without->send("NICK carol");
    without->send("USER c 0 * :C");
    without->wait_for("433");

    auto wrong = client();
    wrong->send("PASS not-the-password");
    wrong->send("NICK carol");
    wrong->send("USER c 0 * :C");
    wrong->wait_for("464");
    wrong->send("LIST");
    wrong->wait_for("451");

    auto right = client();
    const auto lines = right->register_as("Carol", {}, kPassword);
    EXPECT_TRUE(has_line(lines, " 001 carol ")) << "the account's own spelling\n" << joined(lines);
}

TEST_F(IrcE2e, GuestsChangeNickAndEveryoneSharingAChannelSeesIt) {
    auto alice = in_home("alice");
    auto bob = in_home("bob");
    auto native = std::make_unique<LineClient>("127.0.0.1", server_.native_port());
    native->send(make_frame("CONN", {{"us", ""}, {"pwd", ""}, {"v", 2}}));
    ASSERT_EQ(verb_of(native_reply(*native)), "OK");
    native->wait_for("HISTORY", kIrcWait);
    alice->drain();
    bob->drain();

    bob->send("NICK alice");
    EXPECT_NE(bob->wait_for("433").find(" 433 bob alice :"), std::string::npos);
    bob->send("NICK Alice");
    bob->wait_for("433");  // names are unique whatever their case
    alice->send("PRIVMSG bob :still bob");
    EXPECT_NE(bob->wait_for("PRIVMSG").find("still bob"), std::string::npos);

    alice->send("NICK Alice");
    EXPECT_EQ(alice->wait_for("NICK"), ":alice!alice@salon NICK Alice");
    EXPECT_EQ(bob->wait_for("NICK"), ":alice!alice@salon NICK Alice");
    const auto rename_frame = native->wait_for("RENAME", kIrcWait);
    const auto& renamed = body_of(rename_frame);
    EXPECT_EQ(renamed.at("user").as_string(), "alice");
    EXPECT_EQ(renamed.at("to").as_string(), "Alice");
    alice->send("NICK Alice");
    alice->send("PING :after");
    alice->wait_for("PONG");
    EXPECT_FALSE(has_line(bob->drain(), "NICK")) << "a change to the same nick is no change";

    alice->send("NICK malice");
    EXPECT_EQ(alice->wait_for("NICK"), ":Alice!Alice@salon NICK malice");
    EXPECT_EQ(bob->wait_for("NICK"), ":Alice!Alice@salon NICK malice");
    auto newcomer = client();
    EXPECT_TRUE(has_line(newcomer->register_as("alice"), " 001 alice ")) << "the old nick is free";
    bob->send("PRIVMSG malice :found you");
    EXPECT_NE(
        alice->wait_for("PRIVMSG").find(":bob!bob@salon PRIVMSG malice :found you"),
        std::string::npos
    );
    bob->send("WHO #home");
    std::vector<std::string> who;
    who.push_back(bob->wait_for("315", &who));
    EXPECT_TRUE(has_line(who, " malice H")) << joined(who);

    // A native guest renames with RENAME.
    native->send(make_frame("RENAME", {{"to", "nora"}}));
    EXPECT_EQ(verb_of(native_reply(*native)), "OK");
    EXPECT_NE(bob->wait_for("NICK").find(" NICK nora"), std::string::npos);
}

TEST_F(IrcE2e, AnAccountMayChangeOnlyTheCaseOfItsNick) {
    create_account(server_, "carol");
    auto carol = client();
    carol->register_as("carol", {}, kPassword);
    carol->send("NICK caroline");
    EXPECT_NE(carol->wait_for("433").find(" 433 carol caroline :"), std::string::npos);
    auto guest = client();
    guest->register_as("gus");
    guest->send("NICK carol");
    guest->wait_for("433");  // an account's name, online or not, is not a guest's to take
    guest->send("NICK dora");
    guest->wait_for("NICK");
    create_account(server_, "erin");
    guest->send("NICK Erin");
    guest->wait_for("433");
    carol->send("NICK Carol");
    EXPECT_EQ(carol->wait_for("NICK"), ":carol!carol@salon NICK Carol");
    carol->send("WHOIS carol");
    std::vector<std::string> whois;
    whois.push_back(carol->wait_for("318", &whois));
    EXPECT_TRUE(has_line(whois, " 330 Carol Carol ")) << joined(whois);
}

TEST_F(IrcE2e, SaslPlainLogsInARegisteredAccount) {
    create_account(server_, "dave");
    auto c = client();
    c->send("CAP LS 302");
    const std::string ls = c->wait_for("CAP");
    EXPECT_NE(ls.find("sasl=PLAIN"), std::string::npos) << ls;
    c->send("NICK dave");
    c->send("USER dave 0 * :Dave");
    c->send("CAP REQ :sasl server-time");
    c->wait_for("CAP");
    c->send("AUTHENTICATE PLAIN");
    c->wait_for("AUTHENTICATE");
    c->send("AUTHENTICATE " + sasl_plain("dave", kPassword));
    const std::string logged = c->wait_for("900");
    EXPECT_NE(logged.find("dave"), std::string::npos);
    c->wait_for("903");
    EXPECT_TRUE(c->drain().empty()) << "no welcome before CAP END";
    c->send("CAP END");
    c->wait_for("001");
    c->wait_for("376");
    c->send("WHOIS dave");
    std::vector<std::string> whois;
    whois.push_back(c->wait_for("318", &whois));
    EXPECT_TRUE(has_line(whois, " 330 dave dave dave ")) << joined(whois);
}

TEST_F(IrcE2e, SaslWithAWrongPasswordIs904AndTheClientStaysOut) {
    create_account(server_, "erin");
    auto c = client();
    c->send("CAP LS 302");
    c->send("CAP REQ sasl");
    c->send("NICK erin");
    c->send("USER erin 0 * :Erin");
    c->send("AUTHENTICATE PLAIN");
    c->wait_for("AUTHENTICATE");
    c->send("AUTHENTICATE " + sasl_plain("erin", "wrong-password-0"));
    c->wait_for("904");
    c->send("CAP END");
    c->wait_for("433");  // the nick is still the account's, without a password
}

TEST_F(IrcE2e, PingPongAwayAndQuit) {
    auto c = client();
    c->send("PING :before-registration");
    EXPECT_NE(c->wait_for("PONG").find("before-registration"), std::string::npos);
    c->register_as("frank");
    c->send("PING :token123");
    EXPECT_NE(c->wait_for("PONG").find("token123"), std::string::npos);
    c->send("AWAY :at lunch");
    c->wait_for("306");
    auto other = client();
    other->register_as("gina");
    other->send("WHOIS frank");
    std::vector<std::string> whois;
    whois.push_back(other->wait_for("318", &whois));
    EXPECT_TRUE(has_line(whois, " 301 gina frank :at lunch")) << joined(whois);
    other->send("PRIVMSG frank :are you there?");
    EXPECT_NE(other->wait_for("301").find(" 301 gina frank :at lunch"), std::string::npos);
    other->send("USERHOST frank nobody gina");
    EXPECT_NE(
        other->wait_for("302").find(" 302 gina :frank=-frank@salon gina=+gina@salon"),
        std::string::npos
    );
    c->send("AWAY");
    c->wait_for("305");
    other->send("PRIVMSG frank :back?");
    EXPECT_FALSE(has_line(other->drain(), " 301 ")) << "frank is back";
    c->send("QUIT :gone fishing");
    EXPECT_NE(c->wait_for("ERROR").find("gone fishing"), std::string::npos);
    EXPECT_TRUE(c->closed_by_peer());
}

TEST(IrcServerName, TheServerNameIsTheSourceOfServerLinesAndTheNativeOksName) {
    IrcServer server({"--server-name", "chat.example.org"});
    IrcClient c(server.irc_port());
    const auto lines = c.register_as("alice");
    EXPECT_TRUE(has_line(lines, ":chat.example.org 001 alice ")) << joined(lines);
    EXPECT_TRUE(has_line(lines, ":chat.example.org 004 alice chat.example.org ")) << joined(lines);
    c.send("PING :x");
    EXPECT_NE(
        c.wait_for("PONG").find(":chat.example.org PONG chat.example.org"), std::string::npos
    );

    LineClient native("127.0.0.1", server.native_port());
    native.send(make_frame("CONN", {{"us", ""}, {"pwd", ""}}));
    const auto ok = native_reply(native);
    EXPECT_EQ(body_of(ok).at("server").at("name").as_string(), "chat.example.org");
}

// ---------------------------------------------------------------------------------------------
// Operators

/// Adds an administrator account to the running server's data dir, as `salond user add` does.
void add_admin(IrcServer& server, const std::string& name) {
    const auto added = run_salond(
        {"user", "add", name, "--admin", "--data-dir", server.process().data_dir().string()},
        std::string(kPassword) + "\n"
    );
    ASSERT_EQ(added.exit_status, 0) << added.output;
}

TEST_F(IrcE2e, OperNeedsAnAdministratorsPasswordAndShowsTheOperatorEverywhere) {
    add_admin(server_, "boss");
    create_account(server_, "pleb");
    auto ivy = client();
    ivy->register_as("ivy");
    ivy->send("OPER ivy");
    ivy->wait_for("461");
    ivy->send("OPER boss wrong-password");
    ivy->wait_for("464");
    ivy->send("OPER nobody " + std::string(kPassword));
    ivy->wait_for("491");
    ivy->send("OPER pleb " + std::string(kPassword));
    ivy->wait_for("491");
    ivy->send("MODE ivy");
    EXPECT_NE(ivy->wait_for("221").find(" 221 ivy :+"), std::string::npos);

    ivy->send("OPER boss " + std::string(kPassword));
    ivy->wait_for("381");
    EXPECT_NE(ivy->wait_for("MODE").find(":ivy!ivy@salon MODE ivy +o"), std::string::npos);
    ivy->send("MODE ivy");
    EXPECT_NE(ivy->wait_for("221").find(" 221 ivy :+o"), std::string::npos);

    auto other = client();
    other->register_as("otto");
    other->send("WHOIS ivy");
    std::vector<std::string> whois;
    whois.push_back(other->wait_for("318", &whois));
    EXPECT_TRUE(has_line(whois, " 313 otto ivy :")) << joined(whois);
    other->send("WHO ivy");
    EXPECT_NE(other->wait_for("352").find(" H* :0 Test user"), std::string::npos);
    other->send("WHOIS otto");
    whois.clear();
    whois.push_back(other->wait_for("318", &whois));
    EXPECT_FALSE(has_line(whois, " 313 ")) << joined(whois);
    other->send("LUSERS");
    EXPECT_NE(other->wait_for("252").find(" 252 otto 1 :"), std::string::npos);

    // An administrator's own login is an operator from the start.
    auto boss = client();
    boss->register_as("boss", {}, kPassword);
    boss->send("MODE boss");
    EXPECT_NE(boss->wait_for("221").find(" 221 boss :+o"), std::string::npos);
}

TEST_F(IrcE2e, KillAndWallopsAreForOperatorsOnly) {
    add_admin(server_, "boss");
    auto op = in_home("opal");
    auto victim = in_home("vic");
    auto watcher = in_home("walt");
    watcher->send("MODE walt +w");
    EXPECT_NE(watcher->wait_for("MODE").find("MODE walt +w"), std::string::npos);

    victim->send("KILL walt :no");
    victim->wait_for("481");
    victim->send("WALLOPS :hello");
    victim->wait_for("481");

    op->send("OPER boss " + std::string(kPassword));
    op->wait_for("381");
    victim->send("AWAY :brb");
    victim->wait_for("306");
    watcher->send("WHO #home");
    std::vector<std::string> who;
    who.push_back(watcher->wait_for("315", &who));
    EXPECT_TRUE(has_line(who, " opal H* :0 Test user")) << joined(who);
    EXPECT_TRUE(has_line(who, " vic G :0 Test user")) << joined(who);
    EXPECT_TRUE(has_line(who, " walt H :0 Test user")) << joined(who);
    op->send("KILL nobody :x");
    op->wait_for("401");
    op->send("WALLOPS :maintenance at noon");
    EXPECT_NE(
        watcher->wait_for("WALLOPS").find(":opal!opal@salon WALLOPS :maintenance at noon"),
        std::string::npos
    );
    EXPECT_FALSE(has_line(victim->drain(), "WALLOPS")) << "vic is not +w";

    op->send("KILL vic :spamming");
    EXPECT_NE(victim->wait_for("ERROR").find("spamming"), std::string::npos);
    EXPECT_TRUE(victim->closed_by_peer());
    const std::string quit = watcher->wait_for("QUIT");
    EXPECT_NE(quit.find(":vic!vic@salon QUIT"), std::string::npos) << quit;
    EXPECT_NE(quit.find("Killed (opal (spamming))"), std::string::npos) << quit;
}

TEST_F(IrcE2e, WhoWithMasksAndWhoisShowUsersUserNameAndRealName) {
    auto c = client();
    c->send("NICK coolNick");
    c->send("USER myuser 0 * :");
    c->wait_for("461");
    c->send("USER my~user@x 0 * :My Real Name");
    c->wait_for("376");
    auto other = client();
    other->register_as("otto");

    std::vector<std::string> who;
    other->send("WHO coolni*");
    who.push_back(other->wait_for("315", &who));
    ASSERT_EQ(who.size(), 2U) << joined(who);
    EXPECT_NE(who[0].find(" 352 otto * myuserx salon "), std::string::npos) << who[0];
    EXPECT_NE(who[0].find(" coolNick H :0 My Real Name"), std::string::npos) << who[0];
    EXPECT_NE(who[1].find(" 315 otto coolni* :"), std::string::npos) << who[1];

    who.clear();
    other->send("WHO coolNick %tcuihsnfdlaor,42");
    who.push_back(other->wait_for("315", &who));
    ASSERT_EQ(who.size(), 2U) << joined(who);
    EXPECT_NE(who[0].find(" 354 otto 42 * myuserx 255.255.255.255 salon "), std::string::npos)
        << who[0];
    EXPECT_NE(who[0].find(" coolNick H 0 0 0 n/a :My Real Name"), std::string::npos) << who[0];

    who.clear();
    other->send("WHO 0");
    who.push_back(other->wait_for("315", &who));
    EXPECT_EQ(who.size(), 3U) << joined(who);
    EXPECT_TRUE(has_line(who, " 352 otto * otto salon ")) << joined(who);

    who.clear();
    other->send("WHO * o");
    who.push_back(other->wait_for("315", &who));
    EXPECT_EQ(who.size(), 1U) << "no operators online\n" << joined(who);

    other->send("WHOIS coolNick");
    EXPECT_NE(
        other->wait_for("311").find(" 311 otto coolNick myuserx salon * :My Real Name"),
        std::string::npos
    );
    other->wait_for("318");

    // +i hides from masks (not from a plain nick) those who share no channel.
    c->send("MODE coolNick +i");
    EXPECT_NE(c->wait_for("MODE").find(" MODE coolNick +i"), std::string::npos);
    c->send("MODE coolNick");
    EXPECT_NE(c->wait_for("221").find(" 221 coolNick :+i"), std::string::npos);
    who.clear();
    other->send("WHO cool*");
    who.push_back(other->wait_for("315", &who));
    EXPECT_EQ(who.size(), 1U) << joined(who);
    who.clear();
    other->send("WHO coolNick");
    who.push_back(other->wait_for("315", &who));
    EXPECT_EQ(who.size(), 2U) << joined(who);
    other->send("LUSERS");
    EXPECT_NE(
        other->wait_for("251").find(" 251 otto :There are 1 users and 1 invisible "),
        std::string::npos
    );
    for (auto* member : {c.get(), other.get()}) {
        member->send("JOIN #together");
        member->wait_for("366");
    }
    who.clear();
    other->send("WHO cool*");
    who.push_back(other->wait_for("315", &who));
    EXPECT_EQ(who.size(), 2U) << joined(who);
}

TEST_F(IrcE2e, WhowasRemembersDepartedNicksNewestFirst) {
    auto asker = client();
    asker->register_as("asker");
    asker->send("WHOWAS");
    asker->wait_for("461");
    asker->send("WHOWAS gone");
    EXPECT_NE(asker->wait_for("406").find(" 406 asker gone :"), std::string::npos);
    asker->wait_for("369");
    for (const char* user : {"first", "second"}) {
        auto c = client();
        c->send("NICK gone");
        c->send(std::string("USER ") + user + " 0 * :Real " + user);
        c->wait_for("376");
        c->send("QUIT");
        EXPECT_TRUE(c->closed_by_peer());
    }
    std::vector<std::string> whowas;
    asker->send("WHOWAS gone");
    whowas.push_back(asker->wait_for("369", &whowas));
    ASSERT_EQ(whowas.size(), 5U) << joined(whowas);
    EXPECT_NE(whowas[0].find(" 314 asker gone second salon * :Real second"), std::string::npos);
    EXPECT_NE(whowas[1].find(" 312 asker gone "), std::string::npos);
    EXPECT_NE(whowas[2].find(" 314 asker gone first salon * :Real first"), std::string::npos);
    whowas.clear();
    asker->send("WHOWAS gone 1");
    whowas.push_back(asker->wait_for("369", &whowas));
    EXPECT_EQ(whowas.size(), 3U) << joined(whowas);
}

TEST_F(IrcE2e, TimeInfoAndLusers) {
    auto c = in_home("tess");
    c->send("TIME");
    EXPECT_NE(c->wait_for("391").find(" 391 tess "), std::string::npos);
    c->send("INFO");
    std::vector<std::string> info;
    info.push_back(c->wait_for("374", &info));
    EXPECT_TRUE(has_line(info, " 371 tess :")) << joined(info);
    auto other = in_home("uri");
    other->send("QUIT");
    other->wait_for("ERROR");
    c->wait_for("QUIT");
    c->send("LUSERS");
    std::vector<std::string> lusers;
    lusers.push_back(c->wait_for("266", &lusers));
    EXPECT_TRUE(has_line(lusers, " 251 tess :There are 1 users ")) << joined(lusers);
    EXPECT_TRUE(has_line(lusers, " 252 tess 0 :")) << joined(lusers);
    EXPECT_TRUE(has_line(lusers, " 254 tess 1 :")) << joined(lusers);
    EXPECT_TRUE(has_line(lusers, " 265 tess 1 2 :")) << joined(lusers);
    EXPECT_TRUE(has_line(lusers, " 266 tess 1 2 :")) << joined(lusers);
}

// ---------------------------------------------------------------------------------------------
// Channels and queries

TEST_F(IrcE2e, JoinListsPartNamesWhoTopicModeList) {
    auto c = client();
    c->register_as("hank");
    c->send("JOIN #One,#two");
    std::vector<std::string> lines;
    lines.push_back(c->wait_for("366", &lines));
    lines.push_back(c->wait_for("366", &lines));
    EXPECT_TRUE(has_line(lines, ":hank!hank@salon JOIN #one")) << joined(lines);
    EXPECT_TRUE(has_line(lines, " 353 hank = #one :@hank")) << joined(lines);
    EXPECT_TRUE(has_line(lines, ":hank!hank@salon JOIN #two")) << joined(lines);
    EXPECT_TRUE(c->drain().empty()) << "the JOIN event is not repeated";

    auto other = in_home("ivy");
    other->send("JOIN #one");
    other->wait_for("366");
    EXPECT_NE(c->wait_for("JOIN").find(":ivy!ivy@salon JOIN #one"), std::string::npos);

    c->send("NAMES #one");
    EXPECT_NE(c->wait_for("353").find(":@hank ivy"), std::string::npos);
    c->wait_for("366");
    c->send("WHO #one");
    std::vector<std::string> who;
    who.push_back(c->wait_for("315", &who));
    EXPECT_TRUE(has_line(who, " 352 hank #one hank salon ")) << joined(who);
    EXPECT_TRUE(has_line(who, " H@ :0 Test user")) << joined(who);
    EXPECT_TRUE(has_line(who, " 352 hank #one ivy ")) << joined(who);

    c->send("TOPIC #one");
    c->wait_for("331");
    c->send("TOPIC #one :the first channel");
    EXPECT_NE(
        c->wait_for("TOPIC").find(":hank!hank@salon TOPIC #one :the first channel"),
        std::string::npos
    );
    EXPECT_NE(other->wait_for("TOPIC").find("the first channel"), std::string::npos);
    other->send("TOPIC #one");
    EXPECT_NE(other->wait_for("332").find(":the first channel"), std::string::npos);
    const std::string setter = other->wait_for("333");
    EXPECT_NE(setter.find(" 333 ivy #one hank :1"), std::string::npos) << setter;
    auto late = client();
    late->register_as("jill");
    late->send("JOIN #one");
    EXPECT_NE(late->wait_for("332").find(":the first channel"), std::string::npos);
    EXPECT_NE(late->wait_for("333").find(" 333 jill #one hank :"), std::string::npos);
    late->send("PART #one");
    late->wait_for("PART");
    other->send("TOPIC #one :mine now");
    other->wait_for("482");  // not an operator

    c->send("MODE #one");
    EXPECT_NE(c->wait_for("324").find("+nt"), std::string::npos);
    c->send("MODE #one +k sesame");
    EXPECT_NE(c->wait_for("MODE").find("+k sesame"), std::string::npos);
    c->send("MODE #one");
    EXPECT_NE(c->wait_for("324").find("+knt"), std::string::npos);
    c->send("MODE #one +o ivy");
    EXPECT_NE(c->wait_for("MODE").find("+o ivy"), std::string::npos);
    c->send("MODE hank");
    c->wait_for("221");

    c->send("LIST");
    std::vector<std::string> list;
    list.push_back(c->wait_for("323", &list));
    EXPECT_TRUE(has_line(list, " 322 hank #one 2 :the first channel")) << joined(list);
    EXPECT_TRUE(has_line(list, " 322 hank #two 1 ")) << joined(list);
    EXPECT_TRUE(has_line(list, " 322 hank #home 1 ")) << joined(list);

    c->send("PART #one,#two");
    EXPECT_NE(c->wait_for("PART").find(":hank!hank@salon PART #one"), std::string::npos);
    EXPECT_NE(c->wait_for("PART").find("PART #two"), std::string::npos);
    EXPECT_NE(other->wait_for("PART").find(":hank!hank@salon PART #one"), std::string::npos);
}

TEST_F(IrcE2e, KickAndBanByAnOperator) {
    auto op = in_home("judy");
    op->send("JOIN #club");
    op->wait_for("366");
    auto member = in_home("ken");
    member->send("JOIN #club");
    member->wait_for("366");
    op->send("KICK #club ken :too loud");
    EXPECT_NE(
        member->wait_for("KICK").find(":judy!judy@salon KICK #club ken :too loud"),
        std::string::npos
    );
    op->send("MODE #club +b ken!*@*");
    EXPECT_NE(op->wait_for("MODE").find("+b ken!*@*"), std::string::npos);
    member->send("JOIN #club");
    member->wait_for("474");
    member->send("KICK #club judy");
    member->wait_for("482");
}

TEST_F(IrcE2e, ExceptionListsLetABannedUserAndAnUninvitedOneJoin) {
    auto op = in_home("uma");
    op->send("JOIN #except");
    op->wait_for("366");
    auto banned = in_home("vic");
    auto uninvited = in_home("wes");

    op->send("MODE #except +b vic!*@*");
    op->wait_for("MODE");
    banned->send("JOIN #except");
    banned->wait_for("474");
    op->send("MODE #except +e VIC!*@*");
    EXPECT_NE(op->wait_for("MODE").find("MODE #except +e vic!*@*"), std::string::npos);
    banned->send("JOIN #except");
    banned->wait_for("366");

    op->send("MODE #except +i");
    op->wait_for("MODE");
    uninvited->send("JOIN #except");
    uninvited->wait_for("473");
    op->send("MODE #except +I wes!*@*");
    op->wait_for("MODE");
    uninvited->send("JOIN #except");
    uninvited->wait_for("366");

    // The lists, as the masks IRC expects; names folded as bans are.
    op->send("MODE #except e");
    EXPECT_NE(op->wait_for("348").find(" 348 uma #except :vic!*@*"), std::string::npos);
    op->wait_for("349");
    op->send("MODE #except +I");
    EXPECT_NE(op->wait_for("346").find(" 346 uma #except :wes!*@*"), std::string::npos);
    op->wait_for("347");
    op->send("MODE #except -I wes!*@*");
    EXPECT_NE(op->wait_for("MODE").find("MODE #except -I wes!*@*"), std::string::npos);
    op->send("MODE #except I");
    const std::string end = op->wait_for("347");
    EXPECT_NE(
        end.find(" 347 uma #except :End of channel invite exception list"), std::string::npos
    );
}

TEST_F(IrcE2e, BansAndExceptionsAreMasksWithWildcards) {
    auto op = in_home("chanop");
    op->send("JOIN #masks");
    op->wait_for("366");
    auto member = in_home("barney");
    member->send("JOIN #masks");
    member->wait_for("366");
    auto bar = in_home("Bar");

    // A ban by wildcard removes the members it matches (not its setter) and keeps them out.
    op->send("MODE #masks +b ba*");
    EXPECT_NE(op->wait_for("MODE").find("MODE #masks +b ba*!*@*"), std::string::npos);
    EXPECT_NE(member->wait_for("KICK").find("KICK #masks barney :banned"), std::string::npos);
    bar->send("JOIN #masks");
    bar->wait_for("474");
    op->send("MODE #masks +e *ar!*@*");
    op->wait_for("MODE");
    bar->send("JOIN #masks");
    bar->wait_for("366");
    member->send("JOIN #masks");
    member->wait_for("474");  // barney: *ar does not match

    // Listed as stored; a mask of another case is the same mask.
    op->send("MODE #masks b");
    EXPECT_NE(op->wait_for("367").find(" 367 chanop #masks :ba*!*@*"), std::string::npos);
    op->wait_for("368");
    op->send("MODE #masks -b BA*!*@*");
    op->wait_for("MODE");
    member->send("JOIN #masks");
    member->wait_for("366");

    // +I by host: every user is name!name@salon.
    op->send("MODE #masks +i");
    op->wait_for("MODE");
    auto late = in_home("late");
    late->send("JOIN #masks");
    late->wait_for("473");
    op->send("MODE #masks +I *!*@salon");
    op->wait_for("MODE");
    late->send("JOIN #masks");
    late->wait_for("366");

    // A mask no line could carry is refused.
    op->send("MODE #masks +b a!b!c");
    EXPECT_FALSE(has_line(op->drain(), "MODE #masks +b"));
}

TEST_F(IrcE2e, ModeChangesReachEveryMemberAndTheirRulesHold) {
    auto op = in_home("quinn", "multi-prefix");
    op->send("JOIN #modes");
    op->wait_for("366");
    auto member = in_home("rhea");
    member->send("JOIN #modes");
    member->wait_for("366");
    op->drain();

    // Every member sees a change, from its changer (before, only the sender did).
    op->send("MODE #modes +mv-t rhea");
    EXPECT_NE(
        op->wait_for("MODE").find(":quinn!quinn@salon MODE #modes +mv-t rhea"), std::string::npos
    );
    EXPECT_NE(
        member->wait_for("MODE").find(":quinn!quinn@salon MODE #modes +mv-t rhea"),
        std::string::npos
    );
    op->send("NAMES #modes");
    EXPECT_NE(op->wait_for("353").find(":@quinn +rhea"), std::string::npos);
    member->send("PRIVMSG #modes :voiced");
    op->wait_for("PRIVMSG");
    member->send("TOPIC #modes :members may, with -t");
    op->wait_for("TOPIC");
    op->send("MODE #modes -v rhea");
    member->wait_for("MODE");
    member->send("PRIVMSG #modes :muted");
    EXPECT_NE(member->wait_for("404").find("#modes"), std::string::npos);

    // 324 with the modes and their arguments, then 329; the ban list.
    op->send("MODE #modes +l 5");
    op->wait_for("MODE");
    op->send("MODE #modes");
    EXPECT_NE(op->wait_for("324").find(" 324 quinn #modes +lmn :5"), std::string::npos);
    op->wait_for("329");
    op->send("MODE #modes +l 0");
    EXPECT_NE(op->wait_for("696").find(" 696 quinn #modes l 0 "), std::string::npos);
    op->send("MODE #modes +b sid!*@*");
    op->wait_for("MODE");
    op->send("MODE #modes b");
    EXPECT_NE(op->wait_for("367").find(" 367 quinn #modes :sid!*@*"), std::string::npos);
    op->wait_for("368");

    // -o, then +i: an uninvited joiner gets 473; INVITE lets one in.
    member->drain();
    op->send("MODE #modes +o rhea");
    member->wait_for("MODE");
    op->send("MODE #modes +i-o quinn");
    EXPECT_NE(member->wait_for("MODE").find("MODE #modes +i-o quinn"), std::string::npos);
    op->send("MODE #modes +v rhea");
    op->wait_for("482");
    auto late = in_home("sam");
    late->send("JOIN #modes");
    late->wait_for("473");
    op->send("INVITE sam #modes");
    op->wait_for("482");  // invite-only: operators invite
    member->send("INVITE quinn #modes");
    member->wait_for("443");
    member->send("INVITE sam #modes");
    EXPECT_NE(member->wait_for("341").find(" 341 rhea sam :#modes"), std::string::npos);
    EXPECT_NE(
        late->wait_for("INVITE").find(":rhea!rhea@salon INVITE sam #modes"), std::string::npos
    );
    late->send("JOIN #modes");
    late->wait_for("366");

    // +s hides the channel from the LIST of non-members.
    member->send("MODE #modes +s");
    member->wait_for("MODE");
    auto outsider = in_home("tia");
    outsider->send("LIST");
    std::vector<std::string> list;
    list.push_back(outsider->wait_for("323", &list));
    EXPECT_FALSE(has_line(list, "#modes")) << joined(list);
    outsider->send("WHOIS rhea");
    std::vector<std::string> whois;
    whois.push_back(outsider->wait_for("318", &whois));
    EXPECT_FALSE(has_line(whois, "#modes")) << joined(whois);
    op->send("WHOIS rhea");
    EXPECT_NE(op->wait_for("319").find("#modes"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Bad input

TEST_F(IrcE2e, ErrorNumericsForBadInput) {
    auto owner = in_home("keeper");  // #home exists, lena is not in it
    auto c = client();
    c->send("JOIN #home");
    c->wait_for("451");
    c->send("NICK bad!nick");
    c->wait_for("432");
    c->register_as("lena");
    c->send("FROBNICATE now");
    EXPECT_NE(c->wait_for("421").find("FROBNICATE"), std::string::npos);
    c->send("\x01\x02 garbage");
    c->wait_for("421");
    c->send("\x01\x02\xff garbage");  // not UTF-8: refused as such (see below)
    EXPECT_NE(c->wait_for("FAIL").find("INVALID_UTF8"), std::string::npos);
    c->send("   ");  // blank: ignored
    c->send("JOIN");
    c->wait_for("461");
    c->send("PRIVMSG");
    c->wait_for("411");
    c->send("PRIVMSG #home");
    c->wait_for("412");
    c->send("PRIVMSG nobody :hello?");
    EXPECT_NE(c->wait_for("401").find("nobody"), std::string::npos);
    c->send("PRIVMSG #nowhere :hello?");
    c->wait_for("403");
    c->send("JOIN #bad.name");
    c->wait_for("479");
    c->send("PART #home");
    c->wait_for("442");
    c->send("WHOIS nobody");
    c->wait_for("401");
    c->send("NOTICE nobody :never answered");
    c->send("PRIVMSG #home :not a member yet");
    c->wait_for("404");
    c->send("USER again 0 * :x");
    c->wait_for("462");
    c->send("MODE #home +q");
    c->wait_for("472");
    c->send("PING :still-here");
    EXPECT_NE(c->wait_for("PONG").find("still-here"), std::string::npos);
}

TEST_F(IrcE2e, AnOverlongLineIs417AndTheConnectionCloses) {
    auto c = client();
    c->register_as("mona");
    c->send("PRIVMSG #home :" + std::string(proto::irc::kMaxFrameBytes + 10, 'x'));
    c->wait_for("417");
    c->wait_for("ERROR");
    EXPECT_TRUE(c->closed_by_peer());
}

TEST_F(IrcE2e, ALongButLegalLineIsRead) {
    // Tags up to the IRCv3 client limit plus a full 512-byte line fit the frame limit.
    auto c = in_home("nina");
    const std::string tags = "@+x=" + std::string(proto::irc::kMaxClientTagBytes - 6, 'a') + " ";
    c->send(tags + "PING :" + std::string(400, 'p'));
    c->wait_for("PONG");
}

// ---------------------------------------------------------------------------------------------
// Across protocols

TEST_F(IrcE2e, IrcAndNativeShareChannelMessagesWithTheSameIds) {
    auto irc = in_home("oscar", "message-tags server-time echo-message");
    auto native = native_login(server_, "paula", true);
    irc->wait_for("JOIN");  // paula joined #home

    irc->send("PRIVMSG #home :hello from irc");
    const std::string echo = irc->wait_for("PRIVMSG");
    const auto msgid = tag_of(echo, "msgid");
    ASSERT_TRUE(msgid) << echo;
    EXPECT_TRUE(tag_of(echo, "time"));
    const auto msg = native->wait_for("MSG", kIrcWait);
    const auto& body = body_of(msg);
    EXPECT_EQ(body.at("text").as_string(), "hello from irc");
    EXPECT_EQ(body.at("from").as_string(), "oscar");
    EXPECT_EQ(body.at("channel").as_string(), "home");
    EXPECT_EQ(std::to_string(body.at("id").as_int64()), *msgid);

    native->send(make_frame("SEND", {{"channel", "home"}, {"text", "hello from native"}}));
    const auto ok = native_reply(*native);
    const std::string line = irc->wait_for("PRIVMSG");
    EXPECT_NE(line.find(":paula!paula@salon PRIVMSG #home :hello from native"), std::string::npos);
    EXPECT_EQ(tag_of(line, "msgid"), std::to_string(body_of(ok).at("id").as_int64()));
    EXPECT_EQ(tag_of(line, "account"), "paula");
}

TEST_F(IrcE2e, AnOperatorReturningToAChannelGetsPlusOAfterTheJoin) {
    auto founder = native_login(server_, "sofia", true);
    founder->send(make_frame("JOIN", {{"channel", "den"}}));
    ASSERT_EQ(verb_of(native_reply(*founder)), "OK");
    auto irc = client();
    irc->register_as("tara");
    irc->send("JOIN #den");
    irc->wait_for("366");
    founder->send(make_frame("END"));
    native_reply(*founder);
    irc->wait_for("QUIT");

    // Back at the next login, still the channel's operator: IRC hears so after the JOIN.
    auto back = std::make_unique<LineClient>("127.0.0.1", server_.native_port());
    back->send(make_frame("CONN", {{"us", "sofia"}, {"pwd", kPassword}}));
    ASSERT_EQ(verb_of(native_reply(*back)), "OK");
    EXPECT_NE(irc->wait_for("JOIN").find(":sofia!sofia@salon JOIN #den"), std::string::npos);
    const auto mode = irc->next();
    ASSERT_TRUE(mode);
    EXPECT_NE(mode->find(" MODE #den +o sofia"), std::string::npos) << *mode;
}

TEST_F(IrcE2e, WithoutEchoMessageTheSenderDoesNotSeeItsOwnMessage) {
    auto sender = in_home("quinn");
    auto reader = in_home("rita");
    sender->send("PRIVMSG #home :one");
    sender->send("PRIVMSG #home :two");
    EXPECT_NE(
        reader->wait_for("PRIVMSG").find(":quinn!quinn@salon PRIVMSG #home :one"), std::string::npos
    );
    EXPECT_NE(reader->wait_for("PRIVMSG").find("PRIVMSG #home :two"), std::string::npos);
    EXPECT_FALSE(has_line(sender->drain(), "PRIVMSG"));
}

TEST_F(IrcE2e, DirectMessagesBetweenIrcAndNative) {
    auto irc = client();
    irc->register_as("sam");
    auto native = native_login(server_, "tina", true);
    irc->send("PRIVMSG tina :psst, from irc");
    const auto dm = native->wait_for("DM", kIrcWait);
    EXPECT_EQ(body_of(dm).at("from").as_string(), "sam");
    EXPECT_EQ(body_of(dm).at("text").as_string(), "psst, from irc");

    native->send(make_frame("DM", {{"to", "sam"}, {"text", "psst, from native"}}));
    EXPECT_NE(
        irc->wait_for("PRIVMSG").find(":tina!tina@salon PRIVMSG sam :psst, from native"),
        std::string::npos
    );
}

TEST_F(IrcE2e, WebSocketAndIrcTalk) {
    auto irc = in_home("uma");
    WsClient ws("127.0.0.1", server_.process().http_port());
    ws.send(make_frame("CONN", {{"us", "Guest777"}}));
    ASSERT_EQ(verb_of(native_reply(ws)), "OK");
    irc->wait_for("JOIN");
    ws.send(make_frame("SEND", {{"channel", "home"}, {"text", "from the web"}}));
    EXPECT_NE(
        irc->wait_for("PRIVMSG").find(":Guest777!Guest777@salon PRIVMSG #home :from the web"),
        std::string::npos
    );
    irc->send("PRIVMSG #home :from irc to the web");
    for (;;) {  // the web client's own message comes first
        const auto msg = ws.wait_for("MSG", kIrcWait);
        if (body_of(msg).at("from").as_string() == "uma") {
            EXPECT_EQ(body_of(msg).at("text").as_string(), "from irc to the web");
            break;
        }
    }
}

TEST_F(IrcE2e, IrcOverWebSocketWithTheIrcv3Subprotocols) {
    auto irc = in_home("walt");
    const auto http_port = server_.process().http_port();
    // The first IRCv3 subprotocol of the client's list is chosen, at / as at /ws.
    WsClient web(
        "127.0.0.1",
        http_port,
        "/",
        {"Sec-WebSocket-Protocol: chat, binary.ircv3.net, text.ircv3.net"}
    );
    EXPECT_NE(web.handshake().find("Sec-WebSocket-Protocol: binary.ircv3.net"), std::string::npos)
        << web.handshake();
    web.send_frame(WsClient::kBinary, "NICK webby");
    web.send_frame(WsClient::kBinary, "USER w 0 * :Web User");
    std::vector<std::string> welcome;
    for (;;) {
        const auto line = web.next_message(kIrcWait);
        ASSERT_TRUE(line) << joined(welcome);
        welcome.push_back(*line);
        if (line->find(" 376 ") != std::string::npos) break;
    }
    for (const auto& line : welcome) {
        EXPECT_FALSE(line.ends_with('\n') || line.ends_with('\r')) << "one line, no CRLF: " << line;
        EXPECT_EQ(line.find('\n'), std::string::npos) << "one line per message: " << line;
    }
    EXPECT_TRUE(welcome.front().find(" 001 webby ") != std::string::npos) << joined(welcome);
    web.send_frame(WsClient::kBinary, "PRIVMSG walt :hello from the browser");
    EXPECT_EQ(irc->wait_for("PRIVMSG"), ":webby!webby@salon PRIVMSG walt :hello from the browser");

    WsClient text("127.0.0.1", http_port, "/ws", {"Sec-WebSocket-Protocol: text.ircv3.net"});
    EXPECT_NE(text.handshake().find("Sec-WebSocket-Protocol: text.ircv3.net"), std::string::npos)
        << text.handshake();
    text.send_frame(WsClient::kText, "PING :are-you-irc");
    const auto pong = text.next_message(kIrcWait).value_or("");
    EXPECT_TRUE(pong.ends_with(" PONG " + pong.substr(1, pong.find(' ') - 1) + " :are-you-irc"))
        << pong;

    // Without a subprotocol, the native protocol as before.
    WsClient native("127.0.0.1", http_port);
    EXPECT_EQ(native.handshake().find("Sec-WebSocket-Protocol"), std::string::npos);
    native.send(make_frame("PING"));
    EXPECT_EQ(verb_of(native_reply(native)), "OK");
}

TEST_F(IrcE2e, LongNativeMessagesAreSplitIntoLegalLines) {
    auto irc = in_home("victor");
    auto native = native_login(server_, "Guest4242", false);
    std::string text;
    for (int i = 0; text.size() < 4000; ++i) text += "word" + std::to_string(i) + " ";
    text.resize(4000);
    native->send(make_frame("SEND", {{"channel", "home"}, {"text", text}}));
    std::string rebuilt;
    const std::string source = ":Guest4242!Guest4242@salon ";
    while (rebuilt.size() < text.size()) {
        const std::string line = irc->wait_for("PRIVMSG");
        // What a client could send in one line, with the source on top.
        ASSERT_TRUE(line.starts_with(source)) << line;
        EXPECT_LE(line.size() - source.size() + 2, proto::irc::kMaxLineBytes);
        rebuilt += parse_line(line).params.at(1);
    }
    EXPECT_EQ(rebuilt, text);
}

TEST_F(IrcE2e, HistoryArrivesAsABatchOnJoin) {
    auto native = native_login(server_, "wendy", true);
    for (const char* text : {"first", "second", "third"}) {
        native->send(make_frame("SEND", {{"channel", "home"}, {"text", text}}));
        native_reply(*native);
    }
    auto irc = client();
    irc->register_as("xavier", "batch server-time message-tags");
    irc->send("JOIN #home");
    irc->wait_for("366");
    const std::string start = irc->wait_for("BATCH");
    const auto m = parse_line(start);
    ASSERT_EQ(m.params.size(), 3u) << start;
    EXPECT_EQ(m.params[1], "chathistory");
    EXPECT_EQ(m.params[2], "#home");
    const std::string id = m.params[0].substr(1);
    for (const char* text : {"first", "second", "third"}) {
        const std::string line = irc->wait_for("PRIVMSG");
        EXPECT_EQ(tag_of(line, "batch"), id);
        EXPECT_TRUE(tag_of(line, "time"));
        EXPECT_EQ(parse_line(line).params.at(1), text);
    }
    EXPECT_EQ(parse_line(irc->wait_for("BATCH")).params.at(0), "-" + id);
}

TEST_F(IrcE2e, ARegisteredUserGetsTheirChannelsBackWithMembers) {
    create_account(server_, "yara");
    {
        auto first = client();
        first->register_as("yara", {}, kPassword);
        first->send("JOIN #garden");
        first->wait_for("366");
        first->send("QUIT");
        first->closed_by_peer();
    }
    auto again = client();
    std::vector<std::string> lines = again->register_as("yara", {}, kPassword);
    lines.push_back(again->wait_for(
        [](const proto::irc::Message& m) {
            return m.command == "366" && m.params.size() > 1 && m.params[1] == "#garden";
        },
        &lines
    ));
    EXPECT_TRUE(has_line(lines, ":yara!yara@salon JOIN #garden")) << joined(lines);
    EXPECT_TRUE(has_line(lines, " 353 yara = #garden :@yara")) << joined(lines);
}

TEST_F(IrcE2e, QuitIsSeenByNativeMembers) {
    auto irc = in_home("zoe");
    auto native = native_login(server_, "Guest5151", false);
    irc->send("QUIT :bye");
    const auto quit = native->wait_for("QUIT", kIrcWait);
    EXPECT_EQ(body_of(quit).at("user").as_string(), "zoe");
    EXPECT_EQ(body_of(quit).at("reason").as_string(), "quit");
    EXPECT_EQ(body_of(quit).at("message").as_string(), "bye");
}

TEST_F(IrcE2e, PartAndQuitReasonsReachIrcAndNativeMembers) {
    auto leaver = in_home("pia");
    auto stayer = in_home("quin");
    auto native = native_login(server_, "Guest6161", false);
    leaver->send("PART #home :off to lunch");
    EXPECT_NE(
        stayer->wait_for("PART").find(":pia!pia@salon PART #home :off to lunch"), std::string::npos
    );
    const auto part = native->wait_for("PART", kIrcWait);
    EXPECT_EQ(body_of(part).at("reason").as_string(), "off to lunch");
    EXPECT_FALSE(body_of(part).contains("by"));

    leaver->send("JOIN #home");
    leaver->wait_for("366");
    leaver->send("QUIT :see you tomorrow");
    EXPECT_NE(
        stayer->wait_for("QUIT").find(":pia!pia@salon QUIT :Quit: see you tomorrow"),
        std::string::npos
    );
    // Native END {reason}: IRC members see the words as the user's.
    native->send(make_frame("END", {{"reason", "bye all"}}));
    EXPECT_NE(
        stayer->wait_for("QUIT").find(":Guest6161!Guest6161@salon QUIT :Quit: bye all"),
        std::string::npos
    );
}

TEST_F(IrcE2e, AKickWithoutACommentCarriesTheKickersNick) {
    auto op = in_home("rex");
    op->send("JOIN #den");
    op->wait_for("366");
    auto member = in_home("sol");
    member->send("JOIN #den");
    member->wait_for("366");
    op->send("KICK #den sol");
    EXPECT_NE(
        member->wait_for("KICK").find(":rex!rex@salon KICK #den sol :rex"), std::string::npos
    );
}

TEST_F(IrcE2e, NoticesStayNoticesForIrcAndNativeAndInHistory) {
    auto sender = in_home("tia", "echo-message");
    auto other = in_home("uri");
    auto native = std::make_unique<LineClient>("127.0.0.1", server_.native_port());
    native->send(make_frame("CONN", {{"us", "Guest7171"}, {"pwd", ""}, {"v", 2}}));
    ASSERT_EQ(verb_of(native_reply(*native)), "OK");
    native->wait_for("HISTORY", kIrcWait);

    sender->send("NOTICE #home :the bell rings");
    const std::string line = ":tia!tia@salon NOTICE #home :the bell rings";
    EXPECT_NE(sender->wait_for("NOTICE").find(line), std::string::npos);  // the echo
    EXPECT_NE(other->wait_for("NOTICE").find(line), std::string::npos);
    const auto msg = native->wait_for("MSG", kIrcWait);
    EXPECT_TRUE(body_of(msg).at("notice").as_bool());

    // A latecomer's history shows it as a notice too (marked with its time: no tags).
    auto late = in_home("vic");
    EXPECT_NE(late->wait_for("NOTICE").find("NOTICE #home :["), std::string::npos);
}

TEST_F(IrcE2e, ReplyTagsBecomeRepliesBothWays) {
    auto asker = in_home("wes", "message-tags echo-message");
    auto answerer = in_home("xan", "message-tags");
    asker->send("PRIVMSG #home :lunch at noon?");
    const auto question = proto::irc::parse(answerer->wait_for("PRIVMSG"));
    ASSERT_TRUE(question);
    std::string id;
    for (const auto& [key, value] : question->tags)
        if (key == "msgid") id = value;
    ASSERT_FALSE(id.empty());
    answerer->send("@+draft/reply=" + id + " PRIVMSG #home :yes");
    const auto answer = asker->wait_for([](const proto::irc::Message& m) {
        return m.command == "PRIVMSG" && m.params.size() > 1 && m.params[1] == "yes";
    });
    EXPECT_NE(answer.find("+draft/reply=" + id), std::string::npos) << answer;
    // A reply to something that is not a message of this conversation goes out as a plain
    // message: IRC clients tag replies to messages this server may never have seen.
    answerer->send("@+draft/reply=999999 PRIVMSG #home :to nothing");
    const auto plain = asker->wait_for([](const proto::irc::Message& m) {
        return m.command == "PRIVMSG" && m.params.size() > 1 && m.params[1] == "to nothing";
    });
    EXPECT_EQ(plain.find("+draft/reply"), std::string::npos) << plain;
}

TEST_F(IrcE2e, TheLongestLineAClientCanSendIsRelayedWholeInOneLine) {
    auto sender = in_home("yan");
    auto receiver = in_home("zed");
    const std::string command = "PRIVMSG #home :";
    const std::string text(510 - command.size(), 'a');
    sender->send(command + text);
    const auto relayed = receiver->wait_for("PRIVMSG");
    EXPECT_EQ(relayed, ":yan!yan@salon " + command + text);
    // Nothing follows: the text came in one line.
    EXPECT_FALSE(has_line(receiver->drain(), "PRIVMSG")) << relayed;
}

TEST_F(IrcE2e, ATagSectionOverItsLimitIs417AndTheConnectionStays) {
    auto sender = in_home("abe", "message-tags");
    auto receiver = in_home("bo");
    sender->send("@+note=" + std::string(4096, 'x') + " PRIVMSG #home :hi");
    sender->wait_for("417");
    EXPECT_FALSE(has_line(receiver->drain(), "PRIVMSG"));
    sender->send("PRIVMSG #home :still here");
    receiver->wait_for("PRIVMSG");
}

TEST_F(IrcE2e, UserhostInNamesListsFullSources) {
    auto first = in_home("cy");
    auto second = client();
    second->register_as("di", "userhost-in-names");
    second->send("JOIN #home");
    const auto names = second->wait_for("353");
    EXPECT_NE(names.find("cy!cy@salon"), std::string::npos) << names;
    EXPECT_NE(names.find("di!di@salon"), std::string::npos) << names;
}

TEST_F(IrcE2e, FloodingIsRateLimitedLikeTheNativeProtocol) {
    IrcServer strict(
        {"--messages-per-second", "1", "--message-burst", "3", "--rate-limit-strikes", "5"}
    );
    IrcClient c(strict.irc_port());
    c.register_as("flood");
    // One write: the server may close the connection before a line-by-line flood is sent.
    std::string flood;
    for (int i = 0; i < 20; ++i) flood += "PING :p" + std::to_string(i) + "\r\n";
    c.send_raw(flood);
    std::vector<std::string> lines;
    lines.push_back(c.wait_for("ERROR", &lines));
    EXPECT_TRUE(has_line(lines, "rate_limited")) << joined(lines);
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(IrcE2e, AClientThatStopsReadingIsDroppedAtTheSendQueueBound) {
    IrcServer small(
        {"--send-queue-bytes",
         "65536",
         "--messages-per-second",
         "1000000",
         "--message-burst",
         "1000000"}
    );
    IrcClient stalled(small.irc_port(), 4096);
    stalled.register_as("sleepy");
    stalled.send("JOIN #home");
    stalled.wait_for("366");
    auto native = std::make_unique<LineClient>("127.0.0.1", small.native_port());
    native->send(make_frame("CONN", {{"us", "Guest3131"}}));
    native->wait_for("HISTORY", kIrcWait);
    // The IRC client reads nothing more; what is sent to it piles up on the server. The sender
    // reads its replies in rounds that stay well under the bound, so only the IRC client's
    // backlog grows.
    const std::string text(2000, 'z');
    constexpr int kRound = 8;
    constexpr int kMaxMessages = 4000;
    bool quit_seen = false;
    for (int sent = 0; !quit_seen && sent < kMaxMessages; sent += kRound) {
        for (int i = 0; i < kRound; ++i)
            native->send(make_frame("SEND", {{"channel", "home"}, {"text", text}}));
        for (int oks = 0; oks < kRound;) {
            const auto frame = native->next(kIrcWait);
            ASSERT_TRUE(frame) << "the sender starved after " << sent << "; salond log:\n"
                               << small.process().log();
            if (verb_of(*frame) == "OK") ++oks;
            if (verb_of(*frame) == "QUIT") quit_seen = body_of(*frame).at("user") == "sleepy";
        }
    }
    if (!quit_seen) {
        const auto quit = native->wait_for("QUIT", kIrcWait);
        EXPECT_EQ(body_of(quit).at("user").as_string(), "sleepy");
    }
    EXPECT_NE(small.process().log().find("send queue full"), std::string::npos);
    EXPECT_TRUE(stalled.closed_by_peer());
}

// ---------------------------------------------------------------------------------------------
// Robustness: nothing a client sends makes salond's lines stop being UTF-8, and no message
// multiplies into more IRC lines than a client can take.

TEST_F(IrcE2e, InvalidUtf8IsRefusedAndNeverEchoed) {
    auto owner = in_home("keeper");  // #home exists
    auto strict = client();
    strict->register_as("sal", "standard-replies");
    auto plain = client();
    plain->register_as("pia");
    // Each is refused whole: the bytes of the command, a channel, a nick, a mode character, a
    // parameter or a tag that are not UTF-8.
    const std::vector<std::pair<std::string, std::string>> refused{
        {"JOIN #caf\xc3", "JOIN"},
        {"JOIN #\xff\xfe,#home", "JOIN"},
        {"PART #\xe9t\xe9", "PART"},
        {"NAMES #\xc3\x28", "NAMES"},
        {"WHO #\xed\xa0\x80", "WHO"},  // a UTF-16 surrogate
        {"WHOIS \xc0\xaf", "WHOIS"},   // an overlong '/'
        {"MODE #home +\xc3", "MODE"},
        {"TOPIC #home :caf\xe9", "TOPIC"},
        {"KICK #home \xff :bye", "KICK"},
        {"PRIVMSG #home :\xff\xfe hello", "PRIVMSG"},
        {"NOTICE \xf8\x88\x80\x80\x80 :hi", "NOTICE"},
        {"CAP \xe9", "CAP"},
        {"LIST #\xfe", "LIST"},
        {"PING :\xc3", "PING"},
        {"NICK n\xe9", "NICK"},
        {"@+tag=\xff PING :x", "PING"},
        {"\xff\xfe"
         "CMD arg",
         "*"},
    };
    for (const auto& [line, command] : refused) {
        strict->send(line);
        plain->send(line);
    }
    // Valid UTF-8 is echoed whole, never cut inside a character.
    for (auto* c : {strict.get(), plain.get()}) {
        c->send("MODE #home +\xc3\xa9");
        std::string long_name = "JOIN #" + std::string(40, 'x');
        for (int i = 0; i < 20; ++i) long_name += "\xc3\xa9";  // cut at 64 bytes when echoed
        c->send(long_name);
        c->send("PING :end");
    }
    auto received = [](IrcClient& c) {
        std::vector<std::string> lines;
        lines.push_back(c.wait_for("PONG", &lines));
        return lines;
    };
    const auto strict_lines = received(*strict);
    const auto plain_lines = received(*plain);
    for (const auto* lines : {&strict_lines, &plain_lines}) {
        for (const auto& line : *lines)
            EXPECT_TRUE(core::is_valid_utf8(line)) << "not UTF-8: " << line;
    }
    // UTF8ONLY's FAIL, whether the client asked for standard-replies or not.
    for (const auto* lines : {&strict_lines, &plain_lines}) {
        std::vector<std::string> fails;
        for (const auto& line : *lines) {
            if (line.find(" FAIL ") != std::string::npos) fails.push_back(line);
        }
        ASSERT_EQ(fails.size(), refused.size()) << joined(*lines);
        for (std::size_t i = 0; i < fails.size(); ++i) {
            const auto m = parse_line(fails[i]);
            ASSERT_GE(m.params.size(), 3u) << fails[i];
            EXPECT_EQ(m.params[0], refused[i].second) << fails[i];
            EXPECT_EQ(m.params[1], "INVALID_UTF8") << fails[i];
        }
    }
    EXPECT_TRUE(has_line(strict_lines, " 472 sal \xc3\xa9 :")) << joined(strict_lines);
    // Nothing refused was executed: the topic is unchanged, nobody was kicked or messaged.
    EXPECT_FALSE(has_line(owner->drain(), "caf")) << "a refused line has no effect";
}

TEST_F(IrcE2e, AMessageOfManyLinesBecomesBoundedIrcLinesAndJoinersStayConnected) {
    // Finding 2: 50 native messages of "a\n" x 2,048 (4,096 bytes each) made every IRC client
    // that joined the channel overflow its send queue on the history and be dropped.
    auto native = native_login(server_, "Guest6060", false);
    native->send(make_frame("JOIN", {{"channel", "flood"}}));
    ASSERT_EQ(verb_of(native_reply(*native)), "OK");
    std::string text;
    for (int i = 0; i < 2048; ++i) text += "a\n";
    constexpr int kMessages = 50;
    for (int i = 0; i < kMessages; ++i) {
        native->send(make_frame("SEND", {{"channel", "flood"}, {"text", text}}));
        const auto reply = native_reply(*native);
        ASSERT_EQ(verb_of(reply), "OK") << json::serialize(reply);
        std::this_thread::sleep_for(60ms);  // under the default 20 requests a second
    }

    auto irc = client();
    irc->register_as("late", "batch server-time message-tags");
    irc->send("JOIN #flood");
    std::size_t bytes = 0;
    std::map<std::string, std::size_t> lines_per_message;
    std::string current;
    bool batch_ended = false;
    while (!batch_ended) {
        const auto line = irc->next();
        ASSERT_TRUE(line) << "dropped after " << bytes << " bytes of the join";
        bytes += line->size() + 2;
        const auto m = parse_line(*line);
        if (m.command == "PRIVMSG") {
            if (auto id = tag_of(*line, "msgid")) current = *id;
            ++lines_per_message[current];
        }
        batch_ended = m.command == "BATCH" && m.params.at(0).starts_with('-');
    }
    RecordProperty("join_bytes", static_cast<int>(bytes));
    std::cout << "an IRC client joining #flood received " << bytes << " bytes\n";
    // The newest messages that fit a bulk reply (docs/protocol.md), each cut to the line bound.
    EXPECT_GE(lines_per_message.size(), 10U);
    EXPECT_LE(lines_per_message.size(), static_cast<std::size_t>(kMessages));
    for (const auto& [id, count] : lines_per_message)
        EXPECT_LE(count, proto::irc::kMaxLinesPerMessage) << "message " << id;
    irc->send("PING :still-here");
    irc->wait_for("PONG");

    // The same bound live, for a client without tags, and for a direct message.
    auto plain = in_home("plain");
    plain->send("JOIN #flood");
    for (std::size_t markers = 0; markers < lines_per_message.size();) {  // the history, cut
        if (plain->wait_for("PRIVMSG").find("[2033 more lines not shown]") != std::string::npos)
            ++markers;
    }
    native->send(make_frame("SEND", {{"channel", "flood"}, {"text", text}}));
    native->send(make_frame("DM", {{"to", "plain"}, {"text", text}}));
    std::vector<std::string> live;
    for (int seen = 0; seen < 2;) {
        const std::string line = plain->wait_for("PRIVMSG");
        live.push_back(line);
        if (line.find("more lines not shown") != std::string::npos) ++seen;
    }
    EXPECT_EQ(live.size(), 2 * proto::irc::kMaxLinesPerMessage) << joined(live);
    for (const auto& line : live) EXPECT_NE(parse_line(line).params.at(1), "") << line;
    plain->send("PING :after");
    plain->wait_for("PONG");
}

TEST_F(IrcE2e, InviteWithoutParametersListsTheChannelsOneIsInvitedToAndHasNotJoined) {
    auto op = in_home("uma");
    auto guest = in_home("vic");
    guest->send("INVITE");
    std::vector<std::string> none;
    EXPECT_NE(
        guest->wait_for("337", &none).find(" 337 vic :End of /INVITE list"), std::string::npos
    );
    EXPECT_FALSE(has_line(none, " 336 ")) << joined(none);

    for (const std::string channel : {"#zeta", "#alpha"}) {
        op->send("JOIN " + channel);
        op->wait_for("366");
        op->send("INVITE vic " + channel);
        op->wait_for("341");
        guest->wait_for("INVITE");
    }
    guest->send("INVITE");
    std::vector<std::string> listed;
    guest->wait_for("337", &listed);
    ASSERT_EQ(listed.size(), 2U) << joined(listed);
    EXPECT_NE(listed[0].find(" 336 vic :#alpha"), std::string::npos) << listed[0];
    EXPECT_NE(listed[1].find(" 336 vic :#zeta"), std::string::npos) << listed[1];

    // Joining uses the invitation up; one parameter is still 461.
    guest->send("JOIN #alpha");
    guest->wait_for("366");
    guest->send("INVITE");
    listed.clear();
    guest->wait_for("337", &listed);
    EXPECT_FALSE(has_line(listed, "#alpha")) << joined(listed);
    EXPECT_TRUE(has_line(listed, " 336 vic :#zeta")) << joined(listed);
    guest->send("INVITE uma");
    guest->wait_for("461");
}

// ---------------------------------------------------------------------------------------------
// Server bans (`salond user ban`)

/// `salond user ban ARGS…` on the running server's data dir.
void ban(IrcServer& server, std::vector<std::string> args) {
    args.insert(args.begin(), {"user", "ban"});
    args.insert(args.end(), {"--data-dir", server.process().data_dir().string()});
    const auto banned = run_salond(args);
    ASSERT_EQ(banned.exit_status, 0) << banned.output;
}

TEST_F(IrcE2e, AServerBanIsErrorForTheUserOnlineAnd465ForEveryLoginPath) {
    create_account(server_, "dave");
    auto ivy = in_home("ivy");
    auto wes = in_home("wes");
    ivy->drain();

    // dave first: once ivy is closed, the server has read both.
    ban(server_, {"dave"});
    ban(server_, {"ivy", "--reason", "flooding"});
    // The account watch (every 2 s) closes ivy: ERROR with the reason, K-Lined for the others.
    const std::string error = ivy->wait_for(
        [](const proto::irc::Message& m) { return m.command == "ERROR"; }, nullptr, 10s
    );
    EXPECT_NE(error.find("banned from this server: flooding"), std::string::npos) << error;
    EXPECT_TRUE(ivy->closed_by_peer());
    EXPECT_NE(wes->wait_for("QUIT").find(":ivy!ivy@salon QUIT :K-Lined"), std::string::npos);

    auto again = client();
    again->send("NICK ivy");
    again->send("USER ivy 0 * :Ivy");
    EXPECT_NE(again->wait_for("465").find("flooding"), std::string::npos);
    EXPECT_NE(again->wait_for("ERROR").find("Closing Link"), std::string::npos);
    EXPECT_TRUE(again->closed_by_peer());

    auto sasl = client();
    sasl->send("CAP LS 302");
    sasl->send("CAP REQ sasl");
    sasl->send("NICK someone");
    sasl->send("USER someone 0 * :Someone");
    sasl->send("AUTHENTICATE PLAIN");
    sasl->wait_for("AUTHENTICATE");
    sasl->send("AUTHENTICATE " + sasl_plain("dave", kPassword));
    sasl->wait_for("465");
    EXPECT_TRUE(sasl->closed_by_peer());

    auto with_pass = client();
    with_pass->send("PASS " + std::string(kPassword));
    with_pass->send("NICK dave");
    with_pass->send("USER dave 0 * :Dave");
    with_pass->wait_for("465");
    EXPECT_TRUE(with_pass->closed_by_peer());
}

}  // namespace
}  // namespace salon::test
