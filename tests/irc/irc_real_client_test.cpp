// Real IRC clients from Debian against a real salond: WeeChat (headless, scripted through its
// FIFO, logging to files) logs in to a registered account with SASL, and irssi (driven in a
// private tmux server) joins as a guest; each talks with a native client both ways.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/connection.hpp"
#include "harness/line_client.hpp"
#include "irc_client.hpp"

extern char** environ;

namespace salon::test {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPassword = "correct-horse-battery-9";
constexpr auto kClientWait = std::chrono::seconds(10);  // a real client starts in ~1 s

bool on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (::access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
    }
    return false;
}

/// Runs `argv` with stdout and stderr to `log`; the pid.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
    return pid;
}

/// SIGTERM, then SIGKILL if it has not ended within 3 s.
void stop(pid_t pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 300; ++i) {
        if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
}

std::string read_all(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Every file under `dir`, concatenated (a client's logs).
std::string read_tree(const fs::path& dir) {
    std::string out;
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
        if (entry.is_regular_file()) out += read_all(entry.path());
    }
    return out;
}

/// Polls `read` until its text contains `needle`; false after `timeout`.
template <typename Read>
bool eventually_contains(Read read, std::string_view needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (read().find(needle) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return read().find(needle) != std::string::npos;
}

/// The next event `verb` whose body has `key` equal to `value`; throws on timeout.
boost::json::object wait_event(
    Connection& conn, std::string_view verb, std::string_view key, std::string_view value
) {
    const auto deadline = std::chrono::steady_clock::now() + kClientWait;
    while (std::chrono::steady_clock::now() < deadline) {
        auto frame = conn.next(std::chrono::milliseconds(200));
        if (!frame || verb_of(*frame) != verb) continue;
        const auto& body = body_of(*frame);
        if (const auto* v = body.if_contains(key); v && v->is_string() && v->get_string() == value)
            return body;
    }
    throw std::runtime_error(
        "no " + std::string(verb) + " with " + std::string(key) + "=" + std::string(value)
    );
}

/// A native client of protocol version 2 (it sees UPDATE and READ) logged in (registering `us`
/// when `register_`), in home.
std::unique_ptr<LineClient> native(IrcServer& server, const std::string& us, bool register_) {
    auto conn = std::make_unique<LineClient>("127.0.0.1", server.native_port());
    if (register_) {
        conn->send(make_frame("REGISTER", {{"us", us}, {"pwd", kPassword}, {"v", 2}}));
    } else {
        conn->send(make_frame("CONN", {{"us", us}, {"v", 2}}));
    }
    const auto ok = conn->expect("OK", kClientWait);
    conn->wait_for("HISTORY", kClientWait);
    return conn;
}

class RealIrcClient : public ::testing::Test {
protected:
    void SetUp() override { dir_ = make_temp_dir("salon-irc-client"); }

    void TearDown() override {
        // The clients go first: salond would otherwise wait for them as it shuts down.
        stop(pid_);
        stop(tail_pid_);
        if (!tmux_socket_.empty()) {
            const pid_t killer =
                spawn({"tmux", "-S", tmux_socket_, "kill-server"}, dir_ / "tmux.log");
            ::waitpid(killer, nullptr, 0);
        }
        if (HasFailure()) {
            std::cerr << "--- client output:\n"
                      << read_all(dir_ / "client.log") << "\n--- client logs:\n"
                      << read_tree(dir_ / "logs") << "\n";
        }
        server_.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    /// irssi in a tmux server of our own, connecting as `nick`; returns once it is welcomed.
    /// With `tls_ca`, over TLS, verifying the server's certificate against that file.
    void start_irssi(std::uint16_t port, const std::string& nick, const fs::path& tls_ca = {}) {
        // irssi's own flood protection spaces commands 2.2 s apart after the first five; a
        // test need not wait for it.
        fs::create_directories(dir_ / "irssi");
        std::ofstream config(dir_ / "irssi" / "config");
        config << R"(settings = { core = { real_name = "Test"; user_name = "test"; };)"
                  R"( "irc/core" = { cmd_queue_speed = "10msec"; cmds_max_at_once = "50"; }; };)"
               << "\n";
        std::string connect = " -c 127.0.0.1 -p " + std::to_string(port) + " -n " + nick;
        if (!tls_ca.empty()) {
            // irssi's command line has no TLS switch: the server is in its configuration, by
            // name, because irssi checks only the DNS names of the certificate, not its IPs.
            config << R"(chatnets = { salon = { type = "IRC"; nick = ")" << nick << R"("; }; };)"
                   << R"(servers = ({ address = "localhost"; chatnet = "salon"; port = ")" << port
                   << R"("; use_tls = "yes"; tls_verify = "yes"; tls_cafile = ")" << tls_ca.string()
                   << R"("; autoconnect = "yes"; });)"
                   << "\n";
            connect = " -n " + nick;
        }
        config.close();
        tmux_socket_ = (dir_ / "tmux.sock").string();
        ASSERT_EQ(
            tmux(
                {"new-session",
                 "-d",
                 "-s",
                 "irc",
                 "-x",
                 "160",
                 "-y",
                 "40",
                 "irssi --home=" + (dir_ / "irssi").string() + connect}
            ),
            0
        );
        ASSERT_TRUE(eventually_contains(
            [&] { return irssi_screen(); }, "Welcome to the Salon IRC network", kClientWait
        )) << irssi_screen();
    }

    /// weechat-headless with its FIFO and logs in dir_, connecting to 127.0.0.1/`port` as the
    /// server `salon` with `/server add`'s `options`, joining #home.
    void start_weechat(std::uint16_t port, const std::string& options) {
        const std::string commands = "/set fifo.file.path " + (dir_ / "fifo").string() +
                                     ";/set logger.file.flush_delay 0;/set logger.file.path " +
                                     (dir_ / "logs").string() + ";/server add salon 127.0.0.1/" +
                                     std::to_string(port) + " -autojoin=#home " + options +
                                     ";/connect salon";
        pid_ = spawn(
            {"weechat-headless",
             "--stdout",
             "-d",
             (dir_ / "home").string(),
             "-P",
             "irc,logger,fifo",
             "-r",
             commands},
            dir_ / "client.log"
        );
    }

    /// Runs `command` (a WeeChat command, or text to send) in WeeChat's buffer `buffer`.
    void weechat_command(const std::string& buffer, const std::string& command) {
        const int fd = ::open((dir_ / "fifo").c_str(), O_WRONLY | O_NONBLOCK);
        ASSERT_GE(fd, 0) << "WeeChat's FIFO is not open";
        const std::string line = buffer + " *" + command + "\n";
        ASSERT_EQ(::write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
        ::close(fd);
    }

    /// WeeChat's logs, every buffer's.
    std::string weechat_logs() { return read_tree(dir_ / "logs"); }

    /// Types `text` into irssi and presses Enter.
    void irssi_keys(const std::string& text) {
        tmux({"send-keys", "-t", "irc", "-l", text});
        tmux({"send-keys", "-t", "irc", "Enter"});
    }

    /// What irssi shows now.
    std::string irssi_screen() {
        const fs::path out = dir_ / "screen.txt";
        std::error_code ec;
        fs::remove(out, ec);
        const pid_t pid =
            spawn({"tmux", "-S", tmux_socket_, "capture-pane", "-p", "-t", "irc"}, out);
        ::waitpid(pid, nullptr, 0);
        return read_all(out);
    }

    int tmux(std::vector<std::string> args) {
        args.insert(args.begin(), {"tmux", "-S", tmux_socket_});
        const pid_t pid = spawn(args, dir_ / "tmux.log");
        int status = 0;
        ::waitpid(pid, &status, 0);
        return status;
    }

    std::optional<IrcServer> server_;
    fs::path dir_;
    pid_t pid_ = -1;
    pid_t tail_pid_ = -1;
    std::string tmux_socket_;
};

