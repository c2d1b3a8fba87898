// SessionKeeper: token creation after a login, resume at start, forget on refusal, log out.
#include "session_keeper.hpp"

#include <QHostInfo>

namespace salon::gui {

SessionKeeper::SessionKeeper(
    ChatConnection& connection, LoginDialog& login, TokenStore& store, QObject* parent
)
    : QObject(parent), connection_(connection), login_(login), store_(store) {
    // Connected after LoginDialog's own slots, so that our message replaces its generic one.
    connect(&connection_, &ChatConnection::logged_in, this, &SessionKeeper::on_logged_in);
    connect(&connection_, &ChatConnection::login_failed, this, &SessionKeeper::on_login_failed);
    connect(
        &connection_,
        &ChatConnection::account_registered,
        this,
        [this](const core::LoginResult& welcome) {
            const auto user = QString::fromStdString(welcome.user);
            // A later form (after a log out) offers the account, not the guest's empty name.
            login_.user_edit()->setText(user);
            if (login_.stay_box()->isChecked()) {
                make_token(
                    login_.server_edit()->text().trimmed(), user, connection_.params().tls, {}
                );
            }
        }
    );
    connect(&connection_, &ChatConnection::password_changed, this, [this] {
        // PASSWD revoked the saved token unless this session logged in with it: make another.
        const auto saved = store_.load();
        if (saved && connection_.params().token.isEmpty() &&
            saved->user.compare(connection_.user(), Qt::CaseInsensitive) == 0) {
            make_token(saved->server, saved->user, saved->tls, {});
        }
    });
}

QString SessionKeeper::token_label() {
    return tr("salon-gui on %1").arg(QHostInfo::localHostName());
}

bool SessionKeeper::resume() {
    const auto saved = store_.load();
    if (!saved) return false;
    LoginParams params;
    params.tls = saved->tls;
    params.ca_file = login_.ca_file();
    if (!parse_server_url(saved->server, params.host, params.port, params.tls)) {
        store_.forget();
        return false;
    }
    params.user = saved->user;
    params.token = saved->token;
    params.channel = login_.channel_edit()->text().trimmed();
    if (params.channel.isEmpty()) params.channel = QStringLiteral("home");
    // Should the token be refused, the form comes up with these filled in.
    login_.server_edit()->setText(saved->server);
    login_.user_edit()->setText(saved->user);
    login_.stay_box()->setChecked(true);
    login_.tls_box()->setChecked(params.tls);
    connection_.open(params);
    return true;
}

void SessionKeeper::on_logged_in(const core::LoginResult& welcome, bool reconnected) {
    if (reconnected || !connection_.params().token.isEmpty()) return;
    const auto previous = store_.load();
    if (welcome.guest || !login_.stay_box()->isChecked()) {
        // Logging in with the password and without the box: the saved token of this account
        // is not wanted any more.
        if (previous &&
            previous->user.compare(QString::fromStdString(welcome.user), Qt::CaseInsensitive) ==
                0) {
            store_.forget();
            connection_.request(client::requests::revoke(previous->token_id));
        }
        return;
    }
    make_token(
        login_.server_edit()->text().trimmed(),
        QString::fromStdString(welcome.user),
        connection_.params().tls,
        previous
    );
}

void SessionKeeper::make_token(
    const QString& server, const QString& user, bool tls, std::optional<StoredSession> previous
) {
    connection_.request(
        client::requests::token(token_label().toStdString()),
        [this, server, user, tls, previous](const client::Reply& reply) {
            if (!reply.ok) {
                qWarning("salon-gui: no session token: %s", reply.code.c_str());
                return;
            }
            const auto made = client::parse_token_result(reply);
            if (!made) return;
            if (previous && previous->user.compare(user, Qt::CaseInsensitive) == 0) {
                connection_.request(client::requests::revoke(previous->token_id));
            }
            const StoredSession saved{
                server, user, made->id, QString::fromStdString(made->token), tls};
            if (store_.save(saved)) emit token_saved();
        }
    );
}

void SessionKeeper::on_login_failed(const QString& code, const QString& message) {
    if (code == QStringLiteral("account_deleted")) {
        // However this session logged in, a token saved for the account is of no use now.
        const auto saved = store_.load();
        if (saved && saved->user.compare(connection_.user(), Qt::CaseInsensitive) == 0)
            store_.forget();
        return;
    }
    if (connection_.params().token.isEmpty()) return;
    if (code == QStringLiteral("bad_credentials") || code == QStringLiteral("session_revoked")) {
        store_.forget();
        login_.show_message(
            code == QStringLiteral("session_revoked")
                ? tr("This computer was logged out (%1). Log in with your password.").arg(message)
                : tr("The saved login has ended (revoked or expired). Log in with your password.")
        );
    }
}

void SessionKeeper::log_out() {
    const auto saved = store_.load();
    store_.forget();
    auto finish = [this] {
        connection_.disconnect_now();
        login_.show_message(tr("Logged out."));
        login_.show();
        emit logged_out();
    };
    if (saved && connection_.state() == ChatConnection::State::online &&
        connection_.user().compare(saved->user, Qt::CaseInsensitive) == 0) {
        const auto ref = connection_.request(
            client::requests::revoke(saved->token_id), [finish](const client::Reply&) { finish(); }
        );
        if (ref >= 0) return;
    }
    finish();
}

}  // namespace salon::gui
