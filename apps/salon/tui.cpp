// The full-screen client: one poll() loop over the terminal and the server socket, a ChatModel
// for the state, and ncurses (wide-character API) for the drawing.
#include "tui.hpp"

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
#include "client/text.hpp"
#include "client/timestamp.hpp"
#include "core/names.hpp"
#include "exit_codes.hpp"

namespace salon::cli {
namespace {

using namespace std::chrono_literals;
using client::BufferKind;
using client::LineKind;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kConnectTimeout = 3s;  // the UI freezes while connecting: keep it short
constexpr int kHistoryPage = 50;      // messages fetched per scroll-back request
constexpr int kNickPalette = 6;

// Colour pairs; 1..kNickPalette are the nick colours.
constexpr short kPairInfo = 7;
constexpr short kPairError = 8;
constexpr short kPairJoin = 9;
constexpr short kPairPart = 10;
constexpr short kPairBar = 11;
constexpr short kPairMention = 12;
constexpr short kPairTime = 13;
constexpr short kPairHilight = 14;  // a mention in the activity list, on the bar

volatile std::sig_atomic_t g_stop = 0;

void on_stop_signal(int) {
    g_stop = 1;
}

struct Pending {
    std::string verb;
    std::string target;         // channel or nick
    std::string text;           // DM text, to show once acknowledged
    int limit = 0;              // HISTORY page size
    bool show = false;          // user-initiated: switch to / print the result
    std::string origin{};       // label of the window the command was typed in
    std::int64_t reply_to = 0;  // DM: the message answered
};

/// The commands /help lists and Tab completes.
constexpr const char* kCommands[] = {"/join",  "/part",   "/close", "/msg",     "/me",     "/reply",
                                     "/edit",  "/delete", "/react", "/unreact", "/search", "/goto",
                                     "/topic", "/who",    "/list",  "/kick",    "/ban",    "/unban",
                                     "/op",    "/key",    "/ids",   "/switch",  "/help",   "/quit"};

struct Segment {
    attr_t attr = A_NORMAL;
    short pair = 0;
    std::u32string text;
};

using Row = std::vector<Segment>;

std::u32string u32(std::string_view s) {
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
                Pending{"JOIN", settings_.channel, {}, 0, true}
            );
        }
        request(client::requests::conversations(), Pending{"CONVERSATIONS", {}, {}, 0, false});
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

// ---- connection -----------------------------------------------------------------------------

std::int64_t Tui::request(const client::Request& r, Pending p) {
    if (!session_ || !session_->is_open() || (!connected_ && r.verb != "CONN")) {
        model_.error(model_.active(), "offline: " + r.verb + " not sent (reconnecting)");
        return 0;
    }
    const auto ref = session_->send(r);
    pending_[ref] = std::move(p);
    return ref;
}

void Tui::note_everywhere(const std::string& text, bool error) {
    // The status buffer keeps the record; the buffer on screen tells the user now.
    if (error) {
        model_.error(0, text);
        if (model_.active() != 0) model_.error(model_.active(), text);
    } else {
        model_.info(0, text);
        if (model_.active() != 0) model_.info(model_.active(), text);
    }
}

void Tui::lose_connection(const std::string& reason) {
    session_.reset();
    connected_ = false;
    pending_.clear();
    model_.mark_disconnected();
    const auto delay = backoff_.next();
    reconnect_at_ = SteadyClock::now() + delay;
    note_everywhere(
        "disconnected: " + reason + "; reconnecting in " +
            std::to_string((delay.count() + 500) / 1000 == 0 ? 1 : (delay.count() + 500) / 1000) +
            " s",
        true
    );
}

void Tui::try_reconnect() {
    reconnect_at_.reset();
    auto session = client::Session::open(settings_.endpoint, kConnectTimeout);
    if (!session) {
        const auto delay = backoff_.next();
        reconnect_at_ = SteadyClock::now() + delay;
        note_everywhere(
            "reconnect failed: " + session.error().message + "; next try in " +
                std::to_string(std::max<long>(1, (delay.count() + 500) / 1000)) + " s",
            true
        );
        return;
    }
    session_ = std::move(*session);
    // Everything held is resumed from its highest rev once its channel is joined again, so the
    // join's replay of the newest 50 (which would leave a hole) is not needed.
    for (std::size_t i = 0; i < model_.buffers().size(); ++i) {
        auto& b = model_.buffer(i);
        b.resuming = b.max_rev > 0 && (b.kind == BufferKind::direct ||
                                       (b.kind == BufferKind::channel && (b.rejoin || b.joined)));
    }
    // A guest asks for its old name back; if someone took it meanwhile, it gets a new one. No
    // channel is named: the server puts a registered user back into its channels, and a guest
    // rejoins its own once logged in.
    const std::string user = guest_ ? model_.self() : login_.user;
    request(
        client::requests::conn(user, login_.password, {}, false, 2),
        Pending{"CONN", user, {}, 0, false}
    );
}

void Tui::request_resume(client::Buffer& b, std::int64_t after) {
    b.resuming = true;
    request(
        client::requests::history_after(b.conversation(), after, 200),
        Pending{"RESUME", b.label(), {}, 200, false}
    );
}

void Tui::load_direct_history(std::size_t index) {
    auto& b = model_.buffer(index);
    if (b.kind != BufferKind::direct || b.history_loaded || !connected_) return;
    b.history_loaded = true;
    b.history_pending = true;
    request(
        client::requests::history_before(b.conversation(), 0, kHistoryPage),
        Pending{"HISTORY", b.label(), {}, kHistoryPage, false}
    );
}

void Tui::flush_pending(std::size_t index) {
    auto& b = model_.buffer(index);
    const std::string name = b.name;
    const bool direct = b.kind == BufferKind::direct;
    for (const auto& text : model_.take_pending(index)) {
        if (direct) {
            request(
                client::requests::dm(name, text), Pending{"DM", name, text, 0, false, "@" + name}
            );
        } else {
            request(
                client::requests::send(name, text), Pending{"SEND", name, text, 0, false, name}
            );
        }
    }
}

void Tui::on_logged_in(const core::LoginResult& welcome) {
    connected_ = true;
    backoff_.reset();
    model_.set_self(welcome.user);
    guest_ = welcome.guest;
    note_everywhere(
        "reconnected to " + settings_.endpoint.to_string() + " as " + welcome.user, false
    );
    // The server put a registered user back into its remembered channels (JOIN events); a
    // guest has none, so it asks for the ones it was in.
    if (welcome.guest) {
        for (const auto& channel : model_.channels_to_rejoin())
            request(client::requests::join(channel), Pending{"JOIN", channel, {}, 0, false});
    }
    for (std::size_t i = 0; i < model_.buffers().size(); ++i) {
        auto& b = model_.buffer(i);
        if (b.kind != BufferKind::direct) continue;
        if (b.resuming) request_resume(b, b.max_rev);
        flush_pending(i);
    }
}

void Tui::quit() {
    if (session_ && session_->is_open() && connected_) session_->end(1s);
    quit_ = true;
}

void Tui::handle_frame(client::Frame frame) {
    if (const auto* reply = std::get_if<client::Reply>(&frame.payload)) {
        handle_reply(*reply);
        return;
    }
    if (const auto* join = std::get_if<core::JoinEvent>(&frame.payload);
        join && model_.is_self(join->user)) {
        model_.apply(frame.payload);
        // A join the server made for us (CONN, rejoin) came without a member list: ask for it.
        request(client::requests::who(join->channel), Pending{"WHO", join->channel, {}, 0, false});
        if (auto i = model_.find(BufferKind::channel, join->channel)) {
            auto& b = model_.buffer(*i);
            if (b.resuming) request_resume(b, b.max_rev);
            flush_pending(*i);
            if (model_.active() == 0) model_.switch_to(*i);
        }
        return;
    }
    if (const auto* m = std::get_if<core::MessageEvent>(&frame.payload)) {
        // A mention or a DM in a window not shown: the terminal bell, as irssi does.
        const auto& msg = m->message;
        const bool for_me =
            msg.is_direct() || client::mentions(msg.text, model_.self()) ||
            std::any_of(msg.mentions.begin(), msg.mentions.end(), [&](const auto& u) {
                return model_.is_self(u);
            });
        model_.apply(frame.payload);
        const auto i = model_.find_conversation(msg);
        if (for_me && !model_.is_self(msg.from) && i && *i != model_.active()) beep();
        return;
    }
    if (const auto* notice = std::get_if<core::NoticeEvent>(&frame.payload)) {
        note_everywhere(
            "server notice " + notice->code +
                (notice->message.empty() ? "" : ": " + notice->message),
            false
        );
        return;
    }
    model_.apply(frame.payload);
}

void Tui::handle_reply(const client::Reply& reply) {
    const auto ref = reply.numeric_ref();
    if (!ref) return;
    const auto it = pending_.find(*ref);
    if (it == pending_.end()) return;
    const Pending p = std::move(it->second);
    pending_.erase(it);
    const std::string why = reply.code + (reply.message.empty() ? "" : ": " + reply.message);

    if (p.verb == "CONN") {
        if (reply.ok) {
            if (auto welcome = client::parse_login_result(reply)) {
                on_logged_in(*welcome);
            } else {
                lose_connection("unexpected login answer: " + welcome.error().message);
            }
        } else if (guest_ && reply.code == "name_taken") {
            request(
                client::requests::conn("", "", {}, false, 2), Pending{"CONN", "", {}, 0, false}
            );
        } else {
            login_refused_ = true;
            session_.reset();
            note_everywhere("login refused: " + why + " (/quit to leave)", true);
        }
        return;
    }
    const std::size_t here = origin_index(p);
    if (p.verb == "JOIN") {
        if (!reply.ok) {
            // In the channel's own window when there is one (a rejoin), else where it was typed.
            const auto i = model_.find(BufferKind::channel, p.target).value_or(here);
            model_.error(i, "cannot join " + p.target + ": " + why);
            return;
        }
        if (auto r = client::parse_join_result(reply)) {
            model_.on_join_result(*r);
            if (p.show) {
                if (auto i = model_.find(BufferKind::channel, r->channel)) model_.switch_to(*i);
            }
        }
        return;
    }
    if (p.verb == "PART") {
        if (!reply.ok) {
            model_.error(here, "cannot leave " + p.target + ": " + why);
            return;
        }
        if (auto i = model_.find(BufferKind::channel, p.target)) model_.close(*i);
        return;
    }
    if (p.verb == "SEND") {
        if (!reply.ok) {
            const auto i = model_.find(BufferKind::channel, p.target).value_or(here);
            // The text is shown with the reason, so that nothing typed is lost.
            model_.error(i, "not sent (" + why + "): " + p.text);
        }
        return;
    }
    if (p.verb == "DM") {
        if (!reply.ok) {
            // A DM that never went anywhere leaves no empty conversation behind.
            auto i = model_.find(BufferKind::direct, p.target);
            if (i && model_.buffers()[*i].oldest_id() == 0 &&
                std::none_of(
                    model_.buffers()[*i].lines.begin(),
                    model_.buffers()[*i].lines.end(),
                    [](const auto& l) { return l.pending; }
                )) {
                const bool shown = model_.active() == *i;
                model_.close(*i);
                i.reset();
                if (shown) model_.switch_to(0);
            }
            model_.error(
                i.value_or(origin_index(p)), "not sent to " + p.target + " (" + why + "): " + p.text
            );
            return;
        }
        const std::size_t i = model_.open(BufferKind::direct, p.target);
        // The server echoes a DM to the sender's other connections only, so draw our own copy.
        load_direct_history(i);
        if (auto r = client::parse_post_result(reply)) {
            model_.on_dm(core::Message{
                .id = r->id,
                .channel = {},  // a direct message
                .from = model_.self(),
                .to = p.target,
                .text = p.text,
                .ts_ms = r->ts_ms != 0 ? r->ts_ms : clock_.unix_now_ms(),
                .rev = r->id,
                .reply_to = p.reply_to,
                .reactions = {},
                .mentions = {}});
        }
        return;
    }
    if (p.verb == "RESUME") {
        if (!reply.ok) {
            model_.error(here, "cannot catch up on " + p.target + ": " + why);
            return;
        }
        auto r = client::parse_history_result(reply);
        if (!r) return;
        model_.on_resume_page(*r);
        const auto i = r->with.empty() ? model_.find(BufferKind::channel, r->channel)
                                       : model_.find(BufferKind::direct, r->with);
        // Pages are in rev order: the next one starts after this page's last.
        if (i && r->more && !r->messages.empty())
            request_resume(model_.buffer(*i), r->messages.back().rev);
        return;
    }
    if (p.verb == "CONVERSATIONS") {
        if (!reply.ok) return;
        if (auto r = client::parse_conversations_result(reply)) {
            model_.on_conversations(*r);
            for (std::size_t i = 0; i < model_.buffers().size(); ++i) load_direct_history(i);
        }
        return;
    }
    if (p.verb == "SEARCH") {
        if (!reply.ok) {
            model_.error(here, "search: " + why);
            return;
        }
        if (auto r = client::parse_search_result(reply)) {
            for (const auto& m : r->messages) search_results_[m.id] = m;
            model_.switch_to(model_.show_search(p.text, r->messages));
        }
        return;
    }
    if (p.verb == "READ" || p.verb == "TYPING") return;
    if (p.verb == "EDIT" || p.verb == "DELETE" || p.verb == "REACT" || p.verb == "TOPIC" ||
        p.verb == "KICK" || p.verb == "BAN" || p.verb == "UNBAN" || p.verb == "OP" ||
        p.verb == "KEY") {
        // Their effect arrives as events (UPDATE, TOPIC, PART); only a refusal needs words.
        if (!reply.ok) {
            model_.error(here, "/" + core::fold_user_name(p.verb) + " " + p.target + ": " + why);
        } else if (p.verb == "BAN" || p.verb == "UNBAN" || p.verb == "OP" || p.verb == "KEY") {
            model_.info(here, core::fold_user_name(p.verb) + " " + p.target + ": done");
        }
        return;
    }
    if (p.verb == "WHO") {
        if (!reply.ok) {
            if (p.show) model_.error(here, "who " + p.target + ": " + why);
            return;
        }
        if (auto r = client::parse_who_result(reply)) {
            model_.on_who_result(*r);
            if (p.show) {
                std::string names;
                for (const auto& m : r->members)
                    names += (names.empty() ? "" : " ") + std::string(m.op ? "@" : "") + m.user;
                model_.info(
                    here, std::to_string(r->members.size()) + " in " + r->channel + ": " + names
                );
            }
        }
        return;
    }
    if (p.verb == "LIST") {
        if (!reply.ok) {
            model_.error(here, "list: " + why);
            return;
        }
        if (auto r = client::parse_list_result(reply)) {
            auto& channels = r->channels;
            std::sort(channels.begin(), channels.end(), [](const auto& a, const auto& b) {
                return a.name < b.name;
            });
            model_.info(here, std::to_string(channels.size()) + " channels:");
            for (const auto& c : channels) {
                model_.info(
                    here,
                    "  " + c.name + " (" + std::to_string(c.members) + ")" +
                        (c.topic.empty() ? "" : " " + c.topic)
                );
            }
        }
        return;
    }
    if (p.verb == "HISTORY") {
        const auto i = p.target.starts_with("@")
                           ? model_.find(BufferKind::direct, p.target.substr(1))
                           : model_.find(BufferKind::channel, p.target);
        if (!reply.ok) {
            if (i) {
                model_.buffer(*i).history_pending = false;
                model_.error(*i, "cannot load older messages: " + why);
            }
            return;
        }
        if (auto r = client::parse_history_result(reply)) model_.on_history_page(*r, p.limit);
        if (goto_) finish_goto();
        return;
    }
}

// ---- input ----------------------------------------------------------------------------------

void Tui::read_keys() {
    wint_t ch = 0;
    for (;;) {
        const int rc = get_wch(&ch);
        if (rc == ERR) return;
        if (rc != KEY_CODE_YES && ch == L'\t') {
            complete();
            continue;
        }
        completions_.clear();
        const auto before = editor_.text();
        const auto shown = model_.active();
        if (rc == KEY_CODE_YES) {
            handle_key(ch);
        } else {
            handle_char(ch);
        }
        if (quit_) return;
        if (model_.active() == shown && editor_.text() != before) send_typing();
    }
}

void Tui::handle_char(wint_t ch) {
    switch (ch) {
        case 3:  // Ctrl+C: raw mode delivers it as a key, so quitting stays clean
            quit();
            return;
        case 27: {  // Alt+N arrives as ESC then N
            wint_t next = 0;
            if (get_wch(&next) == OK && next >= L'0' && next <= L'9') {
                const std::size_t n = next == L'0' ? 10 : static_cast<std::size_t>(next - L'0');
                model_.switch_to(n - 1);
            }
            return;
        }
        case L'\n':
        case L'\r':
            submit(editor_.submit());
            return;
        case 127:
        case 8:
            editor_.backspace();
            return;
        case 1:
            editor_.home();
            return;
        case 5:
            editor_.end();
            return;
        case 2:
            editor_.left();
            return;
        case 6:
            editor_.right();
            return;
        case 4:
            editor_.delete_forward();
            return;
        case 11:
            editor_.kill_to_end();
            return;
        case 21:
            editor_.kill_to_start();
            return;
        case 23:
            editor_.delete_word_back();
            return;
        case 12:
            clearok(curscr, TRUE);
            return;
        case 14:
            model_.switch_to((model_.active() + 1) % model_.buffers().size());
            return;
        case 16:
            model_.switch_to(
                (model_.active() + model_.buffers().size() - 1) % model_.buffers().size()
            );
            return;
        default:
            break;
    }
    if (ch >= 32) editor_.insert(static_cast<char32_t>(ch));
}

void Tui::handle_key(wint_t key) {
    switch (key) {
        case KEY_LEFT:
            editor_.left();
            break;
        case KEY_RIGHT:
            editor_.right();
            break;
        case KEY_HOME:
            editor_.home();
            break;
        case KEY_END:
            editor_.end();
            break;
        case KEY_BACKSPACE:
            editor_.backspace();
            break;
        case KEY_DC:
            editor_.delete_forward();
            break;
        case KEY_UP:
            editor_.history_prev();
            break;
        case KEY_DOWN:
            editor_.history_next();
            break;
        case KEY_PPAGE:
            page_up();
            break;
        case KEY_NPAGE:
            page_down();
            break;
        case KEY_ENTER:
            submit(editor_.submit());
            break;
        case KEY_RESIZE:
            // ncurses has already resized stdscr; the next draw() lays everything out again.
            break;
        default:
            break;
    }
}

void Tui::page_up() {
    auto& b = model_.active_buffer();
    const auto rows = build_rows(b, std::max(10, COLS - 40));
    b.scroll += static_cast<std::size_t>(std::max(1, pane_rows_ - 2));
    const std::size_t max_scroll = rows.size() > static_cast<std::size_t>(pane_rows_)
                                       ? rows.size() - static_cast<std::size_t>(pane_rows_)
                                       : 0;
    if (b.scroll >= max_scroll) {
        b.scroll = max_scroll;
        const bool readable = (b.kind == BufferKind::channel && b.joined) ||
                              (b.kind == BufferKind::direct && connected_);
        if (readable && !b.at_beginning && !b.history_pending) {
            b.history_pending = true;
            request(
                client::requests::history_before(b.conversation(), b.oldest_id(), kHistoryPage),
                Pending{"HISTORY", b.label(), {}, kHistoryPage, false}
            );
        }
    }
}

void Tui::page_down() {
    auto& b = model_.active_buffer();
    const auto step = static_cast<std::size_t>(std::max(1, pane_rows_ - 2));
    b.scroll = b.scroll > step ? b.scroll - step : 0;
}

void Tui::show_help() {
    const std::size_t i = model_.active();
    for (const char* line : {
             "commands:",
             "  /join CHANNEL [KEY]   join (or create) a channel and show it",
             "  /part [CHANNEL]       leave the channel (default: this one; in a DM: close it)",
             "  /close                close this window (leaves a channel, closes a DM)",
             "  /msg NICK [TEXT]      direct message; opens an @NICK window with its history",
             "  /me ACTION            say what you do: * you waves",
             "  /reply REF TEXT       answer a message; REF is an id or a nick (their last one)",
             "  /edit [REF TEXT]      change your message (alone: recalls your last one)",
             "  /delete REF           delete a message (yours, or as the channel's operator)",
             "  /react REF EMOJI      react (/unreact REF EMOJI takes it back)",
             "  /ids                  show or hide message ids",
             "  /search WORDS         search everywhere you may read; /goto ID shows a result",
             "  /topic TEXT           set the topic (operators)",
             "  /kick NICK [REASON], /ban NICK, /unban NICK, /op NICK, /key [KEY]  (operators)",
             "  /who [CHANNEL]        list the members",
             "  /list                 list the channels",
             "  /switch N|NAME        show window N (Alt+N does the same)",
             "  /help                 this text",
             "  /quit                 leave (Ctrl+C too)",
             "keys: PgUp/PgDn scroll (older messages load at the top), Up/Down input history,",
             "  Tab completes nicks and /commands, Ctrl+N/Ctrl+P next/previous window,",
             "  Ctrl+A/E/U/K/W edit, Ctrl+L redraw",
         }) {
        model_.info(i, line);
    }
}

void Tui::submit(const std::string& line) {
    if (line.empty()) return;
    if (line.front() == '/' && !(line.size() > 1 && line[1] == '/')) {
        const auto space = line.find(' ');
        const std::string name =
            line.substr(1, space == std::string::npos ? std::string::npos : space - 1);
        std::string rest = space == std::string::npos ? "" : line.substr(space + 1);
        while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
        run_command(name, rest);
        return;
    }
    send_text(line.front() == '/' ? line.substr(1) : line);
}

void Tui::send_text(const std::string& text) {
    const std::size_t here = model_.active();
    auto& b = model_.active_buffer();
    if (b.kind != BufferKind::channel && b.kind != BufferKind::direct) {
        editor_.set_text(text);  // kept: nothing typed is lost
        model_.error(here, "this window takes no messages: /join a channel or /switch to one");
        return;
    }
    if (!connected_) {
        // Offline: kept as a pending line, sent once reconnected (and rejoined).
        model_.add_pending(here, text);
        model_.info(here, "offline: will send when reconnected");
        b.scroll = 0;
        return;
    }
    if (b.kind == BufferKind::channel) {
        if (!b.joined) {
            editor_.set_text(text);
            model_.error(here, "you are not in " + b.name + ": /join it (your text is kept)");
            return;
        }
        request(
            client::requests::send(b.name, text), Pending{"SEND", b.name, text, 0, false, b.label()}
        );
    } else {
        request(
            client::requests::dm(b.name, text), Pending{"DM", b.name, text, 0, false, b.label()}
        );
    }
    if (typing_in_ == b.label()) {
        request(
            client::requests::typing(b.conversation(), core::TypingState::done),
            Pending{"TYPING", {}, {}}
        );
        typing_in_.clear();
    }
    b.scroll = 0;
}

std::size_t Tui::origin_index(const Pending& p) {
    for (std::size_t i = 0; i < model_.buffers().size(); ++i) {
        if (!p.origin.empty() && model_.buffers()[i].label() == p.origin) return i;
    }
    return p.origin.empty() ? model_.active() : 0;
}

std::optional<std::int64_t> Tui::message_ref(const std::string& word) {
    if (word.empty()) return std::nullopt;
    if (std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        try {
            return std::stoll(word);
        } catch (...) {
            return std::nullopt;
        }
    }
    // A nick: their newest message in this window.
    std::string nick = word;
    if (nick.front() == '@') nick.erase(0, 1);
    const auto& lines = model_.active_buffer().lines;
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (it->kind == LineKind::message && it->id != 0 &&
            core::fold_user_name(it->nick) == core::fold_user_name(nick))
            return it->id;
    }
    return std::nullopt;
}

