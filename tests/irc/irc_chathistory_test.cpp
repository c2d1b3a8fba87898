// IRC end-to-end: draft/chathistory (channels and direct messages, by msgid and by time, TARGETS)
// and the account tag on history lines.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "harness/connection.hpp"
#include "harness/line_client.hpp"
#include "irc_client.hpp"

namespace salon::test {
namespace {

constexpr std::string_view kPassword = "correct-horse-battery-9";
constexpr std::string_view kCaps = "batch message-tags echo-message server-time draft/chathistory";

/// The OK or NO that answers the request just sent; events before it are skipped.
boost::json::object native_reply(Connection& conn) {
    for (;;) {
        auto frame = conn.next(kIrcWait);
        if (!frame) throw std::runtime_error("no reply from the native connection");
        const auto verb = verb_of(*frame);
        if (verb == "OK" || verb == "NO") return *frame;
    }
}

/// A posted line's msgid and time, as its echo carried them.
struct Posted {
    std::string msgid;
    std::string time;
};

class IrcChathistory : public ::testing::Test {
protected:
    IrcServer server_;

    std::unique_ptr<IrcClient> joined(
        std::string_view nick, std::string_view channel = "#talk", std::string_view pass = {}
    ) {
        auto c = std::make_unique<IrcClient>(server_.irc_port());
        c->register_as(nick, kCaps, pass);
        if (!channel.empty()) {
            c->send("JOIN " + std::string(channel));
            c->wait_for("366");
        }
        return c;
    }

    /// Registers an account natively and logs that connection out again.
    void create_account(const std::string& name) {
        LineClient conn("127.0.0.1", server_.native_port());
        conn.send(make_frame("REGISTER", {{"us", name}, {"pwd", kPassword}}));
        if (verb_of(native_reply(conn)) != "OK") throw std::runtime_error("REGISTER failed");
        conn.send(make_frame("END"));
        native_reply(conn);
    }

    /// Sends `count` lines to `target` ("line 0" …), each a few milliseconds after the last so
    /// that their times differ.
    static std::vector<Posted> post(IrcClient& c, std::string_view target, int count) {
        std::vector<Posted> posted;
        for (int i = 0; i < count; ++i) {
            c.send("PRIVMSG " + std::string(target) + " :line " + std::to_string(i));
            const auto echo = c.wait_for("PRIVMSG");
            posted.push_back({tag_of(echo, "msgid").value_or(""), tag_of(echo, "time").value_or("")}
            );
            std::this_thread::sleep_for(std::chrono::milliseconds(3));
        }
        return posted;
    }

    /// The msgids of the PRIVMSG lines of the chathistory batch answering the request just
    /// sent; the batch must name `target`.
    static std::vector<std::string> batch_ids(IrcClient& c, std::string_view target) {
        const auto start = parse_line(c.wait_for("BATCH"));
        EXPECT_EQ(start.params.size(), 3U);
        EXPECT_EQ(start.params.at(1), "chathistory");
        EXPECT_EQ(start.params.at(2), target);
        const std::string id = start.params.at(0).substr(1);
        std::vector<std::string> ids;
        for (;;) {
            const std::string line = c.wait_for([](const auto&) { return true; });
            const auto m = parse_line(line);
            if (m.command == "BATCH") {
                EXPECT_EQ(m.params.at(0), "-" + id);
                return ids;
            }
            EXPECT_EQ(tag_of(line, "batch"), id) << line;
            if (m.command == "PRIVMSG") ids.push_back(tag_of(line, "msgid").value_or(""));
        }
    }

