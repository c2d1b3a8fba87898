// End-to-end: the full-screen client in a real terminal (tmux), checked by what is on screen.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

#include "child_process.hpp"
#include "harness/line_client.hpp"
#include "harness/server_process.hpp"
#include "tls_server.hpp"
#include "tmux_screen.hpp"

namespace salon::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kScreenWait = 5s;
/// How long a client may take to exit: a password check (argon2id) on a Debug or sanitizer build
/// of a loaded machine can take seconds.
constexpr auto kExitWait = 20s;

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
        std::vector<std::string> cmd{salon_client_path()};
        if (connect_args_.empty()) connect_args_ = {"--server", server_.address()};
        cmd.insert(cmd.end(), connect_args_.begin(), connect_args_.end());
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
    /// How start_client reaches the server; empty: --server with the plain address.
    std::vector<std::string> connect_args_;
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

TEST_F(InteractiveTest, LogsInWithATokenReconnectsWithItAndStopsWhenItIsRevoked) {
    LineClient owner("127.0.0.1", server_.port());
    owner.send(make_frame(
        "REGISTER", {{"us", "fay"}, {"pwd", "a long password"}, {"join", false}, {"ref", 1}}
    ));
    owner.wait_for("OK", 5s);
    owner.send(make_frame("TOKEN", {{"label", "tui"}, {"ref", 2}}));
    const auto made = body_of(owner.wait_for("OK", 5s));
    const auto file = config_home_ / "fay.token";
    std::ofstream(file) << made.at("token").as_string().c_str() << "\n";

    // No password anywhere: only the token file.
    screen_ = std::make_unique<TmuxScreen>(
        std::vector<std::string>{
            salon_client_path(),
            "--server",
            server_.address(),
            "--user",
            "fay",
            "--token-file",
            file.string()},
        std::map<std::string, std::string>{
            {"LANG", "C.UTF-8"}, {"TZ", "UTC"}, {"XDG_CONFIG_HOME", config_home_.string()}},
        100,
        24
    );
    ASSERT_TRUE(screen().wait_for("[fay]", kScreenWait)) << screen().last_screen();
    server_.stop();
    EXPECT_TRUE(screen().wait_for("disconnected", kScreenWait)) << screen().last_screen();
    server_.start();
    EXPECT_TRUE(screen().wait_for("reconnected to " + server_.address() + " as fay", 10s))
        << screen().last_screen();

    LineClient revoker("127.0.0.1", server_.port());
    revoker.send(
        make_frame("CONN", {{"us", "fay"}, {"pwd", "a long password"}, {"join", false}, {"ref", 1}})
    );
    revoker.wait_for("OK", 5s);
    revoker.send(make_frame("REVOKE", {{"id", made.at("id")}, {"ref", 2}}));
    revoker.wait_for("OK", 5s);
    EXPECT_TRUE(screen().wait_for("session revoked", kScreenWait)) << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("[login refused]", kScreenWait)) << screen().last_screen();
    // The restart above left one "reconnecting in" line; the revocation adds none.
    const auto count = [](const std::string& text) {
        std::size_t n = 0;
        for (auto at = text.find("reconnecting in"); at != std::string::npos;
             at = text.find("reconnecting in", at + 1)) {
            ++n;
        }
        return n;
    };
    const auto before = count(screen().capture());
    std::this_thread::sleep_for(1500ms);  // a first retry would come after about 1 s
    const auto after = screen().capture();
    EXPECT_EQ(count(after), before) << after;
    EXPECT_NE(after.find("[login refused]"), std::string::npos) << after;
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

/// Registered users on a server with a generous rate limit: the version 2 conversation model in
/// the full-screen client, against raw protocol clients and the scriptable `salon`.
class ConversationTest : public InteractiveTest {
protected:
    ConversationTest()
        : InteractiveTest(ServerOptions{
              {"--messages-per-second", "2000", "--message-burst", "2000"}, {}}) {}

    static constexpr const char* kPassword = "correct horse battery";

    /// REGISTERs (or logs in) `user` over a raw v2 connection, in no channel.
    void account(LineClient& c, const std::string& user, bool create = true) {
        c.send(make_frame(
            create ? "REGISTER" : "CONN",
            {{"us", user}, {"pwd", kPassword}, {"v", 2}, {"join", false}, {"ref", "login"}}
        ));
        const auto ok = c.wait_for("OK", 5s);
        ASSERT_EQ(body_of(ok).at("ref"), "login");
    }