void Tui::send_read_marker() {
    if (!connected_) return;
    auto& b = model_.active_buffer();
    if (b.kind != BufferKind::channel && b.kind != BufferKind::direct) return;
    if (b.scroll != 0) return;  // only what is on screen counts as read
    const auto newest = b.newest_id();
    if (newest <= b.read_sent) return;
    if (b.kind == BufferKind::channel && !b.joined) return;
    // A busy channel moves the marker at most once a second (the loop wakes every second).
    const auto now = SteadyClock::now();
    if (now - read_at_ < 1s && read_in_ == b.label()) return;
    read_at_ = now;
    read_in_ = b.label();
    b.read_sent = newest;
    b.read_id = std::max(b.read_id, newest);
    request(client::requests::read(b.conversation(), newest), Pending{"READ", {}, {}});
}

void Tui::send_typing() {
    const auto& b = model_.active_buffer();
    const auto& text = editor_.text();
    const bool typing =
        !text.empty() && text.front() != U'/' &&
        (b.kind == BufferKind::direct || (b.kind == BufferKind::channel && b.joined));
    if (!connected_) return;
    const auto now = SteadyClock::now();
    if (typing) {
        // The server drops `active` repeated within 3 s anyway: do not send it.
        if (typing_in_ == b.label() && now - typing_at_ < 3s) return;
        typing_in_ = b.label();
        typing_at_ = now;
        request(
            client::requests::typing(b.conversation(), core::TypingState::active),
            Pending{"TYPING", {}, {}}
        );
    } else if (typing_in_ == b.label() && text.empty()) {
        request(
            client::requests::typing(b.conversation(), core::TypingState::done),
            Pending{"TYPING", {}, {}}
        );
        typing_in_.clear();
    }
}

