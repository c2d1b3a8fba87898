// The client's picture of the chat: conversations (channels and DMs), their lines, members,
// unread counts and mentions. Pure data: no sockets, no widgets.
#pragma once

#include <QColor>
#include <QDateTime>
#include <QMap>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <map>
#include <vector>

#include "core/events.hpp"

namespace salon::gui {

/// One emoji on a message and who put it there, in the server's order.
struct LineReaction {
    QString emoji;
    QStringList users;
};

/// One line of a conversation: a message, or a notice such as `[+]alice`.
struct ChatLine {
    enum class Kind { message, join, part, quit, info };
    Kind kind = Kind::info;
    qint64 id = 0;        ///< Server message id (PROTOCOL.md `id`); 0 for notices.
    qint64 rev = 0;       ///< The message's last change (version 2 `rev`); `id` when unknown.
    qint64 reply_to = 0;  ///< The message this one answers; 0 for none.
    QDateTime time;       ///< UTC; shown in local time.
    QDateTime edited;     ///< UTC time of the last edit; invalid when never edited.
    QString from;         ///< Sender for messages, the user concerned for join/part/quit.
    QString text;         ///< Message text (an action's without its IRC wrapping), or a notice's.
    QList<LineReaction> reactions;
    bool deleted = false;  ///< A tombstone: the text is gone.
    bool action = false;   ///< `/me` (IRC's CTCP ACTION): shown as "* alice waves".
    bool mention = false;
    bool own = false;
    bool status = false;  ///< A connection-state notice that the next one replaces.
};

/// A channel or a direct-message thread.
struct Conversation {
    QString key;    ///< Canonical channel name (`home`), or `@` + folded peer name for a DM.
    QString title;  ///< `#home`, or the peer's name as the server spells it.
    bool dm = false;
    QString topic;
    std::vector<ChatLine> lines;  ///< Messages in id order, notices where they arrived.
    QSet<qint64> ids;             ///< Message ids already present, so replays merge.
    /// Keyed by folded name, so the list sorts without case.
    QMap<QString, core::MemberInfo> members;
    int unread = 0;      ///< Messages from others after the read marker.
    int mentions = 0;    ///< Those of them that mention us.
    qint64 read_id = 0;  ///< Our read marker (version 2 READ); 0 without one.
    qint64 max_rev = 0;  ///< The highest `rev` held: a resume asks for everything after it.
    /// We left (kicked, banned) but keep the lines; nothing is sent here until a /join.
    bool parted = false;
    /// Users typing here (version 2 TYPING), with when their `active` expires.
    QMap<QString, QDateTime> typing;
    bool history_exhausted = false;  ///< A HISTORY page came back short: nothing older exists.
    bool history_loading = false;

    /// Id of the oldest message held, or 0 when there is none.
    qint64 oldest_id() const;
    /// Id of the newest message held, or 0 when there is none.
    qint64 newest_id() const;
    /// The line of message `id`, or null.
    const ChatLine* message(qint64 id) const;
};

/// The model behind the main window. Lives on the GUI thread; every change is announced by
/// a signal so that views redraw only what changed.
class ChatModel : public QObject {
    Q_OBJECT

public:
    explicit ChatModel(QObject* parent = nullptr);

    /// Forgets every conversation (a fresh login as someone else).
    void clear();

    void set_own_name(const QString& name);

    const QString& own_name() const { return own_name_; }

    /// Canonical key of a channel (`#Home` → `home`); empty when the name is invalid.
    static QString channel_key(const QString& channel);

    /// Key of the DM thread with `peer`.
    static QString dm_key(const QString& peer);

    /// Creates the entry if it does not exist; returns its key (empty for an invalid name).
    QString ensure_channel(const QString& channel);
    QString ensure_dm(const QString& peer);
    void remove_conversation(const QString& key);

    /// Keys in display order: channels as joined, then DMs as they started.
    const QStringList& keys() const { return order_; }

    const Conversation* find(const QString& key) const;

    /// The conversation on screen. Its counts are cleared by mark_read(), once it has been
    /// seen (the window shows it, scrolled to the bottom).
    void set_current(const QString& key);

    /// Moves the read marker of `key` (never backwards); clears the counts when it covers the
    /// newest message. Returns true when it moved.
    bool mark_read(const QString& key, qint64 id);

    /// Counts from the server's CONVERSATIONS (version 2), which knows what other devices read.
    void set_counts(const QString& key, int unread, int mentions, qint64 read_id);

