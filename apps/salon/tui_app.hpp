// The full-screen client's internals, shared by its three parts: tui.cpp (the connection and
// the server's answers), tui_input.cpp (keys and /commands) and tui_draw.cpp (the screen).
// Private to apps/salon: nothing outside includes it.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <vector>

// ncursesw's wide API (get_wch, addnwstr) needs this before the header.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>

#include "client/backoff.hpp"
#include "client/chat_model.hpp"
#include "client/line_editor.hpp"
#include "client/session.hpp"
#include "client/text.hpp"
#include "client/timestamp.hpp"
#include "core/names.hpp"
#include "options.hpp"

namespace salon::cli::tui {

using namespace std::chrono_literals;
using client::BufferKind;
using client::LineKind;
using SteadyClock = std::chrono::steady_clock;

inline constexpr auto kConnectTimeout = 3s;  // the UI freezes while connecting: keep it short
inline constexpr int kHistoryPage = 50;      // messages fetched per scroll-back request
inline constexpr int kNickPalette = 6;

// Colour pairs; 1..kNickPalette are the nick colours.
inline constexpr short kPairInfo = 7;
inline constexpr short kPairError = 8;
inline constexpr short kPairJoin = 9;
inline constexpr short kPairPart = 10;
inline constexpr short kPairBar = 11;
inline constexpr short kPairMention = 12;
inline constexpr short kPairTime = 13;
inline constexpr short kPairHilight = 14;  // a mention in the activity list, on the bar

/// What a request in flight was for, so that its answer is routed without comparing strings.
enum class Ask {
    conn,
    join,
    part,
    send,
    dm,
    who,
    list,
    history,
    resume,
    conversations,
    search,
    read,
    typing,
    edit,
    delete_message,
    react,
    topic,
    kick,
    ban,
    unban,
    op,
    key,
    register_account,
    passwd
};

/// The /command behind a moderation or change request, for its error message.
inline std::string_view command_name(Ask ask) {
    switch (ask) {
        case Ask::edit:
            return "edit";
        case Ask::delete_message:
            return "delete";
        case Ask::react:
            return "react";
        case Ask::topic:
            return "topic";
        case Ask::kick:
            return "kick";
        case Ask::ban:
            return "ban";
        case Ask::unban:
            return "unban";
        case Ask::op:
            return "op";
        case Ask::key:
            return "key";
        default:
            break;
    }
    return "request";
}

struct Pending {
    Ask ask = Ask::conn;
    std::string target;         // channel or nick
    std::string text;           // DM text, to show once acknowledged
    int limit = 0;              // HISTORY page size
    bool show = false;          // user-initiated: switch to / print the result
    std::string origin{};       // label of the window the command was typed in
    std::int64_t reply_to = 0;  // DM: the message answered
};

/// The commands /help lists and Tab completes.
inline constexpr const char* kCommands[] = {
    "/join",   "/part",     "/close",   "/msg",    "/me",   "/reply", "/edit",
    "/delete", "/react",    "/unreact", "/search", "/goto", "/topic", "/who",
    "/list",   "/kick",     "/ban",     "/unban",  "/op",   "/key",   "/ids",
    "/switch", "/register", "/passwd",  "/help",   "/quit"};

/// Passwords asked on the input line, which then echoes nothing and keeps no history.
struct SecretPrompt {
    Ask purpose = Ask::passwd;  ///< Ask::passwd or Ask::register_account
    std::string target{};       ///< the account name for /register
    std::vector<std::string> questions{};
    std::vector<std::string> answers{};
};

struct Segment {
    attr_t attr = A_NORMAL;
    short pair = 0;
    std::u32string text;
};

using Row = std::vector<Segment>;

inline std::u32string u32(std::string_view s) {
    return client::utf8_to_u32(s);
}

class Tui {
public:
    Tui(const Settings& settings,
        client::LoginRequest login,
        client::Session session,
        const core::LoginResult& welcome)
        : settings_(settings),
          login_(std::move(login)),
          session_(std::move(session)),
          model_(clock_) {
        model_.set_self(welcome.user);
        guest_ = welcome.guest;
        connected_ = true;
        model_.info(
            0,
            "connected to " + settings_.endpoint.to_string() + " as " + welcome.user +
                (welcome.server.version.empty()
                     ? ""
                     : " (" + welcome.server.name + " " + welcome.server.version + ")") +
                " - /help lists the commands"
        );
        if (settings_.register_account && settings_.channel != "home") {
            request(
                client::requests::join(settings_.channel),
                Pending{Ask::join, settings_.channel, {}, 0, true}
            );
        }
        request(client::requests::conversations(), Pending{Ask::conversations, {}, {}, 0, false});
    }

