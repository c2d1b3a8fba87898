#include "proto/irc_codec.hpp"

// The IRC codec on its own: registration and capability negotiation, SASL PLAIN, commands to
// typed requests, numerics for results and failures, event formats per capability set, line
// lengths, and what a connection declines (its own echoes).

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/limits.hpp"

namespace salon::proto {
namespace {

using core::Errc;

core::Message message(
    core::MessageId id,
    std::string channel,
    std::string from,
    std::string to,
    std::string text,
    core::UnixMillis ts_ms
) {
    core::Message m;
    m.id = id;
    m.channel = std::move(channel);
    m.from = std::move(from);
    m.to = std::move(to);
    m.text = std::move(text);
    m.ts_ms = ts_ms;
    return m;
}

std::vector<std::string> lines_of(const std::string& bytes) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < bytes.size()) {
        const auto end = bytes.find("\r\n", start);
        EXPECT_NE(end, std::string::npos) << "every line ends with CRLF: " << bytes;
        if (end == std::string::npos) break;
        out.push_back(bytes.substr(start, end - start));
        start = end + 2;
    }
    return out;
}

/// How many words the trailing parameters of the lines holding `marker` list, all lines being
/// within the IRC line limit.
std::size_t listed(const std::vector<std::string>& lines, std::string_view marker) {
    std::size_t count = 0;
    for (const auto& line : lines) {
        EXPECT_LE(line.size() + 2, irc::kMaxLineBytes);
        if (line.find(marker) == std::string::npos) continue;
        std::istringstream words(line.substr(line.find(" :") + 2));
        std::string w;
        while (words >> w) ++count;
    }
    return count;
}

class IrcCodecTest : public ::testing::Test {
protected:
    IrcSettings settings_;
    IrcCodec codec_{settings_};

    std::string answered(std::string_view line) {
        auto input = codec_.decode(line, false);
        const auto* a = std::get_if<Codec::Answered>(&input);
        if (a == nullptr) {
            ADD_FAILURE() << line << " was not answered by the codec itself";
            return {};
        }
        return a->bytes;
    }

    Request request(std::string_view line) {
        auto input = codec_.decode(line, false);
        auto* r = std::get_if<Request>(&input);
        if (r == nullptr) {
            const auto* a = std::get_if<Codec::Answered>(&input);
            ADD_FAILURE() << line << " gave no request" << (a ? ": " + a->bytes : "");
            return {};
        }
        return std::move(*r);
    }

    /// Registers as `nick` under the server's `limits` and returns the welcome burst.
    std::string register_as(const std::string& nick, const core::Limits& limits = {}) {
        answered("NICK " + nick);
        Request conn = request("USER u 0 * :Real Name");
        EXPECT_TRUE(std::holds_alternative<Conn>(conn.command));
        core::LoginResult login;
        login.user = nick;
        login.max_text_bytes = limits.max_text_bytes;
        login.max_channels_per_user = limits.max_channels_per_user;
        return codec_.ok(conn, login);
    }
};

TEST_F(IrcCodecTest, NickAndUserMakeAnIrcStyleConn) {
    EXPECT_EQ(answered("NICK alice"), "");
    Request r = request("USER alice 0 * :Alice A");
    const auto& conn = std::get<Conn>(r.command);
    EXPECT_EQ(conn.us, "alice");
    EXPECT_EQ(conn.pwd, "");
    EXPECT_EQ(conn.style, ConnStyle::irc);
    EXPECT_FALSE(conn.channel);
}

TEST_F(IrcCodecTest, PassIsThePassword) {
    answered("PASS hunter22");
    answered("NICK bob");
    Request r = request("USER bob 0 * :Bob");
    EXPECT_EQ(std::get<Conn>(r.command).pwd, "hunter22");
}

TEST_F(IrcCodecTest, CapNegotiationHoldsRegistrationUntilEnd) {
    const std::string ls = answered("CAP LS 302");
    EXPECT_NE(ls.find("sasl=PLAIN"), std::string::npos) << ls;
    EXPECT_NE(ls.find("server-time"), std::string::npos);
    answered("NICK carol");
    EXPECT_EQ(answered("USER carol 0 * :C"), "");  // still negotiating
    EXPECT_EQ(
        answered("CAP REQ :server-time echo-message"),
        ":salond.local CAP carol ACK :server-time echo-message\r\n"
    );
    EXPECT_EQ(
        answered("CAP REQ :server-time bogus"), ":salond.local CAP carol NAK :server-time bogus\r\n"
    );
    EXPECT_EQ(codec_.caps(), kCapServerTime | kCapEchoMessage);  // a NAK changes nothing
    Request r = request("CAP END");
    EXPECT_EQ(std::get<Conn>(r.command).us, "carol");
}

TEST_F(IrcCodecTest, CapLsWithoutVersionHasNoValues) {
    const std::string ls = answered("CAP LS");
    EXPECT_EQ(ls.find("sasl=PLAIN"), std::string::npos);
    EXPECT_NE(ls.find(" sasl "), std::string::npos);
}

TEST_F(IrcCodecTest, SaslPlainChecksThenLogsInAsTheAccount) {
    answered("CAP LS 302");
    answered("CAP REQ sasl");
    answered("NICK somenick");
    answered("USER u 0 * :r");
    EXPECT_EQ(answered("AUTHENTICATE PLAIN"), "AUTHENTICATE +\r\n");
    // "\0dave\0correct horse"
    Request auth = request("AUTHENTICATE AGRhdmUAY29ycmVjdCBob3JzZQ==");
    const auto& a = std::get<Authenticate>(auth.command);
    EXPECT_EQ(a.us, "dave");
    EXPECT_EQ(a.pwd, "correct horse");
    const auto lines = lines_of(codec_.ok(auth, core::AccountResult{"Dave"}));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_NE(lines[0].find(" 900 "), std::string::npos);
    EXPECT_NE(lines[1].find(" 903 "), std::string::npos);

    Request conn = request("CAP END");
    EXPECT_EQ(std::get<Conn>(conn.command).us, "Dave");
    EXPECT_EQ(std::get<Conn>(conn.command).pwd, "correct horse");
    core::LoginResult login;
    login.user = "Dave";
    const auto welcome = lines_of(codec_.ok(conn, login));
    // The nick becomes the account's name before the welcome.
    EXPECT_EQ(welcome.at(0), ":somenick!somenick@salon NICK Dave");
    EXPECT_EQ(welcome.at(1).rfind(":salond.local 001 Dave ", 0), 0u);
}

