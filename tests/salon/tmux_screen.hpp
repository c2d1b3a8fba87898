// A pseudo-terminal for the interactive client: a private tmux server (its own socket in a temp
// dir) running one program, driven with send-keys and read with capture-pane.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace salon::test {

class TmuxScreen {
public:
    /// Starts `command` (argv, run without a shell) in a detached session of `cols` x `rows`,
    /// with `env` added to its environment. Throws std::runtime_error if tmux fails.
    TmuxScreen(
        const std::vector<std::string>& command,
        const std::map<std::string, std::string>& env,
        int cols,
        int rows
    );
    /// Kills the tmux server, and with it the program.
    ~TmuxScreen();
    TmuxScreen(const TmuxScreen&) = delete;
    TmuxScreen& operator=(const TmuxScreen&) = delete;

    /// Types literal text (no key names are interpreted).
    void type(const std::string& text);

    /// Sends tmux key names: "Enter", "PageUp", "M-1", "C-c".
    void keys(const std::vector<std::string>& names);

    /// The visible screen, one string per row, trailing spaces kept as tmux gives them.
    std::string capture();

    /// Waits (bounded) until the screen contains `text`; returns whether it did. The last
    /// capture is kept for failure messages.
    bool wait_for(const std::string& text, std::chrono::milliseconds timeout);

    /// Waits (bounded) until the screen no longer contains `text`.
    bool wait_until_gone(const std::string& text, std::chrono::milliseconds timeout);

    /// Resizes the terminal the program sees (SIGWINCH is delivered by tmux).
    void resize(int cols, int rows);

    /// True while the program in the pane is still running.
    bool program_running();

    /// Waits (bounded) for the program to end and returns its exit status; -1 if it did not.
    int wait_for_exit(std::chrono::milliseconds timeout);

    const std::string& last_screen() const { return last_; }

private:
    std::string tmux(const std::vector<std::string>& args, int* status = nullptr);

    std::filesystem::path dir_;
    std::filesystem::path socket_;
    std::string last_;
};

}  // namespace salon::test
