// The Account menu's forms: change the password, delete the account, or (a guest) register
// the account this place becomes.
#pragma once

#include <QCheckBox>
#include <QDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

#include "chat_connection.hpp"

namespace salon::gui {

/// One account form over the connection. It checks what it can before sending (fields filled,
/// passwords repeated alike, the deletion confirmed), sends one request, and stays up with
/// the server's refusal explained until the request succeeds; then it emits `succeeded` and
/// closes. Keyboard only works throughout: mnemonics on every field, Enter sends, Esc cancels.
class AccountDialog : public QDialog {
    Q_OBJECT

public:
    enum class Kind {
        change_password,  ///< PASSWD {old, new}
        delete_account,   ///< DELETE_ACCOUNT {pwd}, after an explicit confirmation
        register_guest,   ///< REGISTER {us, pwd} while a guest: the account keeps the channels
    };

    AccountDialog(Kind kind, ChatConnection& connection, QWidget* parent = nullptr);

    /// The new account's name (register_guest only; null otherwise).
    QLineEdit* name_edit() const { return name_; }

    /// The current password (change_password, delete_account) or the new account's.
    QLineEdit* password_edit() const { return password_; }

    /// The new password (change_password only; null otherwise).
    QLineEdit* new_password_edit() const { return new_password_; }

    /// The new password again (change_password, register_guest; null otherwise).
    QLineEdit* repeat_edit() const { return repeat_; }

    /// "I understand…" (delete_account only; null otherwise): the button stays disabled
    /// until it is ticked.
    QCheckBox* confirm_box() const { return confirm_; }

    QPushButton* submit_button() const { return submit_; }

    /// The error line; empty when there is none.
    QString error_text() const { return error_->text(); }

    /// Sends the request when the form is complete, as the button does.
    void submit();

signals:
    /// The server said OK; `text` tells the user what happened.
    void succeeded(const QString& text);

private:
    void on_reply(const client::Reply& reply);
    void update_submit();
    void show_error(const QString& text);
    /// What the server's refusal means here.
    QString explain(const client::Reply& no) const;

    Kind kind_;
    ChatConnection& connection_;
    QLineEdit* name_ = nullptr;
    QLineEdit* password_ = nullptr;
    QLineEdit* new_password_ = nullptr;
    QLineEdit* repeat_ = nullptr;
    QCheckBox* confirm_ = nullptr;
    QLabel* error_;
    QPushButton* submit_;
    bool waiting_ = false;
};

}  // namespace salon::gui
