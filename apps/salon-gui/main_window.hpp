// The chat window: conversations on the left, messages in the middle, members on the right,
// the input line below and the connection state in the status bar.
#pragma once

#include <QAction>
#include <QDateTime>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMainWindow>
#include <QMenu>
#include <QSystemTrayIcon>
#include <QTextBrowser>
#include <QUrl>

#include "account_dialog.hpp"
#include "chat_session.hpp"

namespace salon::gui {

/// The colours of the message view, chosen for the palette's background so that a dark theme
/// reads as well as a light one.
struct LineColours {
    QColor base;  ///< the background they are drawn on
    QColor text;
    QColor dim;  ///< timestamps, notices, "(edited)"
    QColor joined;
    QColor left;  ///< parts and quits; also the sidebar's mention colour
    QColor mention_background;
    QColor link;

    static LineColours from(const QPalette& palette);
};

/// WCAG 2 contrast ratio of two colours (1 to 21; 4.5 reads as body text).
double contrast(const QColor& a, const QColor& b);

/// The main window over one ChatSession. Closing it sends END (through
/// ChatConnection::close_with_end) and closes for real once `ended` arrives.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(ChatSession& session, QWidget* parent = nullptr);

    /// Shows `key` (selects its entry, clears its unread count, redraws).
    void show_conversation(const QString& key);

    /// A desktop notification when the platform has a tray, else a status-bar flash.
    void notify(const QString& title, const QString& text);

    /// The list entry text of a conversation: title plus unread count.
    static QString entry_text(const Conversation& conversation);

    /// One line as HTML, timestamps in local time.
    static QString line_html(
        const ChatLine& line, const LineColours& colours, const QString& quote = {}
    );

    /// Line `index` of `conversation` as the view shows it: with a heading naming the day
    /// above the first line of each day, and "new messages" above the first message from
    /// others after `new_after` (-1: no such line).
    static QString block_html(
        const Conversation& conversation,
        std::size_t index,
        const LineColours& colours,
        qint64 new_after = -1
    );

    /// "alice: the start of what she wrote", for a reply to a message held; else empty.
    static QString quote_of(const Conversation& conversation, const ChatLine& line);

    /// User text as HTML: escaped, with http(s) URLs as links.
    static QString rich_text(const QString& text, const LineColours& colours);

    QListWidget* conversation_list() const { return conversations_; }

    QTextBrowser* message_view() const { return view_; }

    QListWidget* member_list() const { return members_; }

    QLineEdit* input() const { return input_; }

    QLabel* state_label() const { return state_; }

    /// The byte count beside the input, shown near the server's limit.
    QLabel* counter() const { return counter_; }

    QLabel* typing_label() const { return typing_; }

    QLabel* members_count() const { return members_count_; }

    QLineEdit* search_field() const { return search_; }

    QListWidget* search_results() const { return search_results_; }

    /// The id of the message under `viewport_pos` of the message view; 0 for none.
    qint64 message_at(const QPoint& viewport_pos) const;

    /// The context menu of message `id` of the conversation on screen: Reply, Edit and Delete
    /// (one's own; operators delete others'), React. The caller owns it.
    QMenu* message_menu(qint64 id);

    /// The next message answers `id` (0 cancels).
    void begin_reply(qint64 id);

    /// Adds our `emoji` to message `id`, or takes it back.
    void toggle_reaction(qint64 id, const QString& emoji);

    /// Shows message `id` of `key`, loading history around it first if needed.
    void jump_to(const QString& key, qint64 id);

    /// The id of the last message jump_to() brought into view.
    qint64 jumped_to() const { return jumped_to_; }

    /// Searches (SEARCH) and lists the results under the search field.
    void run_search(const QString& query);

    QLabel* topic_label() const { return topic_; }

    /// Session ▸ Log out: SessionKeeper revokes the saved token, if any, and shows the login form.
    QAction* log_out_action() const { return log_out_; }

    /// Account ▸ Change password…, Delete account… (a registered user's) and Create an account
    /// with this place… (a guest's); each opens its AccountDialog.
    QMenu* account_menu() const { return account_menu_; }

    QAction* change_password_action() const { return change_password_; }

    QAction* delete_account_action() const { return delete_account_; }

    QAction* register_action() const { return register_; }

    /// Opens the form of `kind` (window-modal, deleted when closed) and returns it.
    AccountDialog* open_account_dialog(AccountDialog::Kind kind);

    const QString& last_notification() const { return last_notification_; }

protected:
    void closeEvent(QCloseEvent* event) override;
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    /// The constructor's parts: widgets and layout; the model's, session's and connection's
    /// signals; the widgets' own signals; the keyboard shortcuts.
    void build_layout();
    void connect_session();
    void connect_widgets();
    void install_shortcuts();
    void rebuild_conversation_list();
    void update_entry(const QString& key);
    void render_all();
    void show_topic();
    void on_line_appended(const QString& key);
    void render_members(const QString& key);
    void on_state_changed(ChatConnection::State state);
    void on_submit();
    void maybe_load_older();
    /// Sends READ when the conversation on screen has been seen.
    void maybe_mark_read();
    void update_counter();
    void on_anchor(const QUrl& url);
    void show_typing();
    /// Ctrl+K: a list of the conversations to pick from by typing.
    void quick_switch();
    /// The read marker of the conversation on screen as it was when it was opened, if it had
    /// unread messages then; -1 otherwise.
    qint64 new_after() const;
    void update_title();
    /// Offers the account verbs that fit who we are (a guest or an account) while online.
    void update_account_menu();

    ChatSession& session_;
    QListWidget* conversations_;
    QLabel* topic_;
    QAction* log_out_ = nullptr;
    QMenu* account_menu_ = nullptr;
    QAction* change_password_ = nullptr;
    QAction* delete_account_ = nullptr;
    QAction* register_ = nullptr;
    QTextBrowser* view_;
    QListWidget* members_;
    QLineEdit* input_;
    QLabel* counter_;
    QLabel* typing_;
    QLabel* replying_;
    QLabel* members_count_;
    QLineEdit* search_;
    QListWidget* search_results_;
    QLabel* state_;
    QDateTime typing_sent_;  ///< When we last said `active`; invalid when not typing.
    qint64 jumped_to_ = 0;
    QString marker_key_;
    qint64 marker_id_ = -1;
    QStringList input_history_;
    qsizetype history_position_ = 0;
    QSystemTrayIcon* tray_ = nullptr;
    QString last_notification_;
    int reconnect_delay_ms_ = 0;
    bool programmatic_scroll_ = false;  ///< The window, not the user, is moving the view.
    bool closing_ = false;
    bool may_close_ = false;
};

}  // namespace salon::gui
