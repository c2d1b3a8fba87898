// The full-screen client: one poll() loop over the terminal and the server socket, a ChatModel
// for the state, and ncurses (wide-character API) for the drawing. This part: the connection,
// the resume after a reconnect, and what the server answers and tells.
#include "tui.hpp"

#include <iostream>

#include "exit_codes.hpp"
#include "tui_app.hpp"

namespace salon::cli {
namespace tui {
namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_stop_signal(int) {
    g_stop = 1;
}

}  // namespace

// ---- connection -----------------------------------------------------------------------------

std::int64_t Tui::request(const client::Request& r, Pending p) {
    if (!session_ || !session_->is_open() || (!connected_ && p.ask != Ask::conn)) {
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

void Tui::stop_for_good(const std::string& why) {
    login_refused_ = true;
    refusal_ = why;
    note_everywhere(why + "; /quit to leave", true);
}

void Tui::lose_connection(const std::string& reason) {
    session_.reset();
    connected_ = false;
    pending_.clear();
    model_.mark_disconnected();
    // A revoked session or a refused login would be refused again: say so once, do not retry.
    if (login_refused_) return;
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
        !guest_ && !login_.token.empty()
            ? client::requests::conn_token(user, login_.token, {}, false, 2)
            : client::requests::conn(user, login_.password, {}, false, 2),
        Pending{Ask::conn, user, {}, 0, false}
    );
}

void Tui::request_resume(client::Buffer& b, std::int64_t after) {
    b.resuming = true;
    request(
        client::requests::history_after(b.conversation(), after, 200),
        Pending{Ask::resume, b.label(), {}, 200, false}
    );
}

void Tui::load_direct_history(std::size_t index) {
    auto& b = model_.buffer(index);
    if (b.kind != BufferKind::direct || b.history_loaded || !connected_) return;
    b.history_loaded = true;
    b.history_pending = true;
    request(
        client::requests::history_before(b.conversation(), 0, kHistoryPage),
        Pending{Ask::history, b.label(), {}, kHistoryPage, false}
    );
}

void Tui::flush_pending(std::size_t index) {
    auto& b = model_.buffer(index);
    const std::string name = b.name;
    const bool direct = b.kind == BufferKind::direct;
    for (const auto& text : model_.take_pending(index)) {
        if (direct) {
            request(
                client::requests::dm(name, text), Pending{Ask::dm, name, text, 0, false, "@" + name}
            );
        } else {
            request(
                client::requests::send(name, text), Pending{Ask::send, name, text, 0, false, name}
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
            request(client::requests::join(channel), Pending{Ask::join, channel, {}, 0, false});
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
        request(
            client::requests::who(join->channel), Pending{Ask::who, join->channel, {}, 0, false}
        );
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
        const std::string detail = notice->message.empty() ? "" : ": " + notice->message;
        if (notice->code == "session_revoked") {
            stop_for_good(
                "session revoked" + detail +
                (login_.token.empty() ? "" : " (make a new token with `salon token create`)")
            );
        } else if (notice->code == "account_deleted") {
            stop_for_good("account " + model_.self() + " deleted" + detail);
        } else if (notice->code == "account_locked") {
            stop_for_good("account " + model_.self() + " locked by an administrator" + detail);
        } else {
            note_everywhere("server notice " + notice->code + detail, false);
        }
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

    if (p.ask == Ask::conn) {
        if (reply.ok) {
            if (auto welcome = client::parse_login_result(reply)) {
                on_logged_in(*welcome);
            } else {
                lose_connection("unexpected login answer: " + welcome.error().message);
            }
        } else if (guest_ && reply.code == "name_taken") {
            request(
                client::requests::conn("", "", {}, false, 2), Pending{Ask::conn, "", {}, 0, false}
            );
        } else {
            session_.reset();
            stop_for_good(
                reply.code == "account_locked"
                    ? "login refused: account " + login_.user + " is locked by an administrator"
                    : "login refused: " + why
            );
        }
        return;
    }
    if (p.ask == Ask::register_account) {
        if (!reply.ok) return model_.error(origin_index(p), "/register " + p.target + ": " + why);
        auto welcome = client::parse_login_result(reply);
        if (!welcome)
            return model_.error(0, "unexpected /register answer: " + welcome.error().message);
        // The RENAME that tells our channels may come before or after this OK, or not at all
        // (in no channel): whichever is first renames us.
        if (!model_.is_self(welcome->user))
            model_.on_rename(core::RenameEvent{model_.self(), welcome->user});
        guest_ = false;
        // A reconnect now logs in as the account, with the password just chosen.
        login_.user = welcome->user;
        login_.password = p.text;
        login_.token.clear();
        note_everywhere(
            "registered: you are " + welcome->user +
                " and keep your channels; log in next time with --user " + welcome->user,
            false
        );
        return;
    }
    if (p.ask == Ask::passwd) {
        if (!reply.ok)
            return model_.error(origin_index(p), "/passwd: " + why + " (nothing changed)");
        if (login_.token.empty()) login_.password = p.text;
        note_everywhere(
            "password changed; your other sessions and tokens were logged out" +
                std::string(login_.token.empty() ? "" : " (this one's token stays valid)"),
            false
        );
        return;
    }
    const std::size_t here = origin_index(p);
    if (p.ask == Ask::join) {
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
    if (p.ask == Ask::part) {
        if (!reply.ok) {
            model_.error(here, "cannot leave " + p.target + ": " + why);
            return;
        }
        if (auto i = model_.find(BufferKind::channel, p.target)) model_.close(*i);
        return;
    }
    if (p.ask == Ask::send) {
        if (!reply.ok) {
            const auto i = model_.find(BufferKind::channel, p.target).value_or(here);
            // The text is shown with the reason, so that nothing typed is lost.
            model_.error(i, "not sent (" + why + "): " + p.text);
        }
        return;
    }
    if (p.ask == Ask::dm) {
        if (!reply.ok) {
            // A DM that never went anywhere leaves no empty conversation behind.
            const auto found = model_.find(BufferKind::direct, p.target);
            const bool left_empty = found && model_.buffers()[*found].oldest_id() == 0 &&
                                    std::none_of(
                                        model_.buffers()[*found].lines.begin(),
                                        model_.buffers()[*found].lines.end(),
                                        [](const auto& l) { return l.pending; }
                                    );
            if (left_empty) {
                const bool shown = model_.active() == *found;
                model_.close(*found);
                if (shown) model_.switch_to(0);
            }
            // Closing renumbers the buffers, so the origin is looked up after it.
            const std::size_t where = found && !left_empty ? *found : origin_index(p);
            model_.error(where, "not sent to " + p.target + " (" + why + "): " + p.text);
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
    if (p.ask == Ask::resume) {
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
    if (p.ask == Ask::conversations) {
        if (!reply.ok) return;
        if (auto r = client::parse_conversations_result(reply)) {
            model_.on_conversations(*r);
            for (std::size_t i = 0; i < model_.buffers().size(); ++i) load_direct_history(i);
        }
        return;
    }
    if (p.ask == Ask::search) {
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
    if (p.ask == Ask::read || p.ask == Ask::typing) return;
    if (p.ask == Ask::edit || p.ask == Ask::delete_message || p.ask == Ask::react ||
        p.ask == Ask::topic || p.ask == Ask::kick || p.ask == Ask::ban || p.ask == Ask::unban ||
        p.ask == Ask::op || p.ask == Ask::key) {
        // Their effect arrives as events (UPDATE, TOPIC, PART); only a refusal needs words.
        if (!reply.ok) {
            model_.error(
                here,
                "/" + std::string(command_name(p.ask)) + " " + p.target + ": " + why +
                    (p.text.empty() ? "" : " (your text: " + p.text + ")")
            );
        } else if (p.ask == Ask::ban || p.ask == Ask::unban || p.ask == Ask::op || p.ask == Ask::key) {
            model_.info(here, std::string(command_name(p.ask)) + " " + p.target + ": done");
        }
        return;
    }
    if (p.ask == Ask::who) {
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
    if (p.ask == Ask::list) {
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
    if (p.ask == Ask::history) {
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
    if (login_refused_) {
        std::cerr << "salon: " << (refusal_.empty() ? "login refused" : refusal_) << "\n";
        return kExitLogin;
    }
    return kExitOk;
}

}  // namespace tui

int run_tui(
    const Settings& settings,
    client::LoginRequest login,
    client::Session session,
    const core::LoginResult& welcome
) {
    tui::Tui tui(settings, std::move(login), std::move(session), welcome);
    return tui.run();
}

}  // namespace salon::cli