TEST_F(RealIrcClient, WeeChatLogsInWithSaslAndTalksWithANativeUser) {
    if (!on_path("weechat-headless")) GTEST_SKIP() << "weechat-headless is not installed";
    IrcServer& server = server_.emplace();
    // The account exists (registered natively, then logged out); a native guest is in home.
    native(server, "alice", true)->send(make_frame("END"));
    auto guest = native(server, "Guest9001", false);

    start_weechat(
        server.irc_port(),
        "-nossl -nicks=alice -sasl_mechanism=plain -sasl_username=alice -sasl_password=" +
            std::string(kPassword)
    );

    // SASL made it the account (the guest sees the registered alice join), and WeeChat said so.
    wait_event(*guest, "JOIN", "user", "alice");
    EXPECT_TRUE(eventually_contains(
        [&] { return weechat_logs(); }, "SASL authentication successful", kClientWait
    ));
    EXPECT_NE(server.process().log().find("alice logged in"), std::string::npos);

    // WeeChat to native: typed into #home through WeeChat's FIFO, once WeeChat has the channel.
    ASSERT_TRUE(eventually_contains(
        [&] { return weechat_logs(); }, "alice (alice@salon) has joined #home", kClientWait
    ));
    weechat_command("irc.salon.#home", "hello from weechat");
    const auto msg = wait_event(*guest, "MSG", "text", "hello from weechat");
    EXPECT_EQ(msg.at("from").as_string(), "alice");

    // Native to WeeChat: a channel message and a direct message, as WeeChat logged them.
    guest->send(make_frame("SEND", {{"channel", "home"}, {"text", "hi alice, from native"}}));
    guest->send(make_frame("DM", {{"to", "alice"}, {"text", "a private word"}}));
    EXPECT_TRUE(eventually_contains(
        [&] { return weechat_logs(); }, "Guest9001\thi alice, from native", kClientWait
    ));
    EXPECT_TRUE(eventually_contains(
        [&] { return weechat_logs(); }, "Guest9001\ta private word", kClientWait
    ));
}

