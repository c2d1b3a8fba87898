// The login form: server, user, password, channel and "register", with clear failures.
#pragma once

#include <QCheckBox>
#include <QDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>

#include "chat_connection.hpp"

namespace salon::gui {

/// Collects LoginParams, opens the connection and stays up until the login succeeds (then
/// `accept()`s) or the user gives up. Remembers server, user and channel in the QSettings
/// it is given; the password is never stored.
class LoginDialog : public QDialog {
    Q_OBJECT

public:
    LoginDialog(ChatConnection& connection, QSettings& settings, QWidget* parent = nullptr);

    /// Overrides what the settings remembered (command-line options); empty keeps the field.
    void prefill(const QString& server, const QString& user, const QString& channel);

    /// Logs in with what the form holds, as the Connect button does.
    void start_login();

    /// The error line under the form; empty when there is none.
    QString error_text() const { return error_->text(); }

    /// A human explanation of a login failure code (PROTOCOL.md codes, or "unreachable").
    static QString explain_failure(
        const QString& code, const QString& message, const QString& server, bool registering
    );

    QLineEdit* server_edit() const { return server_; }

    QLineEdit* user_edit() const { return user_; }

    QLineEdit* password_edit() const { return password_; }

    QLineEdit* channel_edit() const { return channel_; }

    QCheckBox* register_box() const { return register_; }

private:
    void on_logged_in();
    void on_login_failed(const QString& code, const QString& message);
    void set_busy(bool busy);
    void show_error(const QString& text);

    ChatConnection& connection_;
    QSettings& settings_;
    QLineEdit* server_;
    QLineEdit* user_;
    QLineEdit* password_;
    QLineEdit* channel_;
    QCheckBox* register_;
    QLabel* error_;
    QPushButton* connect_button_;
    bool waiting_ = false;
};

}  // namespace salon::gui