    /// Sends and returns the OK's body, skipping events.
    boost::json::object call(LineClient& c, const std::string& verb, boost::json::object args) {
        static int ref = 1000;
        const int mine = ++ref;
        args["ref"] = mine;
        c.send(make_frame(verb, std::move(args)));
        for (;;) {
            auto f = c.wait_for("OK", 5s);
            if (body_of(f).at("ref") == mine) return body_of(f);
        }
    }

    std::int64_t post(LineClient& c, const std::string& channel, const std::string& text) {
        return call(c, "SEND", {{"channel", channel}, {"text", text}}).at("id").as_int64();
    }

    /// The client as registered user `user` (created with --register unless it exists).
    void start_as(const std::string& user, bool create, int cols = 100, int rows = 24) {
        std::vector<std::string> cmd{
            salon_client_path(), "--server", server_.address(), "--user", user};
        if (create) cmd.push_back("--register");
        screen_ = std::make_unique<TmuxScreen>(
            cmd,
            std::map<std::string, std::string>{
                {"LANG", "C.UTF-8"},
                {"TZ", "UTC"},
                {"SALON_PASSWORD", kPassword},
                {"XDG_CONFIG_HOME", config_home_.string()}},
            cols,
            rows
        );
        ASSERT_TRUE(screen_->wait_for("[2:home]", kScreenWait)) << screen_->last_screen();
    }

    void command(const std::string& line) {
        screen().type(line);
        screen().keys({"Enter"});
    }
};