TEST_F(RealIrcClient, IrssiJoinsAsAGuestAndTalksWithANativeUser) {
    if (!on_path("irssi") || !on_path("tmux")) GTEST_SKIP() << "irssi or tmux is not installed";
    IrcServer& server = server_.emplace();
    auto native_user = native(server, "Guest4711", false);
    start_irssi(server.irc_port(), "bob");

    irssi_keys("/join #home");
    wait_event(*native_user, "JOIN", "user", "bob");
    irssi_keys("hello from irssi");
    const auto msg = wait_event(*native_user, "MSG", "text", "hello from irssi");
    EXPECT_EQ(msg.at("from").as_string(), "bob");

    native_user->send(make_frame("SEND", {{"channel", "home"}, {"text", "hi bob, from native"}}));
    EXPECT_TRUE(
        eventually_contains([&] { return irssi_screen(); }, "hi bob, from native", kClientWait)
    ) << irssi_screen();
}

/// Posts `text` to home (answering `reply_to` when not 0) and returns the message's id.
std::int64_t post(LineClient& conn, const std::string& text, std::int64_t reply_to = 0) {
    boost::json::object args{{"channel", "home"}, {"text", text}};
    if (reply_to != 0) args["reply_to"] = reply_to;
    conn.send(make_frame("SEND", std::move(args)));
    return body_of(conn.wait_for("OK", kClientWait)).at("id").as_int64();
}

/// A native user replies to a message, reacts to it and deletes it: what issue 24 wants IRC
/// users to see. Each change is answered before the next is sent, so they arrive in order.
void reply_react_delete(LineClient& conn, std::int64_t parent) {
    post(conn, "sure, see you there", parent);
    conn.send(make_frame("REACT", {{"id", parent}, {"emoji", "👍"}}));
    conn.wait_for("OK", kClientWait);
    conn.send(make_frame("DELETE", {{"id", parent}}));
    conn.wait_for("OK", kClientWait);
}

