// IRC end-to-end: HELP and LINKS, LIST's ELIST filters, and KICK and NAMES of several targets
// through a real salond.

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "irc_client.hpp"

namespace salon::test {
namespace {

/// The lines up to and including the first `command`.
std::vector<std::string> lines_until(IrcClient& c, std::string_view command) {
    std::vector<std::string> lines;
    lines.push_back(c.wait_for(command, &lines));
    return lines;
}

std::set<std::string> listed(IrcClient& c, std::string_view line) {
    c.send(line);
    std::set<std::string> channels;
    for (const auto& l : lines_until(c, "323")) {
        const auto m = parse_line(l);
        if (m.command == "322") channels.insert(m.params.at(1));
    }
    return channels;
}

TEST(IrcHelpAndLinks, HelpAnswersWithItsNumericsAndLinksWithThisServer) {
    IrcServer server({"--server-description", "a test server"});
    IrcClient c(server.irc_port());
    c.register_as("quinn");
    c.send("HELP privmsg");
    auto lines = lines_until(c, "706");
    ASSERT_EQ(parse_line(lines.front()).command, "704") << joined(lines);
    EXPECT_EQ(parse_line(lines.front()).params.at(1), "PRIVMSG");
    EXPECT_EQ(parse_line(lines.at(1)).command, "705") << joined(lines);
    c.send("HELPOP");
    lines = lines_until(c, "706");
    EXPECT_EQ(parse_line(lines.front()).command, "704") << joined(lines);
    c.send("HELP NOSUCHTHING");
    EXPECT_NE(c.wait_for("524").find("NOSUCHTHING"), std::string::npos);

    c.send("LINKS");
    const auto links = parse_line(c.wait_for("364"));
    EXPECT_EQ(links.params.at(3), "0 a test server");
    c.wait_for("365");
    c.send("WHOIS quinn");
    EXPECT_NE(c.wait_for("312").find(":a test server"), std::string::npos);
}

TEST(IrcListFilters, MasksNotMasksAndMemberCounts) {
    IrcServer server;
    IrcClient a(server.irc_port());
    a.register_as("rosa");
    IrcClient b(server.irc_port());
    b.register_as("sami");
    a.send("JOIN #chan1,#chan2");
    a.wait_for("366");
    a.wait_for("366");
    b.send("JOIN #chan2");
    b.wait_for("366");
    using Channels = std::set<std::string>;
    EXPECT_EQ(listed(b, "LIST *an1"), (Channels{"#chan1"}));
    EXPECT_EQ(listed(b, "LIST !#c*n2"), (Channels{"#chan1"}));
    EXPECT_EQ(listed(b, "LIST >1"), (Channels{"#chan2"}));
    EXPECT_EQ(listed(b, "LIST <2"), (Channels{"#chan1"}));
    EXPECT_EQ(listed(b, "LIST #nonexistent"), Channels{});
}

TEST(IrcSeveralTargets, KickSeveralUsersAndNamesOfSeveralChannels) {
    IrcServer server;
    std::vector<std::unique_ptr<IrcClient>> clients;
    for (const char* nick : {"tara", "ugo", "vera", "walt"}) {
        auto& c = clients.emplace_back(std::make_unique<IrcClient>(server.irc_port()));
        c->register_as(nick);
        c->send("JOIN #chan");
        c->wait_for("366");
    }
    auto& op = *clients[0];
    auto& watcher = *clients[3];
    watcher.drain();
    op.send("KICK #chan ugo,vera :bye");
    std::set<std::string> kicked;
    for (int i = 0; i < 2; ++i) {
        const auto kick = parse_line(watcher.wait_for("KICK"));
        EXPECT_EQ(kick.params.at(0), "#chan");
        EXPECT_EQ(kick.params.at(2), "bye");
        kicked.insert(kick.params.at(1));
    }
    EXPECT_EQ(kicked, (std::set<std::string>{"ugo", "vera"}));

    op.send("JOIN #other");
    op.wait_for("366");
    op.drain();
    op.send("NAMES #chan,#other");
    const auto lines = lines_until(op, "366");
    ASSERT_EQ(lines.size(), 3U) << joined(lines);
    EXPECT_EQ(parse_line(lines[0]).params.at(2), "#chan");
    EXPECT_EQ(parse_line(lines[1]).params.at(2), "#other");
    EXPECT_EQ(parse_line(lines[2]).params.at(1), "#chan,#other");
}

}  // namespace
}  // namespace salon::test