TEST_F(IrcCodecTest, SaslFailureAndOtherMechanisms) {
    answered("CAP REQ :sasl");
    EXPECT_NE(answered("AUTHENTICATE EXTERNAL").find(" 908 "), std::string::npos);
    answered("AUTHENTICATE PLAIN");
    EXPECT_NE(answered("AUTHENTICATE !!!!").find(" 904 "), std::string::npos);
    answered("AUTHENTICATE PLAIN");
    Request auth = request("AUTHENTICATE AGRhdmUAd3Jvbmc=");
    EXPECT_NE(codec_.no(auth, Errc::bad_credentials, "no").find(" 904 "), std::string::npos);
    answered("AUTHENTICATE PLAIN");
    EXPECT_NE(answered("AUTHENTICATE *").find(" 906 "), std::string::npos);
}

TEST_F(IrcCodecTest, RegisteredNickWithoutPasswordIs433AndANewNickRetries) {
    answered("NICK alice");
    Request conn = request("USER a 0 * :A");
    EXPECT_NE(codec_.no(conn, Errc::name_taken, "registered").find(" 433 "), std::string::npos);
    Request again = request("NICK alice_");
    EXPECT_EQ(std::get<Conn>(again.command).us, "alice_");
}

TEST_F(IrcCodecTest, NickAfterRegistrationIsARenameAnsweredBy433WhenTaken) {
    register_as("alice");
    EXPECT_EQ(answered("NICK alice"), "") << "no reply to the same nick";
    EXPECT_NE(answered("NICK bad!nick").find(" 432 alice bad!nick "), std::string::npos);
    Request rename = request("NICK Alice");
    EXPECT_EQ(std::get<Rename>(rename.command).to, "Alice");
    EXPECT_NE(
        codec_.no(rename, Errc::name_taken, "in use").find(" 433 alice Alice :in use"),
        std::string::npos
    );
    // The NICK line is the reply (labeled-response labels it); the server's RENAME event for
    // this change is declined, so that the connection is not told twice.
    Request again = request("NICK Alice");
    EXPECT_EQ(codec_.ok(again, core::EmptyResult{}), ":alice!alice@salon NICK Alice\r\n");
    EXPECT_FALSE(codec_.accepts(core::RenameEvent{"alice", "Alice"}));
    EXPECT_TRUE(codec_.accepts(core::RenameEvent{"bob", "bobby"})) << "others' changes are shown";
    EXPECT_EQ(answered("NICK Alice"), "") << "the nick is now Alice";
}

TEST_F(IrcCodecTest, RegistrationErrors) {
    EXPECT_NE(answered("NICK bad!nick").find(" 432 "), std::string::npos);
    EXPECT_NE(answered("NICK").find(" 431 "), std::string::npos);
    EXPECT_NE(answered("USER x").find(" 461 "), std::string::npos);
    EXPECT_NE(answered("JOIN #home").find(" 451 "), std::string::npos);
    EXPECT_NE(answered("PRIVMSG #home :hi").find(" 451 "), std::string::npos);
    EXPECT_NE(answered("W@T").find(" 421 "), std::string::npos);
    EXPECT_EQ(answered(""), "");
}

TEST_F(IrcCodecTest, TheIsupportLimitsAreTheServersLimits) {
    core::Limits limits;
    limits.max_text_bytes = 200;
    limits.max_channels_per_user = 7;
    const std::string burst = register_as("erin", limits);
    for (const char* token : {"AWAYLEN=200", "KICKLEN=200", "TOPICLEN=200", "CHANLIMIT=#:7"}) {
        EXPECT_NE(burst.find(token), std::string::npos) << token;
    }
}

TEST_F(IrcCodecTest, WelcomeHasAnHonestIsupport) {
    const std::string burst = register_as("erin");
    for (const char* token :
         {" 001 erin ",
          " 002 ",
          " 003 ",
          " 004 ",
          " 005 ",
          "CHANTYPES=#",
          "CASEMAPPING=ascii",
          "CHANNELLEN=51",
          "NICKLEN=32",
          "PREFIX=(ov)@+",
          "CHANMODES=beI,k,l,imnst",
          "EXCEPTS=e",
          "INVEX=I",
          "MODES=4",
          "TOPICLEN=390",
          "CHANLIMIT=#:100",
          " 375 ",
          " 372 ",
          " 376 "}) {
        EXPECT_NE(burst.find(token), std::string::npos) << token;
    }
    for (const auto& line : lines_of(burst)) {
        EXPECT_LE(line.size() + 2, irc::kMaxLineBytes);
        EXPECT_LE(irc::parse(line)->params.size(), 15u) << line;  // RFC 2812's limit
    }
}

TEST_F(IrcCodecTest, CommandsBecomeRequests) {
    register_as("frank");
    auto joins = std::get<Joins>(request("JOIN #a,#b,#c k1,k2").command).joins;
    ASSERT_EQ(joins.size(), 3u);
    EXPECT_EQ(joins[0].channel, "#a");
    EXPECT_EQ(joins[1].key, "k2");
    EXPECT_EQ(joins[2].key, "");
    // A channel named again in the same line is joined once (its names and history once).
    auto repeated = std::get<Joins>(request("JOIN #a,#A,a,#b,#a k1,k2,k3,k4").command).joins;
    ASSERT_EQ(repeated.size(), 2u);
    EXPECT_EQ(repeated[1].channel, "#b");
    EXPECT_EQ(repeated[1].key, "k4");
    EXPECT_EQ(std::get<Parts>(request("PART #a,#b :bye").command).parts.size(), 2u);
    EXPECT_EQ(std::get<Send>(request("PRIVMSG #home :hi there").command).text, "hi there");
    EXPECT_EQ(std::get<Dm>(request("PRIVMSG gina :psst").command).to, "gina");
    EXPECT_EQ(std::get<Dm>(request("NOTICE gina :psst").command).text, "psst");
    EXPECT_EQ(std::get<Who>(request("NAMES #home").command).channel, "#home");
    EXPECT_EQ(std::get<Who>(request("WHO #home").command).channel, "#home");
    EXPECT_EQ(std::get<WhoMask>(request("WHO gina").command).mask, "gina");
    EXPECT_EQ(std::get<WhoMask>(request("WHO 0").command).mask, "*");
    EXPECT_FALSE(std::get<WhoMask>(request("WHO gi*").command).operators);
    EXPECT_TRUE(std::get<WhoMask>(request("WHO * o").command).operators);
    EXPECT_EQ(std::get<Whois>(request("WHOIS gina").command).user, "gina");
    EXPECT_TRUE(std::holds_alternative<List>(request("LIST").command));
    EXPECT_TRUE(std::holds_alternative<Who>(request("TOPIC #home").command));
    EXPECT_EQ(std::get<Topic>(request("TOPIC #home :new").command).topic, "new");
    EXPECT_FALSE(std::get<Mode>(request("MODE #home").command).modes);
    const auto mode = std::get<Mode>(request("MODE #home +ok-b+l gina sesame ben!*@* 5").command);
    EXPECT_EQ(mode.modes, "+ok-b+l");
    EXPECT_EQ(mode.args, (std::vector<std::string>{"gina", "sesame", "ben!*@*", "5"}));
    EXPECT_EQ(std::get<Mode>(request("MODE #home -k").command).args.size(), 0u);
    EXPECT_EQ(std::get<Invite>(request("INVITE gina #home").command).user, "gina");
    EXPECT_EQ(std::get<Kick>(request("KICK #home gina :out").command).reason, "out");
    EXPECT_EQ(std::get<Away>(request("AWAY :lunch").command).message, "lunch");
    EXPECT_EQ(std::get<Away>(request("AWAY").command).message, "");
    EXPECT_TRUE(std::holds_alternative<Ping>(request("PING :tok").command));
    EXPECT_TRUE(std::holds_alternative<Pong>(request("PONG :salond.local").command));
    EXPECT_TRUE(std::holds_alternative<End>(request("QUIT :gone").command));
}