TEST_F(ConversationTest, ResumesAGapOfMoreThan200MessagesWithEditsAndDeletesAndKeepsOfflineInput) {
    LineClient alice("127.0.0.1", server_.port());
    account(alice, "alice");
    call(alice, "JOIN", {{"channel", "dev"}});
    start_as("tui", true, 100, 300);
    command("/join dev");
    ASSERT_TRUE(screen().wait_for("[3:dev]", kScreenWait)) << screen().last_screen();
    const auto edited = post(alice, "dev", "to be edited");
    const auto deleted = post(alice, "dev", "to be deleted");
    ASSERT_TRUE(screen().wait_for("<alice> to be deleted", kScreenWait)) << screen().last_screen();

    server_.stop();
    // After the third failed try the client waits about 4 s: time to post while it is away.
    // (Should it come back sooner, the rest arrives live: the test still holds.)
    const auto count = [](const std::string& text, const std::string& what) {
        std::size_t n = 0;
        for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
        return n;
    };
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (count(screen().capture(), "reconnect failed") < 3 &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    command("typed while offline");
    EXPECT_TRUE(screen().wait_for("(pending: sent when", kScreenWait)) << screen().last_screen();
    server_.start();
    LineClient poster("127.0.0.1", server_.port());
    account(poster, "alice", false);
    for (int i = 1; i <= 250; ++i) {
        char text[32];
        std::snprintf(text, sizeof text, "gap %03d", i);
        poster.send(make_frame("SEND", {{"channel", "dev"}, {"text", text}, {"ref", i}}));
    }
    call(poster, "EDIT", {{"id", edited}, {"text", "edited meanwhile"}});
    call(poster, "DELETE", {{"id", deleted}});
    ASSERT_TRUE(screen().wait_for("reconnected to", 15s)) << screen().last_screen();
    // The pending line went out once the channel was back.
    for (;;) {
        auto f = poster.wait_for("MSG", 10s);
        if (body_of(f).at("from") == "tui") {
            EXPECT_EQ(body_of(f).at("text"), "typed while offline");
            break;
        }
    }
    // alice's operator mark came back with her JOIN event.
    EXPECT_TRUE(screen().wait_for("@alice", kScreenWait)) << screen().last_screen();
    post(poster, "dev", "live after");
    ASSERT_TRUE(screen().wait_for("<alice> live after", 10s)) << screen().last_screen();
    const std::string text = screen().last_screen();
    EXPECT_NE(text.find("<alice> edited meanwhile (edited)"), std::string::npos) << text;
    EXPECT_NE(text.find("<alice> (message deleted)"), std::string::npos) << text;
    EXPECT_EQ(text.find("(pending"), std::string::npos) << text;
    EXPECT_NE(text.find("--- Day changed to "), std::string::npos) << text;
    // Every message of the gap, once and in order: no hole.
    std::size_t at = text.find("<alice> edited meanwhile");
    for (int i = 1; i <= 250; ++i) {
        char line[32];
        std::snprintf(line, sizeof line, "<alice> gap %03d", i);
        const auto next = text.find(line, at);
        ASSERT_NE(next, std::string::npos) << "missing " << line << "\n" << text;
        EXPECT_EQ(text.find(line, next + 1), std::string::npos) << "twice: " << line;
        at = next;
    }
    EXPECT_LT(at, text.find("<alice> live after"));
}

TEST_F(ConversationTest, RepliesEditsReactionsDeletesMeAndTabCompletionWithAnotherClient) {
    LineClient alice("127.0.0.1", server_.port());
    account(alice, "alice");
    call(alice, "JOIN", {{"channel", "dev"}});
    start_as("bob", true);
    command("/join dev");
    ASSERT_TRUE(screen().wait_for("[3:dev]", kScreenWait)) << screen().last_screen();
    const auto hello = post(alice, "dev", "hello bob, how are things");
    ASSERT_TRUE(screen().wait_for("<alice> hello bob", kScreenWait)) << screen().last_screen();

    // Tab: /commands, then nicks (with ": " at the start of a line).
    screen().type("/rep");
    screen().keys({"Tab"});
    screen().type("ali");
    screen().keys({"Tab"});
    screen().type("fine thanks");
    screen().keys({"Enter"});
    const auto reply = msg_from(alice, "bob");
    EXPECT_EQ(reply.at("text"), "fine thanks");
    EXPECT_EQ(reply.at("reply_to").as_int64(), hello);
    EXPECT_TRUE(screen().wait_for("[re alice: hello bob, how are th", kScreenWait))
        << screen().last_screen();

    call(alice, "EDIT", {{"id", hello}, {"text", "hello bob, all good?"}});
    EXPECT_TRUE(screen().wait_for("<alice> hello bob, all good? (edited)", kScreenWait))
        << screen().last_screen();
    ASSERT_EQ(
        run({salon_client_path(),
             "--server",
             server_.address(),
             "--user",
             "alice",
             "react",
             std::to_string(hello),
             "👍"},
            {{"SALON_PASSWORD", kPassword}, {"XDG_CONFIG_HOME", config_home_.string()}}
        ).exit_status,
        0
    );
    EXPECT_TRUE(screen().wait_for("(edited) [👍 1]", kScreenWait)) << screen().last_screen();

    command("/react alice 🎉");
    for (;;) {
        auto f = alice.wait_for("UPDATE", 5s);
        const auto* reactions = body_of(f).if_contains("reactions");
        if (reactions != nullptr && reactions->as_array().size() == 2) break;
    }
    command("/edit");  // recalls bob's last message into the input
    screen().keys({"C-w"});
    screen().type("indeed");
    screen().keys({"Enter"});
    EXPECT_TRUE(screen().wait_for("fine indeed", kScreenWait)) << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("(edited)", kScreenWait)) << screen().last_screen();

    call(alice, "DELETE", {{"id", hello}});
    EXPECT_TRUE(screen().wait_for("<alice> (message deleted)", kScreenWait))
        << screen().last_screen();

    alice.send(make_frame("TYPING", {{"channel", "dev"}, {"state", "active"}}));
    EXPECT_TRUE(screen().wait_for("[alice is typing…]", kScreenWait)) << screen().last_screen();
    alice.send(make_frame("TYPING", {{"channel", "dev"}, {"state", "done"}}));
    EXPECT_TRUE(screen().wait_until_gone("is typing", kScreenWait)) << screen().last_screen();

    command("/me waves");
    EXPECT_TRUE(screen().wait_for("* bob waves", kScreenWait)) << screen().last_screen();
    EXPECT_EQ(
        msg_from(alice, "bob").at("text"),
        "\x01"
        "ACTION waves\x01"
    );
}

