// One connection to salond speaking PROTOCOL.md (version 2) over QSslSocket (TLS or plain TCP):
// refs, login, keep-alive, END, and automatic reconnect with backoff. Framing, encoding and
// decoding are salon_client's; Qt only carries the bytes.
#pragma once

#include <QHash>
#include <QObject>
#include <QSslError>
#include <QSslSocket>
#include <QString>
#include <QTimer>
#include <cstdint>
#include <functional>
#include <optional>

#include "client/codec.hpp"
#include "client/framing.hpp"
#include "core/events.hpp"

namespace salon::gui {

/// What the user typed into the login form (or on the command line).
struct LoginParams {
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 5000;
    QString user;      ///< Empty: log in as a guest.
    QString password;  ///< Kept in memory only, for reconnects; never written to disk.
    /// A session token of `user`: logs in (and reconnects) with it instead of the password.
    QString token;
    QString channel = QStringLiteral("home");
    bool register_account = false;
    /// TLS, the certificate checked against the system's authorities (and `ca_file`'s) and
    /// the host name. An untrusted certificate is refused: there is no "connect anyway".
    bool tls = false;
    QString ca_file;  ///< PEM certificates of authorities to trust besides the system's
};

/// The OK or NO answering one request; parse an OK's body with client::parse_*_result.
using ReplyHandler = std::function<void(const client::Reply& reply)>;

/// The client side of one Salon session, living on the thread that created it (the GUI
/// thread): every signal is emitted from the event loop, never from another thread.
///
/// Contract:
/// 1. `open()` connects and sends CONN (or REGISTER); it ends in exactly one of
///    `logged_in` or `login_failed`.
/// 2. Once logged in, a connection lost without `close_with_end()` is retried with
///    exponential backoff (`reconnect_scheduled`), logging in again with the same name and
///    `"join": false`; `logged_in` then fires again with `reconnected` true, and ChatSession
///    decides which channels to rejoin and resumes history.
/// 3. A login refused on reconnect (for example `bad_credentials` or `account_locked`) stops
///    the retries and is reported through `login_failed`; so are the notices that end the
///    session for good (`session_revoked`, `account_deleted`, `account_locked`, reported
///    with the notice's code): logging in again would only be refused.
/// 4. `close_with_end()` sends END, waits a bounded time for the server's OK or close, and
///    then emits `ended` exactly once.
class ChatConnection : public QObject {
    Q_OBJECT

public:
    enum class State { disconnected, connecting, logging_in, online, reconnecting, closing };
    Q_ENUM(State)

    explicit ChatConnection(QObject* parent = nullptr);
    ~ChatConnection() override;

    /// Connects and logs in; any previous connection is dropped without END.
    void open(const LoginParams& params);

    /// Sends END and closes; emits `ended` once the server answered or closed, or after
    /// `kEndTimeoutMs`. Safe to call in any state; `ended` comes from the event loop.
    void close_with_end();

    /// Leaves at once for a log out: END as a courtesy, no reconnect, no `ended` (the
    /// application goes on, with the login form).
    void disconnect_now();

    /// Sends one request with a fresh integer `ref`; `on_reply` runs when its OK/NO arrives
    /// (never if the connection is lost first). Returns the ref, or -1 when not online.
    qint64 request(const client::Request& request, ReplyHandler on_reply = {});

    /// REGISTER while logged in as a guest: on OK the connection is the account `user` at
    /// once (`account_registered`), and reconnects log in with `password`. `on_reply` gets the
    /// OK or NO either way. Returns the ref, or -1 when not online.
    qint64 register_in_place(const QString& user, const QString& password, ReplyHandler on_reply);

    /// PASSWD; on OK reconnects use `new_password` (a token login keeps its token, which the
    /// server leaves alone). Returns the ref, or -1 when not online.
    qint64 change_password(
        const QString& old_password, const QString& new_password, ReplyHandler on_reply
    );

    State state() const { return state_; }

    const LoginParams& params() const { return params_; }

    /// The name the server gave us (a guest's `Guest…` name included); empty before login.
    const QString& user() const { return user_; }

    bool guest() const { return guest_; }