TEST_F(IrcCodecTest, WrongParametersGetTheirNumerics) {
    register_as("hank");
    EXPECT_NE(answered("JOIN").find(" 461 hank JOIN "), std::string::npos);
    EXPECT_NE(answered("JOIN ,,").find(" 461 "), std::string::npos);
    EXPECT_NE(answered("PRIVMSG").find(" 411 "), std::string::npos);
    EXPECT_NE(answered("PRIVMSG #home").find(" 412 "), std::string::npos);
    EXPECT_NE(answered("PRIVMSG a,b :x").find(" 407 "), std::string::npos);
    EXPECT_EQ(answered("NOTICE #home"), "");  // NOTICE is never answered with an error
    EXPECT_NE(answered("KICK #home").find(" 461 "), std::string::npos);
    EXPECT_NE(answered("MODE #home +q").find(" 472 "), std::string::npos);
    EXPECT_NE(answered("MODE #home +l x").find(" 696 hank #home l x "), std::string::npos);
    EXPECT_NE(answered("MODE #home +k :a b").find(" 696 "), std::string::npos);
    EXPECT_NE(answered("MODE #home +o").find(" 461 "), std::string::npos);
    EXPECT_NE(answered("INVITE gina").find(" 461 "), std::string::npos);
    EXPECT_NE(answered("MODE someone").find(" 502 "), std::string::npos);
    EXPECT_NE(answered("MODE hank").find(" 221 "), std::string::npos);
    EXPECT_TRUE(std::get<Invisible>(request("MODE hank +i").command).on);
    EXPECT_EQ(answered("MODE hank -i"), "") << "not invisible: nothing changes";
    EXPECT_EQ(answered("MODE hank +w"), ":hank!hank@salon MODE hank +w\r\n");
    EXPECT_EQ(answered("MODE hank +w"), "");
    EXPECT_NE(answered("USER a b c d").find(" 462 "), std::string::npos);
    EXPECT_NE(answered("NICK a!b").find(" 432 hank a!b "), std::string::npos);
    EXPECT_NE(answered("PING").find(" 409 "), std::string::npos);
    EXPECT_NE(answered("FROB x").find(" 421 hank FROB "), std::string::npos);
}

TEST_F(IrcCodecTest, FailuresBecomeNumerics) {
    register_as("ivy");
    auto no_for = [&](std::string_view line, Errc code) {
        return codec_.no(request(line), code, core::default_message(code));
    };
    EXPECT_NE(
        no_for("PRIVMSG #x :hi", Errc::no_such_channel).find(" 403 ivy #x "), std::string::npos
    );
    EXPECT_NE(no_for("PRIVMSG #x :hi", Errc::not_in_channel).find(" 404 "), std::string::npos);
    EXPECT_NE(
        no_for("PRIVMSG zed :hi", Errc::no_such_user).find(" 401 ivy zed "), std::string::npos
    );
    EXPECT_EQ(no_for("NOTICE zed :hi", Errc::no_such_user), "");
    Request part = request("PART #x");
    Request one_part{part.ref, std::get<Parts>(part.command).parts.at(0)};
    EXPECT_NE(codec_.no(one_part, Errc::not_in_channel, "").find(" 442 "), std::string::npos);
    EXPECT_NE(no_for("TOPIC #x :t", Errc::forbidden).find(" 482 "), std::string::npos);
    EXPECT_NE(
        no_for("KICK #x zed", Errc::not_in_channel).find(" 441 ivy zed #x "), std::string::npos
    );
    EXPECT_NE(no_for("WHOIS zed", Errc::no_such_user).find(" 401 "), std::string::npos);
    Request join = request("JOIN #x");
    Request one{join.ref, std::get<Joins>(join.command).joins.at(0)};
    EXPECT_NE(codec_.no(one, Errc::bad_key, "").find(" 475 "), std::string::npos);
    EXPECT_NE(codec_.no(one, Errc::banned, "").find(" 474 "), std::string::npos);
    EXPECT_NE(codec_.no(one, Errc::bad_name, "").find(" 479 "), std::string::npos);
}

TEST_F(IrcCodecTest, JoinReplyShowsMembersAndDeclinesItsOwnJoinEvent) {
    register_as("jack");
    Request join = request("JOIN #Home");
    Request one{join.ref, std::get<Joins>(join.command).joins.at(0)};
    core::JoinResult r{"home", "the topic", {{"jack", false, false}, {"kim", false, true}}};
    const auto lines = lines_of(codec_.ok(one, r));
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[0], ":jack!jack@salon JOIN #home");
    EXPECT_EQ(lines[1], ":salond.local 332 jack #home :the topic");
    EXPECT_EQ(lines[2], ":salond.local 353 jack = #home :jack @kim");
    EXPECT_EQ(lines[3], ":salond.local 366 jack #home :End of /NAMES list");
    EXPECT_FALSE(codec_.accepts(core::JoinEvent{"home", "jack"}));
    EXPECT_TRUE(codec_.accepts(core::JoinEvent{"home", "jack"}));  // a later one is news
    EXPECT_TRUE(codec_.accepts(core::JoinEvent{"home", "kim"}));
}

TEST_F(IrcCodecTest, NamesOfABigChannelSpanLines) {
    register_as("lou");
    std::vector<core::MemberInfo> members;
    for (int i = 0; i < 200; ++i) members.push_back({"member" + std::to_string(i), false, false});
    Request names = request("NAMES #big");
    const auto lines = lines_of(codec_.ok(names, core::WhoResult{"big", members, ""}));
    EXPECT_GT(lines.size(), 3u);
    EXPECT_EQ(listed(lines, " 353 "), 200u);
}

