// Child: fork/exec with three pipes and poll()-bounded reads.
#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <stdexcept>

extern char** environ;

namespace salon::test {

std::string salon_client_path() {
    if (const char* p = std::getenv("SALON_CLIENT_PATH"); p != nullptr && *p != '\0') return p;
#ifdef SALON_CLIENT_PATH
    return SALON_CLIENT_PATH;
#else
    throw std::runtime_error("set SALON_CLIENT_PATH to the salon binary");
#endif
}

namespace {

using SteadyClock = std::chrono::steady_clock;

int status_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

Child::Child(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& env,
    const std::string& input
) {
    int in_pipe[2], out_pipe[2], err_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 ||
        ::pipe2(err_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    std::map<std::string, std::string> merged;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string kv = *e;
        const auto eq = kv.find('=');
        if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    // A developer's own password must never leak into a test: only `env` can set it.
    merged.erase("SALON_PASSWORD");
    for (const auto& [k, v] : env) merged[k] = v;
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char*> argp;
    for (auto& a : args) argp.push_back(a.data());
    argp.push_back(nullptr);

    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        ::setsid();  // no controlling terminal: a password prompt must fail, not hang
        ::execve(argp[0], argp.data(), envp.data());
        ::_exit(127);
    }
    ::close(in_pipe[0]);
    // A child that exits before reading its stdin must fail its test, not kill the runner.
    std::signal(SIGPIPE, SIG_IGN);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    // Inputs in these tests are small; a pipe buffer holds them without blocking.
    if (!input.empty()) (void)!::write(in_pipe[1], input.data(), input.size());
    ::close(in_pipe[1]);
    out_fd_ = out_pipe[0];
    err_fd_ = err_pipe[0];
}

Child::~Child() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
}

bool Child::pump(std::chrono::milliseconds timeout) {
    std::array<pollfd, 2> fds{{{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}}};
    if (out_fd_ < 0 && err_fd_ < 0) return false;
    const int rc = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
    if (rc <= 0) return false;
    bool got = false;
    for (auto& p : fds) {
        if (p.fd < 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        std::array<char, 4096> buf{};
        const auto n = ::read(p.fd, buf.data(), buf.size());
        std::string& sink = p.fd == out_fd_ ? out_ : err_;
        if (n > 0) {
            sink.append(buf.data(), static_cast<std::size_t>(n));
            got = true;
        } else {
            ::close(p.fd);
            (p.fd == out_fd_ ? out_fd_ : err_fd_) = -1;
        }
    }
    return got;
}

std::string Child::read_line(std::chrono::milliseconds timeout) {
    const auto deadline = SteadyClock::now() + timeout;
    for (;;) {
        const auto nl = out_.find('\n', consumed_);
        if (nl != std::string::npos) {
            std::string line = out_.substr(consumed_, nl - consumed_);
            consumed_ = nl + 1;
            return line;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
        if (left.count() <= 0 || (out_fd_ < 0 && err_fd_ < 0)) return {};
        pump(left);
    }
}

bool Child::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = SteadyClock::now() + timeout;
    while (out_.find(text) == std::string::npos) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
        if (left.count() <= 0 || (out_fd_ < 0 && err_fd_ < 0)) return false;
        pump(left);
    }
    return true;
}

void Child::signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
}

ChildResult Child::wait(std::chrono::milliseconds timeout) {
    const auto deadline = SteadyClock::now() + timeout;
    ChildResult r;
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            r.exit_status = status_of(status);
            pid_ = -1;
            break;
        }
        if (SteadyClock::now() >= deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            r.exit_status = status_of(status);
            pid_ = -1;
            break;
        }
        pump(std::chrono::milliseconds(20));
    }
    // The child is gone, so the pipes reach end of file at once; the bound is for a grandchild
    // that kept them open.
    for (int i = 0; i < 50 && (out_fd_ >= 0 || err_fd_ >= 0); ++i)
        pump(std::chrono::milliseconds(100));
    r.out = out_;
    r.err = err_;
    return r;
}

ChildResult run(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& env,
    const std::string& input,
    std::chrono::milliseconds timeout
) {
    Child child(argv, env, input);
    return child.wait(timeout);
}

}  // namespace salon::test
