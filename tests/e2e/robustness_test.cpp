// The server under pressure: stalled readers, concurrent senders, garbage, silence and SIGTERM.
#include <gtest/gtest.h>

#include <exception>
#include <map>
#include <set>
#include <thread>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

const std::vector<std::string> kFastRates{
    "--messages-per-second", "100000", "--message-burst", "100000"};

std::vector<std::string> with_fast_rates(std::vector<std::string> args) {
    args.insert(args.end(), kFastRates.begin(), kFastRates.end());
    return args;
}

class Robustness : public E2e {};

TEST_P(Robustness, AClientThatNeverReadsIsDroppedWhileOthersGetEverything) {
    ServerProcess server(
        {.extra_args = with_fast_rates({"--send-queue-bytes", "65536"}), .data_dir = {}}
    );
    auto stalled = std::make_unique<LineClient>("127.0.0.1", server.port(), 4096);
    const auto stalled_name = str(login(*stalled, ""), "user");
    auto listener = open(server);
    login(*listener, "");
    auto sender = open(server);
    login(*sender, "");
    drain(*listener, std::chrono::milliseconds(100));

    // Flood in rounds until the server gives up on the stalled client (or a generous cap). A
    // round (about 16 KiB per member) stays well under the queue limit, so members that read
    // must never be dropped: only the stalled client's backlog grows round after round.
    const std::string text(1000, 'f');
    constexpr int kRound = 16;
    constexpr int kMaxMessages = 8000;
    std::vector<std::int64_t> sent;
    std::vector<std::int64_t> heard;
    bool quit_seen = false;
    while (!quit_seen && static_cast<int>(sent.size()) < kMaxMessages) {
        for (int i = 0; i < kRound; ++i) {
            send(*sender, "SEND", msg("home", text));
        }
        for (int i = 0; i < kRound; ++i) {
            sent.push_back(body_of(sender->wait_for("OK", kWait)).at("id").to_number<std::int64_t>()
            );
        }
        while (heard.size() < sent.size()) {
            const auto frame = listener->next(kWait);
            ASSERT_TRUE(frame.has_value()) << "listener starved after " << heard.size();
            if (verb_of(*frame) == "MSG") {
                heard.push_back(body_of(*frame).at("id").to_number<std::int64_t>());
            } else if (verb_of(*frame) == "QUIT" && str(body_of(*frame), "user") == stalled_name) {
                quit_seen = true;
            }
        }
        drain(*sender, std::chrono::milliseconds(0));
    }
    if (!quit_seen) {
        try {
            quit_seen = str(body_of(listener->wait_for("QUIT", kWait)), "user") == stalled_name;
        } catch (const std::runtime_error& e) {
            ADD_FAILURE() << e.what();
        }
    }
    EXPECT_TRUE(quit_seen) << "the stalled client was never dropped after " << sent.size();
    EXPECT_EQ(heard, sent);
    EXPECT_TRUE(stalled->closed_by_peer(kWait));
    call_ok(*listener, "PING");
}

