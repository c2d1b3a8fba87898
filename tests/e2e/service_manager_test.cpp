// salond under systemd: the readiness protocol of Type=notify (READY, RELOADING, STOPPING on
// $NOTIFY_SOCKET) and the `<priority>` log lines it writes when stderr is the journal.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

/// What systemd listens on: a datagram socket whose path salond finds in $NOTIFY_SOCKET.
class NotifySocket {
public:
    explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            throw std::runtime_error("notify socket: " + std::string(std::strerror(errno)));
        }
    }

    ~NotifySocket() { ::close(fd_); }

    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    /// The next datagram, or "" after `wait`.
    std::string next(std::chrono::milliseconds wait = std::chrono::seconds(10)) {
        pollfd ready{.fd = fd_, .events = POLLIN, .revents = 0};
        if (::poll(&ready, 1, static_cast<int>(wait.count())) != 1) return {};
        char buffer[4096];
        const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    }

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

/// Sets an environment variable for the servers started in its lifetime (salond inherits the
/// test's environment).
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        ::setenv(name, value.c_str(), 1);
    }

    ~ScopedEnv() { ::unsetenv(name_); }

    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
};

class ServiceManager : public ::testing::Test {
protected:
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path dir_ = make_temp_dir("salon-e2e-systemd");
};

TEST_F(ServiceManager, SaysReadyOnceListeningThenReloadingAndStopping) {
    NotifySocket systemd(dir_ / "notify");
    ScopedEnv notify("NOTIFY_SOCKET", (dir_ / "notify").string());
    ServerProcess server({.extra_args = {}, .data_dir = dir_ / "data"});

    const std::string ready = systemd.next();
    EXPECT_NE(ready.find("READY=1"), std::string::npos) << ready;
    // The status names every listener, as `systemctl status` shows it.
    EXPECT_NE(ready.find("native " + std::to_string(server.port())), std::string::npos) << ready;
    EXPECT_NE(ready.find("HTTP " + std::to_string(server.http_port())), std::string::npos) << ready;
    // And it came after the listeners were accepting: a client connects at once.
    LineClient ann("127.0.0.1", server.port());
    login(ann, "");

    ASSERT_EQ(::kill(server.pid(), SIGHUP), 0);
    EXPECT_EQ(systemd.next(), "RELOADING=1");
    EXPECT_EQ(systemd.next(), "READY=1");
    // Reloading dropped nobody.
    call_ok(ann, "JOIN", {{"channel", "after-reload"}});

    EXPECT_EQ(server.stop(), 0);
    EXPECT_NE(systemd.next().find("STOPPING=1"), std::string::npos);
}

TEST_F(ServiceManager, WithoutANotifySocketNothingIsSentAndSalondRunsAsBefore) {
    NotifySocket systemd(dir_ / "notify");  // bound, but salond is not told about it
    ServerProcess server({.extra_args = {}, .data_dir = dir_ / "data"});
    LineClient ann("127.0.0.1", server.port());
    login(ann, "");
    EXPECT_EQ(systemd.next(std::chrono::milliseconds(300)), "");
}

TEST_F(ServiceManager, LogsSyslogPrioritiesWithoutItsOwnTimestampWhenStderrIsTheJournal) {
    // The harness appends salond's stderr to <data dir>/salond.log: make that file first, so
    // that $JOURNAL_STREAM can name its device and inode as systemd names its stream's.
    const auto data = dir_ / "data";
    std::filesystem::create_directories(data);
    std::ofstream(data / "salond.log").flush();

    struct stat log {};

    ASSERT_EQ(::stat((data / "salond.log").c_str(), &log), 0);
    ScopedEnv journal(
        "JOURNAL_STREAM", std::to_string(log.st_dev) + ":" + std::to_string(log.st_ino)
    );
    ServerProcess server({.extra_args = {}, .data_dir = data});
    const std::string text = server.log();
    EXPECT_NE(text.find("<6>native protocol listening on 127.0.0.1:"), std::string::npos) << text;
    // systemd stamps and ranks each line itself: no second timestamp or level name.
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        EXPECT_TRUE(line.size() > 3 && line[0] == '<' && line[2] == '>') << line;
    }
}

TEST_F(ServiceManager, AnotherStreamInJournalStreamKeepsTheUsualFormat) {
    // Started from a shell inside a unit, stderr is a terminal or a file, not the journal.
    ScopedEnv journal("JOURNAL_STREAM", "1:1");
    ServerProcess server({.extra_args = {}, .data_dir = dir_ / "data"});
    const std::string text = server.log();
    EXPECT_NE(text.find(" info native protocol listening on"), std::string::npos) << text;
    EXPECT_EQ(text.find("<6>"), std::string::npos) << text;
}

}  // namespace
}  // namespace salon::test
