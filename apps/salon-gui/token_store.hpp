// Where salon-gui keeps the session token of "Stay logged in": a file readable by the user only.
#pragma once

#include <QString>
#include <optional>

namespace salon::gui {

/// What "Stay logged in" remembers: enough to log in again without the password, and to
/// revoke the token on "Log out".
struct StoredSession {
    QString server;  ///< host:port as typed in the login form
    QString user;
    qint64 token_id = 0;
    QString token;     ///< the secret
    bool tls = false;  ///< the login was over TLS
};

/// A JSON file, `session.json`, in a directory (by default QStandardPaths::AppConfigLocation),
/// created with mode 0600 and set back to 0600 whenever it is written. The platform keychain
/// (QtKeychain) is not used yet: docs/desktop-client.md says why.
///
/// Not thread-safe; used from the GUI thread.
class TokenStore {
public:
    /// `directory` empty: the application's config directory.
    explicit TokenStore(QString directory = {});

    /// The saved session; nullopt when there is none or the file is unreadable or malformed.
    std::optional<StoredSession> load() const;

    /// Replaces the saved session; false (and a warning) when the file cannot be written.
    bool save(const StoredSession& session);

    /// Deletes the saved session; nothing when there is none.
    void forget();

    QString path() const;

private:
    QString directory_;
};

}  // namespace salon::gui