void Tui::go_to(std::int64_t id) {
    std::optional<std::size_t> index;
    if (auto it = search_results_.find(id); it != search_results_.end()) {
        const auto& m = it->second;
        index = m.is_direct()
                    ? model_.open(BufferKind::direct, model_.is_self(m.from) ? m.to : m.from)
                    : model_.find(BufferKind::channel, m.channel);
        if (!index)
            return model_.error(model_.active(), "you are not in #" + m.channel + " any more");
    } else {
        for (std::size_t i = 0; i < model_.buffers().size(); ++i) {
            const auto& b = model_.buffers()[i];
            if (b.kind != BufferKind::search && b.message(id) != nullptr) index = i;
        }
        if (!index)
            return model_.error(
                model_.active(), "no message " + std::to_string(id) + " here: /search for it first"
            );
    }
    model_.switch_to(*index);
    goto_ = std::make_pair(*index, id);
    finish_goto();
}

void Tui::finish_goto() {
    if (!goto_) return;
    const auto [index, id] = *goto_;
    if (index >= model_.buffers().size()) {
        goto_.reset();
        return;
    }
    auto& b = model_.buffer(index);
    if (b.message(id) != nullptr) {
        goto_.reset();
        b.highlight_id = id;
        // Scroll so that the message sits in the middle of the pane.
        std::vector<std::int64_t> ids;
        const auto rows = build_rows(b, pane_w_, &ids);
        std::size_t row = 0;
        for (std::size_t r = 0; r < rows.size(); ++r) {
            if (ids[r] == id) {
                row = r;
                break;
            }
        }
        const auto half = static_cast<std::size_t>(pane_rows_ / 2);
        b.scroll = rows.size() > row + half ? rows.size() - row - half : 0;
        return;
    }
    if (b.at_beginning || b.history_pending || !connected_) {
        if (!b.history_pending) goto_.reset();
        return;
    }
    // Older than what is held: page back, gap-free, until it is.
    b.history_pending = true;
    request(
        client::requests::history_before(b.conversation(), b.oldest_id(), 200),
        Pending{"HISTORY", b.label(), {}, 200, false}
    );
}

