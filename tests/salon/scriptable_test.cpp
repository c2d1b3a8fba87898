// End-to-end: `salon send|tail|history|list|who` as a script would run them, against salond.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

#include "child_process.hpp"
#include "harness/line_client.hpp"
#include "harness/server_process.hpp"
#include "tls_server.hpp"

namespace salon::test {
namespace {

using namespace std::chrono_literals;

class ScriptableTest : public ::testing::Test {
protected:
    explicit ScriptableTest(ServerOptions options = {})
        : server_(std::move(options)), config_home_(make_temp_dir("salon-cli-config")) {}

    ~ScriptableTest() override {
        // A failure is often the server's: show the end of its log.
        if (HasFailure()) {
            const auto log = server_.log();
            std::cerr << "salond log (tail):\n"
                      << log.substr(log.size() > 4000 ? log.size() - 4000 : 0) << "\n";
        }
        std::error_code ec;
        std::filesystem::remove_all(config_home_, ec);
    }

    /// Runs `salon --server <ours> args...` with an empty config dir and UTC times.
    ChildResult salon(
        std::vector<std::string> args,
        const std::string& input = {},
        std::map<std::string, std::string> env = {}
    ) {
        std::vector<std::string> argv{salon_client_path(), "--server", server_.address()};
        argv.insert(argv.end(), args.begin(), args.end());
        env.emplace("XDG_CONFIG_HOME", config_home_.string());
        env.emplace("TZ", "UTC");
        return run(argv, env, input);
    }

    std::map<std::string, std::string> base_env() const {
        return {{"XDG_CONFIG_HOME", config_home_.string()}, {"TZ", "UTC"}};
    }

    /// Waits until someone other than `self` joins: the subcommand under test is logged in.
    static void wait_for_other_join(LineClient& c, const std::string& self) {
        for (;;) {
            auto f = c.wait_for("JOIN", 5s);
            if (body_of(f).at("user").as_string() != self) return;
        }
    }

    /// A second, raw protocol client: logs in as a guest into `channel`, returns its name.
    std::string login(LineClient& c, const std::string& channel = "home") {
        c.send(make_frame("CONN", {{"us", ""}, {"pwd", ""}, {"channel", channel}, {"ref", 1}}));
        const auto ok = c.wait_for("OK", 5s);
        return std::string(body_of(ok).at("user").as_string());
    }