TEST_F(IrcCodecTest, WhoisOfAUserInManyChannelsListsThemAllOnSeveralLines) {
    register_as("lou");
    core::WhoisResult whois;
    whois.user = "mo";
    for (int i = 0; i < 100; ++i)
        whois.channels.push_back({std::string(40, 'c') + std::to_string(i), i == 0});
    Request whois_request = request("WHOIS mo");
    const auto lines = lines_of(codec_.ok(whois_request, whois));
    EXPECT_EQ(listed(lines, " 319 lou mo :"), 100u) << "a cut list would lose channels";
    EXPECT_NE(
        lines.at(1).find(" 319 lou mo :@#" + std::string(40, 'c') + "0 #"), std::string::npos
    );
}

TEST_F(IrcCodecTest, OwnPostIsDeclinedAndEchoedOnlyWithEchoMessage) {
    register_as("mia");
    Request send = request("PRIVMSG #home :hello");
    EXPECT_EQ(codec_.ok(send, core::PostResult{7, 1'700'000'000'000}), "");
    core::MessageEvent own{message(7, "home", "mia", "", "hello", 1'700'000'000'000)};
    EXPECT_FALSE(codec_.accepts(own));
    core::MessageEvent other{message(8, "home", "ned", "", "hi", 1'700'000'000'000)};
    EXPECT_TRUE(codec_.accepts(other));

    answered("CAP REQ echo-message");
    Request again = request("PRIVMSG #Home :hello again");
    EXPECT_EQ(
        codec_.ok(again, core::PostResult{9, 1'700'000'000'000}),
        ":mia!mia@salon PRIVMSG #home :hello again\r\n"
    );
    Request dm = request("PRIVMSG ned :psst");
    EXPECT_EQ(
        codec_.ok(dm, core::PostResult{10, 1'700'000'000'000}),
        ":mia!mia@salon PRIVMSG ned :psst\r\n"
    );
}

TEST_F(IrcCodecTest, EchoesThatNeverComeAreForgotten) {
    register_as("nora");
    for (std::int64_t id = 1; id <= 1000; ++id) {
        Request send = request("PRIVMSG #home :x");
        codec_.ok(send, core::PostResult{id, 0});
    }
    // The oldest ids were dropped (their events never came); the newest are still declined.
    EXPECT_TRUE(codec_.accepts(core::MessageEvent{message(1, "home", "nora", "", "x", 0)}));
    EXPECT_FALSE(codec_.accepts(core::MessageEvent{message(1000, "home", "nora", "", "x", 0)}));
}

TEST_F(IrcCodecTest, VersionTwoEventsFollowTheirCapabilities) {
    register_as("nora");
    core::Message deleted = message(1, "home", "nora", "", "", 0);
    deleted.deleted = true;
    const core::UpdateEvent redact{
        .message = deleted, .change = core::ChangeKind::remove, .by = "olaf", .reason = "spam"};
    const core::UpdateEvent react{
        .message = message(1, "home", "nora", "", "x", 0),
        .change = core::ChangeKind::react,
        .by = "olaf",
        .emoji = "👍"};
    const core::ReadEvent read{"home", "", 1, 1'700'000'000'123};
    const core::TypingEvent typing{"home", "", "ned", core::TypingState::paused};
    // Without the capabilities that name them, read markers and typing are not shown; a delete
    // and a reaction come as lines saying so.
    for (const core::Event& event : std::vector<core::Event>{read, typing})
        EXPECT_FALSE(codec_.accepts(event)) << event.index();
    EXPECT_TRUE(codec_.accepts(redact));
    EXPECT_TRUE(codec_.accepts(react));
    EXPECT_EQ(
        codec_.event(redact),
        ":olaf!olaf@salon PRIVMSG #home :* olaf deleted nora's message (spam)\r\n"
    );
    EXPECT_EQ(
        codec_.event(react),
        ":olaf!olaf@salon PRIVMSG #home :* olaf reacted 👍 to nora's message: \"x\"\r\n"
    );

    answered("CAP REQ :draft/message-redaction draft/read-marker message-tags");
    for (const core::Event& event : std::vector<core::Event>{redact, react, read, typing})
        EXPECT_TRUE(codec_.accepts(event)) << event.index();
    EXPECT_EQ(codec_.event(redact), ":olaf!olaf@salon REDACT #home 1 spam\r\n");
    EXPECT_EQ(
        codec_.event(react), "@+draft/react=👍;+draft/reply=1 :olaf!olaf@salon TAGMSG #home\r\n"
    );
    EXPECT_EQ(
        codec_.event(read), ":salond.local MARKREAD #home timestamp=2023-11-14T22:13:20.123Z\r\n"
    );
    EXPECT_EQ(codec_.event(typing), "@+typing=paused :ned!ned@salon TAGMSG #home\r\n");
}

TEST_F(IrcCodecTest, WithoutMessageTagsAReplyQuotesWhatItAnswers) {
    core::Message reply = message(9, "home", "olaf", "", "sure", 0);
    reply.reply_to = 7;
    reply.reply_quote = {.from = "nora", .text = "lunch at noon?\nor later"};
    const core::MessageEvent live{.message = reply};
    EXPECT_EQ(
        codec_.event(live),
        ":olaf!olaf@salon PRIVMSG #home :(re nora: \"lunch at noon?…\") sure\r\n"
    );
    reply.reply_quote.text.clear();  // the answered message was deleted
    EXPECT_EQ(
        codec_.event(core::MessageEvent{.message = reply}),
        ":olaf!olaf@salon PRIVMSG #home :(re nora: a deleted message) sure\r\n"
    );
    answered("CAP REQ message-tags");
    EXPECT_EQ(
        codec_.event(live),
        "@time=1970-01-01T00:00:00.000Z;msgid=9;+draft/reply=7 :olaf!olaf@salon PRIVMSG #home "
        ":sure\r\n"
    );
}

TEST_F(IrcCodecTest, AnEditIsALineForEveryoneThatAnswersTheOriginal) {
    core::Message edited = message(7, "home", "nora", "", "meet at 6", 0);
    edited.edited_ms = 1'700'000'000'123;
    const core::UpdateEvent edit{.message = edited, .change = core::ChangeKind::edit, .by = "nora"};
    EXPECT_TRUE(codec_.accepts(edit));
    EXPECT_EQ(codec_.event(edit), ":nora!nora@salon PRIVMSG #home :* nora edited: meet at 6\r\n");
    answered("CAP REQ message-tags");
    EXPECT_EQ(
        codec_.event(edit),
        "@time=2023-11-14T22:13:20.123Z;+draft/reply=7 :nora!nora@salon PRIVMSG #home :* nora "
        "edited: meet at 6\r\n"
    );
}

