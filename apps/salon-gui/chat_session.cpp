// ChatSession: what each server event does to the model, and what each command sends.
#include "chat_session.hpp"

#include <QtGlobal>

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
            model_.add_info(
                key, tr("connection lost; reconnecting in %1 s").arg(delay_ms / 1000.0, 0, 'f', 1)
            );
        }
    });
}

void ChatSession::on_logged_in(const core::LoginResult& welcome, bool reconnected) {
    const auto user = qstr(welcome.user);
    snapshots_.clear();  // their requests died with the previous connection
    if (!reconnected) model_.clear();
    model_.set_own_name(user);
    const auto login_channel = ChatModel::channel_key(connection_.params().channel);
    if (!reconnected) {
        model_.ensure_channel(login_channel);
        model_.set_current(login_channel);
        emit show_conversation(login_channel);
        if (connection_.params().register_account) {
            // REGISTER's arguments are only us/pwd; joining again is harmless if the server
            // did join us already (OK and HISTORY, no JOIN event for others).
            join(login_channel, QString(), false);
        }
        return;
    }
    for (const auto& key : model_.keys()) {
        const auto* conversation = model_.find(key);
        if (conversation == nullptr) continue;
        model_.add_info(key, tr("reconnected as %1").arg(user));
        // A HISTORY request lost with the old connection will never be answered.
        model_.set_history_state(key, false, conversation->history_exhausted);
        if (!conversation->dm && key != login_channel) join(key, QString(), false);
    }
}

void ChatSession::join(const QString& channel, const QString& key, bool show) {
    const auto current = model_.current();
    const auto snapshot_key = ChatModel::channel_key(channel);
    const auto ref = connection_.request(
        client::requests::join(utf8(channel), utf8(key)),
        [this, show, current, snapshot_key](const client::Reply& reply) {
            if (!reply.ok) {
                end_snapshot(snapshot_key, std::nullopt);
                report_failure(current, reply);
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
    } else if (const auto* history = std::get_if<core::HistoryEvent>(&event)) {
        model_.add_history(qstr(history->channel), history->messages);
    } else if (const auto* join = std::get_if<core::JoinEvent>(&event)) {
        const auto channel = qstr(join->channel);
        const auto user = qstr(join->user);
        journal(ChatModel::channel_key(channel), user, true);
        model_.member_joined(channel, user);
        // CONN's joins (and a registered user's rejoins) come without a member list.
        if (fold_name(user) == fold_name(model_.own_name())) fetch_members(channel);
    } else if (const auto* part = std::get_if<core::PartEvent>(&event)) {
        const auto channel = qstr(part->channel);
        const auto user = qstr(part->user);
        if (fold_name(user) == fold_name(model_.own_name())) {
            model_.remove_conversation(ChatModel::channel_key(channel));
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

void ChatSession::submit_input(const QString& line, const QString& current_key) {
    if (line.trimmed().isEmpty()) return;
    const auto command = parse_input(line);
    const auto* conversation = model_.find(current_key);
    switch (command.kind) {
        case InputCommand::Kind::say: {
            if (conversation == nullptr) {
                emit status_message(tr("join a channel first: /join #home"));
                return;
            }
            if (conversation->dm) {
                send_dm(conversation->title, command.text, current_key, false);
            } else {
                connection_.request(
                    client::requests::send(utf8(current_key), utf8(command.text)),
                    [this, current_key](const client::Reply& reply) {
                        if (!reply.ok) report_failure(current_key, reply);
                    }
                );
            }
            return;
        }
        case InputCommand::Kind::join:
            join(command.target, command.text, true);
            return;
        case InputCommand::Kind::part: {
            const auto target = command.target.isEmpty() ? current_key : command.target;
            if (conversation != nullptr && conversation->dm && command.target.isEmpty()) {
                // A DM has nothing to leave on the server: closing it is local.
                model_.remove_conversation(current_key);
                if (!model_.keys().isEmpty()) emit show_conversation(model_.keys().first());
                return;
            }
            connection_.request(
                client::requests::part(utf8(target)),
                [this, current_key](const client::Reply& reply) {
                    if (!reply.ok) report_failure(current_key, reply);
                }
            );
            return;
        }
        case InputCommand::Kind::msg:
            send_dm(command.target, command.text, current_key, true);
            return;
        case InputCommand::Kind::quit:
            emit quit_requested();
            return;
        case InputCommand::Kind::invalid:
            if (conversation != nullptr) model_.add_info(current_key, command.text);
            emit status_message(command.text);
            return;
    }
}

void ChatSession::send_dm(
    const QString& peer, const QString& text, const QString& current_key, bool show
) {
    connection_.request(
        client::requests::dm(utf8(peer), utf8(text)),
        [this, peer, text, current_key, show](const client::Reply& reply) {
            if (!reply.ok) {
                report_failure(current_key, reply);
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
    if (conversation == nullptr || conversation->dm || conversation->history_exhausted ||
        conversation->history_loading || connection_.state() != ChatConnection::State::online) {
        return false;
    }
    // Paging starts from the join's HISTORY replay; a channel whose replay was empty has no
    // older messages either.
    const auto oldest = conversation->oldest_id();
    if (oldest == 0) return false;
    model_.set_history_state(key, true, false);
    const auto ref = connection_.request(
        client::requests::history(utf8(key), oldest, kHistoryPage),
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
            model_.add_history(key, page->messages);
        }
    );
    if (ref < 0) {
        model_.set_history_state(key, false, false);
        return false;
    }
    return true;
}

}  // namespace salon::gui
