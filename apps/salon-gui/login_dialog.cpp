// LoginDialog: form layout, QSettings memory and the wording of login failures.
#include "login_dialog.hpp"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QVBoxLayout>

namespace salon::gui {

namespace {

const QString kServerKey = QStringLiteral("login/server");
const QString kUserKey = QStringLiteral("login/user");
const QString kChannelKey = QStringLiteral("login/channel");
const QString kStayKey = QStringLiteral("login/stay");
const QString kTlsKey = QStringLiteral("login/tls");

}  // namespace

LoginDialog::LoginDialog(ChatConnection& connection, QSettings& settings, QWidget* parent)
    : QDialog(parent),
      connection_(connection),
      settings_(settings),
      server_(new QLineEdit(this)),
      user_(new QLineEdit(this)),
      password_(new QLineEdit(this)),
      channel_(new QLineEdit(this)),
      register_(new QCheckBox(tr("Create this account (register)"), this)),
      stay_(new QCheckBox(tr("Stay logged in on this computer"), this)),
      tls_(new QCheckBox(tr("Encrypted connection (TLS)"), this)),
      error_(new QLabel(this)),
      connect_button_(new QPushButton(tr("Connect"), this)) {
    setWindowTitle(tr("Salon — log in"));
    server_->setText(settings_.value(kServerKey, QStringLiteral("127.0.0.1:5000")).toString());
    user_->setText(settings_.value(kUserKey).toString());
    user_->setPlaceholderText(tr("empty: join as a guest"));
    password_->setEchoMode(QLineEdit::Password);
    channel_->setText(settings_.value(kChannelKey, QStringLiteral("home")).toString());
    stay_->setChecked(settings_.value(kStayKey, false).toBool());
    tls_->setChecked(settings_.value(kTlsKey, false).toBool());
    tls_->setToolTip(
        tr("Checks the server's certificate; salond's TLS port is 5443 by default. An untrusted "
           "certificate is refused (salon-gui --ca FILE trusts another authority).")
    );
    stay_->setToolTip(
        tr("Keeps a session token (not the password) in a file only you can read, and logs in "
           "with it next time. Session ▸ Log out ends it.")
    );
    error_->setWordWrap(true);
    error_->setStyleSheet(QStringLiteral("color: #b00020;"));
    error_->setObjectName(QStringLiteral("login_error"));

    auto* form = new QFormLayout;
    form->addRow(tr("&Server"), server_);
    form->addRow(tr("&User"), user_);
    form->addRow(tr("&Password"), password_);
    form->addRow(tr("&Channel"), channel_);
    form->addRow(QString(), tls_);
    form->addRow(QString(), register_);
    form->addRow(QString(), stay_);

    auto* buttons = new QDialogButtonBox(this);
    connect_button_->setDefault(true);
    buttons->addButton(connect_button_, QDialogButtonBox::AcceptRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    // Accept comes only from a successful login, never from the button itself.
    connect(connect_button_, &QPushButton::clicked, this, &LoginDialog::start_login);
    connect(buttons, &QDialogButtonBox::rejected, this, &LoginDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(error_);
    layout->addWidget(buttons);

    connect(&connection_, &ChatConnection::logged_in, this, [this](const core::LoginResult&, bool) {
        on_logged_in();
    });
    connect(&connection_, &ChatConnection::login_failed, this, &LoginDialog::on_login_failed);
}

void LoginDialog::prefill(const QString& server, const QString& user, const QString& channel) {
    if (!server.isEmpty()) server_->setText(server);
    if (!user.isEmpty()) user_->setText(user);
    if (!channel.isEmpty()) channel_->setText(channel);
}

void LoginDialog::start_login() {
    LoginParams params;
    bool tls = tls_->isChecked();
    if (!parse_server_url(server_->text(), params.host, params.port, tls)) {
        show_error(tr("The server must look like host:port, for example 127.0.0.1:5000."));
        return;
    }
    tls_->setChecked(tls);
    params.tls = tls;
    params.ca_file = ca_file_;
    params.user = user_->text().trimmed();
    params.password = password_->text();
    params.channel = channel_->text().trimmed();
    if (params.channel.isEmpty()) params.channel = QStringLiteral("home");
    params.register_account = register_->isChecked();
    if (params.register_account && params.user.isEmpty()) {
        show_error(tr("Choose a user name to register; leave it empty only to join as a guest."));
        return;
    }
    settings_.setValue(kServerKey, server_->text().trimmed());
    settings_.setValue(kUserKey, params.user);
    settings_.setValue(kChannelKey, params.channel);
    settings_.setValue(kStayKey, stay_->isChecked());
    settings_.setValue(kTlsKey, tls);
    settings_.sync();
    show_error(QString());
    set_busy(true);
    waiting_ = true;
    connection_.open(params);
}

void LoginDialog::on_logged_in() {
    if (!waiting_) return;
    waiting_ = false;
    set_busy(false);
    password_->clear();
    accept();
}

void LoginDialog::on_login_failed(const QString& code, const QString& message) {
    waiting_ = false;
    set_busy(false);
    show_error(explain_failure(code, message, server_->text().trimmed(), register_->isChecked()));
    // A failed --connect, or a refused reconnect after the main window took over, brings
    // the form (back) up with the reason.
    if (!isVisible()) show();
}

QString LoginDialog::explain_failure(
    const QString& code, const QString& message, const QString& server, bool registering
) {
    if (code == QStringLiteral("unreachable")) {
        return tr("Cannot reach the server at %1 (%2). Is salond running there?")
            .arg(server, message);
    }
    if (code == QStringLiteral("certificate")) {
        return tr("The certificate of %1 is not trusted: %2. Salon does not connect anyway; ask "
                  "the server's operator for a certificate from a known authority, or start "
                  "salon-gui with --ca FILE to trust the one that signed it.")
            .arg(server, message);
    }
    if (code == QStringLiteral("session_revoked")) {
        return tr("You were logged out (%1). Log in again with your password.").arg(message);
    }
    if (code == QStringLiteral("account_deleted")) {
        return tr(
            "The account was deleted, and every computer logged in with it was logged out. "
            "Its name is free to register again."
        );
    }
    if (code == QStringLiteral("account_locked")) {
        return tr(
            "This account is locked by the server's administrator: it cannot log in until "
            "they unlock it. Ask them why."
        );
    }
    if (code == QStringLiteral("bad_credentials")) {
        return tr("Wrong user name or password.");
    }
    if (code == QStringLiteral("name_taken")) {
        return registering ? tr("That name is already registered. Log in instead, or pick another.")
                           : tr("That guest name is in use right now. Pick another, or leave the "
                                "name empty to get a free one.");
    }
    if (code == QStringLiteral("bad_name")) {
        return tr("Names are 1–32 letters, digits, '_', '-' or '.'.");
    }
    if (code == QStringLiteral("weak_password")) {
        return tr("That password is too weak: %1").arg(message);
    }
    if (code == QStringLiteral("registration_closed")) {
        return tr("This server does not accept new accounts; ask its operator for one.");
    }
    if (code == QStringLiteral("rate_limited")) {
        return tr("Too many attempts; wait a minute and try again.");
    }
    return tr("Login failed: %1 (%2)").arg(message, code);
}

void LoginDialog::set_busy(bool busy) {
    connect_button_->setEnabled(!busy);
    connect_button_->setText(busy ? tr("Connecting…") : tr("Connect"));
}

void LoginDialog::show_error(const QString& text) {
    error_->setText(text);
    error_->setVisible(!text.isEmpty());
}

}  // namespace salon::gui
