// End-to-end: the full-screen client in a real terminal (tmux), checked by what is on screen.
#include <gtest/gtest.h>

#include <iostream>
#include <regex>

#include "child_process.hpp"
#include "harness/line_client.hpp"
#include "harness/server_process.hpp"
#include "tmux_screen.hpp"

namespace salon::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kScreenWait = 5s;

class InteractiveTest : public ::testing::Test {
protected:
    explicit InteractiveTest(ServerOptions options = {})
        : server_(std::move(options)), config_home_(make_temp_dir("salon-tui-config")) {}

    ~InteractiveTest() override {
        // A failure is often the server's: show the end of its log.
        if (HasFailure()) {
            const auto log = server_.log();
            std::cerr << "salond log (tail):\n"
                      << log.substr(log.size() > 4000 ? log.size() - 4000 : 0) << "\n";
        }
        screen_.reset();
        std::error_code ec;
        std::filesystem::remove_all(config_home_, ec);
    }

    /// Starts `salon` as a guest in a `cols` x `rows` terminal and waits for its home window;
    /// returns the guest name from the status bar.
    std::string start_client(int cols = 100, int rows = 24, std::vector<std::string> extra = {}) {
        std::vector<std::string> cmd{salon_client_path(), "--server", server_.address()};
        cmd.insert(cmd.end(), extra.begin(), extra.end());
        screen_ = std::make_unique<TmuxScreen>(
            cmd,
            std::map<std::string, std::string>{
                {"LANG", "C.UTF-8"}, {"TZ", "UTC"}, {"XDG_CONFIG_HOME", config_home_.string()}},
            cols,
            rows
        );
        EXPECT_TRUE(screen_->wait_for("[2:home]", kScreenWait)) << screen_->last_screen();
        std::smatch m;
        const std::string text = screen_->last_screen();
        if (!std::regex_search(text, m, std::regex(R"(\] \[(Guest\d+)\] \[)"))) {
            ADD_FAILURE() << "no guest name in the status bar:\n" << text;
            return {};
        }
        return m[1];
    }

    /// The next MSG from `sender`, skipping the client's own echoes and others' messages.
    static boost::json::object msg_from(LineClient& c, const std::string& sender) {
        for (;;) {
            auto f = c.wait_for("MSG", 5s);
            if (body_of(f).at("from").as_string() == sender) return body_of(f);
        }
    }

    /// A raw protocol client logged in as a guest in `channel`; returns its name.
    std::string login(LineClient& c, const std::string& channel = "home") {
        c.send(make_frame("CONN", {{"us", ""}, {"pwd", ""}, {"channel", channel}, {"ref", 1}}));
        return std::string(body_of(c.wait_for("OK", 5s)).at("user").as_string());
    }

    TmuxScreen& screen() { return *screen_; }

    ServerProcess server_;
    std::filesystem::path config_home_;
    std::unique_ptr<TmuxScreen> screen_;
};

TEST_F(InteractiveTest, GuestSeesOthersJoinTalkAndLeaveAndTalksBack) {
    const auto me = start_client();
    ASSERT_FALSE(me.empty());
    EXPECT_TRUE(screen().wait_for("[+]" + me, kScreenWait)) << screen().last_screen();

    LineClient other("127.0.0.1", server_.port());
    const auto them = login(other);
    EXPECT_TRUE(screen().wait_for("[+]" + them, kScreenWait)) << screen().last_screen();
    other.send(make_frame("SEND", {{"channel", "home"}, {"text", "hello from another client"}}));
    EXPECT_TRUE(screen().wait_for("<" + them + "> hello from another client", kScreenWait))
        << screen().last_screen();
    // The member list shows both.
    EXPECT_NE(screen().last_screen().find("2 members"), std::string::npos)
        << screen().last_screen();

    screen().type("héllo 中文 back");
    screen().keys({"Enter"});
    const auto msg = msg_from(other, me);
    EXPECT_EQ(msg.at("text"), "héllo 中文 back");
    EXPECT_TRUE(screen().wait_for("<" + me + "> héllo 中文 back", kScreenWait))
        << screen().last_screen();

    other.send(make_frame("END"));
    EXPECT_TRUE(screen().wait_for("[-]" + them, kScreenWait)) << screen().last_screen();
}