    ServerProcess server_;
    std::filesystem::path config_home_;
};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto nl = text.find('\n', start);
        out.push_back(text.substr(start, nl - start));
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    return out;
}

const std::regex kMessageLine(R"(\d\d:\d\d:\d\d <Guest\d+> .*)");

TEST_F(ScriptableTest, SendPostsAndHistoryPrintsItAsTimeNickText) {
    // A guest's channel goes when its last member does: a channel someone stays in keeps it.
    LineClient listener("127.0.0.1", server_.port());
    login(listener, "dev");
    auto sent = salon({"--channel", "dev", "send", "hello", "from", "a", "script"});
    ASSERT_EQ(sent.exit_status, 0) << sent.err;
    auto history = salon({"--channel", "dev", "history"});
    ASSERT_EQ(history.exit_status, 0) << history.err;
    const auto lines = lines_of(history.out);
    ASSERT_EQ(lines.size(), 1u) << history.out;
    EXPECT_TRUE(std::regex_match(lines[0], kMessageLine)) << lines[0];
    EXPECT_NE(lines[0].find("> hello from a script"), std::string::npos);
}

TEST_F(ScriptableTest, SendReadsOneMessagePerStdinLineAndHistoryJsonHasThemInOrder) {
    auto sent = salon({"send"}, "first\r\nsecond\n\nthird ünïcödé 中文\n");
    ASSERT_EQ(sent.exit_status, 0) << sent.err;
    auto history = salon({"history", "--json", "--limit", "10"});
    ASSERT_EQ(history.exit_status, 0) << history.err;
    const auto lines = lines_of(history.out);
    ASSERT_EQ(lines.size(), 3u) << history.out;
    std::vector<std::string> texts;
    for (const auto& l : lines) {
        const auto v = boost::json::parse(l);
        texts.emplace_back(v.at("MSG").at("text").as_string());
        EXPECT_EQ(v.at("MSG").at("channel"), "home");
    }
    EXPECT_EQ(texts, (std::vector<std::string>{"first", "second", "third ünïcödé 中文"}));
}

TEST_F(ScriptableTest, TailPrintsRecentHistoryThenFollowsUntilInterrupted) {
    ASSERT_EQ(salon({"send"}, "one\ntwo\nthree\n").exit_status, 0);
    LineClient watcher("127.0.0.1", server_.port());
    const auto watcher_name = login(watcher);
    Child tail(
        {salon_client_path(), "--server", server_.address(), "tail", "--history", "2"}, base_env()
    );
    // The tail client's JOIN tells us it is logged in and following.
    wait_for_other_join(watcher, watcher_name);
    const auto first = tail.read_line(5s);
    EXPECT_TRUE(std::regex_match(first, kMessageLine)) << first;
    EXPECT_TRUE(first.ends_with("> two")) << first;
    EXPECT_TRUE(tail.read_line(5s).ends_with("> three"));
    watcher.send(make_frame("SEND", {{"channel", "home"}, {"text", "live message"}}));
    const auto live = tail.read_line(5s);
    EXPECT_TRUE(std::regex_match(live, kMessageLine)) << live;
    EXPECT_NE(live.find("> live message"), std::string::npos) << live;
    tail.signal(SIGINT);
    const auto done = tail.wait(5s);
    EXPECT_EQ(done.exit_status, 0) << done.err;
}

TEST_F(ScriptableTest, TailJsonPrintsRawMsgFrames) {
    LineClient talker("127.0.0.1", server_.port());
    const auto talker_name = login(talker);
    Child tail(
        {salon_client_path(), "--server", server_.address(), "tail", "--json", "-n", "0"},
        base_env()
    );
    wait_for_other_join(talker, talker_name);
    talker.send(make_frame("SEND", {{"channel", "home"}, {"text", "as json"}}));
    const auto line = tail.read_line(5s);
    ASSERT_FALSE(line.empty());
    const auto v = boost::json::parse(line);
    EXPECT_EQ(v.at("MSG").at("text"), "as json");
    EXPECT_EQ(std::string(v.at("MSG").at("from").as_string()), talker_name);
    tail.signal(SIGTERM);
    EXPECT_EQ(tail.wait(5s).exit_status, 0);
}

TEST_F(ScriptableTest, ListAndWhoShowChannelsAndMembers) {
    LineClient member("127.0.0.1", server_.port());
    const auto name = login(member, "lobby");
    auto list = salon({"list"});
    ASSERT_EQ(list.exit_status, 0) << list.err;
    EXPECT_NE(list.out.find("lobby"), std::string::npos) << list.out;
    auto list_json = salon({"list", "--json"});
    ASSERT_EQ(list_json.exit_status, 0);
    bool found = false;
    for (const auto& l : lines_of(list_json.out)) {
        const auto v = boost::json::parse(l);
        if (v.at("name") == "lobby") {
            found = true;
            EXPECT_EQ(v.at("members"), 1);
        }
    }
    EXPECT_TRUE(found) << list_json.out;
    auto who = salon({"who", "#lobby"});
    ASSERT_EQ(who.exit_status, 0) << who.err;
    EXPECT_NE(who.out.find(name + " [op] [guest]"), std::string::npos) << who.out;
    auto who_json = salon({"who", "lobby", "--json"});
    ASSERT_EQ(who_json.exit_status, 0);
    const auto v = boost::json::parse(lines_of(who_json.out).at(0));
    EXPECT_EQ(std::string(v.at("user").as_string()), name);
    EXPECT_EQ(v.at("guest"), true);
}

TEST_F(ScriptableTest, ListWhoAndHistoryCreateNoChannelAndLeaveNoMembership) {
    // On a fresh server `home` exists once someone joins it: looking must not make it.
    auto list = salon({"list"});
    ASSERT_EQ(list.exit_status, 0) << list.err;
    EXPECT_EQ(list.out, "");
    auto who = salon({"who", "home"});
    EXPECT_EQ(who.exit_status, 1);
    EXPECT_NE(who.err.find("no_such_channel"), std::string::npos) << who.err;
    auto ghost = salon({"--channel", "ghost", "history"});
    EXPECT_EQ(ghost.exit_status, 1);
    EXPECT_NE(ghost.err.find("no_such_channel"), std::string::npos) << ghost.err;
    EXPECT_EQ(salon({"list"}).out, "");

    // A registered reader of a channel it is not in reads it, and is not kept in it.
    LineClient member("127.0.0.1", server_.port());
    const auto name = login(member, "dev");
    member.send(make_frame("SEND", {{"channel", "dev"}, {"text", "for the record"}, {"ref", 2}}));
    member.wait_for("OK", 5s);
    const std::map<std::string, std::string> password{{"SALON_PASSWORD", "correct horse battery"}};
    auto history =
        salon({"--user", "dora", "--register", "--channel", "dev", "history"}, {}, password);
    ASSERT_EQ(history.exit_status, 0) << history.err;
    EXPECT_NE(history.out.find("> for the record"), std::string::npos) << history.out;
    auto members = salon({"who", "dev"});
    EXPECT_EQ(lines_of(members.out), std::vector<std::string>{name + " [op] [guest]"});
    LineClient dora("127.0.0.1", server_.port());
    dora.send(make_frame(
        "CONN", {{"us", "dora"}, {"pwd", "correct horse battery"}, {"join", false}, {"ref", 1}}
    ));
    dora.wait_for("OK", 5s);
    EXPECT_FALSE(dora.next(500ms)) << "dora was put back into a channel";
    EXPECT_EQ(lines_of(salon({"list"}).out).size(), 1U) << "only dev";
}

TEST_F(ScriptableTest, DirectMessageReachesTheRecipient) {
    LineClient bob("127.0.0.1", server_.port());
    const auto name = login(bob);
    auto sent = salon({"send", "--to", name, "psst"});
    ASSERT_EQ(sent.exit_status, 0) << sent.err;
    const auto dm = bob.wait_for("DM", 5s);
    EXPECT_EQ(body_of(dm).at("text"), "psst");
}

TEST_F(ScriptableTest, RefusedRequestsExitOneWithTheErrorCode) {
    auto dm = salon({"send", "--to", "nobody_by_that_name", "hi"});
    EXPECT_EQ(dm.exit_status, 1);
    EXPECT_NE(dm.err.find("no_such_user"), std::string::npos) << dm.err;
    auto who = salon({"who", "no-such-channel"});
    EXPECT_EQ(who.exit_status, 1);
    EXPECT_NE(who.err.find("no_such_channel"), std::string::npos) << who.err;
}

TEST_F(ScriptableTest, BadArgumentsExitTwoWithAMessage) {
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };

    for (const auto& c : std::vector<Case>{
             {{"send", "--bogus"}, "--bogus"},
             {{"who"}, "channel"},
             {{"history", "--limit", "0"}, "limit"},
             {{"tail", "--history", "-3"}, "history"},
             {{"--channel", "bad name!", "send", "x"}, "not a valid channel name"},
             {{"--user", "no spaces allowed", "list"}, "not a valid name"},
             {{"--register", "list"}, "--register needs --user"},
             {{"send"}, "nothing to send"},
             {{"nonsense"}, "nonsense"},
         }) {
        auto r = salon(c.args);
        EXPECT_EQ(r.exit_status, 2) << c.args.front() << ": " << r.err;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    }
    auto bad_server = run({salon_client_path(), "--server", "127.0.0.1:99999", "list"}, base_env());
    EXPECT_EQ(bad_server.exit_status, 2);
    EXPECT_NE(bad_server.err.find("bad port"), std::string::npos) << bad_server.err;
}

TEST_F(ScriptableTest, DeadServerExitsThreeWithAClearMessage) {
    server_.stop();
    // The interactive client (no subcommand) checks the connection before taking the screen.
    for (const auto& args : std::vector<std::vector<std::string>>{
             {}, {"send", "hi"}, {"list"}, {"tail"}, {"history"}, {"who", "home"}}) {
        auto r = salon(args);
        EXPECT_EQ(r.exit_status, 3) << (args.empty() ? "interactive" : args.front());
        EXPECT_NE(r.err.find("salon: cannot connect to " + server_.address()), std::string::npos)
            << r.err;
    }
}

TEST_F(ScriptableTest, TailExitsThreeWhenTheServerGoesAway) {
    ASSERT_EQ(salon({"send", "before the stop"}).exit_status, 0);
    Child tail({salon_client_path(), "--server", server_.address(), "tail", "-n", "1"}, base_env());
    // Once the replayed line is out, tail is past its login and following.
    ASSERT_TRUE(tail.wait_for_output("before the stop", 5s));
    server_.stop();
    const auto done = tail.wait(10s);
    EXPECT_EQ(done.exit_status, 3) << done.err;
    EXPECT_NE(done.err.find("shutting_down"), std::string::npos) << done.err;
    EXPECT_NE(done.err.find("closed"), std::string::npos) << done.err;
}

TEST_F(ScriptableTest, RegisteredAccountsLogInWithEnvOrFileAndWrongPasswordsExitFour) {
    auto reg = salon(
        {"--user", "carol", "--register", "send", "first post"},
        {},
        {{"SALON_PASSWORD", "correct horse battery"}}
    );
    ASSERT_EQ(reg.exit_status, 0) << reg.err;
    const auto pw_file = config_home_ / "pw";
    std::ofstream(pw_file) << "correct horse battery\n";
    auto via_file = salon({"--user", "carol", "--password-file", pw_file.string(), "history"});
    ASSERT_EQ(via_file.exit_status, 0) << via_file.err;
    EXPECT_NE(via_file.out.find("<carol> first post"), std::string::npos) << via_file.out;
    auto wrong = salon({"--user", "carol", "list"}, {}, {{"SALON_PASSWORD", "wrong password"}});
    EXPECT_EQ(wrong.exit_status, 4);
    EXPECT_NE(wrong.err.find("bad_credentials"), std::string::npos) << wrong.err;
    // No SALON_PASSWORD, no file, no terminal: refuse instead of hanging on a prompt.
    auto interactive = salon({"--user", "carol"}, {}, {{"SALON_PASSWORD", "wrong password"}});
    EXPECT_EQ(interactive.exit_status, 4);
    EXPECT_NE(interactive.err.find("bad_credentials"), std::string::npos) << interactive.err;
    auto none = salon({"--user", "carol", "list"});
    EXPECT_EQ(none.exit_status, 2) << none.err;
    EXPECT_NE(none.err.find("no password"), std::string::npos) << none.err;
}