void Tui::complete() {
    const auto& text = editor_.text();
    const std::size_t cursor = editor_.cursor();
    if (completions_.empty()) {
        std::size_t start = cursor;
        while (start > 0 && text[start - 1] != U' ') --start;
        const std::string word =
            client::u32_to_utf8(std::u32string_view(text).substr(start, cursor - start));
        std::vector<std::string> candidates;
        if (start == 0 && word.starts_with("/")) {
            for (const char* c : kCommands) candidates.emplace_back(c);
        } else {
            const auto& b = model_.active_buffer();
            for (const auto& m : b.members) candidates.push_back(m.user);
            if (b.kind == BufferKind::direct) candidates.push_back(b.name);
            for (auto it = b.lines.rbegin(); it != b.lines.rend(); ++it)
                if (it->kind == LineKind::message) candidates.push_back(it->nick);
        }
        const std::string folded =
            core::fold_user_name(word.starts_with("@") ? word.substr(1) : word);
        const bool at = word.starts_with("@");
        for (const auto& c : candidates) {
            if (!core::fold_user_name(c).starts_with(folded) || model_.is_self(c)) continue;
            std::string done = (at ? "@" : "") + c;
            if (start == 0 && !c.starts_with("/")) done += ":";
            done += " ";
            if (std::find(completions_.begin(), completions_.end(), done) == completions_.end())
                completions_.push_back(done);
        }
        if (completions_.empty()) return;
        completion_index_ = 0;
        completion_length_ = cursor - start;
    } else {
        completion_index_ = (completion_index_ + 1) % completions_.size();
    }
    const auto replacement = client::utf8_to_u32(completions_[completion_index_]);
    editor_.replace_before_cursor(completion_length_, replacement);
    completion_length_ = replacement.size();
}