TEST_F(InteractiveTest, JoinMsgSwitchAndCommands) {
    const auto me = start_client();
    LineClient other("127.0.0.1", server_.port());
    const auto them = login(other, "dev");

    screen().type("/join #dev");
    screen().keys({"Enter"});
    EXPECT_TRUE(screen().wait_for("[3:dev]", kScreenWait)) << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("3 dev", kScreenWait)) << "window list:\n"
                                                         << screen().last_screen();
    screen().type("hi dev");
    screen().keys({"Enter"});
    const auto msg = msg_from(other, me);
    EXPECT_EQ(msg.at("channel"), "dev");
    EXPECT_EQ(msg.at("text"), "hi dev");

    screen().type("/msg " + them + " a secret");
    screen().keys({"Enter"});
    const auto dm = other.wait_for("DM", 5s);
    EXPECT_EQ(body_of(dm).at("text"), "a secret");
    EXPECT_TRUE(screen().wait_for("4 @" + them, kScreenWait)) << screen().last_screen();
    other.send(make_frame("DM", {{"to", me}, {"text", "secret reply"}}));
    // Not shown yet: the @window counts it as unread and marks activity.
    EXPECT_TRUE(screen().wait_for("[Act: 4!]", kScreenWait)) << screen().last_screen();
    screen().keys({"M-4"});
    EXPECT_TRUE(screen().wait_for("<" + them + "> secret reply", kScreenWait))
        << screen().last_screen();
    EXPECT_NE(screen().last_screen().find("<" + me + "> a secret"), std::string::npos)
        << screen().last_screen();

    screen().keys({"M-2"});
    EXPECT_TRUE(screen().wait_for("[2:home]", kScreenWait)) << screen().last_screen();
    screen().type("/switch dev");
    screen().keys({"Enter"});
    EXPECT_TRUE(screen().wait_for("[3:dev]", kScreenWait)) << screen().last_screen();
    screen().type("/who");
    screen().keys({"Enter"});
    EXPECT_TRUE(screen().wait_for("2 in dev:", kScreenWait)) << screen().last_screen();
    screen().type("/list");
    screen().keys({"Enter"});
    EXPECT_TRUE(screen().wait_for("2 channels:", kScreenWait)) << screen().last_screen();
    screen().type("/nonsense");
    screen().keys({"Enter"});
    EXPECT_TRUE(screen().wait_for("unknown command /nonsense", kScreenWait))
        << screen().last_screen();
    screen().type("/part");
    screen().keys({"Enter"});
    EXPECT_TRUE(screen().wait_until_gone("3 dev", kScreenWait)) << screen().last_screen();
    const auto part = other.wait_for("PART", 5s);
    EXPECT_EQ(std::string(body_of(part).at("user").as_string()), me);
}

TEST_F(InteractiveTest, CtrlCQuitsCleanly) {
    const auto me = start_client();
    LineClient other("127.0.0.1", server_.port());
    login(other);
    screen().keys({"C-c"});
    const auto quit = other.wait_for("QUIT", 5s);
    EXPECT_EQ(std::string(body_of(quit).at("user").as_string()), me);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (screen().program_running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_FALSE(screen().program_running());
}

TEST_F(InteractiveTest, ResizeLaysTheScreenOutAgain) {
    start_client(100, 24);
    LineClient other("127.0.0.1", server_.port());
    login(other);
    // 40 columns: one row in the 64-column pane of a 100-column terminal, two rows at 44.
    const std::string text = "short enough for wide, wraps when narrow";
    other.send(make_frame("SEND", {{"channel", "home"}, {"text", text}}));
    ASSERT_TRUE(screen().wait_for("> " + text, kScreenWait)) << screen().last_screen();
    ASSERT_NE(screen().last_screen().find("members"), std::string::npos);
    screen().resize(44, 16);
    // Narrow: no window list, no member list, the message wraps.
    EXPECT_TRUE(screen().wait_until_gone("members", kScreenWait)) << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("wraps when narrow", kScreenWait)) << screen().last_screen();
    EXPECT_EQ(screen().last_screen().find(text), std::string::npos) << screen().last_screen();
    EXPECT_EQ(screen().last_screen().find("1 salon"), std::string::npos) << screen().last_screen();
    screen().resize(100, 24);
    EXPECT_TRUE(screen().wait_for("members", kScreenWait)) << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("1 salon", kScreenWait)) << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("> " + text, kScreenWait)) << screen().last_screen();
}

