// Glue between ChatConnection and ChatModel: protocol events become model changes, and
// what the user types becomes requests.
#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <optional>
#include <vector>

#include "chat_connection.hpp"
#include "chat_model.hpp"

namespace salon::gui {

/// Drives one ChatModel from one ChatConnection. GUI thread only.
///
/// After every (re)login it makes the model match the server: the login channel is joined
/// by CONN itself, every other channel in the model is joined again, and members are
/// fetched with WHO, since CONN's own joins come without a member list.
class ChatSession : public QObject {
    Q_OBJECT

public:
    ChatSession(ChatConnection& connection, ChatModel& model, QObject* parent = nullptr);

    ChatConnection& connection() { return connection_; }

    ChatModel& model() { return model_; }

    /// Handles one input line typed while `current_key` is on screen.
    void submit_input(const QString& line, const QString& current_key);

    /// Asks for the page of history before the oldest message of `key`, if there may be one
    /// and no request is running. Returns true when a request was sent.
    bool load_older(const QString& key);

    static constexpr int kHistoryPage = 50;  // one screenful or two; ≤ the server's 200

signals:
    /// The user asked (by /join, /msg or a server reply) to look at `key`.
    void show_conversation(const QString& key);
    /// `/quit` was typed.
    void quit_requested();
    /// A message for the status line (notices from the server, failures).
    void status_message(const QString& text);

private:
    void on_logged_in(const core::LoginResult& welcome, bool reconnected);
    void on_event(const client::Payload& event);
    void join(const QString& channel, const QString& key, bool show);
    void fetch_members(const QString& channel);
    /// Member-list snapshots (JOIN OK, WHO) in flight, per channel key.
    void begin_snapshot(const QString& key);
    /// Applies a snapshot (none when the request failed) plus the changes seen since.
    void end_snapshot(
        const QString& key, const std::optional<std::vector<core::MemberInfo>>& members
    );
    /// Records a membership change for a snapshot in flight.
    void journal(const QString& key, const QString& user, bool present);
    /// Sends a DM and, once the server took it, adds our copy to the thread with `peer`.
    void send_dm(const QString& peer, const QString& text, const QString& current_key, bool show);
    void report_failure(const QString& key, const client::Reply& no);
    /// An OK whose body salon_client could not read: logged, and shown like a failure.
    void report_bad_reply(const QString& key, const client::DecodeError& error);

    ChatConnection& connection_;
    ChatModel& model_;

    struct Snapshot {
        int outstanding = 0;
        QList<QPair<QString, bool>> changes;  ///< (user, present) in arrival order
    };

    QHash<QString, Snapshot> snapshots_;
};

}  // namespace salon::gui
