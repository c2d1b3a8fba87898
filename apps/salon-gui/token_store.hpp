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

/// Keeps one StoredSession as JSON: in the platform keychain (QtKeychain: the Secret Service
/// on Linux) when salon-gui was built with it and one answers, else in `session.json` in a
/// directory (by default QStandardPaths::AppConfigLocation), created with mode 0600 and set
/// back to 0600 whenever it is written.
///
/// The keychain is tried only by the default store (no directory given), only when a D-Bus
/// session bus is there and `SALON_GUI_TOKEN_STORE` is not `file`; each keychain call is
/// bounded (kKeychainTimeoutMs) and any failure falls back to the file, so a missing keychain
/// never blocks the start. Tests give a directory: the file alone.
///
/// Not thread-safe; used from the GUI thread. Keychain calls run a nested event loop.
class TokenStore {
public:
    /// `directory` empty: the application's config directory, and the keychain if available.
    explicit TokenStore(QString directory = {});

    /// The saved session; nullopt when there is none or it is unreadable or malformed.
    std::optional<StoredSession> load() const;

    /// Replaces the saved session; false (and a warning) when it cannot be written anywhere.
    bool save(const StoredSession& session);

    /// Deletes the saved session (keychain entry and file); nothing when there is none.
    void forget();

    /// The file, used without a keychain and as its fallback.
    QString path() const;

    /// Whether the keychain is tried first (tests turn it on for a store with a directory).
    void set_keychain(bool use) { use_keychain_ = use; }

    /// "keychain" or "file": where the last load() found or save() put the session.
    const QString& last_backend() const { return last_backend_; }

    /// The longest a keychain call may take before the file is used instead.
    static constexpr int kKeychainTimeoutMs = 5000;

    /// True when salon-gui was built with QtKeychain.
    static bool keychain_built_in();

private:
    bool use_keychain_ = false;
    QString directory_;
    mutable QString last_backend_;
};

}  // namespace salon::gui
