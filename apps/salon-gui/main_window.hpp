// The chat window: conversations on the left, messages in the middle, members on the right,
// the input line below and the connection state in the status bar.
#pragma once

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMainWindow>
#include <QSystemTrayIcon>
#include <QTextBrowser>

#include "chat_session.hpp"

namespace salon::gui {

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
    static QString line_html(const ChatLine& line);

    QListWidget* conversation_list() const { return conversations_; }

    QTextBrowser* message_view() const { return view_; }

    QListWidget* member_list() const { return members_; }

    QLineEdit* input() const { return input_; }

    QLabel* state_label() const { return state_; }

    QLabel* topic_label() const { return topic_; }

    const QString& last_notification() const { return last_notification_; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void rebuild_conversation_list();
    void update_entry(const QString& key);
    void render_all();
    void show_topic();
    void on_line_appended(const QString& key);
    void render_members(const QString& key);
    void on_state_changed(ChatConnection::State state);
    void on_submit();
    void maybe_load_older();
    void update_title();

    ChatSession& session_;
    QListWidget* conversations_;
    QLabel* topic_;
    QTextBrowser* view_;
    QListWidget* members_;
    QLineEdit* input_;
    QLabel* state_;
    QSystemTrayIcon* tray_ = nullptr;
    QString last_notification_;
    int reconnect_delay_ms_ = 0;
    bool programmatic_scroll_ = false;  ///< The window, not the user, is moving the view.
    bool closing_ = false;
    bool may_close_ = false;
};

}  // namespace salon::gui
