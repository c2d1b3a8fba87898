// The salond child-process harness: spawn, readiness wait, signals and the captured log.
#include "harness/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace salon::test {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kStopTimeout = std::chrono::seconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(10);
constexpr int kPortAttempts = 5;

}  // namespace

namespace {

// The lowest port the kernel hands out to outgoing connections (32768 on Linux by default).
int first_ephemeral_port() {
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 0;
    if (!(range >> low)) {
        low = 32768;
    }
    return low;
}

bool can_bind(std::uint16_t port, std::uint16_t& bound) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    socklen_t len = sizeof addr;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    ::close(fd);
    bound = ntohs(addr.sin_port);
    return ok;
}

}  // namespace

std::uint16_t pick_free_port() {
    // Below the ephemeral range: a test client's outgoing connection can never be given the
    // port while salond is down for a restart (that made a rebind fail with EADDRINUSE).
    constexpr int kLowest = 10000;
    const int below = first_ephemeral_port();
    if (below - kLowest >= 1000) {
        static thread_local std::mt19937 random(std::random_device{}());
        std::uniform_int_distribution<int> pick(kLowest, below - 1);
        for (int attempt = 0; attempt < 100; ++attempt) {
            std::uint16_t bound = 0;
            if (can_bind(static_cast<std::uint16_t>(pick(random)), bound)) {
                return bound;
            }
        }
    }
    std::uint16_t bound = 0;
    if (!can_bind(0, bound)) {
        throw std::runtime_error(std::string("cannot pick a port: ") + std::strerror(errno));
    }
    return bound;
}

namespace {

bool port_accepts(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

int decode_status(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

/// Waits for `pid` until `deadline`; the decoded status, or nullopt when still running.
std::optional<int> wait_until(pid_t pid, Clock::time_point deadline) {
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            return decode_status(status);
        }
        if (r < 0 && errno != EINTR) {
            return -1;
        }
        if (Clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(kPollInterval);
    }
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string tail(const std::string& text, std::size_t bytes = 4000) {
    return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

/// posix_spawn with stdin, stdout and stderr redirected to the given fds.
pid_t spawn(const std::vector<std::string>& argv, int in_fd, int out_fd) {
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_fd, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDERR_FILENO);
    // The child starts with SIGPIPE at its default, whatever the test process chose.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
    return pid;
}

}  // namespace

std::filesystem::path salond_path() {
    if (const char* env = std::getenv("SALOND_PATH"); env != nullptr && *env != '\0') {
        return env;
    }
#ifdef SALON_SALOND_PATH
    return SALON_SALOND_PATH;
#else
    throw std::runtime_error("salond is not part of this build: set SALOND_PATH");
#endif
}

std::filesystem::path make_temp_dir(std::string_view prefix) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    }
    return pattern;
}

ServerProcess::ServerProcess(ServerOptions options) : options_(std::move(options)) {
    if (options_.data_dir.empty()) {
        data_dir_ = make_temp_dir("salon-e2e");
        owns_data_dir_ = true;
    } else {
        data_dir_ = options_.data_dir;
        std::filesystem::create_directories(data_dir_);
    }
    try {
        for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
            // Every listener gets a port of its own: a default (6667, 8080) would make
            // concurrent tests fight over it.
            port_ = pick_free_port();
            do {
                http_port_ = pick_free_port();
            } while (http_port_ == port_);
            do {
                irc_port_ = pick_free_port();
            } while (irc_port_ == port_ || irc_port_ == http_port_);
            if (try_start()) {
                return;
            }
        }
        throw std::runtime_error(
            "salond exited at startup on " + std::to_string(kPortAttempts) + " ports; log tail:\n" +
            tail(log())
        );
    } catch (...) {
        if (owns_data_dir_) {
            std::error_code ec;
            std::filesystem::remove_all(data_dir_, ec);
        }
        throw;
    }
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0) {
        stop(SIGTERM);
    }
    // For debugging a failing scenario: SALON_E2E_SHOW_LOG=1 prints what the server said.
    if (const char* show = std::getenv("SALON_E2E_SHOW_LOG"); show != nullptr && *show == '1') {
        std::fprintf(stderr, "---- salond log (%s) ----\n%s\n", address().c_str(), log().c_str());
    }
    if (owns_data_dir_) {
        std::error_code ec;
        std::filesystem::remove_all(data_dir_, ec);
    }
}

std::string ServerProcess::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