void Tui::run_command(const std::string& name, const std::string& rest) {
    const std::size_t here = model_.active();
    const auto first_word = [&]() { return rest.substr(0, rest.find(' ')); };
    const auto after_first = [&]() {
        const auto sp = rest.find(' ');
        return sp == std::string::npos ? std::string() : rest.substr(sp + 1);
    };
    const auto current_channel = [&]() -> std::string {
        const auto& b = model_.active_buffer();
        return b.kind == BufferKind::channel ? b.name : "";
    };
    if (name == "quit" || name == "exit") {
        quit();
    } else if (name == "help") {
        show_help();
    } else if (name == "join" || name == "j") {
        if (rest.empty()) return model_.error(here, "usage: /join CHANNEL [KEY]");
        const auto channel = core::canonical_channel_name(first_word());
        if (!channel)
            return model_.error(here, "\"" + first_word() + "\" is not a valid channel name");
        if (auto i = model_.find(BufferKind::channel, *channel); i && model_.buffers()[*i].joined) {
            model_.switch_to(*i);
            return;
        }
        request(
            client::requests::join(*channel, after_first()),
            Pending{"JOIN", *channel, {}, 0, true, model_.active_buffer().label()}
        );
    } else if (name == "close" || ((name == "part" || name == "leave") && rest.empty() &&
                                   model_.active_buffer().kind != BufferKind::channel)) {
        const auto& b = model_.active_buffer();
        if (here == 0) return model_.error(here, "the status window stays open (/quit to leave)");
        if (b.kind == BufferKind::channel && b.joined) {
            request(
                client::requests::part(b.name), Pending{"PART", b.name, {}, 0, true, b.label()}
            );
            return;
        }
        model_.close(here);
    } else if (name == "me") {
        if (rest.empty()) return model_.error(here, "usage: /me ACTION");
        // IRC's CTCP ACTION, so that IRC users see it as an action too.
        send_text(
            "\x01"
            "ACTION " +
            rest + "\x01"
        );
    } else if (name == "reply") {
        const auto id = message_ref(first_word());
        if (!id || after_first().empty())
            return model_.error(here, "usage: /reply ID|NICK TEXT (/ids shows ids)");
        auto& b = model_.active_buffer();
        if (!connected_) return model_.error(here, "offline: /reply not sent (reconnecting)");
        if (b.kind == BufferKind::channel) {
            request(
                client::requests::send(b.name, after_first(), *id),
                Pending{"SEND", b.name, after_first(), 0, false, b.label()}
            );
        } else if (b.kind == BufferKind::direct) {
            request(
                client::requests::dm(b.name, after_first(), *id),
                Pending{"DM", b.name, after_first(), 0, false, b.label(), *id}
            );
        } else {
            model_.error(here, "/reply works in a channel or DM window");
        }
    } else if (name == "edit") {
        if (rest.empty()) {
            // Recall the newest own message into the input, ready to change.
            const auto& lines = model_.active_buffer().lines;
            for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
                if (it->kind == LineKind::message && it->own && it->id != 0 && !it->deleted) {
                    editor_.set_text("/edit " + std::to_string(it->id) + " " + it->text);
                    return;
                }
            }
            return model_.error(here, "no message of yours here to edit");
        }
        const auto id = message_ref(first_word());
        if (!id || after_first().empty()) return model_.error(here, "usage: /edit [ID TEXT]");
        request(
            client::requests::edit(*id, after_first()),
            Pending{"EDIT", std::to_string(*id), {}, 0, false, model_.active_buffer().label()}
        );
    } else if (name == "delete") {
        const auto id = message_ref(first_word());
        if (!id) return model_.error(here, "usage: /delete ID|NICK");
        request(
            client::requests::delete_message(*id),
            Pending{"DELETE", std::to_string(*id), {}, 0, false, model_.active_buffer().label()}
        );
    } else if (name == "react" || name == "unreact") {
        const auto id = message_ref(first_word());
        if (!id || after_first().empty())
            return model_.error(here, "usage: /" + name + " ID|NICK EMOJI");
        request(
            client::requests::react(*id, after_first(), name == "react"),
            Pending{"REACT", std::to_string(*id), {}, 0, false, model_.active_buffer().label()}
        );
    } else if (name == "ids") {
        show_ids_ = !show_ids_;
        model_.info(here, show_ids_ ? "message ids shown" : "message ids hidden");
    } else if (name == "search") {
        if (rest.empty()) return model_.error(here, "usage: /search WORDS");
        client::requests::SearchQuery q;
        q.text = rest;
        q.limit = 50;
        request(
            client::requests::search(q),
            Pending{"SEARCH", {}, rest, 0, true, model_.active_buffer().label()}
        );
    } else if (name == "goto") {
        const auto id = message_ref(first_word());
        if (!id) return model_.error(here, "usage: /goto ID");
        go_to(*id);
    } else if (name == "topic" || name == "kick" || name == "ban" || name == "unban" || name == "op" || name == "key") {
        const std::string channel = current_channel();
        if (channel.empty()) return model_.error(here, "/" + name + " works in a channel window");
        const std::string label = model_.active_buffer().label();
        if (name == "topic") {
            if (rest.empty()) {
                const auto& t = model_.active_buffer().topic;
                return model_.info(here, t.empty() ? "no topic" : "topic: " + t);
            }
            request(
                client::requests::topic(channel, rest),
                Pending{"TOPIC", channel, {}, 0, false, label}
            );
            return;
        }
        if (name == "key") {
            request(
                client::requests::key(channel, rest), Pending{"KEY", channel, {}, 0, false, label}
            );
            return;
        }
        const std::string nick = first_word();
        if (nick.empty()) return model_.error(here, "usage: /" + name + " NICK");
        if (name == "kick") {
            request(
                client::requests::kick(channel, nick, after_first()),
                Pending{"KICK", nick, {}, 0, false, label}
            );
        } else if (name == "ban") {
            request(
                client::requests::ban(channel, nick), Pending{"BAN", nick, {}, 0, false, label}
            );
        } else if (name == "unban") {
            request(
                client::requests::unban(channel, nick), Pending{"UNBAN", nick, {}, 0, false, label}
            );
        } else {
            request(client::requests::op(channel, nick), Pending{"OP", nick, {}, 0, false, label});
        }
    } else if (name == "part" || name == "leave") {
        const std::string target = rest.empty() ? current_channel() : first_word();
        const auto channel = core::canonical_channel_name(target);
        if (!channel) return model_.error(here, "usage: /part [CHANNEL]");
        auto i = model_.find(BufferKind::channel, *channel);
        if (i && !model_.buffers()[*i].joined) {
            model_.close(*i);  // already out (kicked, or offline): just close the window
            return;
        }
        request(client::requests::part(*channel), Pending{"PART", *channel, {}, 0, true});
    } else if (name == "msg" || name == "query") {
        const std::string nick = first_word();
        const std::string text = after_first();
        if (nick.empty()) return model_.error(here, "usage: /msg NICK TEXT");
        if (!core::is_valid_user_name(nick))
            return model_.error(here, "\"" + nick + "\" is not a valid nick");
        if (text.empty()) {
            const std::size_t i = model_.open(BufferKind::direct, nick);
            model_.switch_to(i);
            load_direct_history(i);
            return;
        }
        if (!connected_) {
            const std::size_t i = model_.open(BufferKind::direct, nick);
            model_.switch_to(i);
            return send_text(text);
        }
        if (auto i = model_.find(BufferKind::direct, nick)) load_direct_history(*i);
        request(
            client::requests::dm(nick, text),
            Pending{"DM", nick, text, 0, true, model_.active_buffer().label()}
        );
    } else if (name == "who" || name == "names") {
        const std::string target = rest.empty() ? current_channel() : first_word();
        const auto channel = core::canonical_channel_name(target);
        if (!channel) return model_.error(here, "usage: /who CHANNEL");
        request(client::requests::who(*channel), Pending{"WHO", *channel, {}, 0, true});
    } else if (name == "list") {
        request(client::requests::list(), Pending{"LIST", {}, {}, 0, true});
    } else if (name == "switch" || name == "window" || name == "w") {
        if (rest.empty()) return model_.error(here, "usage: /switch N|NAME");
        if (std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            const auto n = std::stoul(rest);
            if (n == 0 || n > model_.buffers().size())
                return model_.error(here, "no window " + rest);
            model_.switch_to(n - 1);
            return;
        }
        std::string wanted = rest;
        if (!wanted.empty() && wanted.front() == '#') wanted.erase(0, 1);
        for (std::size_t i = 0; i < model_.buffers().size(); ++i) {
            const auto& b = model_.buffers()[i];
            if (core::fold_user_name(b.label()) == core::fold_user_name(wanted) ||
                core::fold_user_name(b.name) == core::fold_user_name(wanted)) {
                model_.switch_to(i);
                return;
            }
        }
        model_.error(here, "no window named " + rest);
    } else {
        model_.error(here, "unknown command /" + name + " (/help lists them)");
    }
}