    int run();

private:
    // connection
    std::int64_t request(const client::Request& r, Pending p);
    void lose_connection(const std::string& reason);
    void try_reconnect();
    void handle_frame(client::Frame frame);
    void handle_reply(const client::Reply& reply);
    void on_logged_in(const core::LoginResult& welcome);
    void note_everywhere(const std::string& text, bool error);
    /// The server ended this login for good (a revoked token, a deleted or locked account):
    /// no reconnecting; `why` is shown now and printed again when the client exits.
    void stop_for_good(const std::string& why);
    void quit();
    void request_resume(client::Buffer& b, std::int64_t after);
    void load_direct_history(std::size_t index);
    void flush_pending(std::size_t index);
    void send_read_marker();
    void send_typing();
    void go_to(std::int64_t id);
    void finish_goto();
    std::size_t origin_index(const Pending& p);
    std::optional<std::int64_t> message_ref(const std::string& word);
    void complete();

    // input
    void read_keys();
    void handle_char(wint_t ch);
    void handle_key(wint_t key);
    void submit(const std::string& line);
    void run_command(const std::string& name, const std::string& rest);
    void send_text(const std::string& text);
    void page_up();
    void page_down();
    void show_help();
    void ask_secrets(SecretPrompt prompt);
    /// Enter while a SecretPrompt is open: takes the answer, and sends once all are in.
    void answer_secret();

    // drawing
    void setup_colors();
    void draw();
    /// The rows of `b` at `width`; `ids`, when given, gets the message id of each row (0: none).
    std::vector<Row> build_rows(
        const client::Buffer& b, int width, std::vector<std::int64_t>* ids = nullptr
    ) const;
    int put(int y, int x, int max_cols, const std::u32string& text, attr_t attr, short pair);

    Settings settings_;
    client::LoginRequest login_;
    std::optional<client::Session> session_;
    bool connected_ = false;  // logged in and usable
    bool guest_ = false;
    bool login_refused_ = false;
    std::string refusal_;  // why login_refused_, printed on stderr at exit
    std::optional<SecretPrompt> secret_;
    client::Backoff backoff_;
    std::optional<SteadyClock::time_point> reconnect_at_;
    std::map<std::int64_t, Pending> pending_;
    core::SystemClock clock_;
    client::ChatModel model_;
    client::LineEditor editor_;
    bool quit_ = false;
    bool colors_ = false;
    int pane_rows_ = 10;
    int pane_w_ = 60;
    std::size_t input_start_ = 0;
    bool show_ids_ = false;
    std::map<std::int64_t, core::Message> search_results_;
    // /goto of a message not held yet: older pages load until it is.
    std::optional<std::pair<std::size_t, std::int64_t>> goto_;
    // READ sent: where and when, to send at most one a second per window.
    std::string read_in_;
    SteadyClock::time_point read_at_{};
    // TYPING sent: where, and when `active` was last sent.
    std::string typing_in_;
    SteadyClock::time_point typing_at_{};
    // Tab completion: the candidates and which one is shown; reset by any other key.
    std::vector<std::string> completions_;
    std::size_t completion_index_ = 0;
    std::size_t completion_length_ = 0;
};

}  // namespace salon::cli::tui