// irssi 1.4 asks for no message-tags nor draft/message-redaction: replies, reactions and
// deletes reach it as lines (docs/irc.md, fallbacks). Its user answers by addressing.
TEST_F(RealIrcClient, IrssiSeesANativeUsersReplyReactionAndDeleteAsLines) {
    if (!on_path("irssi") || !on_path("tmux")) GTEST_SKIP() << "irssi or tmux is not installed";
    IrcServer& server = server_.emplace();
    auto native_user = native(server, "Guest4713", false);
    start_irssi(server.irc_port(), "dan");
    irssi_keys("/join #home");
    wait_event(*native_user, "JOIN", "user", "dan");

    const auto parent = post(*native_user, "lunch at noon?");
    reply_react_delete(*native_user, parent);
    for (const std::string_view line :
         {"(re Guest4713: \"lunch at noon?\") sure, see you there",
          "* Guest4713 reacted 👍 to their message: \"lunch at noon?\"",
          "* Guest4713 deleted their message"}) {
        EXPECT_TRUE(eventually_contains([&] { return irssi_screen(); }, line, kClientWait))
            << line << " not in:\n"
            << irssi_screen();
    }

    // irssi cannot tag a reply: its user addresses the author, which reaches them as text.
    irssi_keys("Guest4713: great");
    wait_event(*native_user, "MSG", "text", "Guest4713: great");
}

// WeeChat 3.8 asks for message-tags but not draft/message-redaction nor draft/read-marker, and
// shows neither +draft/reply nor a TAGMSG reaction: it sees the reply's text and the delete's
// line, not the reaction. Its user can react with /quote, which the native user sees.
TEST_F(RealIrcClient, WeeChatSeesANativeUsersReplyAndDeleteAndReactsWithQuote) {
    if (!on_path("weechat-headless")) GTEST_SKIP() << "weechat-headless is not installed";
    IrcServer& server = server_.emplace();
    auto native_user = native(server, "Guest9003", false);
    start_weechat(server.irc_port(), "-nossl -nicks=wee");
    wait_event(*native_user, "JOIN", "user", "wee");
    ASSERT_TRUE(eventually_contains(
        [&] { return weechat_logs(); }, "wee (wee@salon) has joined #home", kClientWait
    ));

    const auto parent = post(*native_user, "lunch at noon?");
    const auto kept = post(*native_user, "the menu is on the door");
    weechat_command(
        "irc.server.salon",
        "/quote @+draft/react=🎉;+draft/reply=" + std::to_string(kept) + " TAGMSG #home"
    );
    const auto update = wait_event(*native_user, "UPDATE", "text", "the menu is on the door");
    EXPECT_EQ(update.at("reactions").as_array()[0].at("users").as_array()[0].as_string(), "wee");

    reply_react_delete(*native_user, parent);
    EXPECT_TRUE(eventually_contains(
        [&] { return weechat_logs(); }, "Guest9003\t* Guest9003 deleted their message", kClientWait
    )) << weechat_logs();
    // In order: the reply came before the delete, the reaction (not shown) between them.
    const std::string logs = weechat_logs();
    EXPECT_NE(logs.find("Guest9003\tsure, see you there"), std::string::npos) << logs;
    EXPECT_EQ(logs.find("reacted"), std::string::npos) << logs;
}

/// A self-signed certificate for localhost and 127.0.0.1 in `dir` (`salond tls self-signed`),
/// and the salond arguments that serve IRC over TLS on `irc_tls_port` with it.
std::vector<std::string> tls_args(const fs::path& dir, std::uint16_t irc_tls_port) {
    return tls_listener_args(make_self_signed(dir), {.irc = irc_tls_port});
}

/// The SHA-256 fingerprint of a PEM certificate, in hex: what WeeChat pins.
std::string sha256_fingerprint(const fs::path& certificate) {
    std::FILE* in = std::fopen(certificate.c_str(), "r");
    if (in == nullptr) throw std::runtime_error("cannot read " + certificate.string());
    X509* x509 = ::PEM_read_X509(in, nullptr, nullptr, nullptr);
    std::fclose(in);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned length = 0;
    ::X509_digest(x509, ::EVP_sha256(), digest, &length);
    ::X509_free(x509);
    std::string hex;
    for (unsigned i = 0; i < length; ++i) {
        static constexpr char kDigits[] = "0123456789abcdef";
        hex += kDigits[digest[i] >> 4];
        hex += kDigits[digest[i] & 0xf];
    }
    return hex;
}

