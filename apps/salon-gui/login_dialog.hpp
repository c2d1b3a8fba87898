// The login form: server, user, password, channel, "register" and "stay logged in", with clear
// failures.
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

    /// A human explanation of a login failure code (PROTOCOL.md codes, "unreachable",
    /// "certificate", or the notices that end a session: "session_revoked",
    /// "account_deleted", "account_locked").
    static QString explain_failure(
        const QString& code, const QString& message, const QString& server, bool registering
    );

    QLineEdit* server_edit() const { return server_; }

    QLineEdit* user_edit() const { return user_; }

    QLineEdit* password_edit() const { return password_; }

    QLineEdit* channel_edit() const { return channel_; }

    QCheckBox* register_box() const { return register_; }

    /// "Stay logged in": after the login, SessionKeeper asks for a session token and saves it.
    QCheckBox* stay_box() const { return stay_; }

    /// "Encrypted connection (TLS)"; a `salons://` server address ticks it too.
    QCheckBox* tls_box() const { return tls_; }

    /// Certificate authorities to trust besides the system's (salon-gui --ca FILE).
    void set_ca_file(const QString& path) { ca_file_ = path; }

    const QString& ca_file() const { return ca_file_; }

    /// Shows `text` on the error line (empty hides it).
    void show_message(const QString& text) { show_error(text); }

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
    QCheckBox* stay_;
    QCheckBox* tls_;
    QString ca_file_;
    QLabel* error_;
    QPushButton* connect_button_;
    bool waiting_ = false;
};

}  // namespace salon::gui