// ---- drawing --------------------------------------------------------------------------------

void Tui::setup_colors() {
    if (!has_colors()) return;
    start_color();
    use_default_colors();
    colors_ = true;
    const short nick_colours[kNickPalette] = {
        COLOR_RED, COLOR_GREEN, COLOR_YELLOW, COLOR_BLUE, COLOR_MAGENTA, COLOR_CYAN};
    for (short i = 0; i < kNickPalette; ++i)
        init_pair(static_cast<short>(i + 1), nick_colours[i], -1);
    init_pair(kPairInfo, COLOR_CYAN, -1);
    init_pair(kPairError, COLOR_RED, -1);
    init_pair(kPairJoin, COLOR_GREEN, -1);
    init_pair(kPairPart, COLOR_RED, -1);
    init_pair(kPairBar, COLOR_WHITE, COLOR_BLUE);
    init_pair(kPairMention, COLOR_MAGENTA, -1);
    init_pair(kPairTime, COLOR_WHITE, -1);
    init_pair(kPairHilight, COLOR_MAGENTA, COLOR_BLUE);
}

int Tui::put(int y, int x, int max_cols, const std::u32string& text, attr_t attr, short pair) {
    if (max_cols <= 0) return 0;
    std::wstring out;
    int used = 0;
    for (char32_t c : text) {
        const int w = client::display_width(c);
        if (used + w > max_cols) break;
        if (w == 0 && (c < 0x20 || c == 0x7F))
            continue;  // never send control bytes to the terminal
        out.push_back(static_cast<wchar_t>(c));
        used += w;
    }
    attr_set(attr, colors_ ? pair : 0, nullptr);
    mvaddnwstr(y, x, out.c_str(), static_cast<int>(out.size()));
    attr_set(A_NORMAL, 0, nullptr);
    return used;
}

