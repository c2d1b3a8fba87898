// Replies the server builds from stored data (waiting DMs, history, LIST) are as large as other
// users make them: each is bounded or sent under backpressure, and never costs the asker its
// connection or a message.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

const std::vector<std::string> kFastRates{
    "--messages-per-second", "100000", "--message-burst", "100000"};

/// kFastRates and `more` flags.
std::vector<std::string> fast_rates_and(std::initializer_list<std::string> more) {
    auto flags = kFastRates;
    flags.insert(flags.end(), more);
    return flags;
}

/// Text that JSON escapes to six times its size (\u0001 per byte).
std::string control_text(std::size_t bytes) {
    return std::string(bytes, '\x01');
}

std::int64_t id_of(const boost::json::object& body) {
    return body.at("id").to_number<std::int64_t>();
}

/// Reads until `count` frames of `verb` arrived; fails on a close or a NOTICE on the way.
std::vector<boost::json::object> collect(
    Connection& conn, std::string_view verb, std::size_t count
) {
    std::vector<boost::json::object> found;
    while (found.size() < count) {
        const auto frame = conn.next(kWait);
        if (!frame) {
            ADD_FAILURE() << "got " << found.size() << " of " << count << " " << verb
                          << (conn.eof() ? ": the server closed the connection" : ": timed out");
            break;
        }
        if (verb_of(*frame) == "NOTICE") ADD_FAILURE() << boost::json::serialize(*frame);
        if (verb_of(*frame) == verb) found.push_back(body_of(*frame));
    }
    return found;
}

/// Posts `count` messages of `text` to `channel` and waits for every OK.
void post_many(Connection& conn, std::string_view channel, const std::string& text, int count) {
    for (int i = 0; i < count; ++i) send(conn, "SEND", msg(channel, text));
    for (int i = 0; i < count; ++i) conn.wait_for("OK", kWait);
    drain(conn, std::chrono::milliseconds(0));
}

class BoundedReplies : public E2e {};

TEST_P(BoundedReplies, EveryAcknowledgedDmWaitingForALoginIsDeliveredOnce) {
    // The send queue keeps its default (1 MiB); 300 DMs of 4,000 bytes are 1.3 MB.
    ServerProcess server({.extra_args = kFastRates, .data_dir = {}});
    {
        auto bob = open(server);
        register_user(*bob, "bob");
        call_ok(*bob, "END");
    }
    constexpr int kSenders = 3;
    constexpr int kPerSender = 100;
    const std::string text(4000, 'd');
    std::set<std::int64_t> acknowledged;
    std::vector<std::unique_ptr<Connection>> senders;
    for (int s = 0; s < kSenders; ++s) {
        senders.push_back(open(server));
        login(*senders.back(), "");
        for (int i = 0; i < kPerSender; ++i)
            send(*senders.back(), "DM", {{"to", "bob"}, {"text", text}});
    }
    for (auto& sender : senders) {
        for (int i = 0; i < kPerSender; ++i)
            acknowledged.insert(id_of(body_of(sender->wait_for("OK", kWait))));
    }
    ASSERT_EQ(acknowledged.size(), static_cast<std::size_t>(kSenders * kPerSender));

    auto bob = open(server);
    login(*bob, "bob", kPassword);
    std::set<std::int64_t> delivered;
    for (const auto& dm : collect(*bob, "DM", acknowledged.size())) {
        EXPECT_EQ(str(dm, "text"), text);
        EXPECT_TRUE(delivered.insert(id_of(dm)).second) << "delivered twice: " << id_of(dm);
    }
    EXPECT_EQ(delivered, acknowledged);
    call_ok(*bob, "END");

    // Delivered means gone from the waiting list: the next login brings none again.
    auto again = open(server);
    login(*again, "bob", kPassword);
    EXPECT_TRUE(bodies(drain(*again), "DM").empty());
}

