#include "proto/irc_codec.hpp"

// The IRC codec's issue-24 additions: IRCv3 labeled-response (a labeled command's whole
// response carries its label, on its one line, as a labeled-response batch, or as ACK; replies
// that come in several calls share one batch that finished() closes), HELP, LINKS, LIST's ELIST
// filters, and KICK and NAMES of several targets.

#include <gtest/gtest.h>

#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace salon::proto {
namespace {

using core::Errc;

std::vector<std::string> lines_of(const std::string& bytes) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < bytes.size()) {
        const auto end = bytes.find("\r\n", start);
        if (end == std::string::npos) {
            ADD_FAILURE() << "every line ends with CRLF: " << bytes;
            break;
        }
        out.push_back(bytes.substr(start, end - start));
        start = end + 2;
    }
    return out;
}

/// The id a `BATCH +id type` line opens.
std::string batch_id(const std::string& start) {
    const auto at = start.find(" BATCH +");
    if (at == std::string::npos) return "(no batch)";
    const auto id = at + 8;
    return start.substr(id, start.find(' ', id) - id);
}

class IrcCodecIrcv3Test : public ::testing::Test {
protected:
    IrcSettings settings_;
    IrcCodec codec_{settings_};
    std::string register_burst_;

    void SetUp() override { register_with("batch labeled-response echo-message"); }

    void register_with(const std::string& caps) {
        codec_.decode("CAP LS 302", false);
        codec_.decode("CAP REQ :" + caps, false);
        codec_.decode("NICK dora", false);
        codec_.decode("USER d 0 * :D", false);
        auto input = codec_.decode("CAP END", false);
        core::LoginResult login;
        login.user = "dora";
        register_burst_ = codec_.ok(std::get<Request>(input), login);
    }

    Codec::Input decode(std::string_view line) { return codec_.decode(line, true); }

    Request request(std::string_view line) {
        auto input = decode(line);
        if (auto* r = std::get_if<Request>(&input)) return std::move(*r);
        ADD_FAILURE() << line << " gave no request";
        return {};
    }

    std::string answered(std::string_view line) {
        auto input = decode(line);
        if (const auto* a = std::get_if<Codec::Answered>(&input)) return a->bytes;
        ADD_FAILURE() << line << " was not answered by the codec itself";
        return {};
    }
};

TEST_F(IrcCodecIrcv3Test, LabeledResponseIsOfferedAndGranted) {
    EXPECT_NE(answered("CAP LS 302").find("labeled-response"), std::string::npos);
    EXPECT_EQ(codec_.caps() & kCapLabeledResponse, kCapLabeledResponse);
}

TEST_F(IrcCodecIrcv3Test, AOneLineReplyCarriesTheLabel) {
    const Request ping = request("@label=98765 PING adhoctestline");
    EXPECT_EQ(
        codec_.ok(ping, core::EmptyResult{}),
        "@label=98765 :salond.local PONG salond.local :adhoctestline\r\n"
    );
    EXPECT_EQ(codec_.finished(ping), "") << "answered already";
}

TEST_F(IrcCodecIrcv3Test, ACommandWithoutAReplyIsAcked) {
    const Request pong = request("@label=abc PONG x");
    EXPECT_EQ(codec_.finished(pong), "@label=abc :salond.local ACK\r\n");
    // An empty reply is acknowledged at once.
    const Request part = request("@label=p1 PART #home");
    EXPECT_EQ(codec_.ok(part, core::EmptyResult{}), "@label=p1 :salond.local ACK\r\n");
    EXPECT_EQ(codec_.finished(part), "");
    EXPECT_EQ(answered("@label=t TAGMSG #home"), "@label=t :salond.local ACK\r\n");
}

TEST_F(IrcCodecIrcv3Test, TheCodecsOwnAnswersAreLabeled) {
    EXPECT_EQ(
        answered("@label=deadbeef NONEXISTENT_COMMAND"),
        "@label=deadbeef :salond.local 421 dora NONEXISTENT_COMMAND :Unknown command\r\n"
    );
    const auto info = lines_of(answered("@label=i INFO"));
    ASSERT_EQ(info.size(), 5U);
    EXPECT_TRUE(info.front().starts_with("@label=i :salond.local BATCH +"));
    EXPECT_TRUE(info.front().ends_with(" labeled-response"));
    const std::string id = batch_id(info.front());
    EXPECT_TRUE(info[1].starts_with("@batch=" + id)) << info[1];
    EXPECT_TRUE(info.back().starts_with(":salond.local BATCH -" + id)) << info.back();
}

