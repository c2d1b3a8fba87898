// ChatSession: what each server event does to the model, and what each command sends.
#include "chat_session.hpp"

#include <QJsonArray>

#include "input_command.hpp"

namespace salon::gui {

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

void ChatSession::on_logged_in(const QJsonObject& ok, bool reconnected) {
    const auto user = ok.value(QStringLiteral("user")).toString();
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
    QJsonObject args{{QStringLiteral("channel"), channel}};
    if (!key.isEmpty()) args[QStringLiteral("key")] = key;
    const auto current = model_.current();
    const auto snapshot_key = ChatModel::channel_key(channel);
    const auto ref = connection_.request(
        QStringLiteral("JOIN"),
        args,
        [this, show, current, snapshot_key](bool ok, const QJsonObject& body) {
            if (!ok) {
                end_snapshot(snapshot_key, std::nullopt);
                report_failure(current, body);
                return;
            }
            const auto name = body.value(QStringLiteral("channel")).toString();
            const auto conversation_key = model_.ensure_channel(name);
            end_snapshot(conversation_key, body.value(QStringLiteral("members")).toArray());
            model_.set_topic(name, body.value(QStringLiteral("topic")).toString());
            if (show) emit show_conversation(conversation_key);
        }
    );
    if (ref >= 0) begin_snapshot(snapshot_key);
}

void ChatSession::begin_snapshot(const QString& key) {
    if (!key.isEmpty()) ++snapshots_[key].outstanding;
}

void ChatSession::end_snapshot(const QString& key, const std::optional<QJsonArray>& members) {
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
        QStringLiteral("WHO"),
        QJsonObject{{QStringLiteral("channel"), channel}},
        [this, key](bool ok, const QJsonObject& body) {
            // A NO means we left meanwhile; there is nothing to show then.
            end_snapshot(
                key,
                ok ? std::optional<QJsonArray>(body.value(QStringLiteral("members")).toArray())
                   : std::nullopt
            );
        }
    );
    if (ref >= 0) begin_snapshot(key);
}

void ChatSession::on_event(const QString& verb, const QJsonObject& body) {
    const auto channel = body.value(QStringLiteral("channel")).toString();
    const auto user = body.value(QStringLiteral("user")).toString();
    const bool about_us = fold_name(user) == fold_name(model_.own_name());
    if (verb == QStringLiteral("MSG")) {
        model_.add_message(body, true);
    } else if (verb == QStringLiteral("DM")) {
        model_.add_dm(body, true);
    } else if (verb == QStringLiteral("HISTORY")) {
        model_.add_history(channel, body.value(QStringLiteral("messages")).toArray());
    } else if (verb == QStringLiteral("JOIN")) {
        journal(ChatModel::channel_key(channel), user, true);
        model_.member_joined(channel, user);
        // CONN's joins (and a registered user's rejoins) come without a member list.
        if (about_us) fetch_members(channel);
    } else if (verb == QStringLiteral("PART")) {
        if (about_us) {
            model_.remove_conversation(ChatModel::channel_key(channel));
            if (model_.current().isEmpty() && !model_.keys().isEmpty()) {
                emit show_conversation(model_.keys().first());
            }
        } else {
            auto reason = body.value(QStringLiteral("reason")).toString();
            const auto by = body.value(QStringLiteral("by")).toString();
            if (!by.isEmpty())
                reason = tr("kicked by %1%2")
                             .arg(by, reason.isEmpty() ? QString() : QStringLiteral(": ") + reason);
            journal(ChatModel::channel_key(channel), user, false);
            model_.member_parted(channel, user, reason);
        }
    } else if (verb == QStringLiteral("QUIT")) {
        for (const auto& key : snapshots_.keys()) journal(key, user, false);
        model_.user_quit(user, body.value(QStringLiteral("reason")).toString());
    } else if (verb == QStringLiteral("TOPIC")) {
        const auto topic = body.value(QStringLiteral("topic")).toString();
        model_.set_topic(channel, topic);
        model_.add_info(
            ChatModel::channel_key(channel),
            tr("%1 set the topic: %2").arg(body.value(QStringLiteral("by")).toString(), topic)
        );
    } else if (verb == QStringLiteral("NOTICE")) {
        const auto text = body.value(QStringLiteral("message")).toString();
        const auto code = body.value(QStringLiteral("code")).toString();
        const auto shown = text.isEmpty() ? code : text;
        if (!model_.current().isEmpty())
            model_.add_info(model_.current(), tr("server: %1").arg(shown));
        emit status_message(tr("server: %1").arg(shown));
    }
}

void ChatSession::report_failure(const QString& key, const QJsonObject& no) {
    const auto text = tr("%1 (%2)").arg(
        no.value(QStringLiteral("message")).toString(), no.value(QStringLiteral("code")).toString()
    );
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
            const auto on_reply = [this, current_key](bool ok, const QJsonObject& body) {
                if (!ok) report_failure(current_key, body);
            };
            if (conversation->dm) {
                send_dm(conversation->title, command.text, current_key, false);
            } else {
                connection_.request(
                    QStringLiteral("SEND"),
                    QJsonObject{
                        {QStringLiteral("channel"), current_key},
                        {QStringLiteral("text"), command.text}},
                    on_reply
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
                QStringLiteral("PART"),
                QJsonObject{{QStringLiteral("channel"), target}},
                [this, current_key](bool ok, const QJsonObject& body) {
                    if (!ok) report_failure(current_key, body);
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
        QStringLiteral("DM"),
        QJsonObject{{QStringLiteral("to"), peer}, {QStringLiteral("text"), text}},
        [this, peer, text, current_key, show](bool ok, const QJsonObject& body) {
            if (!ok) {
                report_failure(current_key, body);
                return;
            }
            // PROTOCOL.md echoes a DM only to the sender's *other* connections, so this
            // window's copy is made from the OK's id and ts.
            model_.add_dm(
                QJsonObject{
                    {QStringLiteral("id"), body.value(QStringLiteral("id"))},
                    {QStringLiteral("from"), model_.own_name()},
                    {QStringLiteral("to"), peer},
                    {QStringLiteral("text"), text},
                    {QStringLiteral("ts"), body.value(QStringLiteral("ts"))}},
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
    const QJsonObject args{
        {QStringLiteral("channel"), key},
        {QStringLiteral("limit"), kHistoryPage},
        {QStringLiteral("before"), oldest}};
    model_.set_history_state(key, true, false);
    const auto ref = connection_.request(
        QStringLiteral("HISTORY"),
        args,
        [this, key](bool ok, const QJsonObject& body) {
            if (!ok) {
                model_.set_history_state(key, false, true);
                return;
            }
            const auto messages = body.value(QStringLiteral("messages")).toArray();
            // Set before merging: lines_reset may make the view ask for the next page.
            // A short page is the end, unless the server cut it to bound the reply (`more`).
            const bool more = body.value(QStringLiteral("more")).toBool();
            model_.set_history_state(
                key, false, messages.isEmpty() || (messages.size() < kHistoryPage && !more)
            );
            model_.add_history(key, messages);
        }
    );
    if (ref < 0) {
        model_.set_history_state(key, false, false);
        return false;
    }
    return true;
}

}  // namespace salon::gui
