#include "server/commands/dispatch.hpp"

// Requests through commands::dispatch() on a real Session without sockets: the checks every
// verb's row declares (login state, rate, names, text bounds) and a few handlers end to end,
// with the real store on a temporary directory.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "auth/password.hpp"
#include "server/session.hpp"
#include "server_fixture.hpp"

namespace salon::server {
namespace {

using namespace std::chrono_literals;
using test_support::RecordingLink;

class CommandsTest : public ::testing::Test {
protected:
    static ServerSettings test_settings() {
        ServerSettings settings;
        settings.limits.max_text_bytes = 100;
        settings.password = {1, 8 * 1024};  // cheap hashing: a test, not a server
        return settings;
    }

    ~CommandsTest() override {
        for (auto& [session, link] : sessions_) session->handle_disconnect("test over");
        pipeline_.stop();
        hashers_.stop();
        workers_.join();
    }

    CommandsTest() = default;
    CommandsTest(const CommandsTest&) = delete;
    CommandsTest& operator=(const CommandsTest&) = delete;

    /// A new connection; its index for say() and heard().
    std::size_t connect(const std::string& address = "10.0.0.1") {
        auto link = std::make_shared<RecordingLink>();
        auto session = std::make_shared<Session>(
            services_, lazy_wakes_, link, address, std::make_unique<proto::NativeCodec>()
        );
        link->outbox = &session->outbox();
        sessions_.emplace_back(session, link);
        return sessions_.size() - 1;
    }

    /// Runs one frame on connection `c` to completion, and lets committed posts reach
    /// everyone; returns what `c` was sent meanwhile.
    std::vector<std::string> say(std::size_t c, std::string frame) {
        bool done = false;
        boost::asio::co_spawn(
            io_,
            [&]() -> boost::asio::awaitable<void> {
                co_await sessions_[c].first->handle_frame(frame);
                done = true;
            },
            boost::asio::detached
        );
        for (int i = 0; i < 500 && !done; ++i) {
            io_.restart();
            io_.run_for(10ms);
        }
        EXPECT_TRUE(done) << frame;
        io_.restart();
        io_.run_for(30ms);  // committed posts are delivered on the io thread
        return heard(c);
    }

    std::vector<std::string> heard(std::size_t c) { return sessions_[c].second->take_written(); }

    /// The first frame of `c`'s answer to `frame`.
    std::string reply(std::size_t c, std::string frame) {
        auto frames = say(c, std::move(frame));
        return frames.empty() ? std::string() : frames.front();
    }