TEST_F(ConversationTest, UnreadMentionsAndDirectHistoryComeBackAfterARestart) {
    LineClient alice("127.0.0.1", server_.port());
    account(alice, "alice");
    call(alice, "JOIN", {{"channel", "dev"}});
    start_as("bob", true);
    command("/join dev");
    ASSERT_TRUE(screen().wait_for("[3:dev]", kScreenWait)) << screen().last_screen();
    command("/quit");
    for (int i = 0; i < 50 && screen().program_running(); ++i) std::this_thread::sleep_for(50ms);

    post(alice, "dev", "one");
    post(alice, "dev", "two, @bob look");
    post(alice, "dev", "three");
    const auto dm = call(alice, "DM", {{"to", "bob"}, {"text", "psst, a secret"}}).at("id");
    start_as("bob", false);
    // dev: 3 unread, one of them a mention; the DM window is back from CONVERSATIONS.
    EXPECT_TRUE(screen().wait_for("dev (3)", kScreenWait)) << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("@alice (1)", kScreenWait)) << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("[Act: 3!,4!]", kScreenWait)) << screen().last_screen();
    // Read on another device: the count goes here too.
    {
        LineClient phone("127.0.0.1", server_.port());
        account(phone, "bob", false);
        call(phone, "READ", {{"with", "alice"}, {"id", dm}});
    }
    EXPECT_TRUE(screen().wait_until_gone("@alice (1)", kScreenWait)) << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("[Act: 3!]", kScreenWait)) << screen().last_screen();
    command("/switch @alice");
    EXPECT_TRUE(screen().wait_for("<alice> psst, a secret", kScreenWait)) << screen().last_screen();
    command("/switch dev");
    EXPECT_TRUE(screen().wait_for("--- new messages ---", kScreenWait)) << screen().last_screen();
    // Shown at the bottom: read, on every device.
    for (;;) {
        LineClient other("127.0.0.1", server_.port());
        account(other, "bob", false);
        const auto list = call(other, "CONVERSATIONS", {});
        bool done = true;
        for (const auto& c : list.at("conversations").as_array())
            if (c.as_object().contains("channel") && c.at("channel") == "dev" &&
                c.at("unread") != 0)
                done = false;
        if (done) break;
        std::this_thread::sleep_for(100ms);
    }
    command("/switch @alice");
    command("/close");
    EXPECT_TRUE(screen().wait_until_gone("4 @alice", kScreenWait)) << screen().last_screen();
}

TEST_F(ConversationTest, SearchOpensResultsAndGotoJumpsToTheMessage) {
    LineClient alice("127.0.0.1", server_.port());
    account(alice, "alice");
    call(alice, "JOIN", {{"channel", "dev"}});
    const auto needle = post(alice, "dev", "the needle is here");
    for (int i = 1; i <= 120; ++i) post(alice, "dev", "hay " + std::to_string(i));
    start_as("bob", true);
    command("/join dev");
    ASSERT_TRUE(screen().wait_for("<alice> hay 120", kScreenWait)) << screen().last_screen();
    // Searchable within 5 s of its OK.
    bool found = false;
    for (int i = 0; i < 25 && !found; ++i) {
        command("/search needle");
        found = screen().wait_for("1 found for \"needle\"", 300ms);
    }
    ASSERT_TRUE(found) << screen().last_screen();
    EXPECT_TRUE(
        screen().wait_for(std::to_string(needle) + " #dev <alice> the needle is here", kScreenWait)
    ) << screen().last_screen();
    command("/goto " + std::to_string(needle));
    EXPECT_TRUE(screen().wait_for("[3:dev]", kScreenWait)) << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("<alice> the needle is here", kScreenWait))
        << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("[scrolled: PgDn]", kScreenWait)) << screen().last_screen();
}

TEST_F(ConversationTest, RefusalsLandWhereTheCommandWasTypedAndLeaveNoEmptyWindow) {
    LineClient alice("127.0.0.1", server_.port());
    account(alice, "alice");
    call(alice, "JOIN", {{"channel", "locked"}});
    call(alice, "KEY", {{"channel", "locked"}, {"key", "sesame"}});
    start_as("bob", true);
    command("/join locked");
    EXPECT_TRUE(screen().wait_for("cannot join locked: bad_key", kScreenWait))
        << screen().last_screen();
    EXPECT_NE(screen().last_screen().find("[2:home]"), std::string::npos) << "still in home";
    command("/msg nobody_here are you there?");
    EXPECT_TRUE(screen().wait_for("not sent to nobody_here (no_such_user", kScreenWait))
        << screen().last_screen();
    EXPECT_EQ(screen().last_screen().find("@nobody_here"), std::string::npos)
        << screen().last_screen();
    // /part in a DM window closes it.
    command("/msg alice");
    ASSERT_TRUE(screen().wait_for("3 @alice", kScreenWait)) << screen().last_screen();
    command("/part");
    EXPECT_TRUE(screen().wait_until_gone("3 @alice", kScreenWait)) << screen().last_screen();
}

