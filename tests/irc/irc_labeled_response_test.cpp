// IRC end-to-end: IRCv3 labeled-response through a real salond. A labeled command's whole
// response carries the label: one line tagged, several in a labeled-response batch, none ACK;
// those who receive the same message never see the label.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "irc_client.hpp"

namespace salon::test {
namespace {

constexpr std::string_view kCaps = "batch labeled-response echo-message";

/// The lines of a labeled-response batch, from `BATCH +id` to `BATCH -id`, as they come.
std::vector<std::string> labeled_batch(IrcClient& c, std::string_view label) {
    std::vector<std::string> skipped;
    const std::string start =
        c.wait_for([](const proto::irc::Message& m) { return m.command == "BATCH"; }, &skipped);
    const auto m = parse_line(start);
    EXPECT_EQ(tag_of(start, "label"), std::string(label)) << start;
    EXPECT_EQ(m.params.size(), 2U) << start;
    if (m.params.size() != 2 || !m.params[0].starts_with('+')) return {start};
    EXPECT_EQ(m.params[1], "labeled-response");
    const std::string id = m.params[0].substr(1);
    std::vector<std::string> lines{start};
    for (;;) {
        const auto line = c.next();
        if (!line) {
            ADD_FAILURE() << "the batch never ended:\n" << joined(lines);
            return lines;
        }
        lines.push_back(*line);
        const auto inner = parse_line(*line);
        if (inner.command == "BATCH" && inner.params.at(0) == "-" + id) return lines;
        EXPECT_EQ(tag_of(*line, "batch"), id) << *line;
        EXPECT_FALSE(tag_of(*line, "label")) << "only the batch carries the label: " << *line;
    }
}

bool has_command(const std::vector<std::string>& lines, std::string_view command) {
    for (const auto& line : lines) {
        if (parse_line(line).command == command) return true;
    }
    return false;
}

TEST(IrcLabeledResponse, OneLineIsLabeledAndNoLineIsAcked) {
    IrcServer server;
    IrcClient c(server.irc_port());
    c.register_as("lena", kCaps);
    c.send("@label=98765 PING adhoctestline");
    const std::string pong = c.wait_for("PONG");
    EXPECT_EQ(tag_of(pong, "label"), "98765") << pong;
    c.send("@label=abc PONG whatever");
    const std::string ack = c.wait_for("ACK");
    EXPECT_EQ(tag_of(ack, "label"), "abc") << ack;
    c.send("@label=deadbeef NONEXISTENT_COMMAND");
    EXPECT_EQ(tag_of(c.wait_for("421"), "label"), "deadbeef");
    EXPECT_TRUE(c.drain().empty()) << "one answer each";
}

TEST(IrcLabeledResponse, ANickChangeIsAnsweredWithTheNickLineOnceAndOthersSeeItToo) {
    IrcServer server;
    IrcClient c(server.irc_port());
    c.register_as("pia", kCaps);
    IrcClient other(server.irc_port());
    other.register_as("quin", kCaps);
    c.send("JOIN #nicks");
    c.wait_for("366");
    other.send("JOIN #nicks");
    other.wait_for("366");

    c.send("@label=abc NICK pia2");
    const std::string line = c.wait_for("NICK");
    EXPECT_EQ(tag_of(line, "label"), "abc") << line;
    EXPECT_EQ(parse_line(line).source, "pia!pia@salon") << line;
    // The member sharing the channel sees the change, without the label.
    const std::string seen = other.wait_for("NICK");
    EXPECT_FALSE(tag_of(seen, "label")) << seen;
    EXPECT_EQ(parse_line(seen).params.at(0), "pia2") << seen;
    // The renamed connection is not told twice (the server's RENAME event is declined).
    c.send("PING sync");
    std::vector<std::string> before;
    c.wait_for("PONG", &before);
    EXPECT_FALSE(has_command(before, "NICK")) << joined(before);
}

TEST(IrcLabeledResponse, JoinsListAndSeveralChannelsAreOneBatchEach) {
    IrcServer server;
    IrcClient c(server.irc_port());
    c.register_as("mona", kCaps);

    c.send("@label=12345 JOIN #xyz");
    auto lines = labeled_batch(c, "12345");
    EXPECT_TRUE(has_command(lines, "JOIN")) << joined(lines);
    EXPECT_TRUE(has_command(lines, "353")) << joined(lines);
    EXPECT_TRUE(has_command(lines, "366")) << joined(lines);

    // Replies to each channel, a refusal among them, share one batch.
    c.send("@label=label1 JOIN #valid,inv@lid");
    lines = labeled_batch(c, "label1");
    EXPECT_TRUE(has_command(lines, "JOIN")) << joined(lines);
    EXPECT_TRUE(has_command(lines, "479")) << joined(lines);

    c.send("@label=list LIST");
    lines = labeled_batch(c, "list");
    EXPECT_TRUE(has_command(lines, "321")) << joined(lines);
    EXPECT_TRUE(has_command(lines, "322")) << joined(lines);
    EXPECT_TRUE(has_command(lines, "323")) << joined(lines);

    // PART's own reply says nothing (the PART line is the event every member gets): ACK.
    c.send("@label=bye PART #xyz");
    std::vector<std::string> before;
    const std::string ack = c.wait_for("ACK", &before);
    EXPECT_EQ(tag_of(ack, "label"), "bye") << ack;
    for (auto& line : c.drain()) before.push_back(std::move(line));
    EXPECT_TRUE(has_command(before, "PART")) << joined(before);
}

TEST(IrcLabeledResponse, TheEchoIsLabeledAndTheRecipientsCopyIsNot) {
    IrcServer server;
    IrcClient sender(server.irc_port());
    sender.register_as("nora", kCaps);
    IrcClient other(server.irc_port());
    other.register_as("omar", kCaps);
    sender.send("JOIN #talk");
    sender.wait_for("366");
    other.send("JOIN #talk");
    other.wait_for("366");

    sender.send("@label=12345 PRIVMSG #talk :hi");
    const std::string echo = sender.wait_for("PRIVMSG");
    EXPECT_EQ(tag_of(echo, "label"), "12345") << echo;
    const std::string relayed = other.wait_for("PRIVMSG");
    EXPECT_FALSE(tag_of(relayed, "label")) << relayed;

    // To oneself: the echo is labeled, the message received is not.
    sender.send("@label=self NOTICE nora :note to self");
    const std::string first = sender.wait_for("NOTICE");
    const std::string second = sender.wait_for("NOTICE");
    EXPECT_NE(tag_of(first, "label").has_value(), tag_of(second, "label").has_value())
        << first << "\n"
        << second;

    // A refusal is the response too.
    sender.send("@label=nobody PRIVMSG nobody-here :hi");
    EXPECT_EQ(tag_of(sender.wait_for("401"), "label"), "nobody");
}

TEST(IrcLabeledResponse, WithoutBatchThereAreNoLabels) {
    IrcServer server;
    IrcClient c(server.irc_port());
    c.register_as("pia", "labeled-response");
    c.send("@label=x PING y");
    EXPECT_FALSE(tag_of(c.wait_for("PONG"), "label"));
}

}  // namespace
}  // namespace salon::test
