// The full-screen client's input: keys, the line editor, Tab completion, and the /commands.
#include "tui_app.hpp"

namespace salon::cli::tui {

// ---- input ----------------------------------------------------------------------------------

void Tui::read_keys() {
    wint_t ch = 0;
    for (;;) {
        const int rc = get_wch(&ch);
        if (rc == ERR) return;
        if (rc != KEY_CODE_YES && ch == L'\t') {
            if (!secret_) complete();
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
            const int rc = get_wch(&next);
            if (rc == ERR && secret_) {  // Esc alone: the password prompt is cancelled
                secret_.reset();
                editor_.set_text("");
                model_.info(model_.active(), "cancelled: nothing sent");
                return;
            }
            if (rc == OK && next >= L'0' && next <= L'9') {
                const std::size_t n = next == L'0' ? 10 : static_cast<std::size_t>(next - L'0');
                model_.switch_to(n - 1);
            }
            return;
        }
        case L'\n':
        case L'\r':
            if (secret_) return answer_secret();
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
            if (!secret_) editor_.history_prev();
            break;
        case KEY_DOWN:
            if (!secret_) editor_.history_next();
            break;
        case KEY_PPAGE:
            page_up();
            break;
        case KEY_NPAGE:
            page_down();
            break;
        case KEY_ENTER:
            if (secret_) return answer_secret();
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
                Pending{Ask::history, b.label(), {}, kHistoryPage, false}
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
             "  /register NAME        as a guest: become the account NAME, keeping your channels",
             "  /passwd               change your password (other sessions are logged out)",
             "  /help                 this text",
             "  /quit                 leave (Ctrl+C too)",
             "keys: PgUp/PgDn scroll (older messages load at the top), Up/Down input history,",
             "  Tab completes nicks and /commands, Ctrl+N/Ctrl+P next/previous window,",
             "  Ctrl+A/E/U/K/W edit, Ctrl+L redraw",
         }) {
        model_.info(i, line);
    }
}

void Tui::ask_secrets(SecretPrompt prompt) {
    editor_.set_text("");
    secret_ = std::move(prompt);
    model_.info(model_.active(), "typing is not shown; Esc cancels");
}

