// AccountDialog: the three account forms, their checks, and the wording of the answers.
#include "account_dialog.hpp"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QPointer>
#include <QVBoxLayout>

#include "login_dialog.hpp"

namespace salon::gui {

namespace {

QLineEdit* password_field(QWidget* parent) {
    auto* field = new QLineEdit(parent);
    field->setEchoMode(QLineEdit::Password);
    return field;
}

}  // namespace

AccountDialog::AccountDialog(Kind kind, ChatConnection& connection, QWidget* parent)
    : QDialog(parent),
      kind_(kind),
      connection_(connection),
      error_(new QLabel(this)),
      submit_(new QPushButton(this)) {
    const auto user = connection_.user();
    auto* intro = new QLabel(this);
    intro->setWordWrap(true);
    intro->setMinimumWidth(400);  // wrapped text sizes by width; one column of words reads badly
    auto* form = new QFormLayout;
    switch (kind_) {
        case Kind::change_password:
            setWindowTitle(tr("Change password"));
            intro->setText(
                tr("A new password for %1. Every other session of the account (other computers, "
                   "browsers, the terminal client) is logged out; this one stays.")
                    .arg(user)
            );
            password_ = password_field(this);
            new_password_ = password_field(this);
            repeat_ = password_field(this);
            form->addRow(tr("&Current password"), password_);
            form->addRow(tr("&New password"), new_password_);
            form->addRow(tr("&Repeat new password"), repeat_);
            submit_->setText(tr("Change password"));
            break;
        case Kind::delete_account:
            setWindowTitle(tr("Delete account"));
            intro->setText(
                tr("Deleting %1 cannot be undone. Its direct messages, channel memberships and "
                   "saved logins go; what it wrote in channels stays, signed [deleted]. Every "
                   "computer logged in as %1 is logged out, and the name is free for anyone to "
                   "register.")
                    .arg(user)
            );
            password_ = password_field(this);
            form->addRow(tr("&Password"), password_);
            confirm_ = new QCheckBox(tr("I &understand: delete %1 for good").arg(user), this);
            form->addRow(QString(), confirm_);
            submit_->setText(tr("Delete account"));
            break;
        case Kind::register_guest:
            setWindowTitle(tr("Create an account"));
            intro->setText(
                tr("You become this account at once and stay in your channels, with their "
                   "operator rights. What you wrote as %1 keeps that name; direct messages to "
                   "and from %1 are not carried over.")
                    .arg(user)
            );
            name_ = new QLineEdit(this);
            password_ = password_field(this);
            repeat_ = password_field(this);
            form->addRow(tr("&Name"), name_);
            form->addRow(tr("&Password"), password_);
            form->addRow(tr("&Repeat password"), repeat_);
            submit_->setText(tr("Create account"));
            break;
    }
    error_->setWordWrap(true);
    error_->setStyleSheet(QStringLiteral("color: #b00020;"));
    error_->setObjectName(QStringLiteral("account_error"));
    error_->hide();

    auto* buttons = new QDialogButtonBox(this);
    submit_->setDefault(true);
    buttons->addButton(submit_, QDialogButtonBox::AcceptRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    // Accept comes only from the server's OK, never from the button itself.
    connect(submit_, &QPushButton::clicked, this, &AccountDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &AccountDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(error_);
    layout->addWidget(buttons);

    if (confirm_ != nullptr) {
        // The destructive button is neither the default nor enabled until it is confirmed.
        submit_->setDefault(false);
        submit_->setAutoDefault(false);
        connect(confirm_, &QCheckBox::toggled, this, &AccountDialog::update_submit);
        connect(password_, &QLineEdit::textChanged, this, &AccountDialog::update_submit);
    }
    update_submit();
    (name_ != nullptr ? name_ : password_)->setFocus();
}

void AccountDialog::update_submit() {
    const bool confirmed = confirm_ == nullptr || confirm_->isChecked();
    submit_->setEnabled(!waiting_ && confirmed && !(confirm_ && password_->text().isEmpty()));
}

void AccountDialog::show_error(const QString& text) {
    error_->setText(text);
    error_->setVisible(!text.isEmpty());
    // Wrapped labels do not grow a dialog on screen by themselves: without this the
    // explanation above gets cut off when the error line appears.
    adjustSize();
}

void AccountDialog::submit() {
    if (waiting_) return;
    if (name_ != nullptr && name_->text().trimmed().isEmpty()) {
        show_error(tr("Choose a name for the account."));
        name_->setFocus();
        return;
    }
    if (password_->text().isEmpty()) {
        show_error(
            kind_ == Kind::register_guest ? tr("Choose a password.") : tr("Type your password.")
        );
        password_->setFocus();
        return;
    }
    if (new_password_ != nullptr && new_password_->text().isEmpty()) {
        show_error(tr("Type the new password."));
        new_password_->setFocus();
        return;
    }
    const auto* chosen = new_password_ != nullptr ? new_password_ : password_;
    if (repeat_ != nullptr && repeat_->text() != chosen->text()) {
        show_error(tr("The two new passwords differ; type them again."));
        repeat_->clear();
        repeat_->setFocus();
        return;
    }
    if (confirm_ != nullptr && !confirm_->isChecked()) {
        show_error(tr("Tick the box to confirm that the account goes for good."));
        return;
    }
    // The dialog may be closed before the answer comes; the answer is then only dropped.
    auto handler = [self = QPointer<AccountDialog>(this)](const client::Reply& reply) {
        if (self) self->on_reply(reply);
    };
    qint64 ref = -1;
    switch (kind_) {
        case Kind::change_password:
            ref = connection_.change_password(password_->text(), new_password_->text(), handler);
            break;
        case Kind::delete_account:
            ref = connection_.request(
                client::requests::delete_account(password_->text().toStdString()), handler
            );
            break;
        case Kind::register_guest:
            ref =
                connection_.register_in_place(name_->text().trimmed(), password_->text(), handler);
            break;
    }
    if (ref < 0) {
        show_error(tr("Not connected to the server; try again once the connection is back."));
        return;
    }
    show_error(QString());
    waiting_ = true;
    update_submit();
}

void AccountDialog::on_reply(const client::Reply& reply) {
    waiting_ = false;
    update_submit();
    if (!reply.ok) {
        show_error(explain(reply));
        if (password_ != nullptr && reply.code == "bad_credentials") {
            password_->clear();
            password_->setFocus();
        }
        return;
    }
    switch (kind_) {
        case Kind::change_password:
            emit succeeded(tr("Password changed. Every other session of %1 was logged out; this "
                              "one stays.")
                               .arg(connection_.user()));
            break;
        case Kind::delete_account:
            emit succeeded(tr("The account %1 was deleted.").arg(connection_.user()));
            break;
        case Kind::register_guest:
            emit succeeded(tr("You are now %1, a registered account, in the same channels.")
                               .arg(connection_.user()));
            break;
    }
    accept();
}

QString AccountDialog::explain(const client::Reply& no) const {
    const auto code = QString::fromStdString(no.code);
    const auto message = QString::fromStdString(no.message);
    if (code == QStringLiteral("bad_credentials")) {
        return tr("That is not the account's current password.");
    }
    if (code == QStringLiteral("already_logged_in")) {
        return tr("This session is a registered account already.");
    }
    if (code == QStringLiteral("forbidden")) {
        return tr("A guest has no account to change: %1").arg(message);
    }
    return LoginDialog::explain_failure(code, message, QString(), kind_ == Kind::register_guest);
}

}  // namespace salon::gui