std::vector<Row> Tui::build_rows(const client::Buffer& b, int width, std::vector<std::int64_t>* ids)
    const {
    std::vector<Row> rows;
    const auto push = [&](Row row, std::int64_t id) {
        rows.push_back(std::move(row));
        if (ids != nullptr) ids->push_back(id);
    };
    if (b.kind == BufferKind::channel || b.kind == BufferKind::direct) {
        const std::string marker = b.at_beginning      ? "--- beginning of " + b.label() + " ---"
                                   : b.history_pending ? "--- loading older messages... ---"
                                                       : "--- PgUp loads older messages ---";
        push(Row{Segment{A_DIM, kPairInfo, u32(marker)}}, 0);
    }
    std::string day;
    bool marker_drawn = b.marker_id < 0;
    for (const auto& line : b.lines) {
        // irssi's day change, so that last week does not read like today.
        const std::string line_day = client::format_local_date(line.ts_ms);
        if (b.kind != BufferKind::search && line_day != day) {
            push(
                Row{Segment{
                    A_NORMAL,
                    kPairInfo,
                    u32("--- Day changed to " + client::format_local_day(line.ts_ms) + " ---")}},
                0
            );
            day = line_day;
        }
        // The read marker as the window was entered: what follows is new.
        if (!marker_drawn && line.kind == LineKind::message && line.id > b.marker_id && !line.own) {
            marker_drawn = true;
            push(Row{Segment{A_BOLD, kPairError, u32("--- new messages ---")}}, 0);
        }
        Row first;
        first.push_back(Segment{
            A_NORMAL, kPairTime, u32(client::format_local_hms(line.ts_ms) + " ")});
        if (line.kind == LineKind::message && (show_ids_ || b.kind == BufferKind::search) &&
            line.id != 0)
            first.push_back(Segment{A_DIM, 0, u32(std::to_string(line.id) + " ")});
        std::u32string body;
        Segment body_style{A_NORMAL, 0, {}};
        std::u32string tail;
        switch (line.kind) {
            case LineKind::message: {
                const auto colour =
                    static_cast<short>(1 + client::nick_colour(line.nick, kNickPalette));
                if (line.action && !line.deleted) {
                    first.push_back(Segment{A_BOLD, 0, U" * "});
                    first.push_back(Segment{line.own ? A_BOLD : A_NORMAL, colour, u32(line.nick)});
                    first.push_back(Segment{A_NORMAL, 0, U" "});
                } else {
                    first.push_back(Segment{A_NORMAL, 0, U"<"});
                    first.push_back(Segment{line.own ? A_BOLD : A_NORMAL, colour, u32(line.nick)});
                    first.push_back(Segment{A_NORMAL, 0, U"> "});
                }
                if (line.reply_to != 0) {
                    // The answered message's first words, as a quote.
                    std::string quote = "re " + std::to_string(line.reply_to);
                    if (const auto* original = b.message(line.reply_to)) {
                        const auto words =
                            client::utf8_to_u32(original->deleted ? "(deleted)" : original->text);
                        quote = "re " + original->nick + ": " +
                                client::u32_to_utf8(words.substr(0, 24)) +
                                (words.size() > 24 ? "…" : "");
                    }
                    body = u32("[" + quote + "] ");
                }
                if (line.deleted) {
                    body += U"(message deleted)";
                    body_style = Segment{A_DIM, 0, {}};
                } else {
                    body += u32(line.text);
                    if (line.mention) body_style = Segment{A_BOLD, kPairMention, {}};
                    if (line.pending) body_style = Segment{A_DIM, 0, {}};
                    if (line.id != 0 && line.id == b.highlight_id)
                        body_style = Segment{A_REVERSE, 0, {}};
                }
                if (line.edited && !line.deleted) tail += U" (edited)";
                for (const auto& r : line.reactions)
                    tail += u32(" [" + r.emoji + " " + std::to_string(r.users.size()) + "]");
                if (line.pending) tail += U" (pending: sent when reconnected)";
                body += tail;
                break;
            }
            case LineKind::join:
                first.push_back(Segment{A_BOLD, kPairJoin, U"[+]"});
                first.push_back(Segment{A_NORMAL, kPairJoin, u32(line.nick)});
                break;
            case LineKind::part:
                first.push_back(Segment{A_BOLD, kPairPart, U"[-]"});
                first.push_back(Segment{A_NORMAL, kPairPart, u32(line.nick)});
                if (!line.text.empty())
                    first.push_back(Segment{A_DIM, 0, u32(" (" + line.text + ")")});
                break;
            case LineKind::info:
                first.push_back(Segment{A_NORMAL, kPairInfo, U"-!- "});
                body = u32(line.text);
                body_style = Segment{A_NORMAL, kPairInfo, {}};
                break;
            case LineKind::error:
                first.push_back(Segment{A_BOLD, kPairError, U"!!! "});
                body = u32(line.text);
                body_style = Segment{A_NORMAL, kPairError, {}};
                break;
        }
        std::size_t indent = 0;
        for (const auto& seg : first) indent += client::display_width(seg.text);
        const int avail = width - static_cast<int>(indent);
        // A pane too narrow for an indent wraps at the left edge instead.
        const bool hang = avail >= 10;
        const auto chunks =
            client::wrap(body, static_cast<std::size_t>(hang ? avail : std::max(1, width)));
        const std::int64_t id = line.kind == LineKind::message ? line.id : 0;
        if (hang) {
            first.push_back(Segment{body_style.attr, body_style.pair, chunks.front()});
            push(std::move(first), id);
            for (std::size_t k = 1; k < chunks.size(); ++k) {
                push(
                    Row{Segment{A_NORMAL, 0, std::u32string(indent, U' ')},
                        Segment{body_style.attr, body_style.pair, chunks[k]}},
                    id
                );
            }
        } else {
            push(std::move(first), id);
            if (!body.empty()) {
                for (const auto& c : chunks)
                    push(Row{Segment{body_style.attr, body_style.pair, c}}, id);
            }
        }
    }
    return rows;
}