TEST_P(BoundedReplies, HistoryLargerThanTheSendQueueNeitherLocksOutNorDrops) {
    ServerProcess server({.extra_args = kFastRates, .data_dir = {}});
    const std::string text = control_text(2700);  // about 16 KB once escaped
    {
        auto alice = open(server);
        register_user(*alice, "alice");
        call_ok(*alice, "JOIN", {{"channel", "big"}});
        call_ok(*alice, "JOIN", {{"channel", "bigger"}});
        drain(*alice, std::chrono::milliseconds(100));
        post_many(*alice, "big", text, 50);
        post_many(*alice, "bigger", text, 80);
        call_ok(*alice, "END");
    }

    // The login replays home, big and bigger: 2 MB of history before this change.
    auto alice = open(server);
    send(*alice, "CONN", {{"us", "alice"}, {"pwd", kPassword}});
    const auto histories = collect(*alice, "HISTORY", 3);
    ASSERT_EQ(histories.size(), 3U);
    for (const auto& history : histories) {
        if (str(history, "channel") == "home") continue;
        const auto& messages = history.at("messages").as_array();
        EXPECT_FALSE(messages.empty());
        EXPECT_LT(messages.size(), 50U);  // cut to the bulk reply bound, newest kept
        EXPECT_TRUE(history.at("more").as_bool());
    }
    call_ok(*alice, "PING");

    // The largest page a client may ask for is bounded the same way, and paging back with
    // `before` reaches every message.
    std::set<std::int64_t> seen;
    std::optional<std::int64_t> before;
    for (int page = 0; page < 20; ++page) {
        boost::json::object args{{"channel", "bigger"}, {"limit", 200}};
        if (before) args["before"] = *before;
        const auto ok = call_ok(*alice, "HISTORY", args);
        const auto& messages = ok.at("messages").as_array();
        if (messages.empty()) break;
        for (const auto& m : messages) {
            EXPECT_EQ(m.as_object().at("text").as_string(), text);
            seen.insert(m.as_object().at("id").to_number<std::int64_t>());
        }
        before = messages.front().as_object().at("id").to_number<std::int64_t>();
        if (!ok.contains("more")) break;
    }
    EXPECT_EQ(seen.size(), 80U);
    call_ok(*alice, "PING");
}

TEST_P(BoundedReplies, PipelinedPostsOfEscapeHeavyTextAreNeverDroppedWhileTheClientReads) {
    // Each echo is 16 KB of JSON for 2.7 KB of text: backpressure must count the escaped size,
    // or the posts it lets through at once (20 in a 128 KiB queue, 160 in 1 MiB) echo five
    // times what it counted and overflow the queue of a client that reads all the while.
    ServerProcess server(
        {.extra_args = fast_rates_and({"--send-queue-bytes", "131072"}), .data_dir = {}}
    );
    auto poster = open(server);
    login(*poster, "");
    constexpr int kPosts = 200;
    const std::string text = control_text(2700);
    for (int i = 0; i < kPosts; ++i) send(*poster, "SEND", msg("home", text));
    EXPECT_EQ(collect(*poster, "MSG", kPosts).size(), static_cast<std::size_t>(kPosts));
    call_ok(*poster, "PING");
}

TEST_P(BoundedReplies, ListIsPagedInBytesAndReachesEveryChannel) {
    ServerProcess server(
        {.extra_args = fast_rates_and({"--channel-creation-burst", "1000"}), .data_dir = {}}
    );
    auto owner = open(server);
    register_user(*owner, "owner");
    // 80 channels whose topics escape to 15 KB each (a request must fit in 16 KiB): a 1.2 MB
    // LIST before this change.
    constexpr int kChannels = 80;
    const std::string topic = control_text(2500);
    std::set<std::string> made{"home"};
    for (int i = 0; i < kChannels; ++i) {
        const std::string name = "topic-" + std::to_string(i);
        call_ok(*owner, "JOIN", {{"channel", name}});
        call_ok(*owner, "TOPIC", {{"channel", name}, {"topic", topic}});
        call_ok(*owner, "PART", {{"channel", name}});
        made.insert(name);
    }
    drain(*owner, std::chrono::milliseconds(100));

    auto reader = open(server);
    login(*reader, "");
    std::set<std::string> listed;
    std::optional<std::string> after;
    int pages = 0;
    for (; pages < 50; ++pages) {
        boost::json::object args;
        if (after) args["after"] = *after;
        const auto ok = call_ok(*reader, "LIST", args);
        for (const auto& c : ok.at("channels").as_array()) {
            EXPECT_TRUE(listed.insert(std::string(c.as_object().at("name").as_string())).second);
            after = std::string(c.as_object().at("name").as_string());
        }
        if (!ok.contains("more")) break;
    }
    EXPECT_GT(pages, 1);
    EXPECT_EQ(listed, made);
    call_ok(*reader, "PING");
}

INSTANTIATE_TEST_SUITE_P(
    Transports, BoundedReplies, ::testing::Values(Transport::tcp, Transport::ws), transport_name
);

}  // namespace
}  // namespace salon::test