    /// First and largest reconnect delays; tests shorten them.
    void set_backoff(int first_ms, int max_ms);

    /// How long a TCP connect may take before the server counts as unreachable.
    void set_connect_timeout(int ms) { connect_timeout_ms_ = ms; }

    static constexpr int kEndTimeoutMs = 2000;  // END is a courtesy: never hang the exit on it
    /// The protocol version asked for at login: 2 brings UPDATE, READ and TYPING events.
    static constexpr int kVersion = 2;

signals:
    void state_changed(salon::gui::ChatConnection::State state);
    void logged_in(const salon::core::LoginResult& welcome, bool reconnected);
    /// `code` is a PROTOCOL.md error code, "unreachable" when no TCP connection was made,
    /// "certificate" when the server's TLS certificate is not trusted (`message` lists why),
    /// "bad_reply" when the login's OK could not be read, or "session_revoked",
    /// "account_deleted" or "account_locked" when the server ended this session with that
    /// NOTICE.
    void login_failed(const QString& code, const QString& message);
    /// register_in_place() succeeded: `welcome` is the account's login result (`user()` and
    /// `guest()` already say so).
    void account_registered(const salon::core::LoginResult& welcome);
    /// change_password() succeeded: the server revoked every token of the account but the
    /// one this connection logged in with (if any).
    void password_changed();
    /// A server event (MSG, DM, JOIN, PART, QUIT, HISTORY, NOTICE, TOPIC, or one this client
    /// does not know); never a Reply. PING is answered here and not forwarded.
    void event_received(const salon::client::Payload& event);
    /// A NO reply to a request that had no handler of its own.
    void request_failed(const QString& verb, const QString& code, const QString& message);
    void reconnect_scheduled(int delay_ms);
    /// After close_with_end(); `acknowledged` is true when the server answered END with OK.
    void ended(bool acknowledged);

private:
    void on_connected();
    /// The TCP connection (and with TLS, the handshake) is up: log in.
    void begin_login();
    void on_ready_read();
    void on_disconnected();
    void on_socket_error(QAbstractSocket::SocketError error);
    void on_frame(const std::string& line);
    void on_reply(const client::Reply& reply);
    void on_login_reply(const client::Reply& reply);
    /// CONN with the token when there is one, else with the password.
    client::Request conn_request(const QString& user, const QString& channel, bool join) const;
    /// Stops for good after a refusal: no reconnect, then `login_failed`.
    void give_up(const QString& code, const QString& message);
    void connect_socket();
    /// Sends CONN or REGISTER with a fresh ref, answered by on_login_reply().
    void send_login(const client::Request& request);
    void send_frame(const client::Request& request, std::optional<std::int64_t> ref);
    void set_state(State state);
    void lost_connection(const QString& reason);
    void finish_end(bool acknowledged);
    void drop_socket();

    struct Pending {
        QString verb;
        ReplyHandler on_reply;
    };

    QSslSocket socket_;
    QStringList tls_errors_;  ///< the certificate's problems, from the last handshake
    QTimer reconnect_timer_;
    QTimer connect_timer_;
    QTimer end_timer_;
    client::LineFramer framer_;
    QHash<qint64, Pending> pending_;
    LoginParams params_;
    QString user_;
    bool guest_ = false;
    bool ever_logged_in_ = false;
    bool ended_emitted_ = true;
    State state_ = State::disconnected;
    qint64 next_ref_ = 1;
    quint64 generation_ = 0;  ///< Bumped on every new or dropped socket.
    int backoff_first_ms_ = 500;
    int backoff_max_ms_ = 30000;
    int backoff_ms_ = 500;
    int connect_timeout_ms_ = 5000;
};

/// Splits "host:port" (or "[v6]:port", or a bare host meaning `default_port`). False when the
/// port is not 1-65535.
bool parse_server_address(
    const QString& text, QString& host, quint16& port, quint16 default_port = 5000
);

/// As parse_server_address, after an optional `salons://` (sets `tls`, default port 5443) or
/// `salon://` (clears it); without a scheme `tls` is kept and picks the default port.
bool parse_server_url(const QString& text, QString& host, quint16& port, bool& tls);

}  // namespace salon::gui