void Tui::draw() {
    erase();
    const int h = LINES;
    const int w = COLS;
    if (h < 5 || w < 20) {
        put(0, 0, w, U"terminal too small", A_BOLD, 0);
        refresh();
        return;
    }
    auto& b = model_.active_buffer();
    const int list_w = w >= 60 ? 16 : 0;
    const int members_w = (w >= 90 && b.kind == BufferKind::channel) ? 18 : 0;
    const int pane_x = list_w > 0 ? list_w + 1 : 0;
    const int pane_w = w - pane_x - (members_w > 0 ? members_w + 1 : 0);
    pane_rows_ = h - 3;
    pane_w_ = pane_w;

    // Title bar.
    std::string title = " salon  " + settings_.endpoint.to_string() + "  " + b.label();
    if (!b.topic.empty()) title += ": " + b.topic;
    attr_set(A_NORMAL, colors_ ? kPairBar : 0, nullptr);
    put(0,
        0,
        w,
        std::u32string(static_cast<std::size_t>(w), U' '),
        colors_ ? A_NORMAL : A_REVERSE,
        kPairBar);
    put(0, 0, w, u32(title), colors_ ? A_NORMAL : A_REVERSE, kPairBar);

    // Window list.
    if (list_w > 0) {
        for (std::size_t i = 0; i < model_.buffers().size() && static_cast<int>(i) < pane_rows_;
             ++i) {
            const auto& wb = model_.buffers()[i];
            std::string label = std::to_string(i + 1) + " " + wb.label();
            if (wb.unread > 0) label += " (" + std::to_string(wb.unread) + ")";
            attr_t attr = A_NORMAL;
            short pair = 0;
            if (wb.mentioned) {
                attr = A_BOLD;
                pair = kPairMention;
            } else if (wb.unread > 0) {
                attr = A_BOLD;
            }
            if (i == model_.active()) attr |= A_REVERSE;
            put(1 + static_cast<int>(i), 0, list_w, u32(label), attr, pair);
        }
        mvvline(1, list_w, ACS_VLINE, pane_rows_);
    }

    // Member list.
    if (members_w > 0) {
        const int mx = w - members_w;
        mvvline(1, mx - 1, ACS_VLINE, pane_rows_);
        const auto n = b.members.size();
        put(1, mx, members_w, u32(std::to_string(n) + (n == 1 ? " member" : " members")), A_BOLD, 0
        );
        for (std::size_t i = 0; i < b.members.size() && static_cast<int>(i) + 2 <= pane_rows_;
             ++i) {
            const auto& m = b.members[i];
            const auto colour = static_cast<short>(1 + client::nick_colour(m.user, kNickPalette));
            put(2 + static_cast<int>(i),
                mx,
                members_w,
                u32((m.op ? "@" : " ") + m.user),
                m.guest ? A_DIM : A_NORMAL,
                colour);
        }
    }

    // Messages, bottom-aligned, `scroll` rows up from the newest.
    const auto rows = build_rows(b, pane_w);
    const auto total = rows.size();
    const auto visible = static_cast<std::size_t>(pane_rows_);
    const std::size_t max_scroll = total > visible ? total - visible : 0;
    b.scroll = std::min(b.scroll, max_scroll);
    const std::size_t end = total - b.scroll;
    const std::size_t begin = end > visible ? end - visible : 0;
    int y = 1 + pane_rows_ - static_cast<int>(end - begin);
    for (std::size_t r = begin; r < end; ++r, ++y) {
        int x = pane_x;
        for (const auto& seg : rows[r])
            x += put(y, x, pane_x + pane_w - x, seg.text, seg.attr, seg.pair);
    }

    // Status bar.
    std::string status = "[" + client::format_local_hms(clock_.unix_now_ms()).substr(0, 5) + "] [" +
                         model_.self() + "] [" + std::to_string(model_.active() + 1) + ":" +
                         b.label() + "]";
    if (b.scroll > 0) status += " [scrolled: PgDn]";
    if (!connected_)
        status += login_refused_ ? " [login refused]" : " [disconnected: reconnecting]";
    const auto typists = model_.typing_now(model_.active());
    if (!typists.empty()) {
        std::string who = typists.front();
        for (std::size_t i = 1; i < typists.size(); ++i) who += ", " + typists[i];
        status += " [" + who + (typists.size() == 1 ? " is" : " are") + " typing…]";
    }
    attr_set(A_NORMAL, colors_ ? kPairBar : 0, nullptr);
    put(h - 2,
        0,
        w,
        std::u32string(static_cast<std::size_t>(w), U' '),
        colors_ ? A_NORMAL : A_REVERSE,
        kPairBar);
    int sx = put(h - 2, 0, w, u32(status), colors_ ? A_NORMAL : A_REVERSE, kPairBar);
    // Activity, irssi style: windows with news; mentions and DMs in the hilight colour.
    bool any = false;
    for (std::size_t i = 0; i < model_.buffers().size(); ++i) {
        const auto& wb = model_.buffers()[i];
        if (wb.unread <= 0 || i == model_.active()) continue;
        sx +=
            put(h - 2, sx, w - sx, any ? U"," : U" [Act: ", colors_ ? A_NORMAL : A_REVERSE, kPairBar
            );
        any = true;
        sx +=
            put(h - 2,
                sx,
                w - sx,
                u32(std::to_string(i + 1) + (wb.mentioned ? "!" : "")),
                wb.mentioned ? A_BOLD : A_NORMAL,
                wb.mentioned ? kPairHilight : kPairBar);
    }
    if (any) put(h - 2, sx, w - sx, U"]", colors_ ? A_NORMAL : A_REVERSE, kPairBar);

    // Input line, scrolled sideways to keep the cursor visible.
    const std::u32string prompt = u32("[" + b.label() + "] ");
    const int prompt_w = put(h - 1, 0, w / 2, prompt, A_BOLD, 0);
    const int avail = std::max(1, w - prompt_w - 1);
    const auto& text = editor_.text();
    const std::size_t cursor = editor_.cursor();
    input_start_ = std::min(input_start_, cursor);
    while (input_start_ < cursor && client::display_width(std::u32string_view(text).substr(
                                        input_start_, cursor - input_start_
                                    )) > static_cast<std::size_t>(avail)) {
        ++input_start_;
    }
    put(h - 1, prompt_w, avail, text.substr(input_start_), A_NORMAL, 0);
    const auto cursor_x =
        prompt_w + static_cast<int>(client::display_width(
                       std::u32string_view(text).substr(input_start_, cursor - input_start_)
                   ));
    move(h - 1, std::min(cursor_x, w - 1));
    refresh();
}

int Tui::run() {
    struct sigaction sa {};

    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    initscr();
    raw();  // Ctrl+C, Ctrl+Z etc. come in as keys
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    setup_colors();

    while (!quit_ && g_stop == 0) {
        if (session_) {
            while (auto frame = session_->pop_frame()) handle_frame(std::move(*frame));
        }
        send_read_marker();
        draw();

        pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {-1, 0, 0}};
        nfds_t count = 1;
        if (session_ && session_->is_open()) {
            fds[1] = {
                session_->fd(),
                static_cast<short>(POLLIN | (session_->wants_write() ? POLLOUT : 0)),
                0};
            count = 2;
        }
        int timeout_ms = 1000;  // the status bar clock
        if (reconnect_at_) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                *reconnect_at_ - SteadyClock::now()
            );
            timeout_ms = static_cast<int>(std::clamp<long>(left.count(), 0, 1000));
        }
        const int rc = ::poll(fds, count, timeout_ms);
        if (rc > 0 && count == 2 && session_) {
            client::Result<void> io{};
            if ((fds[1].revents & POLLOUT) != 0) io = session_->on_writable();
            if (io && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
                io = session_->on_readable();
            if (!io) {
                // Frames that arrived with the close (e.g. NOTICE shutting_down) still count.
                while (auto frame = session_->pop_frame()) handle_frame(std::move(*frame));
                lose_connection(io.error().message);
            }
        }
        read_keys();
        if (!quit_ && reconnect_at_ && SteadyClock::now() >= *reconnect_at_) try_reconnect();
    }
    if (!quit_) quit();  // a signal: still say goodbye to the server
    endwin();
    return kExitOk;
}

}  // namespace

int run_tui(
    const Settings& settings,
    client::LoginRequest login,
    client::Session session,
    const core::LoginResult& welcome
) {
    Tui tui(settings, std::move(login), std::move(session), welcome);
    return tui.run();
}

}  // namespace salon::cli
