// Runs the `salon` binary (or any program) as a child with its own environment, feeding stdin
// and collecting stdout and stderr separately, always with a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace salon::test {

/// The client under test: $SALON_CLIENT_PATH when set, else the path CMake compiled in.
std::string salon_client_path();

struct ChildResult {
    int exit_status = -1;  ///< exit code, or 128+signal
    std::string out;
    std::string err;
};

/// A started child whose stdout can be read line by line (for `salon tail`).
class Child {
public:
    /// Starts `argv` with the parent's environment (minus SALON_PASSWORD) plus `env`
    /// (overrides), in a new session without a controlling terminal. stdin gets `input` and is
    /// then closed.
    Child(
        const std::vector<std::string>& argv,
        const std::map<std::string, std::string>& env,
        const std::string& input = {}
    );
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    /// Waits up to `timeout` for a complete stdout line; "" on timeout or end of output.
    std::string read_line(std::chrono::milliseconds timeout);

    /// Waits (bounded) until stdout contains `text`; true if it did.
    bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout);

    void signal(int sig);

    /// Waits up to `timeout` for the exit (then SIGKILL) and collects the rest of the output.
    ChildResult wait(std::chrono::milliseconds timeout);

    const std::string& out() const { return out_; }

private:
    bool pump(std::chrono::milliseconds timeout);

    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    std::string out_;
    std::string err_;
    std::size_t consumed_ = 0;
};

/// Starts, feeds `input`, and waits at most `timeout`.
ChildResult run(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& env = {},
    const std::string& input = {},
    std::chrono::milliseconds timeout = std::chrono::seconds(15)
);

}  // namespace salon::test