TEST_F(IrcCodecIrcv3Test, SeveralLinesGoInABatchAndOnlyItsStartIsLabeled) {
    const Request join = request("@label=12345 JOIN #xyz");
    core::JoinResult joined;
    joined.channel = "xyz";
    joined.members = {core::MemberInfo{.user = "dora", .op = true}};
    const auto lines = lines_of(codec_.ok(join, joined));
    ASSERT_EQ(lines.size(), 5U);  // BATCH +, JOIN, 353, 366, BATCH -
    const auto& start = lines.front();
    EXPECT_TRUE(start.starts_with("@label=12345 :salond.local BATCH +")) << start;
    const std::string id = batch_id(start);
    // irctest: alphanumerics and hyphens.
    EXPECT_EQ(id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"), std::string::npos);
    EXPECT_EQ(lines[1], "@batch=" + id + " :dora!dora@salon JOIN #xyz");
    EXPECT_TRUE(lines[2].starts_with("@batch=" + id + " :salond.local 353 ")) << lines[2];
    EXPECT_EQ(lines.back(), ":salond.local BATCH -" + id);
    EXPECT_EQ(codec_.finished(join), "");
}

TEST_F(IrcCodecIrcv3Test, RepliesInSeveralCallsShareOneBatchClosedWhenTheCommandIsDone) {
    const Request joins = request("@label=label1 JOIN #valid,inv@lid");
    const auto& both = std::get<Joins>(joins.command).joins;
    ASSERT_EQ(both.size(), 2U);
    // Each channel is answered as a request of its own with the same ref (server/commands).
    const Request first{joins.ref, both[0]};
    const Request second{joins.ref, both[1]};
    core::JoinResult joined;
    joined.channel = "valid";
    joined.members = {core::MemberInfo{.user = "dora", .op = true}};
    auto lines = lines_of(codec_.ok(first, joined));
    ASSERT_EQ(lines.size(), 4U);  // BATCH +, JOIN, 353, 366
    const auto& start = lines.front();
    EXPECT_TRUE(start.starts_with("@label=label1 :salond.local BATCH +")) << start;
    const std::string id = batch_id(start);
    const auto refused = lines_of(codec_.no(second, Errc::bad_name, "bad"));
    ASSERT_EQ(refused.size(), 1U);
    EXPECT_TRUE(refused[0].starts_with("@batch=" + id + " :salond.local 479 dora inv@lid "))
        << refused[0];
    EXPECT_EQ(codec_.finished(joins), ":salond.local BATCH -" + id + "\r\n");

    // Replies that said nothing: ACK once the command is done.
    const Request parts = request("@label=p PART #a,#b");
    const Request part{parts.ref, std::get<Parts>(parts.command).parts[0]};
    EXPECT_EQ(codec_.ok(part, core::EmptyResult{}), "");
    EXPECT_EQ(codec_.finished(parts), "@label=p :salond.local ACK\r\n");
}

TEST_F(IrcCodecIrcv3Test, AnEchoIsLabeledForTheSenderOnly) {
    const Request dm = request("@label=12345 PRIVMSG bar :hi");
    EXPECT_EQ(codec_.finished(dm), "") << "a post's reply comes when it commits";
    core::PostResult posted;
    posted.id = 7;
    posted.ts_ms = 1'700'000'000'000;
    EXPECT_EQ(codec_.ok(dm, posted), "@label=12345 :dora!dora@salon PRIVMSG bar :hi\r\n");
    // The event others get is encoded once for all: no label.
    core::Message m;
    m.id = 7;
    m.from = "dora";
    m.to = "bar";
    m.text = "hi";
    EXPECT_EQ(codec_.event(core::MessageEvent{m, {}}).find("label"), std::string::npos);
    // A refusal is labeled too.
    const Request to_nobody = request("@label=x PRIVMSG nobody :hi");
    EXPECT_TRUE(
        codec_.no(to_nobody, Errc::no_such_user, "no").starts_with("@label=x :salond.local 401 ")
    );
}

TEST_F(IrcCodecIrcv3Test, LabelsNeedBothCapabilitiesAndASaneValue) {
    const Request ping = request("@label=" + std::string(65, 'a') + " PING x");
    EXPECT_EQ(codec_.ok(ping, core::EmptyResult{}).find("label"), std::string::npos);

    IrcCodec plain{settings_};
    plain.decode("CAP REQ :labeled-response", false);  // without batch: no labels
    plain.decode("NICK erin", false);
    plain.decode("USER e 0 * :E", false);
    auto conn = plain.decode("CAP END", false);
    core::LoginResult login;
    login.user = "erin";
    plain.ok(std::get<Request>(conn), login);
    auto input = plain.decode("@label=1 PING x", true);
    const Request& r = std::get<Request>(input);
    EXPECT_EQ(plain.ok(r, core::EmptyResult{}), ":salond.local PONG salond.local :x\r\n");
    EXPECT_EQ(plain.finished(r), "");
}

TEST_F(IrcCodecIrcv3Test, HelpShowsACommandsTextOrTheIndexOr524) {
    const auto privmsg = lines_of(answered("HELP privmsg"));
    ASSERT_GE(privmsg.size(), 3U);
    EXPECT_EQ(privmsg.front(), ":salond.local 704 dora PRIVMSG :PRIVMSG <target> :<text>");
    EXPECT_TRUE(privmsg[1].starts_with(":salond.local 705 dora PRIVMSG :")) << privmsg[1];
    EXPECT_EQ(privmsg.back(), ":salond.local 706 dora PRIVMSG :End of /HELP");
    const auto index = lines_of(answered("HELPOP"));
    ASSERT_GE(index.size(), 3U);
    EXPECT_TRUE(index.front().starts_with(":salond.local 704 dora index :")) << index.front();
    EXPECT_NE(index[1].find(" JOIN "), std::string::npos) << index[1];
    EXPECT_EQ(index.back(), ":salond.local 706 dora index :End of /HELP");
    EXPECT_EQ(
        answered("HELP THISISNOTACOMMAND"),
        ":salond.local 524 dora THISISNOTACOMMAND :No help available on this topic\r\n"
    );
}

TEST_F(IrcCodecIrcv3Test, LinksListsThisServerAlone) {
    EXPECT_EQ(
        answered("LINKS"),
        ":salond.local 364 dora salond.local salond.local :0 Salon chat server\r\n"
        ":salond.local 365 dora * :End of /LINKS list\r\n"
    );
}

TEST_F(IrcCodecIrcv3Test, ListFiltersByMaskNotMaskAndMemberCount) {
    core::ListResult page;
    page.channels = {{"chan1", 1, ""}, {"chan2", 2, ""}, {"empty", 0, ""}};
    auto listed = [&](std::string_view line) {
        std::vector<std::string> names;
        for (const auto& l : lines_of(codec_.ok(request(line), page))) {
            std::istringstream words(l);
            std::vector<std::string> params{std::istream_iterator<std::string>(words), {}};
            if (params.size() > 3 && params[1] == "322") names.push_back(params[3]);
        }
        return names;
    };
    using Listed = std::vector<std::string>;
    EXPECT_EQ(listed("LIST"), (Listed{"#chan1", "#chan2", "#empty"}));
    EXPECT_EQ(listed("LIST *an1"), (Listed{"#chan1"}));
    EXPECT_EQ(listed("LIST #C*N2"), (Listed{"#chan2"}));
    EXPECT_EQ(listed("LIST chan1,#empty"), (Listed{"#chan1", "#empty"}));
    EXPECT_EQ(listed("LIST !#ch*"), (Listed{"#empty"}));
    EXPECT_EQ(listed("LIST >0"), (Listed{"#chan1", "#chan2"}));
    EXPECT_EQ(listed("LIST <2"), (Listed{"#chan1", "#empty"}));
    EXPECT_EQ(listed("LIST >0,<2"), (Listed{"#chan1"}));
    EXPECT_EQ(listed("LIST <0"), Listed{});
    EXPECT_EQ(listed("LIST #nonexistent"), Listed{});
    EXPECT_NE(register_burst_.find("ELIST=MNU"), std::string::npos);
}

TEST_F(IrcCodecIrcv3Test, KickOfSeveralUsersIsOneRequestPerUser) {
    const Request one = request("KICK #chan bar :bye");
    EXPECT_EQ(std::get<Kick>(one.command).user, "bar");
    const Request several = request("KICK #chan bar,baz :bye");
    const auto& kicks = std::get<Kicks>(several.command).kicks;
    ASSERT_EQ(kicks.size(), 2U);
    EXPECT_EQ(kicks[1].channel, "#chan");
    EXPECT_EQ(kicks[1].user, "baz");
    EXPECT_EQ(kicks[1].reason, "bye");
    const Request paired = request("KICK #a,#b x,y");
    EXPECT_EQ(std::get<Kicks>(paired.command).kicks[1].channel, "#b");
    EXPECT_NE(answered("KICK #a,#b x,y,z").find(" 461 "), std::string::npos);
    EXPECT_NE(register_burst_.find("KICK:,"), std::string::npos);
}

TEST_F(IrcCodecIrcv3Test, NamesOfSeveralChannelsEndWithOne366NamingThemAll) {
    const Request names = request("NAMES #chan1,#chan2,#CHAN1");
    const auto& channels = std::get<Names>(names.command).channels;
    ASSERT_EQ(channels.size(), 2U) << "each channel once";
    core::WhoResult members;
    members.channel = "chan1";
    members.members = {core::MemberInfo{.user = "dora", .op = true}};
    EXPECT_EQ(
        codec_.ok(Request{names.ref, channels[0]}, members),
        ":salond.local 353 dora = #chan1 :@dora\r\n"
    );
    members.channel = "chan2";
    EXPECT_EQ(
        codec_.ok(Request{names.ref, channels[1]}, members),
        ":salond.local 353 dora = #chan2 :@dora\r\n"
        ":salond.local 366 dora #chan1,#chan2 :End of /NAMES list\r\n"
    );
    // A refused channel among them says nothing of its own, and the last one still ends it.
    EXPECT_EQ(codec_.no(Request{names.ref, channels[0]}, Errc::no_such_channel, "no"), "");
    EXPECT_EQ(
        codec_.no(Request{names.ref, channels[1]}, Errc::no_such_channel, "no"),
        ":salond.local 366 dora #chan1,#chan2 :End of /NAMES list\r\n"
    );
}

}  // namespace
}  // namespace salon::proto