TEST_F(IrcCodecTest, MarkreadAsksOrSetsByTimeAndRefusesBadTimestamps) {
    register_as("nora");
    auto ask = request("MARKREAD #home");
    const auto& asked = std::get<Read>(ask.command);
    EXPECT_EQ(asked.channel, "#home");
    EXPECT_FALSE(asked.ts_ms);
    auto set = request("MARKREAD bob timestamp=2023-11-14T22:13:20.123Z");
    EXPECT_EQ(std::get<Read>(set.command).with, "bob");
    EXPECT_EQ(std::get<Read>(set.command).ts_ms, 1'700'000'000'123);
    EXPECT_EQ(
        codec_.ok(ask, core::ReadResult{"home", "", 0, 0, false}),
        ":salond.local MARKREAD #home *\r\n"
    );
    EXPECT_EQ(codec_.ok(set, core::ReadResult{"", "bob", 3, 1'700'000'000'123, true}), "");
    for (const char* bad : {"MARKREAD #home *", "MARKREAD #home timestamp=yesterday"})
        EXPECT_NE(answered(bad).find("FAIL MARKREAD INVALID_PARAMS #home"), std::string::npos);
    EXPECT_NE(answered("MARKREAD").find("FAIL MARKREAD NEED_MORE_PARAMS"), std::string::npos);
}

TEST_F(IrcCodecTest, RedactIsDeleteInTheNamedConversation) {
    register_as("nora");
    auto redact = request("REDACT #home 42 :wrong window");
    const auto& d = std::get<Delete>(redact.command);
    EXPECT_EQ(d.id, 42);
    EXPECT_EQ(d.channel, "#home");
    EXPECT_EQ(d.reason, "wrong window");
    EXPECT_EQ(std::get<Delete>(request("REDACT bob abc").command).id, 0);  // no Salon id
    EXPECT_EQ(
        codec_.no(redact, core::Errc::forbidden, "no"),
        ":salond.local FAIL REDACT REDACT_FORBIDDEN #home 42 :no\r\n"
    );
    EXPECT_EQ(
        codec_.no(redact, core::Errc::not_in_channel, "no"),
        ":salond.local FAIL REDACT INVALID_TARGET #home :no\r\n"
    );
}

TEST_F(IrcCodecTest, EventFormatsFollowCapabilities) {
    std::set<std::size_t> formats;
    for (const char* caps :
         {"-server-time",
          "batch",
          "server-time -batch",
          "batch",
          "message-tags -batch",
          "batch",
          "-message-tags -server-time account-tag -batch",
          "batch"}) {
        answered(std::string("CAP REQ :") + caps);
        const std::size_t f = codec_.event_format();
        EXPECT_GE(f, IrcCodec::kFirstEventFormat);
        EXPECT_LT(f, IrcCodec::kFirstEventFormat + IrcCodec::kEventFormats);
        EXPECT_LT(f, kMaxEventFormats);
        formats.insert(f);
    }
    EXPECT_EQ(formats.size(), 6u);
}

TEST_F(IrcCodecTest, MessageEventTagsPerFormat) {
    const core::MessageEvent e{
        message(42, "home", "olga", "", "hi all", 1'700'000'000'123), "olga"};
    EXPECT_EQ(codec_.event(e), ":olga!olga@salon PRIVMSG #home :hi all\r\n");
    answered("CAP REQ server-time");
    EXPECT_EQ(
        codec_.event(e),
        "@time=2023-11-14T22:13:20.123Z;account=olga :olga!olga@salon PRIVMSG #home :hi all\r\n"
    );
    answered("CAP REQ message-tags");
    EXPECT_EQ(
        codec_.event(e),
        "@time=2023-11-14T22:13:20.123Z;account=olga;msgid=42 :olga!olga@salon PRIVMSG #home "
        ":hi all\r\n"
    );
    const core::MessageEvent dm{message(43, "", "olga", "pat", "psst", 0)};
    EXPECT_NE(codec_.event(dm).find(":olga!olga@salon PRIVMSG pat :psst"), std::string::npos);
}

TEST_F(IrcCodecTest, LongMessagesAreSplitWithinTheLineLimit) {
    std::string text;
    for (int i = 0; i < 400; ++i) text += "word" + std::to_string(i) + " ";
    text += "\nsecond line";
    const core::MessageEvent e{message(1, "home", "quinn", "", text, 0)};
    std::string joined;
    const auto lines = lines_of(codec_.event(e));
    ASSERT_GT(lines.size(), 4u);
    const std::string source = ":quinn!quinn@salon ";
    for (const auto& line : lines) {
        // The text of each line is what a client could send in one line; the source is on top.
        ASSERT_TRUE(line.starts_with(source)) << line;
        EXPECT_LE(line.size() - source.size() + 2, irc::kMaxLineBytes);
        auto m = irc::parse(line);
        ASSERT_TRUE(m);
        joined += m->params.at(1);
    }
    EXPECT_EQ(joined, text.substr(0, text.find('\n')) + "second line");
}

TEST_F(IrcCodecTest, ALineAClientCouldSendIsRelayedWholeWithTheSourceOnTop) {
    // `PRIVMSG #home :` and the text make 510 bytes: the most one client line holds.
    const std::string text(510 - std::string("PRIVMSG #home :").size(), 'a');
    const auto lines =
        lines_of(codec_.event(core::MessageEvent{message(1, "home", "quinn", "", text, 0)}));
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], ":quinn!quinn@salon PRIVMSG #home :" + text);
    // A word needs no ':' in its sender's line: one byte more still came in one line.
    EXPECT_EQ(
        lines_of(codec_.event(core::MessageEvent{message(1, "home", "quinn", "", text + "b", 0)})),
        std::vector<std::string>{":quinn!quinn@salon PRIVMSG #home :" + text + "b"}
    );
    // Two bytes more, or one more with a space, take two lines.
    EXPECT_EQ(
        lines_of(codec_.event(core::MessageEvent{message(1, "home", "quinn", "", text + "bb", 0)}))
            .size(),
        2u
    );
    EXPECT_EQ(
        lines_of(codec_.event(core::MessageEvent{message(1, "home", "quinn", "", text + " ", 0)}))
            .size(),
        2u
    );
}