void Tui::answer_secret() {
    // Read and cleared by hand: a password never goes into the input history.
    secret_->answers.push_back(editor_.text_utf8());
    editor_.set_text("");
    if (secret_->answers.size() < secret_->questions.size()) return;
    const SecretPrompt done = std::move(*secret_);
    secret_.reset();
    const std::size_t here = model_.active();
    const std::string& chosen = done.answers[done.answers.size() - 2];
    if (chosen != done.answers.back())
        return model_.error(here, "the two new passwords differ; nothing sent");
    const std::string origin = model_.active_buffer().label();
    if (done.purpose == Ask::register_account) {
        request(
            client::requests::register_account(done.target, chosen, true, 1),
            Pending{Ask::register_account, done.target, chosen, 0, false, origin}
        );
    } else {
        request(
            client::requests::passwd(done.answers.front(), chosen),
            Pending{Ask::passwd, {}, chosen, 0, false, origin}
        );
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
            client::requests::send(b.name, text),
            Pending{Ask::send, b.name, text, 0, false, b.label()}
        );
    } else {
        request(
            client::requests::dm(b.name, text), Pending{Ask::dm, b.name, text, 0, false, b.label()}
        );
    }
    if (typing_in_ == b.label()) {
        request(
            client::requests::typing(b.conversation(), core::TypingState::done),
            Pending{Ask::typing, {}, {}}
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
    request(client::requests::read(b.conversation(), newest), Pending{Ask::read, {}, {}});
}

void Tui::send_typing() {
    const auto& b = model_.active_buffer();
    const auto& text = editor_.text();
    const bool typing =
        !text.empty() && text.front() != U'/' &&
        (b.kind == BufferKind::direct || (b.kind == BufferKind::channel && b.joined));
    if (!connected_ || secret_) return;
    const auto now = SteadyClock::now();
    if (typing) {
        // The server drops `active` repeated within 3 s anyway: do not send it.
        if (typing_in_ == b.label() && now - typing_at_ < 3s) return;
        typing_in_ = b.label();
        typing_at_ = now;
        request(
            client::requests::typing(b.conversation(), core::TypingState::active),
            Pending{Ask::typing, {}, {}}
        );
    } else if (typing_in_ == b.label() && text.empty()) {
        request(
            client::requests::typing(b.conversation(), core::TypingState::done),
            Pending{Ask::typing, {}, {}}
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
        Pending{Ask::history, b.label(), {}, 200, false}
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
            return model_.error(
                here,
                std::string("\"").append(first_word()).append("\" is not a valid channel name")
            );
        if (auto i = model_.find(BufferKind::channel, *channel); i && model_.buffers()[*i].joined) {
            model_.switch_to(*i);
            return;
        }
        request(
            client::requests::join(*channel, after_first()),
            Pending{Ask::join, *channel, {}, 0, true, model_.active_buffer().label()}
        );
    } else if (name == "close" || ((name == "part" || name == "leave") && rest.empty() &&
                                   model_.active_buffer().kind != BufferKind::channel)) {
        const auto& b = model_.active_buffer();
        if (here == 0) return model_.error(here, "the status window stays open (/quit to leave)");
        if (b.kind == BufferKind::channel && b.joined) {
            request(
                client::requests::part(b.name), Pending{Ask::part, b.name, {}, 0, true, b.label()}
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
                Pending{Ask::send, b.name, after_first(), 0, false, b.label()}
            );
        } else if (b.kind == BufferKind::direct) {
            request(
                client::requests::dm(b.name, after_first(), *id),
                Pending{Ask::dm, b.name, after_first(), 0, false, b.label(), *id}
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
            Pending{
                Ask::edit,
                std::to_string(*id),
                after_first(),
                0,
                false,
                model_.active_buffer().label()}
        );
    } else if (name == "delete") {
        const auto id = message_ref(first_word());
        if (!id) return model_.error(here, "usage: /delete ID|NICK");
        request(
            client::requests::delete_message(*id),
            Pending{
                Ask::delete_message,
                std::to_string(*id),
                {},
                0,
                false,
                model_.active_buffer().label()}
        );
    } else if (name == "react" || name == "unreact") {
        const auto id = message_ref(first_word());
        if (!id || after_first().empty())
            return model_.error(here, "usage: /" + name + " ID|NICK EMOJI");
        request(
            client::requests::react(*id, after_first(), name == "react"),
            Pending{Ask::react, std::to_string(*id), {}, 0, false, model_.active_buffer().label()}
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
            Pending{Ask::search, {}, rest, 0, true, model_.active_buffer().label()}
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
                Pending{Ask::topic, channel, {}, 0, false, label}
            );
            return;
        }
        if (name == "key") {
            request(
                client::requests::key(channel, rest),
                Pending{Ask::key, channel, {}, 0, false, label}
            );
            return;
        }
        const std::string nick = first_word();
        if (nick.empty()) return model_.error(here, "usage: /" + name + " NICK");
        if (name == "kick") {
            request(
                client::requests::kick(channel, nick, after_first()),
                Pending{Ask::kick, nick, {}, 0, false, label}
            );
        } else if (name == "ban") {
            request(
                client::requests::ban(channel, nick), Pending{Ask::ban, nick, {}, 0, false, label}
            );
        } else if (name == "unban") {
            request(
                client::requests::unban(channel, nick),
                Pending{Ask::unban, nick, {}, 0, false, label}
            );
        } else {
            request(
                client::requests::op(channel, nick), Pending{Ask::op, nick, {}, 0, false, label}
            );
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
        request(client::requests::part(*channel), Pending{Ask::part, *channel, {}, 0, true});
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
            Pending{Ask::dm, nick, text, 0, true, model_.active_buffer().label()}
        );
    } else if (name == "who" || name == "names") {
        const std::string target = rest.empty() ? current_channel() : first_word();
        const auto channel = core::canonical_channel_name(target);
        if (!channel) return model_.error(here, "usage: /who CHANNEL");
        request(client::requests::who(*channel), Pending{Ask::who, *channel, {}, 0, true});
    } else if (name == "list") {
        request(client::requests::list(), Pending{Ask::list, {}, {}, 0, true});
    } else if (name == "register") {
        if (!guest_)
            return model_.error(
                here, "you are " + model_.self() + " already: /register is for guests"
            );
        if (!core::is_valid_user_name(rest) || core::is_guest_name(rest))
            return model_.error(
                here, "usage: /register NAME (a name that does not start with Guest)"
            );
        if (!connected_) return model_.error(here, "offline: /register once reconnected");
        ask_secrets(SecretPrompt{Ask::register_account, rest, {"password for " + rest, "again"}, {}}
        );
    } else if (name == "passwd") {
        if (guest_) return model_.error(here, "guests have no password: /register NAME first");
        if (!connected_) return model_.error(here, "offline: /passwd once reconnected");
        ask_secrets(SecretPrompt{
            Ask::passwd, {}, {"current password", "new password", "new password again"}, {}});
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

}  // namespace salon::cli::tui
