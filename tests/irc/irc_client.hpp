// A blocking, scripted IRC client over a real TCP socket, and a salond started with an IRC port:
// what the IRC end-to-end tests drive.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/server_process.hpp"
#include "proto/irc_message.hpp"

namespace salon::test {

using namespace std::chrono_literals;

/// Longest a test waits for something that must happen.
constexpr std::chrono::milliseconds kIrcWait = 5s;
/// How long a test listens to conclude that something did not happen: twice the 300 ms a
/// presence notice may wait for a write, so a JOIN still on its way is not taken for silence.
constexpr std::chrono::milliseconds kIrcQuiet = 600ms;

/// salond (the harness's ServerProcess: every listener on a free port) once its IRC port accepts.
class IrcServer {
public:
    explicit IrcServer(std::vector<std::string> extra_args = {});
    /// Stops salond with SIGTERM; a test failure when it does not exit 0 or reported a
    /// sanitizer error (the suite also runs under ASan and UBSan).
    ~IrcServer();
    IrcServer(const IrcServer&) = delete;
    IrcServer& operator=(const IrcServer&) = delete;

    ServerProcess& process() { return *server_; }

    std::uint16_t irc_port() const { return irc_port_; }

    std::uint16_t native_port() const { return server_->port(); }

private:
    std::uint16_t irc_port_ = 0;
    std::unique_ptr<ServerProcess> server_;
};

/// One IRC connection. Lines are read as they are asked for. Not thread-safe.
class IrcClient {
public:
    /// Connects at once; throws std::runtime_error when refused. `receive_buffer_bytes` > 0
    /// shrinks the receive buffer first, so that a client that stops reading stalls quickly.
    explicit IrcClient(std::uint16_t port, int receive_buffer_bytes = 0);
    ~IrcClient();
    IrcClient(const IrcClient&) = delete;
    IrcClient& operator=(const IrcClient&) = delete;

    /// Sends `line` and "\r\n".
    void send(std::string_view line);
    /// Sends exactly these bytes.
    void send_raw(std::string_view bytes);

    /// The next line without "\r\n"; nullopt on timeout or when the server closed.
    std::optional<std::string> next(std::chrono::milliseconds timeout = kIrcWait);

    /// Reads until a line that `match` accepts and returns it; the lines skipped are appended
    /// to `skipped` when given. Throws std::runtime_error (with what came) on timeout or close.
    std::string wait_for(
        const std::function<bool(const proto::irc::Message&)>& match,
        std::vector<std::string>* skipped = nullptr,
        std::chrono::milliseconds timeout = kIrcWait
    );
    /// Waits for a line whose command (or numeric) is `command`.
    std::string wait_for(std::string_view command, std::vector<std::string>* skipped = nullptr);

    /// Every line that arrives within `quiet` (none must be missed: tests look for absences).
    std::vector<std::string> drain(std::chrono::milliseconds quiet = kIrcQuiet);

    /// NICK/USER (after CAP REQ of `caps` and PASS when given) up to the end of the MOTD.
    /// Returns every line of the welcome.
    std::vector<std::string> register_as(
        std::string_view nick, std::string_view caps = {}, std::string_view pass = {}
    );

    /// True when the server closes the connection within `timeout` (lines before are dropped).
    bool closed_by_peer(std::chrono::milliseconds timeout = kIrcWait);

private:
    bool fill(std::chrono::milliseconds timeout);

    int fd_ = -1;
    bool eof_ = false;
    std::string buffer_;
};

/// The parsed line; throws when it does not parse.
proto::irc::Message parse_line(std::string_view line);

/// True when one of `lines` contains `needle`.
bool has_line(const std::vector<std::string>& lines, std::string_view needle);

/// `lines`, one per text line: for failure messages.
std::string joined(const std::vector<std::string>& lines);

/// The value of tag `name` in `line`, nullopt when absent.
std::optional<std::string> tag_of(std::string_view line, std::string_view name);

/// SASL PLAIN's AUTHENTICATE argument for `user` and `password`.
std::string sasl_plain(std::string_view user, std::string_view password);

}  // namespace salon::test