TEST_F(IrcCodecTest, PartAndQuitCarryTheirReasons) {
    register_as("tom");
    const auto part = request("PART #a,#b :gone fishing");
    const auto& parts = std::get<Parts>(part.command).parts;
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[1].channel, "#b");
    EXPECT_EQ(parts[1].reason, "gone fishing");
    EXPECT_EQ(std::get<End>(request("QUIT :see you").command).reason, "see you");
    EXPECT_EQ(std::get<End>(request("QUIT").command).reason, "");
}

TEST_F(IrcCodecTest, NoticesStayNoticesAndReplyTagsBecomeReplies) {
    register_as("tom");
    const auto notice = request("NOTICE #home :heads up");
    EXPECT_TRUE(std::get<Send>(notice.command).notice);
    EXPECT_FALSE(std::get<Send>(request("PRIVMSG #home :hi").command).notice);
    EXPECT_TRUE(std::get<Dm>(request("NOTICE uma :psst").command).notice);
    EXPECT_EQ(std::get<Send>(request("@+draft/reply=42 PRIVMSG #home :yes").command).reply_to, 42);
    // Not an id: no reply, and the message still goes.
    EXPECT_EQ(std::get<Dm>(request("@+draft/reply=x PRIVMSG uma :yes").command).reply_to, 0);

    auto m = message(7, "home", "uma", "", "heads up", 0);
    m.notice = true;
    m.reply_to = 5;
    EXPECT_EQ(codec_.event(core::MessageEvent{m}), ":uma!uma@salon NOTICE #home :heads up\r\n");
    answered("CAP REQ message-tags");
    EXPECT_EQ(
        codec_.event(core::MessageEvent{m}),
        "@time=1970-01-01T00:00:00.000Z;msgid=7;+draft/reply=5 :uma!uma@salon NOTICE #home "
        ":heads up\r\n"
    );
}

TEST_F(IrcCodecTest, ATagSectionOverItsLimitIs417AndTheLineIsDropped) {
    register_as("tom");
    const std::string tags = "@+a=" + std::string(irc::kMaxClientTagBytes - 5, 'x');
    // '@', the tags and the space: 4096 bytes, the limit.
    EXPECT_TRUE(std::holds_alternative<Request>(codec_.decode(tags + " PRIVMSG #home :hi", true)));
    const auto over = answered(tags + "x PRIVMSG #home :hi");
    EXPECT_EQ(over, ":salond.local 417 tom :Input line was too long\r\n");
}

TEST_F(IrcCodecTest, WhoxAnswersTheFieldsAskedForInItsOwnOrder) {
    EXPECT_NE(register_as("tom").find(" WHOX "), std::string::npos) << "ISUPPORT WHOX";
    core::WhoResult found;
    found.members = {
        {.user = "uma", .oper = true, .username = "umau", .realname = "Uma U"},
        {.user = "Guest7", .guest = true, .away = true}};

    Request full = request("WHO u* %rloadfnshiuct,123");
    EXPECT_EQ(std::get<WhoMask>(full.command).mask, "u*");
    auto lines = lines_of(codec_.ok(full, found));
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(
        lines[0],
        ":salond.local 354 tom 123 * umau 255.255.255.255 salon salond.local uma H* 0 0 uma n/a "
        ":Uma U"
    );
    EXPECT_EQ(
        lines[1],
        ":salond.local 354 tom 123 * Guest7 255.255.255.255 salon salond.local Guest7 G 0 0 0 "
        "n/a :Guest7"
    );
    EXPECT_EQ(lines[2], ":salond.local 315 tom u* :End of /WHO list");

    // A token that is not 1-3 digits is left out; unknown fields are ignored.
    lines = lines_of(codec_.ok(request("WHO uma o%tnzq,1234"), found));
    EXPECT_EQ(lines[0], ":salond.local 354 tom 0 :uma");
    EXPECT_TRUE(std::get<WhoMask>(request("WHO uma o%n").command).operators);

    found.channel = "home";
    found.members.resize(1);
    found.members[0].op = true;
    lines = lines_of(codec_.ok(request("WHO #home %cnf"), found));
    EXPECT_EQ(lines[0], ":salond.local 354 tom #home uma :H*@");
    EXPECT_EQ(lines[1], ":salond.local 315 tom #home :End of /WHO list");
    EXPECT_NE(codec_.ok(request("WHO #home"), found).find(" 352 tom #home "), std::string::npos);
}

TEST_F(IrcCodecTest, UserhostInNamesShowsEveryMembersFullSource) {
    register_as("tom");
    answered("CAP REQ userhost-in-names");
    const std::vector<core::MemberInfo> members{{.user = "tom", .op = true}, {.user = "uma"}};
    core::JoinResult join;
    join.channel = "home";
    join.members = members;
    const auto reply = codec_.ok(request("JOIN #home"), join);
    EXPECT_NE(reply.find(" 353 tom = #home :@tom!tom@salon uma!uma@salon\r\n"), std::string::npos)
        << reply;
}

TEST_F(IrcCodecTest, HistoryIsABatchWithBatchAndMarkedWithoutTags) {
    const core::HistoryEvent h{
        "home",
        {message(5, "home", "rob", "", "old one", 1'700'000'000'000),
         message(6, "home", "sue", "", "old two", 1'700'000'001'000)}};
    const auto plain = lines_of(codec_.event(h));
    ASSERT_EQ(plain.size(), 2u);
    EXPECT_EQ(plain[0], ":rob!rob@salon PRIVMSG #home :[2023-11-14 22:13] old one");

    answered("CAP REQ :batch server-time");
    const auto batched = lines_of(codec_.event(h));
    ASSERT_EQ(batched.size(), 4u);
    EXPECT_EQ(batched[0], ":salond.local BATCH +history5 chathistory #home");
    EXPECT_EQ(
        batched[1],
        "@batch=history5;time=2023-11-14T22:13:20.000Z :rob!rob@salon PRIVMSG #home :old one"
    );
    EXPECT_EQ(batched[3], ":salond.local BATCH -history5");
    EXPECT_EQ(codec_.event(core::HistoryEvent{"home", {}}), "");
}