    static std::vector<std::string> ids_of(
        const std::vector<Posted>& posted, std::size_t from, std::size_t to
    ) {
        std::vector<std::string> ids;
        for (std::size_t i = from; i < to; ++i) ids.push_back(posted[i].msgid);
        return ids;
    }
};

TEST_F(IrcChathistory, TheCapAndIsupportAreOffered) {
    IrcClient c(server_.irc_port());
    c.send("CAP LS 302");
    EXPECT_NE(c.wait_for("CAP").find("draft/chathistory"), std::string::npos);
    c.send("CAP END");
    const auto lines = c.register_as("ann");
    bool advertised = false;
    for (const auto& line : lines)
        advertised |= line.find(" CHATHISTORY=200 ") != std::string::npos;
    EXPECT_TRUE(advertised);
}

TEST_F(IrcChathistory, EachSubcommandByMsgidPagesTheChannel) {
    auto ann = joined("ann");
    const auto posted = post(*ann, "#talk", 6);
    ann->send("CHATHISTORY LATEST #talk * 2");
    EXPECT_EQ(batch_ids(*ann, "#talk"), ids_of(posted, 4, 6));
    ann->send("CHATHISTORY LATEST #talk msgid=" + posted[3].msgid + " 10");
    EXPECT_EQ(batch_ids(*ann, "#talk"), ids_of(posted, 4, 6));
    ann->send("CHATHISTORY BEFORE #talk msgid=" + posted[3].msgid + " 2");
    EXPECT_EQ(batch_ids(*ann, "#talk"), ids_of(posted, 1, 3));
    ann->send("CHATHISTORY AFTER #talk msgid=" + posted[1].msgid + " 2");
    EXPECT_EQ(batch_ids(*ann, "#talk"), ids_of(posted, 2, 4));
    ann->send("CHATHISTORY AROUND #talk msgid=" + posted[3].msgid + " 3");
    EXPECT_EQ(batch_ids(*ann, "#talk"), ids_of(posted, 2, 5));
    ann->send(
        "CHATHISTORY BETWEEN #talk msgid=" + posted[0].msgid + " msgid=" + posted[5].msgid + " 10"
    );
    EXPECT_EQ(batch_ids(*ann, "#talk"), ids_of(posted, 1, 5));
    // Backwards, the limit keeps the newest.
    ann->send(
        "CHATHISTORY BETWEEN #talk msgid=" + posted[5].msgid + " msgid=" + posted[0].msgid + " 2"
    );
    EXPECT_EQ(batch_ids(*ann, "#talk"), ids_of(posted, 3, 5));
}

TEST_F(IrcChathistory, TimestampsBoundLikeMsgids) {
    auto ann = joined("ann");
    const auto posted = post(*ann, "#talk", 5);
    ann->send("CHATHISTORY AFTER #talk timestamp=" + posted[1].time + " 2");
    EXPECT_EQ(batch_ids(*ann, "#talk"), ids_of(posted, 2, 4));
    ann->send("CHATHISTORY BEFORE #talk timestamp=" + posted[3].time + " 10");
    EXPECT_EQ(batch_ids(*ann, "#talk"), ids_of(posted, 0, 3));
    ann->send(
        "CHATHISTORY BETWEEN #talk timestamp=" + posted[4].time + " timestamp=" + posted[0].time +
        " 10"
    );
    EXPECT_EQ(batch_ids(*ann, "#talk"), ids_of(posted, 1, 4));
    ann->send("CHATHISTORY AROUND #talk timestamp=" + posted[2].time + " 1");
    EXPECT_EQ(batch_ids(*ann, "#talk"), ids_of(posted, 2, 3));
}

TEST_F(IrcChathistory, DirectMessagesAreTheirTwoUsersOwn) {
    auto ann = joined("ann", "");
    auto ben = joined("ben", "");
    auto cat = joined("cat", "");
    const auto posted = post(*ann, "ben", 2);
    ben->send("CHATHISTORY LATEST ann * 10");
    EXPECT_EQ(batch_ids(*ben, "ann"), ids_of(posted, 0, 2));
    // The batch names the target as the request did.
    ann->send("CHATHISTORY LATEST BEN * 10");
    EXPECT_EQ(batch_ids(*ann, "BEN"), ids_of(posted, 0, 2));
    // Anyone else asking of either sees their own conversation with them: none.
    cat->send("CHATHISTORY LATEST ann * 10");
    EXPECT_TRUE(batch_ids(*cat, "ann").empty());
}

TEST_F(IrcChathistory, AChannelOneIsNotInIsAnInvalidTarget) {
    auto ann = joined("ann");
    post(*ann, "#talk", 1);
    auto ben = joined("ben", "#other");
    ben->send("CHATHISTORY LATEST #talk * 10");
    auto params = parse_line(ben->wait_for("FAIL")).params;
    ASSERT_EQ(params.size(), 5U);
    params.pop_back();
    EXPECT_EQ(
        params, (std::vector<std::string>{"CHATHISTORY", "INVALID_TARGET", "LATEST", "#talk"})
    );
    ben->send("CHATHISTORY LATEST #nowhere * 10");
    const auto fail = parse_line(ben->wait_for("FAIL"));
    EXPECT_EQ(fail.params.at(1), "INVALID_TARGET");
}

TEST_F(IrcChathistory, MalformedRequestsFailWithTheSpecsCodes) {
    auto ann = joined("ann");
    auto code_of = [&](std::string_view line) {
        ann->send(line);
        return parse_line(ann->wait_for("FAIL")).params.at(1);
    };
    EXPECT_EQ(code_of("CHATHISTORY"), "NEED_MORE_PARAMS");
    EXPECT_EQ(code_of("CHATHISTORY LATEST #talk *"), "NEED_MORE_PARAMS");
    EXPECT_EQ(code_of("CHATHISTORY SIDEWAYS #talk * 10"), "UNKNOWN_COMMAND");
    EXPECT_EQ(code_of("CHATHISTORY LATEST #talk * many"), "INVALID_PARAMS");
    EXPECT_EQ(code_of("CHATHISTORY LATEST #talk * 0"), "INVALID_PARAMS");
    EXPECT_EQ(code_of("CHATHISTORY BEFORE #talk * 10"), "INVALID_PARAMS");
    EXPECT_EQ(code_of("CHATHISTORY BEFORE #talk msgid=abc 10"), "INVALID_PARAMS");
    EXPECT_EQ(code_of("CHATHISTORY AFTER #talk timestamp=yesterday 10"), "INVALID_PARAMS");
    EXPECT_EQ(
        code_of("CHATHISTORY TARGETS msgid=1 timestamp=2020-01-01T00:00:00.000Z 10"),
        "INVALID_PARAMS"
    );
}

TEST_F(IrcChathistory, ALimitAboveThePageMaximumIsCutToIt) {
    auto ann = joined("ann");
    const auto posted = post(*ann, "#talk", 3);
    ann->send("CHATHISTORY LATEST #talk * 1000000");
    EXPECT_EQ(batch_ids(*ann, "#talk"), ids_of(posted, 0, 3));
}

TEST_F(IrcChathistory, TargetsListsConversationsByTheirLastMessageOldestFirst) {
    auto ann = joined("ann", "#one");
    ann->send("JOIN #two");
    ann->wait_for("366");
    auto ben = joined("ben", "");
    const auto first = post(*ann, "#one", 1);
    const auto second = post(*ann, "ben", 1);
    const auto third = post(*ann, "#two", 1);
    ann->send(
        "CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00.000Z timestamp=2262-01-01T00:00:00.000Z "
        "10"
    );
    const auto start = parse_line(ann->wait_for("BATCH"));
    EXPECT_EQ(start.params.at(1), "draft/chathistory-targets");
    std::vector<std::vector<std::string>> targets;
    for (;;) {
        const auto m = parse_line(ann->wait_for([](const auto&) { return true; }));
        if (m.command == "BATCH") break;
        targets.push_back(m.params);
    }
    EXPECT_EQ(
        targets,
        (std::vector<std::vector<std::string>>{
            {"TARGETS", "#one", first[0].time},
            {"TARGETS", "ben", second[0].time},
            {"TARGETS", "#two", third[0].time}})
    );
    // Both bounds are left out, and the limit keeps the oldest.
    ann->send(
        "CHATHISTORY TARGETS timestamp=" + first[0].time + " timestamp=" + third[0].time + " 10"
    );
    ann->wait_for("BATCH");
    EXPECT_NE(ann->wait_for("CHATHISTORY").find(" ben "), std::string::npos);
    EXPECT_EQ(parse_line(ann->wait_for([](const auto&) { return true; })).command, "BATCH");
}

TEST_F(IrcChathistory, HistoryLinesTagTheAccountsOfRegisteredAuthors) {
    create_account("dora");
    auto dora = joined("dora", "#talk", kPassword);
    auto guest = joined("gus");
    post(*dora, "#talk", 1);
    guest->wait_for("PRIVMSG");  // dora's, so that post() waits for gus's own echo
    post(*guest, "#talk", 1);
    auto reader = joined("rita", "");
    reader->send("JOIN #talk");
    std::vector<std::string> lines;
    reader->wait_for("BATCH", &lines);
    std::vector<std::string> history;
    reader->wait_for("BATCH", &history);
    ASSERT_EQ(history.size(), 2U) << test::joined(lines) << test::joined(history);
    EXPECT_EQ(tag_of(history[0], "account"), "dora") << history[0];
    EXPECT_EQ(tag_of(history[1], "account"), std::nullopt) << history[1];
    reader->send("CHATHISTORY LATEST #talk * 10");
    history.clear();
    reader->wait_for("BATCH");
    reader->wait_for("BATCH", &history);
    ASSERT_EQ(history.size(), 2U);
    EXPECT_EQ(tag_of(history[0], "account"), "dora") << history[0];
    EXPECT_EQ(tag_of(history[1], "account"), std::nullopt) << history[1];
}

}  // namespace
}  // namespace salon::test