TEST_F(ScriptableTest, TokenCreateListRevokeAndLogInWithATokenFile) {
    const std::map<std::string, std::string> pw{{"SALON_PASSWORD", "correct horse battery"}};
    ASSERT_EQ(salon({"--user", "dana", "--register", "list"}, {}, pw).exit_status, 0);
    const auto file = (config_home_ / "dana.token").string();
    auto made =
        salon({"--user", "dana", "token", "create", "--label", "cli", "--out", file}, {}, pw);
    ASSERT_EQ(made.exit_status, 0) << made.err;
    const auto id = made.out.substr(0, made.out.find('\n'));
    EXPECT_TRUE(std::regex_match(id, std::regex(R"(\d+)"))) << made.out;
    EXPECT_EQ(
        std::filesystem::status(file).permissions() & std::filesystem::perms::all,
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write
    );
    std::string secret;
    std::getline(std::ifstream(file), secret);
    EXPECT_EQ(secret.size(), 43u) << secret;

    // The token logs in without any password: from the environment, the option or the config.
    auto sent = salon(
        {"--user", "dana", "--channel", "home", "send", "by token"},
        {},
        {{"SALON_TOKEN_FILE", file}}
    );
    ASSERT_EQ(sent.exit_status, 0) << sent.err;
    auto listed = salon({"--user", "dana", "--token-file", file, "token", "list"});
    ASSERT_EQ(listed.exit_status, 0) << listed.err;
    ASSERT_EQ(lines_of(listed.out).size(), 1u) << listed.out;
    EXPECT_TRUE(listed.out.starts_with(id + "* ")) << listed.out;
    EXPECT_TRUE(listed.out.ends_with("  cli\n")) << listed.out;
    std::filesystem::create_directories(config_home_ / "salon");
    std::ofstream(config_home_ / "salon" / "config.toml") << "token_file = \"" << file << "\"\n";
    // A secret others can read works, with a warning.
    const auto open_file = (config_home_ / "open.token").string();
    auto to_stdout = salon({"--user", "dana", "token", "create"}, {}, pw);
    ASSERT_EQ(to_stdout.exit_status, 0) << to_stdout.err;
    std::ofstream(open_file) << to_stdout.out;
    std::filesystem::permissions(open_file, std::filesystem::perms(0644));
    auto warned = salon({"--user", "dana", "--token-file", open_file, "list"});
    EXPECT_EQ(warned.exit_status, 0) << warned.err;
    EXPECT_NE(warned.err.find("chmod 600 " + open_file), std::string::npos) << warned.err;
    EXPECT_EQ(sent.err.find("warning"), std::string::npos) << sent.err;

    auto second = salon({"--user", "dana", "token", "create", "--json"}, {}, pw);
    ASSERT_EQ(second.exit_status, 0) << second.err;
    const auto second_json = boost::json::parse(second.out).as_object();
    EXPECT_EQ(second_json.at("token").as_string().size(), 43u);
    auto json_list = salon({"--user", "dana", "token", "list", "--json"});
    ASSERT_EQ(json_list.exit_status, 0) << json_list.err;
    EXPECT_EQ(lines_of(json_list.out).size(), 3u) << json_list.out;

    EXPECT_EQ(salon({"--user", "dana", "token", "revoke", "999999"}).exit_status, 1);
    auto revoked = salon({"--user", "dana", "token", "revoke", id});
    ASSERT_EQ(revoked.exit_status, 0) << revoked.err;
    auto refused = salon({"--user", "dana", "list"});
    EXPECT_EQ(refused.exit_status, 4);
    EXPECT_NE(refused.err.find("bad_credentials"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("salon token create --out " + file), std::string::npos)
        << refused.err;
    auto missing = salon({"--user", "dana", "--token-file", file + ".none", "list"});
    EXPECT_EQ(missing.exit_status, 2);
    EXPECT_NE(missing.err.find("cannot read token file"), std::string::npos) << missing.err;
}

TEST_F(ScriptableTest, PasswdChangesThePasswordAndLogsOutTheOtherTokens) {
    ASSERT_EQ(
        salon(
            {"--user", "erin", "--register", "list"}, {}, {{"SALON_PASSWORD", "first password"}}
        ).exit_status,
        0
    );
    const auto file = (config_home_ / "erin.token").string();
    ASSERT_EQ(
        salon(
            {"--user", "erin", "token", "create", "--out", file},
            {},
            {{"SALON_PASSWORD", "first password"}}
        ).exit_status,
        0
    );
    auto weak = salon({"--user", "erin", "passwd", "--stdin"}, "first password\nshort\n");
    EXPECT_EQ(weak.exit_status, 1);
    EXPECT_NE(weak.err.find("weak_password"), std::string::npos) << weak.err;
    auto changed =
        salon({"--user", "erin", "passwd", "--stdin"}, "first password\nsecond password\n");
    ASSERT_EQ(changed.exit_status, 0) << changed.err;
    EXPECT_EQ(
        salon({"--user", "erin", "list"}, {}, {{"SALON_PASSWORD", "first password"}}).exit_status, 4
    );
    EXPECT_EQ(
        salon({"--user", "erin", "list"}, {}, {{"SALON_PASSWORD", "second password"}}).exit_status,
        0
    );
    // A password change from a password login revokes every token.
    EXPECT_EQ(salon({"--user", "erin", "--token-file", file, "list"}).exit_status, 4);

    // From a token login, the token it logged in with stays valid.
    ASSERT_EQ(
        salon(
            {"--user", "erin", "token", "create", "--out", file},
            {},
            {{"SALON_PASSWORD", "second password"}}
        ).exit_status,
        0
    );
    auto wrong = salon(
        {"--user", "erin", "--token-file", file, "passwd", "--stdin"}, "not it\nthird password\n"
    );
    EXPECT_EQ(wrong.exit_status, 1);
    EXPECT_NE(wrong.err.find("bad_credentials"), std::string::npos) << wrong.err;
    auto by_token = salon(
        {"--user", "erin", "--token-file", file, "passwd", "--stdin"},
        "second password\nthird password\n"
    );
    ASSERT_EQ(by_token.exit_status, 0) << by_token.err;
    EXPECT_EQ(salon({"--user", "erin", "--token-file", file, "list"}).exit_status, 0);
    EXPECT_EQ(
        salon({"--user", "erin", "list"}, {}, {{"SALON_PASSWORD", "third password"}}).exit_status, 0
    );
    auto one_line = salon({"--user", "erin", "passwd", "--stdin"}, "third password\n");
    EXPECT_EQ(one_line.exit_status, 2);
}

TEST_F(ScriptableTest, DeleteAccountRemovesItEndsItsSessionsAndAsksToConfirm) {
    LineClient owner("127.0.0.1", server_.port());
    owner.send(make_frame(
        "REGISTER", {{"us", "gus"}, {"pwd", "a long password"}, {"join", false}, {"ref", 1}}
    ));
    owner.wait_for("OK", 5s);
    const std::map<std::string, std::string> password{{"SALON_PASSWORD", "a long password"}};
    auto env = base_env();
    env.insert(password.begin(), password.end());
    Child tail({salon_client_path(), "--server", server_.address(), "--user", "gus", "tail"}, env);
    // Its JOIN of home says the tail is logged in.
    LineClient watcher("127.0.0.1", server_.port());
    wait_for_other_join(watcher, login(watcher));

    // No terminal to type the name on, and no --yes: nothing happens.
    auto unconfirmed = salon({"--user", "gus", "delete-account"}, {}, password);
    EXPECT_EQ(unconfirmed.exit_status, 2);
    EXPECT_NE(unconfirmed.err.find("add --yes"), std::string::npos) << unconfirmed.err;
    auto wrong =
        salon({"--user", "gus", "delete-account", "--yes"}, {}, {{"SALON_PASSWORD", "no"}});
    EXPECT_EQ(wrong.exit_status, 4);
    EXPECT_NE(wrong.err.find("bad_credentials"), std::string::npos) << wrong.err;

    auto deleted = salon({"--user", "gus", "delete-account", "--yes"}, {}, password);
    ASSERT_EQ(deleted.exit_status, 0) << deleted.err;
    EXPECT_NE(deleted.out.find("deleted gus@" + server_.address()), std::string::npos)
        << deleted.out;
    EXPECT_NE(deleted.out.find("direct messages"), std::string::npos) << deleted.out;
    // The other sessions are told and closed: the raw one, and `salon tail` exits as a refused
    // login would.
    const auto notice = body_of(owner.wait_for("NOTICE", 5s));
    EXPECT_EQ(notice.at("code"), "account_deleted");
    const auto tail_done = tail.wait(5s);
    EXPECT_EQ(tail_done.exit_status, 4) << tail_done.err;
    EXPECT_NE(tail_done.err.find("account_deleted"), std::string::npos) << tail_done.err;
    auto gone = salon({"--user", "gus", "list"}, {}, password);
    EXPECT_EQ(gone.exit_status, 4);
    EXPECT_NE(gone.err.find("bad_credentials"), std::string::npos) << gone.err;
    EXPECT_EQ(salon({"delete-account", "--yes"}).exit_status, 2) << "a guest has no account";
}

TEST_F(ScriptableTest, ALockedAccountCannotLogInAndItsTailStops) {
    LineClient owner("127.0.0.1", server_.port());
    owner.send(make_frame(
        "REGISTER", {{"us", "ivy"}, {"pwd", "a long password"}, {"join", false}, {"ref", 1}}
    ));
    owner.wait_for("OK", 5s);
    auto env = base_env();
    env["SALON_PASSWORD"] = "a long password";
    Child tail({salon_client_path(), "--server", server_.address(), "--user", "ivy", "tail"}, env);
    LineClient watcher("127.0.0.1", server_.port());
    wait_for_other_join(watcher, login(watcher));
    const auto locked =
        run_salond({"user", "lock", "ivy", "--data-dir", server_.data_dir().string()});
    ASSERT_EQ(locked.exit_status, 0) << locked.output;
    const auto tail_done = tail.wait(10s);
    EXPECT_EQ(tail_done.exit_status, 4) << tail_done.err;
    EXPECT_NE(tail_done.err.find("account_locked"), std::string::npos) << tail_done.err;
    auto refused = salon({"--user", "ivy", "list"}, {}, {{"SALON_PASSWORD", "a long password"}});
    EXPECT_EQ(refused.exit_status, 4);
    EXPECT_NE(refused.err.find("account_locked"), std::string::npos) << refused.err;
}

/// salond with its own TLS listener (tls_server.hpp) beside the plain one.
class SalondTlsTest : protected TlsServerFiles, public ScriptableTest {
protected:
    SalondTlsTest() : ScriptableTest(tls_options()) {}

    /// `salon` with `args` as given: the test picks the server and the TLS options.
    ChildResult salon_to(std::vector<std::string> args) {
        args.insert(args.begin(), salon_client_path());
        return run(args, base_env());
    }
};

TEST_F(SalondTlsTest, SendAndHistoryOverTlsWithTheCertificateAsCaAndByIpAddress) {
    const auto cert = certificate().string();
    auto sent = salon_to({"--tls", "--ca", cert, "--server", tls_address(), "send", "over tls"});
    ASSERT_EQ(sent.exit_status, 0) << sent.err;
    // salons:// with the address the certificate names as an IP SAN.
    auto history = salon_to({"--server", "salons://" + tls_address(), "--ca", cert, "history"});
    ASSERT_EQ(history.exit_status, 0) << history.err;
    ASSERT_EQ(lines_of(history.out).size(), 1u) << history.out;
    EXPECT_TRUE(std::regex_match(lines_of(history.out)[0], kMessageLine)) << history.out;
    EXPECT_TRUE(history.out.ends_with("> over tls\n")) << history.out;
    // --insecure takes the certificate unchecked.
    auto insecure = salon_to({"--tls", "--insecure", "--server", tls_address(), "history"});
    EXPECT_EQ(insecure.exit_status, 0) << insecure.err;
    EXPECT_EQ(insecure.out, history.out);
}

TEST_F(SalondTlsTest, AnUntrustedOrMisnamedCertificateOrTheWrongPortExitsThreeAndSaysWhy) {
    const auto cert = certificate().string();
    auto untrusted = salon_to({"--tls", "--server", tls_address(), "list"});
    EXPECT_EQ(untrusted.exit_status, 3);
    EXPECT_NE(untrusted.err.find("is not trusted: self-signed certificate"), std::string::npos)
        << untrusted.err;
    // The certificate names salon.test and the loopback addresses, not localhost.
    auto other_name = salon_to(
        {"--server", "salons://localhost:" + std::to_string(tls_port()), "--ca", cert, "list"}
    );
    EXPECT_EQ(other_name.exit_status, 3);
    EXPECT_NE(other_name.err.find("mismatch"), std::string::npos) << other_name.err;
    // TLS to salond's plain port.
    auto plain = salon_to({"--server", "salons://" + server_.address(), "--insecure", "list"});
    EXPECT_EQ(plain.exit_status, 3);
    EXPECT_NE(plain.err.find("TLS handshake"), std::string::npos) << plain.err;
    // Plain TCP to the TLS port: closed without an answer, and salon suggests TLS.
    auto plain_to_tls = salon_to({"--server", tls_address(), "list"});
    EXPECT_EQ(plain_to_tls.exit_status, 3);
    EXPECT_NE(plain_to_tls.err.find("is a TLS port, add --tls"), std::string::npos)
        << plain_to_tls.err;
    auto no_tls = salon({"--ca", cert, "list"});
    EXPECT_EQ(no_tls.exit_status, 2);
}

TEST_F(ScriptableTest, ConfigFileSuppliesDefaultsAndTheCommandLineWins) {
    std::filesystem::create_directories(config_home_ / "salon");
    std::ofstream(config_home_ / "salon" / "config.toml")
        << "server = \"" << server_.address() << "\"\nchannel = \"fromconfig\"\n";
    LineClient listener("127.0.0.1", server_.port());  // keeps the guest channel alive
    login(listener, "fromconfig");
    auto sent = run({salon_client_path(), "send", "configured"}, base_env());
    ASSERT_EQ(sent.exit_status, 0) << sent.err;
    auto history = run({salon_client_path(), "history", "--json"}, base_env());
    ASSERT_EQ(history.exit_status, 0) << history.err;
    EXPECT_NE(history.out.find("\"channel\":\"fromconfig\""), std::string::npos) << history.out;
    auto other = run({salon_client_path(), "--channel", "elsewhere", "history"}, base_env());
    EXPECT_EQ(other.exit_status, 1) << other.err;
    EXPECT_NE(other.err.find("no_such_channel"), std::string::npos) << other.err;

    std::ofstream(config_home_ / "salon" / "config.toml") << "sever = \"typo:1\"\n";
    auto typo = run({salon_client_path(), "list"}, base_env());
    EXPECT_EQ(typo.exit_status, 2);
    EXPECT_NE(typo.err.find("unknown key \"sever\""), std::string::npos) << typo.err;
}

TEST_F(ScriptableTest, SendAndTailRefuseAChannelThatDoesNotExistUnlessCreate) {
    auto sent = salon({"--channel", "ghost", "send", "boo"});
    EXPECT_EQ(sent.exit_status, 1);
    EXPECT_NE(sent.err.find("no_such_channel: there is no channel #ghost"), std::string::npos)
        << sent.err;
    EXPECT_NE(sent.err.find("--create"), std::string::npos) << sent.err;
    auto tail = salon({"--channel", "ghost", "tail"});
    EXPECT_EQ(tail.exit_status, 1);
    EXPECT_NE(tail.err.find("no_such_channel"), std::string::npos) << tail.err;
    EXPECT_EQ(salon({"list"}).out, "") << "nothing was created";

    // A registered creator's channel persists, so history reads it afterwards.
    const std::map<std::string, std::string> pw{{"SALON_PASSWORD", "correct horse battery"}};
    auto created = salon(
        {"--user", "erin", "--register", "--channel", "ghost", "send", "--create", "boo"}, {}, pw
    );
    ASSERT_EQ(created.exit_status, 0) << created.err;
    auto history = salon({"--channel", "ghost", "history"});
    ASSERT_EQ(history.exit_status, 0) << history.err;
    EXPECT_NE(history.out.find("<erin> boo"), std::string::npos) << history.out;
    // `home` is the server's: posting there never needs --create.
    EXPECT_EQ(salon({"send", "at home"}).exit_status, 0);
}

/// The version 2 subcommands between two registered users, as the other clients' cross-client
/// tests use them.
class ScriptableV2Test : public ScriptableTest {
protected:
    ChildResult as(const std::string& user, std::vector<std::string> args) {
        args.insert(args.begin(), {"--user", user});
        return salon(std::move(args), {}, {{"SALON_PASSWORD", "correct horse battery"}});
    }

    std::int64_t post(const std::string& user, std::vector<std::string> args) {
        args.insert(args.begin(), "--print-id");
        args.insert(args.begin(), "send");
        auto r = as(user, args);
        EXPECT_EQ(r.exit_status, 0) << r.err;
        return std::stoll(r.out);
    }

    void SetUp() override {
        ASSERT_EQ(as("alice", {"--register", "list"}).exit_status, 0);
        ASSERT_EQ(as("bob", {"--register", "list"}).exit_status, 0);
    }
};

TEST_F(ScriptableV2Test, ReplyEditReactAndDeleteShowInHistoryJsonAndText) {
    const auto first = post("alice", {"--channel", "dev", "--create", "original text"});
    const auto answer =
        post("bob", {"--channel", "dev", "--reply-to", std::to_string(first), "an answer"});
    ASSERT_GT(answer, first);
    const auto id = std::to_string(first);
    EXPECT_EQ(as("alice", {"edit", id, "edited", "text"}).exit_status, 0);
    EXPECT_EQ(as("bob", {"react", id, "👍"}).exit_status, 0);
    EXPECT_EQ(as("bob", {"react", id, "🎉"}).exit_status, 0);
    EXPECT_EQ(as("bob", {"react", id, "🎉", "--remove"}).exit_status, 0);
    EXPECT_EQ(as("bob", {"delete", std::to_string(answer)}).exit_status, 0);

    auto json = as("alice", {"--channel", "dev", "history", "--json"});
    ASSERT_EQ(json.exit_status, 0) << json.err;
    const auto lines = lines_of(json.out);
    ASSERT_EQ(lines.size(), 2U) << json.out;
    const auto m1 = boost::json::parse(lines[0]).at("MSG").as_object();
    EXPECT_EQ(m1.at("id").as_int64(), first);
    EXPECT_GT(m1.at("rev").as_int64(), answer) << "the changes came after the answer";
    EXPECT_EQ(m1.at("text"), "edited text");
    EXPECT_TRUE(m1.contains("edited"));
    ASSERT_EQ(m1.at("reactions").as_array().size(), 1U) << lines[0];
    EXPECT_EQ(m1.at("reactions").at(0).at("emoji"), "👍");
    EXPECT_EQ(m1.at("reactions").at(0).at("users").at(0), "bob");
    const auto m2 = boost::json::parse(lines[1]).at("MSG").as_object();
    EXPECT_EQ(m2.at("reply_to").as_int64(), first);
    EXPECT_EQ(m2.at("deleted"), true);
    EXPECT_EQ(m2.at("text"), "");

    auto text = as("alice", {"--channel", "dev", "history", "--ids"});
    ASSERT_EQ(text.exit_status, 0) << text.err;
    const auto shown = lines_of(text.out);
    ASSERT_EQ(shown.size(), 2U) << text.out;
    EXPECT_TRUE(shown[0].starts_with("[" + id + "] ")) << shown[0];
    EXPECT_TRUE(shown[0].ends_with("<alice> edited text (edited) [👍 bob]")) << shown[0];
    EXPECT_TRUE(shown[1].ends_with("<bob> (reply to " + id + ") (message deleted)")) << shown[1];
}

TEST_F(ScriptableV2Test, RefusedChangesExitOneWithTheServersCode) {
    const auto first = post("alice", {"--channel", "dev", "--create", "mine"});
    ASSERT_EQ(as("bob", {"--channel", "dev", "send", "joining"}).exit_status, 0);
    auto edit = as("bob", {"edit", std::to_string(first), "not yours"});
    EXPECT_EQ(edit.exit_status, 1);
    EXPECT_NE(edit.err.find("forbidden"), std::string::npos) << edit.err;
    auto gone = as("alice", {"delete", "987654321"});
    EXPECT_EQ(gone.exit_status, 1);
    EXPECT_NE(gone.err.find("no_such_message"), std::string::npos) << gone.err;
    auto reply = as("alice", {"--channel", "dev", "send", "--reply-to", "987654321", "x"});
    EXPECT_EQ(reply.exit_status, 1);
    EXPECT_NE(reply.err.find("no_such_message"), std::string::npos) << reply.err;
    auto short_query = as("alice", {"search", "ab"});
    EXPECT_EQ(short_query.exit_status, 1);
    EXPECT_NE(short_query.err.find("bad_request"), std::string::npos) << short_query.err;
    auto usage = salon({"edit", "notanumber", "x"});
    EXPECT_EQ(usage.exit_status, 2) << usage.err;
}

TEST_F(ScriptableV2Test, DirectHistoryAndSearchFindMessagesWithTheirIds) {
    const auto dm = post("alice", {"--to", "bob", "psst, the treasure is buried"});
    const auto in_dev = post("alice", {"--channel", "dev", "--create", "no treasure here"});
    auto history = as("bob", {"history", "--with", "alice", "--json"});
    ASSERT_EQ(history.exit_status, 0) << history.err;
    const auto lines = lines_of(history.out);
    ASSERT_EQ(lines.size(), 1U) << history.out;
    const auto body = boost::json::parse(lines[0]).at("DM");
    EXPECT_EQ(body.at("id").as_int64(), dm);
    EXPECT_EQ(body.at("to"), "bob");

    // The index takes a message within 5 s of its OK (PROTOCOL.md).
    ChildResult found;
    for (int i = 0; i < 50; ++i) {
        found = as("alice", {"search", "TREASURE"});
        if (lines_of(found.out).size() == 2) break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(found.exit_status, 0) << found.err;
    const auto hits = lines_of(found.out);
    ASSERT_EQ(hits.size(), 2U) << found.out;
    EXPECT_TRUE(hits[0].starts_with(std::to_string(in_dev) + " ")) << hits[0];
    EXPECT_NE(hits[0].find(" #dev "), std::string::npos) << hits[0];
    EXPECT_TRUE(hits[1].starts_with(std::to_string(dm) + " ")) << hits[1];
    EXPECT_NE(hits[1].find(" @bob "), std::string::npos) << hits[1];
    EXPECT_TRUE(hits[1].ends_with("<alice> psst, the treasure is buried")) << hits[1];

    auto scoped = as("alice", {"search", "treasure", "--channel", "dev", "--json"});
    ASSERT_EQ(scoped.exit_status, 0) << scoped.err;
    ASSERT_EQ(lines_of(scoped.out).size(), 1U) << scoped.out;
    EXPECT_EQ(boost::json::parse(scoped.out).at("MSG").at("id").as_int64(), in_dev);
    auto with = as("bob", {"search", "treasure", "--with", "alice", "--from", "alice"});
    ASSERT_EQ(lines_of(with.out).size(), 1U) << with.out;
    EXPECT_NE(with.out.find("@alice"), std::string::npos) << with.out;
}

TEST_F(ScriptableV2Test, TailPrintsUpdatesAsTheyHappen) {
    const auto first = post("alice", {"--channel", "dev", "--create", "watch this"});
    Child tail(
        {salon_client_path(),
         "--server",
         server_.address(),
         "--user",
         "bob",
         "--channel",
         "dev",
         "tail",
         "--json",
         "-n",
         "1"},
        [&] {
            auto env = base_env();
            env["SALON_PASSWORD"] = "correct horse battery";
            return env;
        }()
    );
    const auto replayed = tail.read_line(5s);
    ASSERT_FALSE(replayed.empty());
    EXPECT_EQ(boost::json::parse(replayed).at("MSG").at("id").as_int64(), first);
    ASSERT_EQ(as("alice", {"edit", std::to_string(first), "watch that"}).exit_status, 0);
    const auto update = tail.read_line(5s);
    ASSERT_FALSE(update.empty());
    const auto body = boost::json::parse(update).at("UPDATE");
    EXPECT_EQ(body.at("id").as_int64(), first);
    EXPECT_EQ(body.at("text"), "watch that");
    tail.signal(SIGTERM);
    EXPECT_EQ(tail.wait(5s).exit_status, 0);
}

TEST_F(ScriptableV2Test, ConversationsCountsUnreadAndReadMovesTheMarker) {
    post("alice", {"--channel", "dev", "--create", "first"});
    ASSERT_EQ(as("bob", {"--channel", "dev", "send", "joined"}).exit_status, 0);
    const auto mention = post("alice", {"--channel", "dev", "hey @bob"});
    const auto dm = post("alice", {"--to", "bob", "psst"});
    auto before = as("bob", {"conversations", "--json"});
    ASSERT_EQ(before.exit_status, 0) << before.err;
    std::map<std::string, boost::json::object> by_name;
    for (const auto& l : lines_of(before.out)) {
        const auto o = boost::json::parse(l).as_object();
        by_name
            [std::string(o.contains("with") ? "@" : "#") +
             std::string((o.contains("with") ? o.at("with") : o.at("channel")).as_string())] = o;
    }
    ASSERT_TRUE(by_name.contains("#dev")) << before.out;
    ASSERT_TRUE(by_name.contains("@alice")) << before.out;
    EXPECT_EQ(by_name["#dev"].at("mentions").as_int64(), 1);
    EXPECT_GE(by_name["#dev"].at("unread").as_int64(), 1);
    EXPECT_EQ(by_name["@alice"].at("unread").as_int64(), 1);
    EXPECT_EQ(as("bob", {"--channel", "dev", "read", std::to_string(mention)}).exit_status, 0);
    EXPECT_EQ(as("bob", {"read", "--with", "alice", std::to_string(dm)}).exit_status, 0);
    auto after = as("bob", {"conversations"});
    ASSERT_EQ(after.exit_status, 0) << after.err;
    EXPECT_NE(after.out.find("#dev"), std::string::npos) << after.out;
    EXPECT_NE(
        after.out.find("unread 0  mentions 0  read " + std::to_string(mention)), std::string::npos
    ) << after.out;
    EXPECT_NE(after.out.find("unread 0  mentions 0  read " + std::to_string(dm)), std::string::npos)
        << after.out;
}

}  // namespace
}  // namespace salon::test