TEST_F(IrcCodecTest, OtherEvents) {
    EXPECT_EQ(codec_.event(core::JoinEvent{"home", "tom"}), ":tom!tom@salon JOIN #home\r\n");
    EXPECT_EQ(
        codec_.event(core::JoinEvent{"dev", "tom", true}),
        ":tom!tom@salon JOIN #dev\r\n:salond.local MODE #dev +o tom\r\n"
    );
    EXPECT_EQ(
        codec_.event(core::PartEvent{"home", "tom", "", ""}), ":tom!tom@salon PART #home\r\n"
    );
    EXPECT_EQ(
        codec_.event(core::PartEvent{"home", "tom", "uma", "spam"}),
        ":uma!uma@salon KICK #home tom :spam\r\n"
    );
    EXPECT_EQ(codec_.event(core::QuitEvent{"tom", "quit"}), ":tom!tom@salon QUIT :quit\r\n");
    EXPECT_EQ(
        codec_.event(core::QuitEvent{"tom", "quit", "see you"}),
        ":tom!tom@salon QUIT :Quit: see you\r\n"
    );
    EXPECT_EQ(
        codec_.event(core::PartEvent{"home", "tom", "", "lunch"}),
        ":tom!tom@salon PART #home :lunch\r\n"
    );
    // RFC 2812: a KICK without a comment carries the kicker's nick.
    EXPECT_EQ(
        codec_.event(core::PartEvent{"home", "tom", "uma", ""}),
        ":uma!uma@salon KICK #home tom :uma\r\n"
    );
    EXPECT_EQ(
        codec_.event(core::TopicEvent{"home", "new topic", "uma"}),
        ":uma!uma@salon TOPIC #home :new topic\r\n"
    );
    EXPECT_EQ(codec_.event(core::PingEvent{}), "PING salond.local\r\n");
    EXPECT_EQ(
        codec_.event(core::NoticeEvent{"shutting_down", "bye"}), "ERROR :Closing Link: bye\r\n"
    );
    EXPECT_EQ(
        codec_.event(core::NoticeEvent{"login_timeout", "late"}), "ERROR :Closing Link: late\r\n"
    );
}

TEST_F(IrcCodecTest, InvalidUtf8IsRefusedWithAStandardReply) {
    register_as("wes");
    auto refused = [&](std::string_view line) {
        auto input = codec_.decode(line, true);
        const auto* error = std::get_if<DecodeError>(&input);
        if (error == nullptr) {
            ADD_FAILURE() << line << " was not refused";
            return std::string();
        }
        EXPECT_EQ(error->code, Errc::bad_utf8);
        return codec_.rejected(*error);
    };
    // With or without standard-replies (UTF8ONLY says FAIL): the command, never the bytes.
    EXPECT_EQ(
        refused("JOIN #caf\xc3"),
        ":salond.local FAIL JOIN INVALID_UTF8 :Rejected: the line is not valid UTF-8\r\n"
    );
    EXPECT_NE(answered("CAP LS 302").find("standard-replies"), std::string::npos);
    answered("CAP REQ standard-replies");
    EXPECT_EQ(
        refused("MODE #home +\xc3"),
        ":salond.local FAIL MODE INVALID_UTF8 :Rejected: the line is not valid UTF-8\r\n"
    );
    // Wherever the bad bytes are: a parameter, the trailing text, a tag, the source.
    for (const char* line :
         {"PRIVMSG #home :\xff", "@+a=\xfe PING x", ":\xc0\xaf NAMES #home", "NOTICE n\xe9 :x"}) {
        EXPECT_NE(refused(line).find(" INVALID_UTF8 "), std::string::npos) << line;
    }
    // A command that is not one is not named.
    EXPECT_EQ(refused("\xffJOIN #a").rfind(":salond.local FAIL * INVALID_UTF8 :", 0), 0u);
    // Before registration too.
    IrcCodec fresh{settings_};
    auto input = fresh.decode(
        "NICK b\xe9"
        "b",
        false
    );
    ASSERT_TRUE(std::holds_alternative<DecodeError>(input));
    EXPECT_EQ(
        fresh.rejected(std::get<DecodeError>(input)),
        ":salond.local FAIL NICK INVALID_UTF8 :Rejected: the line is not valid UTF-8\r\n"
    );
    // USER too: a registering client takes the FAIL as the end of its attempt.
    input = fresh.decode("USER u * * :i\xe8rc\xe9", false);
    ASSERT_TRUE(std::holds_alternative<DecodeError>(input));
    EXPECT_EQ(
        fresh.rejected(std::get<DecodeError>(input)),
        ":salond.local FAIL USER INVALID_UTF8 :Rejected: the line is not valid UTF-8\r\n"
    );
}

TEST_F(IrcCodecTest, AnUnknownModeCharacterIsEchoedWhole) {
    register_as("xia");
    EXPECT_EQ(
        answered("MODE #home +\xc3\xa9"),
        ":salond.local 472 xia \xc3\xa9 :is an unknown mode char to me\r\n"
    );
    EXPECT_EQ(
        answered("MODE #home -\xf0\x9f\x98\x80x"),
        ":salond.local 472 xia \xf0\x9f\x98\x80 :is an unknown mode char to me\r\n"
    );
}

TEST_F(IrcCodecTest, AMessageBecomesAtMostTheBoundOfLinesEverywhere) {
    std::string text;
    for (int i = 0; i < 2048; ++i) text += "a\n\n \n";  // blank lines make no PRIVMSG
    const auto channel_message = message(1, "home", "yan", "", text, 0);
    const auto direct = message(2, "", "yan", "zed", text, 0);
    auto check = [](const std::string& bytes, std::size_t messages) {
        const auto lines = lines_of(bytes);
        std::size_t privmsgs = 0;
        std::size_t markers = 0;
        for (const auto& line : lines) {
            auto m = irc::parse(line);
            ASSERT_TRUE(m);
            if (m->command != "PRIVMSG") continue;
            ++privmsgs;
            EXPECT_NE(m->params.at(1).find_first_not_of(' '), std::string::npos) << line;
            if (m->params.at(1).ends_with("[2033 more lines not shown]")) ++markers;
        }
        EXPECT_EQ(privmsgs, messages * irc::kMaxLinesPerMessage);
        EXPECT_EQ(markers, messages);
    };
    check(codec_.event(core::MessageEvent{channel_message}), 1);  // live
    check(codec_.event(core::MessageEvent{direct}), 1);           // a DM
    const core::HistoryEvent history{"home", {channel_message, channel_message}};
    check(codec_.event(history), 2);  // history without tags
    answered("CAP REQ :batch message-tags");
    check(codec_.event(history), 2);  // history as a batch
    check(codec_.event(core::MessageEvent{channel_message}), 1);
}

TEST_F(IrcCodecTest, OverlongLineIs417ThenError) {
    const auto lines = lines_of(codec_.rejected(DecodeError{{}, Errc::line_too_long, "too long"}));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_NE(lines[0].find(" 417 "), std::string::npos);
    EXPECT_EQ(lines[1].rfind("ERROR ", 0), 0u);
}

TEST_F(IrcCodecTest, PingPongAndQuitReplies) {
    register_as("vic");
    Request ping = request("PING :abc123");
    EXPECT_EQ(codec_.ok(ping, core::EmptyResult{}), ":salond.local PONG salond.local :abc123\r\n");
    Request quit = request("QUIT :see you");
    EXPECT_EQ(codec_.ok(quit, core::EmptyResult{}), "ERROR :Closing Link: vic (Quit: see you)\r\n");
}

