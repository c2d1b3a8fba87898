// ChatSession: what each server event does to the model, and what each command sends.
#include "chat_session.hpp"

#include <QtGlobal>
#include <algorithm>

#include "input_command.hpp"

namespace salon::gui {

namespace {

QString qstr(const std::string& text) {
    return QString::fromStdString(text);
}

std::string utf8(const QString& text) {
    return text.toStdString();
}

}  // namespace

ChatSession::ChatSession(ChatConnection& connection, ChatModel& model, QObject* parent)
    : QObject(parent), connection_(connection), model_(model) {
    constexpr int kReadIntervalMs = 500;
    read_timer_.setSingleShot(true);
    read_timer_.setInterval(kReadIntervalMs);
    connect(&read_timer_, &QTimer::timeout, this, &ChatSession::send_reads);
    connect(&connection_, &ChatConnection::logged_in, this, &ChatSession::on_logged_in);
    connect(&connection_, &ChatConnection::event_received, this, &ChatSession::on_event);
    connect(
        &connection_,
        &ChatConnection::request_failed,
        this,
        [this](const QString& verb, const QString& code, const QString& message) {
            emit status_message(tr("%1 failed: %2 (%3)").arg(verb, message, code));
        }
    );
    connect(&connection_, &ChatConnection::reconnect_scheduled, this, [this](int delay_ms) {
        for (const auto& key : model_.keys()) {
            model_.set_status(
                key, tr("connection lost; reconnecting in %1 s").arg(delay_ms / 1000.0, 0, 'f', 1)
            );
        }
    });
}

client::ConversationRef ChatSession::conversation_ref(const QString& key) const {
    const auto* conversation = model_.find(key);
    if (conversation != nullptr && conversation->dm) {
        return client::ConversationRef::direct(utf8(conversation->title));
    }
    return client::ConversationRef::channel(utf8(key));
}

void ChatSession::on_logged_in(const core::LoginResult& welcome, bool reconnected) {
    const auto user = qstr(welcome.user);
    snapshots_.clear();  // their requests died with the previous connection
    if (welcome.max_text_bytes > 0) max_text_bytes_ = static_cast<int>(welcome.max_text_bytes);
    if (!reconnected) model_.clear();
    model_.set_own_name(user);
    const auto login_channel = ChatModel::channel_key(connection_.params().channel);
    resumes_outstanding_ = 0;
    if (!reconnected) {
        model_.ensure_channel(login_channel);
        model_.set_current(login_channel);
        emit show_conversation(login_channel);
        if (connection_.params().register_account) {
            // REGISTER's arguments are only us/pwd; joining again is harmless if the server
            // did join us already (OK and HISTORY, no JOIN event for others).
            join(login_channel, QString(), false);
        }
        refresh_conversations();
        return;
    }
    // The highest rev of each conversation is read now, before the login's HISTORY replays
    // (which come after this OK) bring the newest messages and hide the hole behind them.
    QList<QPair<QString, qint64>> resumes;
    for (const auto& key : model_.keys()) {
        const auto* conversation = model_.find(key);
        if (conversation == nullptr) continue;
        model_.set_status(key, tr("reconnected as %1").arg(user));
        // A HISTORY request lost with the old connection will never be answered.
        model_.set_history_state(key, false, conversation->history_exhausted);
        if (conversation->parted) continue;
        if (!conversation->dm && connection_.guest()) join(key, QString(), false);
        if (conversation->max_rev > 0) resumes.append({key, conversation->max_rev});
    }
    for (const auto& [key, after] : resumes) {
        ++resumes_outstanding_;
        resume(key, after);
    }
    if (resumes_outstanding_ == 0) resume_done();
}

void ChatSession::resume(const QString& key, qint64 after) {
    constexpr int kResumePage = 200;  // the server's largest page
    const auto ref = connection_.request(
        client::requests::history_after(conversation_ref(key), after, kResumePage),
        [this, key](const client::Reply& reply) {
            auto page = client::parse_history_result(reply);
            if (!reply.ok || !page) {
                // not_in_channel: the server did not put us back (a channel only guests
                // operated is gone once empty); the lines stay, marked as left.
                if (!reply.ok && reply.code == "not_in_channel") {
                    model_.set_parted(key, true);
                    model_.add_info(key, tr("you are no longer in this channel"));
                } else if (!reply.ok) {
                    report_failure(key, reply);
                }
                resume_done();
                return;
            }
            model_.merge_messages(key, page->messages);
            if (page->more && !page->messages.empty()) {
                qint64 last = 0;
                for (const auto& message : page->messages)
                    last = std::max<qint64>(last, message.rev);
                resume(key, last);
                return;
            }
            resume_done();
        }
    );
    if (ref < 0) resume_done();
}

void ChatSession::resume_done() {
    if (resumes_outstanding_ > 0 && --resumes_outstanding_ > 0) return;
    refresh_conversations();
    emit resume_finished();
}

void ChatSession::refresh_conversations() {
    connection_.request(client::requests::conversations(), [this](const client::Reply& reply) {
        auto list = client::parse_conversations_result(reply);
        if (!reply.ok || !list) return;  // a version 1 server: the local counts stay
        for (const auto& summary : list->conversations) {
            QString key;
            if (!summary.with.empty()) {
                key = model_.ensure_dm(qstr(summary.with));
            } else {
                key = ChatModel::channel_key(qstr(summary.channel));
                if (model_.find(key) == nullptr) continue;  // not joined on this connection
            }
            model_.set_counts(
                key,
                static_cast<int>(summary.unread),
                static_cast<int>(summary.mentions),
                summary.read
            );
        }
    });
}

void ChatSession::mark_read(const QString& key) {
    const auto* conversation = model_.find(key);
    if (conversation == nullptr) return;
    const auto newest = conversation->newest_id();
    if (newest == 0 || !model_.mark_read(key, newest)) return;
    // The count goes at once; the READ itself waits a moment, so that a busy channel read
    // live costs one request per interval rather than one per message.
    unsent_reads_.insert(key, newest);
    if (!read_timer_.isActive()) read_timer_.start();
}

void ChatSession::send_reads() {
    for (auto it = unsent_reads_.cbegin(); it != unsent_reads_.cend(); ++it) {
        if (model_.find(it.key()) == nullptr) continue;
        connection_.request(
            client::requests::read(conversation_ref(it.key()), it.value()),
            [](const client::Reply&) {}
        );
    }
    unsent_reads_.clear();
}

void ChatSession::join(const QString& channel, const QString& key, bool show) {
    const auto current = model_.current();
    const auto snapshot_key = ChatModel::channel_key(channel);
    const auto ref = connection_.request(
        client::requests::join(utf8(channel), utf8(key)),
        [this, show, current, snapshot_key](const client::Reply& reply) {
            if (!reply.ok) {
                end_snapshot(snapshot_key, std::nullopt);
                // A rejoin refused (banned, a key set meanwhile) belongs to that channel;
                // a /join refused, to the conversation it was typed in.
                if (model_.find(snapshot_key) != nullptr) {
                    if (!show) model_.set_parted(snapshot_key, true);
                    report_failure(snapshot_key, reply);
                } else {
                    report_failure(current, reply);
                }
                return;
            }
            auto joined = client::parse_join_result(reply);
            if (!joined) {
                end_snapshot(snapshot_key, std::nullopt);
                report_bad_reply(current, joined.error());
                return;
            }
            const auto name = qstr(joined->channel);
            const auto conversation_key = model_.ensure_channel(name);
            end_snapshot(conversation_key, joined->members);
            model_.set_topic(name, qstr(joined->topic));
            if (show) emit show_conversation(conversation_key);
        }
    );
    if (ref >= 0) begin_snapshot(snapshot_key);
}

void ChatSession::begin_snapshot(const QString& key) {
    if (!key.isEmpty()) ++snapshots_[key].outstanding;
}

void ChatSession::end_snapshot(
    const QString& key, const std::optional<std::vector<core::MemberInfo>>& members
) {
    auto it = snapshots_.find(key);
    if (it == snapshots_.end()) return;
    if (members) {
        // The server may send a JOIN/PART/QUIT event before a member list that was taken
        // before that change; replaying what arrived since the request keeps both right.
        model_.set_members(key, *members);
        for (const auto& change : it->changes) {
            model_.set_member_present(key, change.first, change.second);
        }
    }
    if (--it->outstanding <= 0) snapshots_.erase(it);
}

void ChatSession::journal(const QString& key, const QString& user, bool present) {
    auto it = snapshots_.find(key);
    if (it != snapshots_.end()) it->changes.append({user, present});
}

void ChatSession::fetch_members(const QString& channel) {
    const auto key = ChatModel::channel_key(channel);
    const auto ref = connection_.request(
        client::requests::who(utf8(channel)),
        [this, key](const client::Reply& reply) {
            // A NO means we left meanwhile; there is nothing to show then.
            std::optional<std::vector<core::MemberInfo>> members;
            if (reply.ok) {
                if (auto who = client::parse_who_result(reply)) members = std::move(who->members);
            }
            end_snapshot(key, members);
        }
    );
    if (ref >= 0) begin_snapshot(key);
}

void ChatSession::on_event(const client::Payload& event) {
    if (const auto* e = std::get_if<core::MessageEvent>(&event)) {
        if (e->message.is_direct()) {
            model_.add_dm(e->message, true);
        } else {
            model_.add_message(e->message, true);
        }
    } else if (const auto* update = std::get_if<core::UpdateEvent>(&event)) {
        model_.apply_update(update->message);
    } else if (const auto* read = std::get_if<core::ReadEvent>(&event)) {
        // Our marker moved, here or on another device.
        const auto key = read->with.empty() ? ChatModel::channel_key(qstr(read->channel))
                                            : ChatModel::dm_key(qstr(read->with));
        model_.mark_read(key, read->id);
    } else if (const auto* typing = std::get_if<core::TypingEvent>(&event)) {
        const auto key = typing->with.empty() ? ChatModel::channel_key(qstr(typing->channel))
                                              : ChatModel::dm_key(qstr(typing->with));
        model_.set_typing(key, qstr(typing->user), typing->state == core::TypingState::active);
    } else if (const auto* history = std::get_if<core::HistoryEvent>(&event)) {
        const auto key = ChatModel::channel_key(qstr(history->channel));
        const bool had_messages = model_.find(key) != nullptr && model_.find(key)->oldest_id() != 0;
        model_.add_history(qstr(history->channel), history->messages);
        // A first replay shorter than a page, and not cut short, is the whole channel.
        if (!had_messages && !history->more &&
            history->messages.size() < static_cast<std::size_t>(kHistoryPage)) {
            model_.set_history_state(key, false, true);
        }
    } else if (const auto* join = std::get_if<core::JoinEvent>(&event)) {
        const auto channel = qstr(join->channel);
        const auto user = qstr(join->user);
        journal(ChatModel::channel_key(channel), user, true);
        model_.member_joined(channel, user, join->op);
        // CONN's joins (and a registered user's rejoins) come without a member list.
        if (fold_name(user) == fold_name(model_.own_name())) fetch_members(channel);
    } else if (const auto* part = std::get_if<core::PartEvent>(&event)) {
        const auto channel = qstr(part->channel);
        const auto user = qstr(part->user);
        const auto key = ChatModel::channel_key(channel);
        if (fold_name(user) == fold_name(model_.own_name()) && !part->by.empty()) {
            // Kicked or banned: the lines stay, with who did it and why.
            journal(key, user, false);
            model_.set_parted(key, true);
            const auto title = QLatin1Char('#') + key;
            const auto text = part->reason.empty()
                                  ? tr("You were kicked from %1 by %2").arg(title, qstr(part->by))
                                  : tr("You were kicked from %1 by %2 (%3)")
                                        .arg(title, qstr(part->by), qstr(part->reason));
            model_.add_info(key, text);
            emit status_message(text);
        } else if (fold_name(user) == fold_name(model_.own_name())) {
            model_.remove_conversation(key);
            if (model_.current().isEmpty() && !model_.keys().isEmpty()) {
                emit show_conversation(model_.keys().first());
            }
        } else {
            auto reason = qstr(part->reason);
            if (!part->by.empty())
                reason = tr("kicked by %1%2")
                             .arg(
                                 qstr(part->by),
                                 reason.isEmpty() ? QString() : QStringLiteral(": ") + reason
                             );
            journal(ChatModel::channel_key(channel), user, false);
            model_.member_parted(channel, user, reason);
        }
    } else if (const auto* quit = std::get_if<core::QuitEvent>(&event)) {
        const auto user = qstr(quit->user);
        for (const auto& key : snapshots_.keys()) journal(key, user, false);
        model_.user_quit(user, qstr(quit->reason));
    } else if (const auto* rename = std::get_if<core::RenameEvent>(&event)) {
        // A guest registered in place (us included: the REGISTER OK came first).
        model_.rename_user(qstr(rename->user), qstr(rename->to));
    } else if (const auto* topic = std::get_if<core::TopicEvent>(&event)) {
        const auto channel = qstr(topic->channel);
        const auto text = qstr(topic->topic);
        model_.set_topic(channel, text);
        model_.add_info(
            ChatModel::channel_key(channel), tr("%1 set the topic: %2").arg(qstr(topic->by), text)
        );
    } else if (const auto* notice = std::get_if<core::NoticeEvent>(&event)) {
        const auto shown = qstr(notice->message.empty() ? notice->code : notice->message);
        if (!model_.current().isEmpty())
            model_.add_info(model_.current(), tr("server: %1").arg(shown));
        emit status_message(tr("server: %1").arg(shown));
    }
}

void ChatSession::report_failure(const QString& key, const client::Reply& no) {
    const auto text = tr("%1 (%2)").arg(qstr(no.message), qstr(no.code));
    if (!key.isEmpty() && model_.find(key) != nullptr) model_.add_info(key, text);
    emit status_message(text);
}

void ChatSession::report_bad_reply(const QString& key, const client::DecodeError& error) {
    qWarning("salon-gui: unexpected reply from server: %s", error.message.c_str());
    const auto text = tr("unexpected reply from the server: %1").arg(qstr(error.message));
    if (!key.isEmpty() && model_.find(key) != nullptr) model_.add_info(key, text);
    emit status_message(text);
}

bool ChatSession::say(const QString& key, const QString& text) {
    const auto* conversation = model_.find(key);
    if (conversation == nullptr) {
        emit status_message(tr("join a channel first: /join #home"));
        return false;
    }
    if (conversation->parted) {
        const auto why = tr("you are not in %1: /join %1 to go back").arg(conversation->title);
        model_.add_info(key, why);
        emit status_message(why);
        return false;
    }
    const auto bytes = text.toUtf8().size();
    if (bytes > max_text_bytes_) {
        emit status_message(tr("too long: %1 bytes, the server takes %2; nothing was sent")
                                .arg(bytes)
                                .arg(max_text_bytes_));
        return false;
    }
    const auto reply_to = reply_to_;
    reply_to_ = 0;
    if (conversation->dm) {
        send_dm(conversation->title, text, key, false, reply_to);
        return true;
    }
    connection_.request(
        client::requests::send(utf8(key), utf8(text), reply_to),
        [this, key, text](const client::Reply& reply) {
            if (reply.ok) return;
            report_failure(key, reply);
            emit input_returned(text);
        }
    );
    return true;
}

bool ChatSession::submit_input(const QString& line, const QString& current_key) {
    if (line.trimmed().isEmpty()) return true;
    const auto command = parse_input(line);
    if (command.kind != InputCommand::Kind::help && command.kind != InputCommand::Kind::quit &&
        command.kind != InputCommand::Kind::invalid &&
        connection_.state() != ChatConnection::State::online) {
        // Nothing is dropped: the text stays in the input, to be sent once we are back.
        const auto why = tr("not connected: nothing was sent; press Enter again once reconnected");
        if (model_.find(current_key) != nullptr) model_.set_status(current_key, why);
        emit status_message(why);
        return false;
    }
    const auto channel_or_current = [&](const QString& target) {
        return target.isEmpty() ? current_key : ChatModel::channel_key(target);
    };
    const auto on_failure = [this, current_key](const client::Reply& reply) {
        if (!reply.ok) report_failure(current_key, reply);
    };
    const auto* conversation = model_.find(current_key);
    const bool in_channel = conversation != nullptr && !conversation->dm;
    switch (command.kind) {
        case InputCommand::Kind::say:
            return say(current_key, command.text);
        case InputCommand::Kind::me:
            return say(current_key, make_action(command.text));
        case InputCommand::Kind::join:
            join(command.target, command.text, true);
            return true;
        case InputCommand::Kind::part: {
            const auto target = channel_or_current(command.target);
            if (command.target.isEmpty() && conversation != nullptr &&
                (conversation->dm || conversation->parted)) {
                // A DM, or a channel we were removed from, has nothing to leave on the
                // server: closing it is local.
                model_.remove_conversation(current_key);
                if (!model_.keys().isEmpty()) emit show_conversation(model_.keys().first());
                return true;
            }
            connection_.request(client::requests::part(utf8(target)), on_failure);
            return true;
        }
        case InputCommand::Kind::msg:
            if (command.text.toUtf8().size() > max_text_bytes_) {
                emit status_message(tr("too long: the server takes %1 bytes").arg(max_text_bytes_));
                return false;
            }
            send_dm(command.target, command.text, current_key, true, 0);
            return true;
        case InputCommand::Kind::quit:
            emit quit_requested();
            return true;
        case InputCommand::Kind::help:
            for (const auto& help : input_help().split(QLatin1Char('\n'))) {
                if (conversation != nullptr) model_.add_info(current_key, help);
            }
            return true;
        case InputCommand::Kind::list:
            list_channels(current_key);
            return true;
        case InputCommand::Kind::who:
            who(current_key, channel_or_current(command.target));
            return true;
        case InputCommand::Kind::topic:
        case InputCommand::Kind::kick:
        case InputCommand::Kind::ban:
        case InputCommand::Kind::unban:
        case InputCommand::Kind::op:
        case InputCommand::Kind::key:
            if (!in_channel) {
                emit status_message(tr("moderation commands act on the channel on screen"));
                return false;
            }
            moderate(command, current_key);
            return true;
        case InputCommand::Kind::invalid:
            if (conversation != nullptr) model_.add_info(current_key, command.text);
            emit status_message(command.text);
            return false;
    }
    return true;
}

void ChatSession::list_channels(const QString& current_key) {
    connection_.request(client::requests::list(), [this, current_key](const client::Reply& reply) {
        auto list = client::parse_list_result(reply);
        if (!reply.ok || !list) return report_failure(current_key, reply);
        for (const auto& channel : list->channels) {
            model_.add_info(
                current_key,
                tr("#%1: %2%3")
                    .arg(qstr(channel.name))
                    .arg(
                        channel.members == 1 ? tr("1 member")
                                             : tr("%1 members").arg(channel.members)
                    )
                    .arg(
                        channel.topic.empty() ? QString()
                                              : QStringLiteral(" — ") + qstr(channel.topic)
                    )
            );
        }
    });
}

void ChatSession::who(const QString& current_key, const QString& target) {
    connection_.request(
        client::requests::who(utf8(target)),
        [this, current_key, target](const client::Reply& reply) {
            auto answer = client::parse_who_result(reply);
            if (!reply.ok || !answer) return report_failure(current_key, reply);
            QStringList names;
            for (const auto& member : answer->members) {
                names.append((member.op ? QStringLiteral("@") : QString()) + qstr(member.user));
            }
            model_.add_info(
                current_key,
                tr("#%1 (%2): %3")
                    .arg(target)
                    .arg(names.size() == 1 ? tr("1 member") : tr("%1 members").arg(names.size()))
                    .arg(names.join(QStringLiteral(", ")))
            );
        }
    );
}

void ChatSession::moderate(const InputCommand& command, const QString& current_key) {
    const auto channel = utf8(current_key);
    const auto user = utf8(command.target);
    client::Request request;
    switch (command.kind) {
        case InputCommand::Kind::topic:
            request = client::requests::topic(channel, utf8(command.text));
            break;
        case InputCommand::Kind::kick:
            request = client::requests::kick(channel, user, utf8(command.text));
            break;
        case InputCommand::Kind::ban:
            request = client::requests::ban(channel, user);
            break;
        case InputCommand::Kind::unban:
            request = client::requests::unban(channel, user);
            break;
        case InputCommand::Kind::op:
            request = client::requests::op(channel, user);
            break;
        default:
            request = client::requests::key(channel, utf8(command.text));
            break;
    }
    const auto verb = qstr(request.verb);
    connection_.request(request, [this, current_key, verb](const client::Reply& reply) {
        if (!reply.ok) return report_failure(current_key, reply);
        model_.add_info(current_key, tr("%1: done").arg(verb.toLower()));
    });
}

void ChatSession::edit_message(qint64 id, const QString& text) {
    connection_.request(client::requests::edit(id, utf8(text)), [this](const client::Reply& r) {
        if (!r.ok) report_failure(model_.current(), r);
    });
}

void ChatSession::delete_message(qint64 id) {
    connection_.request(client::requests::delete_message(id), [this](const client::Reply& r) {
        if (!r.ok) report_failure(model_.current(), r);
    });
}

void ChatSession::react(qint64 id, const QString& emoji, bool on) {
    connection_.request(
        client::requests::react(id, utf8(emoji), on),
        [this](const client::Reply& r) {
            if (!r.ok) report_failure(model_.current(), r);
        }
    );
}

void ChatSession::typing(const QString& key, bool active) {
    const auto* conversation = model_.find(key);
    if (conversation == nullptr || conversation->parted) return;
    connection_.request(
        client::requests::typing(
            conversation_ref(key), active ? core::TypingState::active : core::TypingState::done
        ),
        [](const client::Reply&) {}
    );
}

void ChatSession::search(
    const QString& query, std::function<void(std::vector<core::Message>)> on_results
) {
    client::requests::SearchQuery search{.text = utf8(query), .limit = 50};
    connection_.request(
        client::requests::search(search),
        [this, on_results = std::move(on_results)](const client::Reply& reply) {
            auto found = client::parse_search_result(reply);
            if (!reply.ok || !found) {
                if (!reply.ok) report_failure(model_.current(), reply);
                on_results({});
                return;
            }
            on_results(std::move(found->messages));
        }
    );
}

void ChatSession::load_around(const QString& key, qint64 id, std::function<void()> done) {
    const auto* conversation = model_.find(key);
    if (conversation == nullptr || conversation->message(id) != nullptr) {
        done();
        return;
    }
    // Everything from just before the message to what we hold: pages backwards from our
    // oldest message until the one searched for is in.
    const auto oldest = conversation->oldest_id();
    const auto ref = connection_.request(
        client::requests::history_before(conversation_ref(key), oldest, 200),
        [this, key, id, done = std::move(done)](const client::Reply& reply) {
            auto page = client::parse_history_result(reply);
            if (!reply.ok || !page || page->messages.empty()) {
                done();
                return;
            }
            model_.merge_messages(key, page->messages);
            if (page->messages.front().id <= id) {
                done();
                return;
            }
            load_around(key, id, done);
        }
    );
    if (ref < 0) done();
}

void ChatSession::send_dm(
    const QString& peer, const QString& text, const QString& current_key, bool show, qint64 reply_to
) {
    connection_.request(
        client::requests::dm(utf8(peer), utf8(text), reply_to),
        [this, peer, text, current_key, show, reply_to](const client::Reply& reply) {
            if (!reply.ok) {
                // No thread is made for a DM that went nowhere (no_such_user).
                report_failure(current_key, reply);
                if (!show) emit input_returned(text);
                return;
            }
            // PROTOCOL.md echoes a DM only to the sender's *other* connections, so this
            // window's copy is made from the OK's id and ts.
            // Without a readable id and ts the copy still shows, as message 0 sent now.
            const auto posted = client::parse_post_result(reply);
            model_.add_dm(
                core::Message{
                    .id = posted ? posted->id : 0,
                    .channel = {},  // a direct message
                    .from = utf8(model_.own_name()),
                    .to = utf8(peer),
                    .text = utf8(text),
                    .ts_ms = posted ? posted->ts_ms : 0,
                    .rev = posted ? posted->id : 0,
                    .reply_to = reply_to,
                    .reactions = {},
                    .mentions = {}},
                false
            );
            if (show) emit show_conversation(ChatModel::dm_key(peer));
        }
    );
}

bool ChatSession::load_older(const QString& key) {
    const auto* conversation = model_.find(key);
    if (conversation == nullptr || conversation->history_exhausted ||
        conversation->history_loading || connection_.state() != ChatConnection::State::online) {
        return false;
    }
    // Paging starts from the join's HISTORY replay; a channel whose replay was empty has no
    // older messages either.
    const auto oldest = conversation->oldest_id();
    // A DM thread listed by CONVERSATIONS starts empty: its first page is the newest.
    if (oldest == 0 && !conversation->dm) return false;
    model_.set_history_state(key, true, false);
    const auto ref = connection_.request(
        client::requests::history_before(conversation_ref(key), oldest, kHistoryPage),
        [this, key](const client::Reply& reply) {
            // A NO, or a page that cannot be read, ends the scroll-back.
            auto page = client::parse_history_result(reply);
            if (!reply.ok || !page) {
                model_.set_history_state(key, false, true);
                return;
            }
            const auto count = page->messages.size();
            // Set before merging: lines_reset may make the view ask for the next page.
            // A short page is the end, unless the server cut it to bound the reply (`more`).
            model_.set_history_state(
                key,
                false,
                count == 0 || (count < static_cast<std::size_t>(kHistoryPage) && !page->more)
            );
            model_.merge_messages(key, page->messages);
        }
    );
    if (ref < 0) {
        model_.set_history_state(key, false, false);
        return false;
    }
    return true;
}

}  // namespace salon::gui