TEST_F(InteractiveTest, ReconnectsAfterTheServerRestartsAndRejoins) {
    const auto me = start_client();
    screen().type("/join ops");
    screen().keys({"Enter"});
    ASSERT_TRUE(screen().wait_for("[3:ops]", kScreenWait)) << screen().last_screen();
    server_.stop();
    EXPECT_TRUE(screen().wait_for("disconnected", kScreenWait)) << screen().last_screen();
    server_.start();
    EXPECT_TRUE(screen().wait_for("reconnected to " + server_.address(), 10s))
        << screen().last_screen();

    // Rejoined both channels: a message to each reaches the screen.
    LineClient other("127.0.0.1", server_.port());
    const auto them = login(other, "ops");
    other.send(make_frame("SEND", {{"channel", "ops"}, {"text", "after the restart"}}));
    EXPECT_TRUE(screen().wait_for("<" + them + "> after the restart", kScreenWait))
        << screen().last_screen();
    other.send(make_frame("JOIN", {{"channel", "home"}}));
    other.send(make_frame("SEND", {{"channel", "home"}, {"text", "home too"}}));
    screen().keys({"M-2"});
    EXPECT_TRUE(screen().wait_for("<" + them + "> home too", kScreenWait))
        << screen().last_screen();
    screen().type("still here");
    screen().keys({"Enter"});
    // msg_from(me) also proves the guest got its name back after the restart.
    const auto msg = msg_from(other, me);
    EXPECT_EQ(msg.at("text"), "still here");
}

class ScrollBackTest : public InteractiveTest {
protected:
    // Seeding 120 messages quickly needs a generous rate limit.
    ScrollBackTest()
        : InteractiveTest(ServerOptions{
              {"--messages-per-second", "1000", "--message-burst", "1000"}, {}}) {}
};

TEST_F(ScrollBackTest, PageUpLoadsOlderMessagesWithHistory) {
    {
        LineClient seeder("127.0.0.1", server_.port());
        login(seeder);
        for (int i = 1; i <= 120; ++i) {
            char text[32];
            std::snprintf(text, sizeof text, "seed %03d", i);
            seeder.send(make_frame("SEND", {{"channel", "home"}, {"text", text}, {"ref", i + 1}}));
        }
        // The last acknowledgement means every message is stored.
        for (;;) {
            const auto f = seeder.wait_for("OK", 10s);
            if (body_of(f).at("ref") == 121) break;
        }
    }
    start_client(100, 20);
    ASSERT_TRUE(screen().wait_for("seed 120", kScreenWait)) << screen().last_screen();
    EXPECT_EQ(screen().last_screen().find("seed 001"), std::string::npos);
    // The join replay held only the newest page; keep paging up until the first message shows.
    bool reached = false;
    for (int i = 0; i < 40 && !reached; ++i) {
        screen().keys({"PageUp"});
        reached = screen().wait_for("seed 001", 300ms);
    }
    EXPECT_TRUE(reached) << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("--- beginning of home ---", kScreenWait))
        << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("[scrolled: PgDn]", kScreenWait)) << screen().last_screen();
    for (int i = 0; i < 40; ++i) screen().keys({"PageDown"});
    EXPECT_TRUE(screen().wait_for("seed 120", kScreenWait)) << screen().last_screen();
    EXPECT_TRUE(screen().wait_until_gone("[scrolled", kScreenWait)) << screen().last_screen();
}

}  // namespace
}  // namespace salon::test