bool ServerProcess::try_start() {
    std::vector<std::string> argv{
        salond_path().string(),
        "--bind",
        "127.0.0.1",
        "--port",
        std::to_string(port_),
        "--http-port",
        std::to_string(http_port_),
        "--irc-port",
        std::to_string(irc_port_),
        "--data-dir",
        data_dir_.string(),
        "--log-level",
        "info",
    };
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());

    // Only what this run writes counts for readiness; the log keeps earlier runs above it.
    std::error_code size_error;
    const auto log_size = std::filesystem::file_size(data_dir_ / "salond.log", size_error);
    const std::size_t log_offset = size_error ? 0 : static_cast<std::size_t>(log_size);
    const int log_fd =
        ::open((data_dir_ / "salond.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log_fd < 0 || null_fd < 0) {
        throw std::runtime_error(std::string("cannot open the log: ") + std::strerror(errno));
    }
    try {
        pid_ = spawn(argv, null_fd, log_fd);
    } catch (...) {
        ::close(log_fd);
        ::close(null_fd);
        throw;
    }
    ::close(log_fd);
    ::close(null_fd);

    // Ready means: our own child logged that it listens on our port (so a port accepting
    // connections is not some other test's server that grabbed it first), and the port accepts.
    const std::string ready_line = "listening on " + address();
    const auto deadline = Clock::now() + kStartTimeout;
    for (;;) {
        if (log().find(ready_line, log_offset) != std::string::npos && port_accepts(port_)) {
            return true;
        }
        if (wait_until(pid_, Clock::now())) {
            pid_ = -1;
            return false;  // exited early, e.g. the port was taken meanwhile
        }
        if (Clock::now() >= deadline) {
            ::kill(pid_, SIGKILL);
            wait_until(pid_, Clock::now() + kStopTimeout);
            pid_ = -1;
            throw std::runtime_error(
                "salond did not report listening on " + address() + " within 10 s; log tail:\n" +
                tail(log())
            );
        }
        std::this_thread::sleep_for(kPollInterval);
    }
}

void ServerProcess::start() {
    if (pid_ > 0) {
        throw std::runtime_error("salond is already running");
    }
    // The same port: clients and tests refer to it. Only a port thief makes this fail.
    if (!try_start()) {
        throw std::runtime_error(
            "salond exited at restart on " + address() + "; log tail:\n" + tail(log())
        );
    }
}

int ServerProcess::stop(int signal) {
    if (pid_ <= 0) {
        return -1;
    }
    ::kill(pid_, signal);
    auto status = wait_until(pid_, Clock::now() + kStopTimeout);
    if (!status) {
        ::kill(pid_, SIGKILL);
        status = wait_until(pid_, Clock::now() + kStopTimeout);
    }
    pid_ = -1;
    return status.value_or(-1);
}

std::string ServerProcess::log() const {
    return read_file(data_dir_ / "salond.log");
}

CommandResult run_salond(const std::vector<std::string>& args, std::string_view input) {
    std::vector<std::string> argv{salond_path().string()};
    argv.insert(argv.end(), args.begin(), args.end());

    int in_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    int out_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        ::close(in_pipe[0]);
        ::close(in_pipe[1]);
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    const pid_t pid = spawn(argv, in_pipe[0], out_pipe[1]);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);

    // A child that exits without reading its stdin must not kill the test with SIGPIPE: the
    // write then fails with EPIPE instead (sockets use MSG_NOSIGNAL for the same reason).
    std::signal(SIGPIPE, SIG_IGN);
    // The input is a password line: far below the pipe's capacity, so one write never blocks.
    std::string_view rest = input;
    while (!rest.empty()) {
        const ssize_t n = ::write(in_pipe[1], rest.data(), rest.size());
        if (n <= 0) {
            break;  // the child may exit without reading; its status tells the test why
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    ::close(in_pipe[1]);

    CommandResult result;
    const auto deadline = Clock::now() + kStartTimeout;
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            break;
        }
        pollfd pfd{out_pipe[0], POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
            break;
        }
        char chunk[4096];
        const ssize_t n = ::read(out_pipe[0], chunk, sizeof chunk);
        if (n <= 0) {
            break;
        }
        result.output.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(out_pipe[0]);
    auto status = wait_until(
        pid,
        Clock::now() + (Clock::now() < deadline ? deadline - Clock::now() : Clock::duration::zero())
    );
    if (!status) {
        ::kill(pid, SIGKILL);
        status = wait_until(pid, Clock::now() + kStopTimeout);
    }
    result.exit_status = status.value_or(-1);
    return result;
}

SelfSignedPair make_self_signed(const std::filesystem::path& data_dir, std::string_view host) {
    std::vector<std::string> args{"tls", "self-signed", "--data-dir", data_dir.string()};
    if (!host.empty()) {
        args.emplace_back("--host");
        args.emplace_back(host);
    }
    const auto made = run_salond(args);
    if (made.exit_status != 0) {
        throw std::runtime_error("salond tls self-signed failed: " + made.output);
    }
    return {data_dir / "tls" / "self-signed.crt", data_dir / "tls" / "self-signed.key"};
}

std::vector<std::string> tls_listener_args(const SelfSignedPair& pair, TlsPorts ports) {
    return {
        "--tls-cert",
        pair.certificate.string(),
        "--tls-key",
        pair.key.string(),
        "--tls-port",
        std::to_string(ports.native),
        "--irc-tls-port",
        std::to_string(ports.irc),
        "--https-port",
        std::to_string(ports.https)};
}

}  // namespace salon::test
