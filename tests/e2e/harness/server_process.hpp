// Starts, stops and restarts a real salond for one test, on 127.0.0.1 and a private data dir.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace salon::test {

struct ServerOptions {
    std::vector<std::string> extra_args;  // appended to the salond command line
    std::filesystem::path data_dir;       // empty: a fresh temp dir, removed at destruction
};

/// One salond child process. The constructor returns once the port accepts connections.
/// Not thread-safe; one test drives it.
class ServerProcess {
public:
    /// Starts salond on 127.0.0.1 with free ephemeral ports, native and HTTP (others are tried when
    /// the bind fails), `--log-level info`, stderr appended to <data_dir>/salond.log. Waits at most
    /// 10 s until this child has logged "listening on 127.0.0.1:PORT" and the port accepts;
    /// throws std::runtime_error with the log tail on failure.
    explicit ServerProcess(ServerOptions options = {});
    /// SIGTERM, wait ≤ 5 s, then SIGKILL; removes a data dir it created.
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    std::uint16_t port() const { return port_; }

    /// The HTTP port (web client, /ws, /healthz, /metrics), also free and ephemeral.
    std::uint16_t http_port() const { return http_port_; }

    std::uint16_t irc_port() const { return irc_port_; }

    /// "127.0.0.1:PORT"
    std::string address() const;

    const std::filesystem::path& data_dir() const { return data_dir_; }

    /// The child's pid, or -1 when it is not running.
    pid_t pid() const { return pid_; }

    /// Sends `signal`, waits (≤ 5 s, then SIGKILL) and returns the exit status, or 128+signal
    /// when it died of a signal. Returns -1 when it was not running.
    int stop(int signal = SIGTERM);

    /// (Re)starts on the same port and data dir; throws like the constructor.
    void start();

    /// The captured stderr so far (all runs of this object).
    std::string log() const;

private:
    /// One attempt to spawn and wait for readiness; false when the child exited early
    /// (e.g. the port was taken meanwhile), throws on a timeout.
    bool try_start();

    ServerOptions options_;
    std::filesystem::path data_dir_;
    bool owns_data_dir_ = false;
    std::uint16_t port_ = 0;
    std::uint16_t http_port_ = 0;
    std::uint16_t irc_port_ = 0;
    pid_t pid_ = -1;
};

/// The salond binary: $SALOND_PATH when set, else the path CMake compiled in.
std::filesystem::path salond_path();

/// A new empty directory under the system temp dir, named after `prefix`.
std::filesystem::path make_temp_dir(std::string_view prefix);

/// What a finished command printed and how it ended.
struct CommandResult {
    int exit_status = -1;  // exit code, or 128+signal
    std::string output;    // stdout and stderr, interleaved
};

/// Runs salond with `args` (e.g. {"user", "add", "ann", "--data-dir", dir}), writing `input`
/// to its stdin; waits at most 10 s (then SIGKILL, status 128+9).
CommandResult run_salond(const std::vector<std::string>& args, std::string_view input = {});

/// A free loopback port below the kernel's ephemeral range, so that no outgoing connection can
/// take it. Another test may still pick it before salond binds it; ServerProcess retries its
/// own, other callers accept the rare race.
std::uint16_t pick_free_port();

/// A certificate and key made by `salond tls self-signed`.
struct SelfSignedPair {
    std::filesystem::path certificate;
    std::filesystem::path key;
};

/// Runs `salond tls self-signed --data-dir data_dir` (with `--host host` unless empty, else
/// salond's default, localhost); throws with salond's output when it fails.
SelfSignedPair make_self_signed(const std::filesystem::path& data_dir, std::string_view host = {});

/// The TLS ports salond should listen on; 0 turns one off.
struct TlsPorts {
    std::uint16_t native = 0;
    std::uint16_t irc = 0;
    std::uint16_t https = 0;
};

/// salond's arguments for serving `pair` on `ports` (each of the three given, so that none takes
/// its default port).
std::vector<std::string> tls_listener_args(const SelfSignedPair& pair, TlsPorts ports);

}  // namespace salon::test