    const QString& current() const { return current_; }

    /// Members from a JOIN OK or WHO reply.
    void set_members(const QString& channel, const std::vector<core::MemberInfo>& members);
    void set_topic(const QString& channel, const QString& topic);

    /// Adds or removes one member without a `[+]`/`[-]` line (member-list bookkeeping).
    void set_member_present(const QString& channel, const QString& user, bool present);

    /// A channel message (MSG). `live` messages count as unread and may raise `attention`;
    /// replayed ones do not. Duplicates (by id) are ignored.
    void add_message(const core::Message& msg, bool live);

    /// A direct message (DM); the thread is the other party's.
    void add_dm(const core::Message& dm, bool live);

    /// A HISTORY page for `channel`, oldest first; returns how many messages were new.
    int add_history(const QString& channel, const std::vector<core::Message>& messages);

    /// A page of messages for the conversation `key` (a channel's, or a DM thread's), in any
    /// order: new ids are inserted in id order, known ones replaced when the page's `rev` is
    /// newer (a resume's edits, deletes and reactions). Returns how many lines changed.
    int merge_messages(const QString& key, const std::vector<core::Message>& messages);

    /// A version 2 UPDATE: replaces the message with that id, wherever it is held.
    void apply_update(const core::Message& message);

    /// A channel we are no longer in but whose lines stay on screen (kicked, banned).
    void set_parted(const QString& key, bool parted);

    /// `user` is typing in `key` (or stopped, `active` false).
    void set_typing(const QString& key, const QString& user, bool active);

    void set_history_state(const QString& key, bool loading, bool exhausted);

    /// JOIN / PART / QUIT events from others (and from us: the `[+]` line for our own join).
    void member_joined(const QString& channel, const QString& user, bool op = false);
    void member_parted(const QString& channel, const QString& user, const QString& reason);
    void user_quit(const QString& user, const QString& reason);

    /// RENAME: a guest registered as `to`. Its member entries (operator flag kept), our own
    /// name when it is us, and the DM thread with it (lines and counts) take the new name;
    /// each channel it is in says "user is now to".
    void rename_user(const QString& user, const QString& to);

    /// A local notice in one conversation (errors, reconnects, topic changes).
    void add_info(const QString& key, const QString& text);

    /// A connection-state notice: replaces the previous one when nothing came after it, so
    /// that reconnect attempts make one line that updates, not one line each.
    void set_status(const QString& key, const QString& text);

    /// The conversation of a message body: its channel's key, or the DM thread's.
    QString key_of(const core::Message& message) const;

    /// True when `text` names `name` as a whole word, without regard to case.
    static bool mentions(const QString& text, const QString& name);

signals:
    /// The list of conversations changed (added, removed, reordered).
    void conversations_changed();
    /// Unread or mention count, title, topic or typing users of one conversation changed.
    void conversation_updated(const QString& key);
    /// A line was appended at the end of `key`.
    void line_appended(const QString& key);
    /// Lines of `key` changed other than by appending (history merged in the middle).
    void lines_reset(const QString& key);
    void members_changed(const QString& key);
    /// A live mention of us, or a live DM from someone else: worth a desktop notification.
    void attention(const QString& key, const QString& from, const QString& text);

private:
    Conversation* find_mutable(const QString& key);
    ChatLine message_line(const core::Message& message) const;
    /// Inserts a message line in id order, or replaces the one with its id when `line.rev` is
    /// newer; returns false when nothing changed.
    bool insert_message(Conversation& conversation, ChatLine line, bool& appended);
    void count_live(Conversation& conversation, const ChatLine& line);

    std::map<QString, Conversation> conversations_;
    QStringList order_;
    QString current_;
    QString own_name_;
};

/// Folds a user name the way the server compares them (ASCII case-insensitive).
QString fold_name(const QString& name);

/// A stable colour for a nick, the same in every session, readable on `background`.
QColor nick_colour(const QString& name, const QColor& background = QColor(Qt::white));

/// IRC's CTCP ACTION (`\x01ACTION waves\x01`, what /me sends): the action's words, or a null
/// string when `text` is not one.
QString action_text(const QString& text);

/// What /me sends for `words`.
QString make_action(const QString& words);

/// When a message was posted, in UTC: its decoded `ts`, or the current time when the server's
/// `ts` could not be read (decoded as 0).
QDateTime message_time(core::UnixMillis ts_ms);

}  // namespace salon::gui