TEST_P(Robustness, ConcurrentSendersAreSeenInOneOrderByEveryone) {
    ServerProcess server({.extra_args = kFastRates, .data_dir = {}});
    constexpr int kClients = 4;
    constexpr int kPerClient = 200;
    constexpr int kWindow = 25;
    std::vector<std::unique_ptr<Connection>> conns;
    std::vector<std::string> names;
    for (int i = 0; i < kClients; ++i) {
        conns.push_back(open(server));
        names.push_back(str(login(*conns.back(), "", "", "race"), "user"));
    }
    for (auto& c : conns) {
        drain(*c, std::chrono::milliseconds(100));
    }

    struct Seen {
        std::vector<std::int64_t> ok_ids;
        std::vector<std::pair<std::int64_t, std::string>> msgs;  // id, from|text
        std::exception_ptr error;
    };

    std::vector<Seen> seen(kClients);
    std::vector<std::thread> threads;
    for (int c = 0; c < kClients; ++c) {
        threads.emplace_back([&, c] {
            try {
                auto& conn = *conns[static_cast<std::size_t>(c)];
                auto& out = seen[static_cast<std::size_t>(c)];
                int sent = 0;
                while (static_cast<int>(out.msgs.size()) < kClients * kPerClient ||
                       static_cast<int>(out.ok_ids.size()) < kPerClient) {
                    while (sent < kPerClient && sent - static_cast<int>(out.ok_ids.size()) < kWindow
                    ) {
                        send(
                            conn,
                            "SEND",
                            msg("race", std::to_string(c) + ":" + std::to_string(sent))
                        );
                        ++sent;
                    }
                    auto frame = conn.next(kWait);
                    if (!frame) {
                        throw std::runtime_error("client " + std::to_string(c) + " starved");
                    }
                    const auto verb = verb_of(*frame);
                    const auto& body = body_of(*frame);
                    if (verb == "OK") {
                        out.ok_ids.push_back(body.at("id").to_number<std::int64_t>());
                    } else if (verb == "MSG") {
                        out.msgs.emplace_back(
                            body.at("id").to_number<std::int64_t>(),
                            str(body, "from") + "|" + str(body, "text")
                        );
                    } else if (verb == "NO") {
                        throw std::runtime_error("refused: " + boost::json::serialize(*frame));
                    }
                }
            } catch (...) {
                seen[static_cast<std::size_t>(c)].error = std::current_exception();
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (auto& s : seen) {
        if (s.error) {
            std::rethrow_exception(s.error);
        }
    }
    const auto& reference = seen[0].msgs;
    ASSERT_EQ(reference.size(), static_cast<std::size_t>(kClients * kPerClient));
    std::set<std::int64_t> unique;
    for (std::size_t i = 0; i < reference.size(); ++i) {
        unique.insert(reference[i].first);
        if (i > 0) {
            EXPECT_LT(reference[i - 1].first, reference[i].first) << "at " << i;
        }
    }
    EXPECT_EQ(unique.size(), reference.size());
    for (int c = 0; c < kClients; ++c) {
        const auto& s = seen[static_cast<std::size_t>(c)];
        EXPECT_EQ(s.msgs, reference) << "client " << c << " saw another order";
        // Each sender's messages appear once, in the order sent, with the ids its OKs gave.
        std::vector<std::int64_t> mine;
        int expected_seq = 0;
        for (const auto& [id, from_text] : reference) {
            const auto prefix = names[static_cast<std::size_t>(c)] + "|" + std::to_string(c) + ":";
            if (from_text.rfind(prefix, 0) == 0) {
                EXPECT_EQ(from_text.substr(prefix.size()), std::to_string(expected_seq));
                ++expected_seq;
                mine.push_back(id);
            }
        }
        EXPECT_EQ(expected_seq, kPerClient);
        EXPECT_EQ(mine, s.ok_ids);
    }
}

TEST(RobustnessRaw, MalformedStreamIsAnsweredWhileOthersChatAndTheServerSurvives) {
    ServerProcess server;
    auto a = connect_tcp(server);
    const auto ann = str(login(*a, ""), "user");
    auto b = connect_tcp(server);
    login(*b, "");
    auto m = connect_tcp(server);
    drain(*a, std::chrono::milliseconds(100));

    struct Case {
        std::string bytes;
        std::string code;
    };

    const std::vector<Case> before_login{
        {"garbage\n", "bad_json"},
        {"{\"PING\":\n", "bad_json"},
        {"{\"PING\":{}}}\n", "bad_json"},
        {"[1,2]\n", "bad_request"},
        {"null\n", "bad_request"},
        {"{}\n", "bad_request"},
        {"{\"PING\":{},\"END\":{}}\n", "bad_request"},
        {"{\"PING\":\"x\"}\n", "bad_request"},
        {"\xff\xfe\xfd\n", "bad_utf8"},
        {"{\"JOIN\":{\"channel\":\"home\"}}\n", "not_logged_in"},
        {"{\"SEND\":{\"channel\":\"home\",\"text\":\"sneak\"}}\n", "not_logged_in"},
        {"{\"NOPE\":{}}\n", "unknown_verb"},
        {"{\"CONN\":{\"us\":[]}}\n", "bad_request"},
    };
    const std::vector<Case> after_login{
        {"{\"SEND\":{\"channel\":5,\"text\":\"x\"}}\n", "bad_request"},
        {"{\"SEND\":{\"channel\":\"home\"}}\n", "bad_request"},
        {"{\"SEND\":{\"USER\":\"" + ann + "\",\"CHANNEL\":\"home\",\"PAYLOAD\":\"fake\"}}\n",
         "forbidden"},
        {"{\"SEND\":{\"channel\":\"home\",\"text\":\"\xc3\x28\"}}\n", "bad_utf8"},
        {"{\"SEND\":{\"channel\":\"home\",\"text\":\"\"}}\n", "bad_request"},
        {"{\"CONN\":{\"us\":\"\",\"pwd\":\"\"}}\n", "already_logged_in"},
        {"{\"DM\":{\"to\":\"nobody-here\",\"text\":\"x\"}}\n", "no_such_user"},
    };
    int chat = 0;
    auto chat_round = [&] {
        const auto text = "normal " + std::to_string(chat++);
        const auto id = call_ok(*a, "SEND", msg("home", text)).at("id");
        const auto got = body_of(b->wait_for("MSG", kWait));
        EXPECT_EQ(got.at("id"), id);
        EXPECT_EQ(str(got, "text"), text);
    };
    auto run = [&](const std::vector<Case>& cases) {
        for (const auto& c : cases) {
            m->send_raw(c.bytes);
            const auto frame = reply(*m);
            EXPECT_EQ(no_code(frame), c.code) << c.bytes;
            chat_round();
        }
    };
    run(before_login);
    login(*m, "");
    run(after_login);
    // None of the refused requests reached the channel.
    for (const auto& body : bodies(drain(*b), "MSG")) {
        EXPECT_NE(str(body, "text"), "fake");
        EXPECT_NE(str(body, "text"), "sneak");
    }
    m->send_raw(std::string(20000, '{') + "\n");
    EXPECT_EQ(no_code(reply(*m)), "line_too_long");
    EXPECT_TRUE(m->closed_by_peer(kWait));
    chat_round();
    auto fresh = connect_tcp(server);
    login(*fresh, "");
    EXPECT_GT(server.pid(), 0);
}

TEST_P(Robustness, IdleClientsArePingedAndClosedUnlessTheyAnswer) {
    ServerProcess server({.extra_args = {"--idle-timeout", "1"}, .data_dir = {}});
    auto silent = connect_tcp(server);
    const auto silent_name = str(login(*silent, ""), "user");
    auto lively = open(server);
    login(*lively, "");

    // The lively client answers every PING and watches the silent one go; it keeps listening
    // past two idle periods to show that answering is enough to stay.
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::steady_clock::now() - start; };
    bool pinged = false;
    bool quit_seen = false;
    while ((elapsed() < std::chrono::milliseconds(2500) || !pinged || !quit_seen) &&
           elapsed() < std::chrono::seconds(6)) {
        auto frame = lively->next(std::chrono::milliseconds(100));
        if (!frame) {
            ASSERT_FALSE(lively->eof()) << "the answering client was closed";
            continue;
        }
        if (verb_of(*frame) == "PING") {
            EXPECT_TRUE(body_of(*frame).empty()) << boost::json::serialize(*frame);
            pinged = true;
            send(*lively, "PONG");
        } else if (verb_of(*frame) == "QUIT") {
            EXPECT_EQ(str(body_of(*frame), "user"), silent_name);
            quit_seen = true;
        }
    }
    EXPECT_TRUE(pinged);
    EXPECT_TRUE(quit_seen);
    call_ok(*lively, "PING");
    // The silent one was pinged, then closed.
    EXPECT_TRUE(body_of(silent->wait_for("PING", kWait)).empty());
    EXPECT_TRUE(silent->closed_by_peer(kWait));
}

TEST_P(Robustness, SigtermSaysShuttingDownAndExitsCleanly) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    auto b = open(server);  // not logged in: told as well
    call_ok(*b, "PING");
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    for (auto* c : {a.get(), b.get()}) {
        const auto notice = body_of(c->wait_for("NOTICE", kWait));
        EXPECT_EQ(str(notice, "code"), "shutting_down");
        EXPECT_TRUE(notice.at("message").is_string());
        EXPECT_TRUE(c->closed_by_peer(kWait));
    }
}

TEST_P(Robustness, SigintShutsDownLikeSigterm) {
    ServerProcess server;
    auto a = open(server);
    login(*a, "");
    EXPECT_EQ(server.stop(SIGINT), 0) << server.log();
    EXPECT_EQ(str(body_of(a->wait_for("NOTICE", kWait)), "code"), "shutting_down");
    EXPECT_TRUE(a->closed_by_peer(kWait));
}

INSTANTIATE_TEST_SUITE_P(
    , Robustness, ::testing::Values(Transport::tcp, Transport::ws), transport_name
);

}  // namespace
}  // namespace salon::test