TEST_F(ConversationTest, AGuestRegistersInPlaceKeepsItsChannelAndTheOthersSeeTheRename) {
    const auto me = start_client();
    command("/join dev");
    ASSERT_TRUE(screen().wait_for("[3:dev]", kScreenWait)) << screen().last_screen();
    LineClient other("127.0.0.1", server_.port());
    other.send(make_frame(
        "CONN", {{"us", ""}, {"pwd", ""}, {"channel", "dev"}, {"v", 2}, {"ref", "login"}}
    ));
    const auto them = std::string(body_of(other.wait_for("OK", 5s)).at("user").as_string());
    ASSERT_TRUE(screen().wait_for("[+]" + them, kScreenWait)) << screen().last_screen();

    // Esc backs out of the password questions.
    command("/register zoe");
    ASSERT_TRUE(screen().wait_for("password for zoe:", kScreenWait)) << screen().last_screen();
    screen().type("abandoned");
    screen().keys({"Escape"});
    EXPECT_TRUE(screen().wait_for("cancelled: nothing sent", kScreenWait))
        << screen().last_screen();
    EXPECT_TRUE(screen().wait_until_gone("password for zoe:", kScreenWait))
        << screen().last_screen();

    command("/register zoe");
    ASSERT_TRUE(screen().wait_for("password for zoe:", kScreenWait)) << screen().last_screen();
    const std::string password = "zoe's long password";
    command(password);
    ASSERT_TRUE(screen().wait_for("again:", kScreenWait)) << screen().last_screen();
    screen().type(password);
    EXPECT_EQ(screen().capture().find(password), std::string::npos) << "typed, never shown";
    screen().keys({"Enter"});
    const auto rename = body_of(other.wait_for("RENAME", 5s));
    EXPECT_EQ(std::string(rename.at("user").as_string()), me);
    EXPECT_EQ(rename.at("to"), "zoe");
    EXPECT_TRUE(screen().wait_for("registered: you are zoe", kScreenWait))
        << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("] [zoe] [3:dev]", kScreenWait)) << screen().last_screen();
    EXPECT_EQ(screen().last_screen().find(password), std::string::npos) << screen().last_screen();

    // Still in #dev, now as zoe.
    other.send(make_frame("SEND", {{"channel", "dev"}, {"text", "still there?"}}));
    EXPECT_TRUE(screen().wait_for("<" + them + "> still there?", kScreenWait))
        << screen().last_screen();
    command("yes, as zoe");
    EXPECT_EQ(msg_from(other, "zoe").at("text"), "yes, as zoe");
    // The other guest registers too: the client follows the rename and says so.
    call(other, "REGISTER", {{"us", "yan"}, {"pwd", kPassword}});
    EXPECT_TRUE(screen().wait_for(them + " is now yan", kScreenWait)) << screen().last_screen();

    // /passwd, then a restart: the client logs back in as zoe with the new password.
    command("/passwd");
    ASSERT_TRUE(screen().wait_for("current password:", kScreenWait)) << screen().last_screen();
    command(password);
    command("a newer password");
    command("a newer password");
    EXPECT_TRUE(screen().wait_for("password changed", kScreenWait)) << screen().last_screen();
    server_.stop();
    EXPECT_TRUE(screen().wait_for("disconnected", kScreenWait)) << screen().last_screen();
    server_.start();
    EXPECT_TRUE(screen().wait_for("reconnected to " + server_.address() + " as zoe", 10s))
        << screen().last_screen();
    LineClient third("127.0.0.1", server_.port());
    const auto third_name = login(third, "dev");
    third.send(make_frame("SEND", {{"channel", "dev"}, {"text", "welcome back"}}));
    EXPECT_TRUE(screen().wait_for("<" + third_name + "> welcome back", kScreenWait))
        << screen().last_screen();
}

