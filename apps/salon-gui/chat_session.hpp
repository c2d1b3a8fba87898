// Glue between ChatConnection and ChatModel: protocol events become model changes, and
// what the user types becomes requests.
#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QTimer>
#include <functional>
#include <optional>
#include <vector>

#include "chat_connection.hpp"
#include "chat_model.hpp"
#include "input_command.hpp"

namespace salon::gui {

/// Drives one ChatModel from one ChatConnection. GUI thread only.
///
/// After every (re)login it makes the model match the server:
/// 1. The first login joins the login channel (CONN itself) and lists every conversation
///    with CONVERSATIONS (DM threads included, with unread and mention counts).
/// 2. A reconnect logs in with `"join": false`: a registered user is put back by the server
///    into the channels they had not left; a guest rejoins the channels it was in. Channels
///    we were kicked from stay parted.
/// 3. Then every conversation held is resumed with `HISTORY after` its highest `rev`, page
///    after page until `more` is false, so that nothing posted, edited or deleted while we
///    were away is missing; CONVERSATIONS then refreshes the counts.
/// Members are fetched with WHO, since the login's joins come without a member list.
class ChatSession : public QObject {
    Q_OBJECT

public:
    ChatSession(ChatConnection& connection, ChatModel& model, QObject* parent = nullptr);

    ChatConnection& connection() { return connection_; }

    ChatModel& model() { return model_; }

    /// Handles one input line typed while `current_key` is on screen. Returns false when
    /// the line was not taken (offline, too long, a channel we are not in) and should stay
    /// in the input; the reason went to `status_message` and the conversation.
    bool submit_input(const QString& line, const QString& current_key);

    /// The longest text the server takes, in UTF-8 bytes (the login's `max_text_bytes`).
    int max_text_bytes() const { return max_text_bytes_; }

    /// Sends READ for the newest message of `key` when it moves our marker.
    void mark_read(const QString& key);

    /// Edits, deletes or reacts to message `id` (answers go to `status_message` on failure).
    void edit_message(qint64 id, const QString& text);
    void delete_message(qint64 id);
    void react(qint64 id, const QString& emoji, bool on);

    /// The next message sent from the input answers `id` (0: none).
    void set_reply_to(qint64 id) { reply_to_ = id; }

    qint64 reply_to() const { return reply_to_; }

    /// Tells the others in `key` that we are typing (`active`) or stopped.
    void typing(const QString& key, bool active);

    /// Searches every conversation for `query`; `on_results` gets the messages, newest first.
    void search(const QString& query, std::function<void(std::vector<core::Message>)> on_results);

    /// Makes sure message `id` of `key` is held, loading the history around it if needed;
    /// `done` runs once it is (or once it is known not to be reachable).
    void load_around(const QString& key, qint64 id, std::function<void()> done);

    /// True once every resume after a reconnect has reached its end.
    bool resumed() const { return resumes_outstanding_ == 0; }

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
    /// A message the server refused after it left the input: give it back to the user.
    void input_returned(const QString& text);
    /// Every conversation has caught up with the server after a (re)login.
    void resume_finished();

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
    void send_dm(
        const QString& peer,
        const QString& text,
        const QString& current_key,
        bool show,
        qint64 reply_to
    );
    void report_failure(const QString& key, const client::Reply& no);
    /// An OK whose body salon_client could not read: logged, and shown like a failure.
    void report_bad_reply(const QString& key, const client::DecodeError& error);
    /// `HISTORY after` for `key` from `after`, then the next page until `more` is false.
    void resume(const QString& key, qint64 after);
    void resume_done();
    /// CONVERSATIONS: DM threads and counts.
    void refresh_conversations();
    /// /list, /who and the moderation verbs; answers and failures go to `current_key`.
    void list_channels(const QString& current_key);
    void who(const QString& current_key, const QString& target);
    void moderate(const InputCommand& command, const QString& current_key);
    /// Sends the READs that mark_read() collected.
    void send_reads();
    client::ConversationRef conversation_ref(const QString& key) const;
    /// Sends the text of one input line as a message (or an action) to `key`.
    bool say(const QString& key, const QString& text);

    ChatConnection& connection_;
    ChatModel& model_;

    struct Snapshot {
        int outstanding = 0;
        QList<QPair<QString, bool>> changes;  ///< (user, present) in arrival order
    };

    QHash<QString, Snapshot> snapshots_;
    QHash<QString, qint64> unsent_reads_;  ///< key → newest id seen, until read_timer_ fires
    QTimer read_timer_;
    int max_text_bytes_ = 4096;  // PROTOCOL.md's bound until the login says otherwise
    int resumes_outstanding_ = 0;
    qint64 reply_to_ = 0;
};

}  // namespace salon::gui