TEST_F(RealIrcClient, WeeChatOverTlsLogsInWithSaslAndTalksWithANativeUser) {
    if (!on_path("weechat-headless")) GTEST_SKIP() << "weechat-headless is not installed";
    const std::uint16_t tls_port = pick_free_port();
    IrcServer& server = server_.emplace(tls_args(dir_, tls_port));
    native(server, "alice", true)->send(make_frame("END"));
    auto guest = native(server, "Guest9002", false);

    start_weechat(
        tls_port,
        "-ssl -ssl_fingerprint=" + sha256_fingerprint(dir_ / "tls" / "self-signed.crt") +
            " -nicks=alice -sasl_mechanism=plain -sasl_username=alice -sasl_password=" +
            std::string(kPassword)
    );

    wait_event(*guest, "JOIN", "user", "alice");
    EXPECT_TRUE(eventually_contains(
        [&] { return weechat_logs(); }, "SASL authentication successful", kClientWait
    ));
    ASSERT_TRUE(eventually_contains(
        [&] { return weechat_logs(); }, "alice (alice@salon) has joined #home", kClientWait
    ));
    weechat_command("irc.salon.#home", "hello over TLS from weechat");
    wait_event(*guest, "MSG", "text", "hello over TLS from weechat");
    guest->send(make_frame("SEND", {{"channel", "home"}, {"text", "hi alice, over TLS"}}));
    EXPECT_TRUE(eventually_contains(
        [&] { return weechat_logs(); }, "Guest9002\thi alice, over TLS", kClientWait
    ));
}

TEST_F(RealIrcClient, IrssiOverTlsVerifiesTheCertificateAndTalksWithANativeUser) {
    if (!on_path("irssi") || !on_path("tmux")) GTEST_SKIP() << "irssi or tmux is not installed";
    const std::uint16_t tls_port = pick_free_port();
    IrcServer& server = server_.emplace(tls_args(dir_, tls_port));
    auto native_user = native(server, "Guest4712", false);
    start_irssi(tls_port, "carol", dir_ / "tls" / "self-signed.crt");

    irssi_keys("/join #home");
    wait_event(*native_user, "JOIN", "user", "carol");
    irssi_keys("hello over TLS from irssi");
    wait_event(*native_user, "MSG", "text", "hello over TLS from irssi");
    native_user->send(make_frame("SEND", {{"channel", "home"}, {"text", "hi carol, over TLS"}}));
    EXPECT_TRUE(
        eventually_contains([&] { return irssi_screen(); }, "hi carol, over TLS", kClientWait)
    ) << irssi_screen();
}

#ifdef SALON_CLIENT_PATH
// The issue's acceptance: `irssi -c localhost -p 6667 -n alice`, `/join #home`, and a `salon`
// terminal user and the irssi user talk to each other.
TEST_F(RealIrcClient, IrssiAndTheSalonTerminalClientTalk) {
    if (!on_path("irssi") || !on_path("tmux")) GTEST_SKIP() << "irssi or tmux is not installed";
    IrcServer& server = server_.emplace();
    const std::string address = "127.0.0.1:" + std::to_string(server.native_port());
    const fs::path tail_out = dir_ / "tail.txt";
    tail_pid_ =
        spawn({SALON_CLIENT_PATH, "-s", address, "-c", "home", "tail", "--history", "0"}, tail_out);
    start_irssi(server.irc_port(), "alice");
    irssi_keys("/join #home");
    // The terminal user is in #home once irssi lists two members.
    ASSERT_TRUE(eventually_contains([&] { return irssi_screen(); }, "Total of 2 nicks", kClientWait)
    ) << irssi_screen()
      << read_all(tail_out);

    irssi_keys("hello from irssi");
    EXPECT_TRUE(eventually_contains(
        [&] { return read_all(tail_out); }, "<alice> hello from irssi", kClientWait
    )) << read_all(tail_out);

    const pid_t sender = spawn(
        {SALON_CLIENT_PATH, "-s", address, "-c", "home", "send", "hi alice, from the terminal"},
        dir_ / "send.txt"
    );
    int status = -1;
    ::waitpid(sender, &status, 0);
    EXPECT_EQ(status, 0) << read_all(dir_ / "send.txt");
    EXPECT_TRUE(eventually_contains(
        [&] { return irssi_screen(); }, "hi alice, from the terminal", kClientWait
    )) << irssi_screen();
}
#endif

}  // namespace
}  // namespace salon::test