    test::TempDir dir_{"salon-commands-test"};
    std::unique_ptr<store::Store> store_ = store::open_sqlite_store(dir_.path() / "salon.db");
    test_support::ManualClock clock_;
    boost::asio::io_context io_;
    LiveSettings settings_{test_settings()};
    boost::asio::thread_pool workers_{2};
    HashingPool hashers_{1, workers_.get_executor(), 1000ms};
    BlockingWork work_{workers_, hashers_};
    Hub hub_{settings_, *store_, boost::asio::make_strand(workers_.get_executor()), clock_, [this] {
                 return pipeline_.last_id();
             }};
    MessagePipeline pipeline_{*store_, clock_, io_.get_executor(), store_->max_message_id()};
    LoginThrottle login_throttle_{clock_, 10, 100};
    LazyWakes lazy_wakes_{io_.get_executor(), 300ms};
    TokenSessions token_sessions_;
    ServerBans server_bans_;
    commands::Services services_{
        settings_,
        clock_,
        hub_,
        pipeline_,
        *store_,
        work_,
        login_throttle_,
        token_sessions_,
        server_bans_};
    std::vector<std::pair<std::shared_ptr<Session>, std::shared_ptr<RecordingLink>>> sessions_;
};

TEST_F(CommandsTest, AGuestLogsInIntoHomeAndItsMessageComesBackAfterTheOk) {
    const auto c = connect();
    const auto login = say(c, R"({"CONN":{"ref":1}})");
    ASSERT_FALSE(login.empty());
    EXPECT_TRUE(login[0].starts_with(R"({"OK":{"ref":1,"user":"Guest)")) << login[0];
    const auto sent = say(c, R"({"SEND":{"ref":2,"channel":"#HOME","text":"hi"}})");
    ASSERT_EQ(sent.size(), 2U);
    EXPECT_TRUE(sent[0].starts_with(R"({"OK":{"ref":2,"id":)")) << sent[0];
    EXPECT_NE(sent[1].find(R"("channel":"home","from":"Guest)"), std::string::npos) << sent[1];
}

TEST_F(CommandsTest, EveryVerbWithAChannelRefusesABadNameTheSameWay) {
    const auto c = connect();
    say(c, R"({"CONN":{}})");
    for (const char* verb : {"JOIN", "PART", "WHO", "HISTORY", "TOPIC", "KEY"}) {
        const std::string frame = std::string(R"({")") + verb +
                                  R"(":{"ref":1,"channel":"no spaces","topic":"","key":""}})";
        const auto answer = reply(c, frame);
        EXPECT_NE(answer.find(R"("code":"bad_name")"), std::string::npos) << answer;
    }
}

TEST_F(CommandsTest, EveryTextIsBoundedTheKickReasonIncluded) {
    const auto c = connect();
    say(c, R"({"CONN":{"channel":"lobby"}})");
    const std::string long_text(101, 'x');
    const auto kick = reply(
        c, R"({"KICK":{"ref":1,"channel":"lobby","user":"bob","reason":")" + long_text + R"("}})"
    );
    EXPECT_NE(kick.find(R"("code":"bad_request")"), std::string::npos) << kick;
    EXPECT_NE(kick.find("the reason is longer than the limit"), std::string::npos) << kick;
    const auto send =
        reply(c, R"({"SEND":{"ref":2,"channel":"lobby","text":")" + long_text + R"("}})");
    EXPECT_NE(send.find("the text is longer than the limit"), std::string::npos) << send;
    const auto topic =
        reply(c, R"({"TOPIC":{"ref":3,"channel":"lobby","topic":")" + long_text + R"("}})");
    EXPECT_NE(topic.find("the topic is longer than the limit"), std::string::npos) << topic;
    EXPECT_NE(
        reply(c, R"({"SEND":{"ref":4,"channel":"lobby","text":""}})")
            .find("the text may not be empty"),
        std::string::npos
    );
}

TEST_F(CommandsTest, ARequestPastTheBurstIsRateLimitedWhateverItsVerb) {
    const auto c = connect();
    say(c, R"({"CONN":{}})");  // one of the burst of 40; the test's clock never refills it
    for (int i = 0; i < 39; ++i) say(c, R"({"PING":{}})");
    EXPECT_NE(
        reply(c, R"({"LIST":{"ref":9}})").find(R"("code":"rate_limited")"), std::string::npos
    );
    // PONG costs nothing and is never answered.
    EXPECT_TRUE(say(c, R"({"PONG":{}})").empty());
}

TEST_F(CommandsTest, LoginVerbsAreRefusedOnceLoggedIn) {
    const auto c = connect();
    say(c, R"({"CONN":{}})");
    EXPECT_NE(reply(c, R"({"CONN":{"ref":1}})").find("already_logged_in"), std::string::npos);
    // A guest may REGISTER (it becomes the account); a registered user may not.
    EXPECT_NE(
        reply(c, R"({"REGISTER":{"ref":2,"us":"ann","pwd":"long enough password"}})")
            .find(R"("user":"ann")"),
        std::string::npos
    );
    EXPECT_NE(
        reply(c, R"({"REGISTER":{"ref":3,"us":"bob","pwd":"long enough password"}})")
            .find("already_logged_in"),
        std::string::npos
    );
}

TEST_F(CommandsTest, ADirectMessageToAnOfflineAccountWaitsForItsLogin) {
    const auto ann = connect();
    ASSERT_NE(
        reply(ann, R"({"REGISTER":{"ref":1,"us":"ann","pwd":"correct horse battery"}})")
            .find(R"("OK")"),
        std::string::npos
    );
    say(ann, R"({"END":{}})");
    const auto guest = connect("10.0.0.2");
    say(guest, R"({"CONN":{}})");
    const auto sent = reply(guest, R"({"DM":{"ref":5,"to":"ANN","text":"are you there"}})");
    EXPECT_TRUE(sent.starts_with(R"({"OK":{"ref":5)")) << sent;
    EXPECT_NE(
        reply(guest, R"({"DM":{"ref":6,"to":"not a name","text":"x"}})").find("no_such_user"),
        std::string::npos
    );

    const auto back = connect("10.0.0.3");
    const auto login = say(back, R"({"CONN":{"us":"ann","pwd":"correct horse battery"}})");
    EXPECT_TRUE(std::ranges::any_of(login, [](const auto& f) {
        return f.find("are you there") != std::string::npos;
    }));
}

TEST(CommandRowsTest, TheNativeCodecRefusesBeforeLoginExactlyTheVerbsWhoseRowNeedsOne) {
    // The codec checks the login state before the fields (PROTOCOL.md's order), so it keeps
    // its own list; the rows must agree with it.
    const std::vector<std::string> frames = {
        R"({"CONN":{}})",
        R"({"REGISTER":{"us":"ann","pwd":"long enough"}})",
        R"({"JOIN":{"channel":"a"}})",
        R"({"PART":{"channel":"a"}})",
        R"({"SEND":{"channel":"a","text":"x"}})",
        R"({"DM":{"to":"bob","text":"x"}})",
        R"({"LIST":{}})",
        R"({"WHO":{"channel":"a"}})",
        R"({"HISTORY":{"channel":"a"}})",
        R"({"PING":{}})",
        R"({"PONG":{}})",
        R"({"END":{}})",
        R"({"TOPIC":{"channel":"a","topic":"t"}})",
        R"({"KICK":{"channel":"a","user":"bob"}})",
        R"({"BAN":{"channel":"a","user":"bob"}})",
        R"({"UNBAN":{"channel":"a","user":"bob"}})",
        R"({"OP":{"channel":"a","user":"bob"}})",
        R"({"KEY":{"channel":"a","key":"k"}})",
        R"({"EDIT":{"id":1,"text":"x"}})",
        R"({"DELETE":{"id":1}})",
        R"({"REACT":{"id":1,"emoji":"x"}})",
        R"({"READ":{"channel":"a","id":1}})",
        R"({"CONVERSATIONS":{}})",
        R"({"TYPING":{"channel":"a","state":"active"}})",
        R"({"SEARCH":{"query":"abc"}})",
    };
    proto::NativeCodec codec;
    for (const auto& frame : frames) {
        auto decoded = codec.decode(frame, true);
        ASSERT_TRUE(std::holds_alternative<proto::Request>(decoded)) << frame;
        const auto& command = std::get<proto::Request>(decoded).command;
        const bool codec_refuses = [&] {
            auto before_login = codec.decode(frame, false);
            const auto* error = std::get_if<proto::DecodeError>(&before_login);
            return error != nullptr && error->code == core::Errc::not_logged_in;
        }();
        EXPECT_EQ(codec_refuses, commands::login_rule(command) == commands::Login::required)
            << commands::verb_name(command);
    }
}

}  // namespace
}  // namespace salon::server