TEST_F(ConversationTest, ALockedAccountIsToldStopsReconnectingAndExitsFour) {
    LineClient owner("127.0.0.1", server_.port());
    account(owner, "hal");
    start_as("hal", false);
    const auto locked =
        run_salond({"user", "lock", "hal", "--data-dir", server_.data_dir().string()});
    ASSERT_EQ(locked.exit_status, 0) << locked.output;
    // The server looks at locks every 2 s.
    EXPECT_TRUE(screen().wait_for("account hal locked by an administrator", 10s))
        << screen().last_screen();
    EXPECT_TRUE(screen().wait_for("[login refused]", kScreenWait)) << screen().last_screen();
    std::this_thread::sleep_for(1500ms);  // a first retry would come after about 1 s
    EXPECT_EQ(screen().capture().find("reconnecting in"), std::string::npos)
        << screen().last_screen();
    command("/quit");
    EXPECT_EQ(screen().wait_for_exit(kExitWait), 4);
}

TEST_F(ConversationTest, DeleteAccountAsksToTypeTheNameThenThePasswordOnTheTerminal) {
    LineClient owner("127.0.0.1", server_.port());
    account(owner, "kit");
    const auto delete_kit = [&] {
        screen_ = std::make_unique<TmuxScreen>(
            std::vector<std::string>{
                salon_client_path(), "--server", server_.address(), "-u", "kit", "delete-account"},
            std::map<std::string, std::string>{{"XDG_CONFIG_HOME", config_home_.string()}},
            100,
            24
        );
        EXPECT_TRUE(screen().wait_for("Type its name to confirm:", kScreenWait))
            << screen().last_screen();
    };
    delete_kit();
    command("kat");
    EXPECT_EQ(screen().wait_for_exit(kExitWait), 2);
    EXPECT_NE(screen().capture().find("not confirmed; nothing deleted"), std::string::npos)
        << screen().last_screen();

    delete_kit();
    command("kit");
    ASSERT_TRUE(screen().wait_for("Password for kit@", kScreenWait)) << screen().last_screen();
    command(kPassword);
    EXPECT_EQ(screen().wait_for_exit(kExitWait), 0);
    EXPECT_NE(screen().capture().find("deleted kit@"), std::string::npos) << screen().last_screen();
    EXPECT_EQ(screen().last_screen().find(kPassword), std::string::npos) << "echo was off";
    EXPECT_EQ(body_of(owner.wait_for("NOTICE", 5s)).at("code"), "account_deleted");
}

/// The client over salond's own TLS listener, trusting its self-signed certificate.
class TlsInteractiveTest : protected TlsServerFiles, public InteractiveTest {
protected:
    TlsInteractiveTest() : InteractiveTest(tls_options()) {
        connect_args_ = {"--server", "salons://" + tls_address(), "--ca", certificate().string()};
    }
};

TEST_F(TlsInteractiveTest, LogsInChatsAndReconnectsAfterTheServerRestarts) {
    const auto me = start_client();
    ASSERT_FALSE(me.empty());
    LineClient other("127.0.0.1", server_.port());
    const auto them = login(other);
    other.send(make_frame("SEND", {{"channel", "home"}, {"text", "hello over tls"}}));
    EXPECT_TRUE(screen().wait_for("<" + them + "> hello over tls", kScreenWait))
        << screen().last_screen();
    screen().type("encrypted reply");
    screen().keys({"Enter"});
    EXPECT_EQ(msg_from(other, me).at("text"), "encrypted reply");

    server_.stop();
    EXPECT_TRUE(screen().wait_for("disconnected", kScreenWait)) << screen().last_screen();
    server_.start();
    EXPECT_TRUE(screen().wait_for("reconnected to ", 10s)) << screen().last_screen();
    LineClient again("127.0.0.1", server_.port());
    const auto second = login(again);
    again.send(make_frame("SEND", {{"channel", "home"}, {"text", "after the restart"}}));
    EXPECT_TRUE(screen().wait_for("<" + second + "> after the restart", kScreenWait))
        << screen().last_screen();
    screen().type("still encrypted");
    screen().keys({"Enter"});
    EXPECT_EQ(msg_from(again, me).at("text"), "still encrypted");
}

}  // namespace
}  // namespace salon::test
