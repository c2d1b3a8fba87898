// "Stay logged in" and "Log out": the session token that spares the login form next time.
#pragma once

#include <QObject>
#include <optional>

#include "chat_connection.hpp"
#include "login_dialog.hpp"
#include "token_store.hpp"

namespace salon::gui {

/// Ties the login form's "Stay logged in" box, the connection and the TokenStore together.
///
/// 1. After a password login with the box ticked (a registered user, not a reconnect), asks
///    `TOKEN {label: "salon-gui on <host>"}` and saves {server, user, id, secret}.
/// 2. `resume()` logs in with the saved token without showing the form.
/// 3. A token login refused (`bad_credentials`) or ended (`NOTICE session_revoked`) forgets
///    the token; the form comes up saying why. A deleted account's token is forgotten too;
///    a locked account's is kept (the server keeps it for the unlock).
/// 4. A guest that registered in place with the box ticked gets a token as after a login;
///    so does a password session whose PASSWD revoked the saved token.
/// 5. `log_out()` revokes the saved token when there is one, forgets it, leaves the server
///    and shows the form.
/// Lives on the GUI thread, like the objects it is given (which must outlive it).
class SessionKeeper : public QObject {
    Q_OBJECT

public:
    SessionKeeper(
        ChatConnection& connection, LoginDialog& login, TokenStore& store, QObject* parent = nullptr
    );

    /// Logs in with the saved token, if there is one; false (and nothing done) otherwise.
    bool resume();

    /// Session ▸ Log out.
    void log_out();

    /// The label the token gets: "salon-gui on <this computer's host name>".
    static QString token_label();

signals:
    /// A new token was saved (after a login with "Stay logged in").
    void token_saved();
    /// log_out() is done: the connection is closed and the form is up.
    void logged_out();

private:
    void on_logged_in(const core::LoginResult& welcome, bool reconnected);
    void on_login_failed(const QString& code, const QString& message);
    /// Asks for a token of `user` on `server` and saves it, revoking the one saved before
    /// for the same user (`previous`).
    void make_token(
        const QString& server, const QString& user, bool tls, std::optional<StoredSession> previous
    );

    ChatConnection& connection_;
    LoginDialog& login_;
    TokenStore& store_;
};

}  // namespace salon::gui
