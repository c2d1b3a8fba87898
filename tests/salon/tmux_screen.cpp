// TmuxScreen: tmux commands run through the child-process helper, waits by polling the screen.
#include "tmux_screen.hpp"

#include <fstream>
#include <stdexcept>
#include <thread>

#include "child_process.hpp"
#include "harness/server_process.hpp"

namespace salon::test {
namespace {

std::string tmux_path() {
#ifdef SALON_TMUX_PATH
    return SALON_TMUX_PATH;
#else
    return "/usr/bin/tmux";
#endif
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out.push_back(c);
        }
    }
    return out + "'";
}

}  // namespace

TmuxScreen::TmuxScreen(
    const std::vector<std::string>& command,
    const std::map<std::string, std::string>& env,
    int cols,
    int rows
)
    : dir_(make_temp_dir("salon-tmux")), socket_(dir_ / "tmux.sock") {
    // tmux runs the pane command through a shell; quote every word and set the environment
    // there, because a tmux server started by someone else would not inherit ours.
    // The shell then writes the program's exit status to a file: tmux's own pane_dead_status
    // was seen missing now and then with several tmux servers busy at once.
    std::string line = "env -u SALON_PASSWORD";
    for (const auto& [k, v] : env) line += " " + shell_quote(k + "=" + v);
    for (const auto& word : command) line += " " + shell_quote(word);
    line += "; echo $? > " + shell_quote((dir_ / "exit-status").string());
    int status = 0;
    const std::string out = tmux(
        {"-f",
         "/dev/null",
         "new-session",
         "-d",
         "-x",
         std::to_string(cols),
         "-y",
         std::to_string(rows),
         line},
        &status
    );
    if (status != 0) throw std::runtime_error("tmux new-session failed: " + out);
    // Keep the pane after the program exits so a test can still read its last screen.
    tmux({"set-option", "-g", "remain-on-exit", "on"});
}

TmuxScreen::~TmuxScreen() {
    tmux({"kill-server"});
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::string TmuxScreen::tmux(const std::vector<std::string>& args, int* status) {
    std::vector<std::string> argv{tmux_path(), "-S", socket_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    // TERM must be one tmux knows; the pane itself gets tmux's own "screen"/"tmux" type.
    auto r = run(argv, {{"TERM", "xterm-256color"}}, {}, std::chrono::seconds(10));
    if (status != nullptr) *status = r.exit_status;
    return r.out + r.err;
}

void TmuxScreen::type(const std::string& text) {
    tmux({"send-keys", "-t", "0", "-l", text});
}

void TmuxScreen::keys(const std::vector<std::string>& names) {
    std::vector<std::string> args{"send-keys", "-t", "0"};
    args.insert(args.end(), names.begin(), names.end());
    tmux(args);
}

std::string TmuxScreen::capture() {
    last_ = tmux({"capture-pane", "-p", "-t", "0"});
    return last_;
}

bool TmuxScreen::wait_for(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (capture().find(text) != std::string::npos) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling interval, not a wait
    }
}

bool TmuxScreen::wait_until_gone(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (capture().find(text) == std::string::npos) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

void TmuxScreen::resize(int cols, int rows) {
    tmux({"resize-window", "-t", "0", "-x", std::to_string(cols), "-y", std::to_string(rows)});
}

bool TmuxScreen::program_running() {
    return tmux({"display-message", "-p", "-t", "0", "#{pane_dead}"}).find('0') == 0;
}

int TmuxScreen::wait_for_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const auto status_file = dir_ / "exit-status";
    for (;;) {
        std::ifstream in(status_file);
        int status = -1;
        if (in >> status) return status;  // written whole: the shell's echo is one small write
        if (std::chrono::steady_clock::now() >= deadline) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace salon::test