TEST_F(IrcCodecTest, MonitorBecomesRequestsAndItsAnswersNumerics) {
    const std::string burst = register_as("wendy");
    EXPECT_NE(burst.find("MONITOR=100"), std::string::npos);
    EXPECT_NE(burst.find("BOT=B"), std::string::npos);
    Request add = request("MONITOR + bob,carol,dave");
    const auto& monitor = std::get<Monitor>(add.command);
    EXPECT_EQ(monitor.op, Monitor::Op::add);
    EXPECT_EQ(monitor.users, (std::vector<std::string>{"bob", "carol", "dave"}));
    EXPECT_EQ(
        codec_.ok(add, core::MonitorResult{{"bob"}, {"carol"}, {"dave"}, {}}),
        ":salond.local 730 wendy :bob!bob@salon\r\n"
        ":salond.local 731 wendy :carol\r\n"
        ":salond.local 734 wendy 100 dave :Monitor list is full.\r\n"
    );
    EXPECT_EQ(std::get<Monitor>(request("MONITOR - bob").command).op, Monitor::Op::remove);
    EXPECT_EQ(std::get<Monitor>(request("MONITOR C").command).op, Monitor::Op::clear);
    EXPECT_EQ(std::get<Monitor>(request("MONITOR S").command).op, Monitor::Op::status);
    Request list = request("MONITOR L");
    std::vector<std::string> many;
    for (int i = 0; i < 100; ++i) many.push_back("user" + std::to_string(i));
    const auto lines = lines_of(codec_.ok(list, core::MonitorResult{{}, {}, {}, many}));
    ASSERT_GE(lines.size(), 3u) << "100 names take more than one 732";
    std::size_t names = 0;
    for (const auto& line : lines) {
        EXPECT_LE(line.size() + 2, irc::kMaxLineBytes);
        if (line.find(" 732 ") != std::string::npos)
            names += static_cast<std::size_t>(std::ranges::count(line, ',')) + 1;
    }
    EXPECT_EQ(names, 100u);
    EXPECT_NE(lines.back().find(" 733 wendy "), std::string::npos);
    EXPECT_NE(answered("MONITOR").find(" 461 "), std::string::npos);
    EXPECT_NE(answered("MONITOR +").find(" 461 "), std::string::npos);
    EXPECT_NE(answered("MONITOR X").find(" 400 "), std::string::npos);
}

TEST_F(IrcCodecTest, PresenceAwayAndRealnameEventsFollowTheCapabilities) {
    register_as("wendy");
    const core::Event online = core::PresenceEvent{"bob", true};
    EXPECT_TRUE(codec_.accepts(online));
    EXPECT_EQ(codec_.event(online), ":salond.local 730 * :bob!bob@salon\r\n");
    EXPECT_EQ(codec_.event(core::PresenceEvent{"bob", false}), ":salond.local 731 * :bob\r\n");

    const core::Event away = core::AwayEvent{"bob", "lunch"};
    const core::Event away_monitored = core::AwayEvent{"bob", "lunch", core::Audience::monitor};
    const core::Event named = core::RealnameEvent{"bob", "Bob B"};
    const core::Event named_monitored =
        core::RealnameEvent{"bob", "Bob B", core::Audience::monitor};
    EXPECT_FALSE(codec_.accepts(away));
    EXPECT_FALSE(codec_.accepts(named));
    answered("CAP REQ :away-notify setname");
    EXPECT_TRUE(codec_.accepts(away));
    EXPECT_TRUE(codec_.accepts(named));
    EXPECT_FALSE(codec_.accepts(away_monitored)) << "without extended-monitor";
    EXPECT_FALSE(codec_.accepts(named_monitored));
    answered("CAP REQ extended-monitor");
    EXPECT_TRUE(codec_.accepts(away_monitored));
    EXPECT_TRUE(codec_.accepts(named_monitored));
    EXPECT_EQ(codec_.event(away), ":bob!bob@salon AWAY :lunch\r\n");
    EXPECT_EQ(codec_.event(core::AwayEvent{"bob", ""}), ":bob!bob@salon AWAY\r\n");
    EXPECT_EQ(codec_.event(named), ":bob!bob@salon SETNAME :Bob B\r\n");
}

TEST_F(IrcCodecTest, SetnameIsARequestWithinItsBounds) {
    register_as("alice");
    EXPECT_EQ(std::get<Realname>(request("SETNAME :Alice L").command).realname, "Alice L");
    EXPECT_NE(answered("SETNAME").find("FAIL SETNAME INVALID_REALNAME"), std::string::npos);
    EXPECT_NE(
        answered("SETNAME :" + std::string(129, 'x')).find("FAIL SETNAME INVALID_REALNAME"),
        std::string::npos
    );
}

TEST_F(IrcCodecTest, BotModeIsAServerModeShownInModesWhoisWhoAndTags) {
    register_as("robo");
    answered("CAP REQ :message-tags echo-message");
    Request bot = request("MODE robo +B");
    EXPECT_TRUE(std::get<Bot>(bot.command).on);
    EXPECT_EQ(codec_.ok(bot, core::EmptyResult{}), ":robo!robo@salon MODE robo +B\r\n");
    EXPECT_NE(answered("MODE robo").find(" 221 robo :+B"), std::string::npos);
    EXPECT_EQ(answered("MODE robo +B"), "") << "no change";

    core::WhoisResult whois;
    whois.user = "robo";
    whois.bot = true;
    EXPECT_NE(
        codec_.ok(request("WHOIS robo"), whois).find(" 335 robo robo :is a bot"), std::string::npos
    );
    core::WhoResult who;
    who.channel = "home";
    who.members.push_back(core::MemberInfo{.user = "robo", .op = true, .bot = true});
    EXPECT_NE(codec_.ok(request("WHO #home"), who).find(" robo HB@ :0 robo"), std::string::npos);

    Request send = request("PRIVMSG #home :beep");
    const std::string echo = codec_.ok(send, core::PostResult{7, 0});
    EXPECT_EQ(echo.rfind("@time=", 0), 0u) << echo;
    EXPECT_NE(echo.find(";bot;"), std::string::npos) << echo;
    core::MessageEvent from_bot{message(8, "home", "other", "", "hi", 0), "", true};
    EXPECT_NE(codec_.event(from_bot).find(";bot"), std::string::npos);
    from_bot.bot = false;
    EXPECT_EQ(codec_.event(from_bot).find("bot"), std::string::npos);
}

}  // namespace
}  // namespace salon::proto
