// ChatConnection: salon_client's framing and codec over QSslSocket (TLS or plain), request
// refs, login and reconnect.
#include "chat_connection.hpp"

#include <QByteArray>
#include <QLoggingCategory>
#include <QSignalBlocker>
#include <QSslConfiguration>
#include <algorithm>
#include <string_view>

namespace salon::gui {

namespace {

// Every frame in and out, for debugging against a server:
// QT_LOGGING_RULES="salon.gui.wire.debug=true" salon-gui
Q_LOGGING_CATEGORY(wire_log, "salon.gui.wire", QtWarningMsg)

/// The notices after which the server closes a session that must not log in again by itself.
bool ends_the_session(std::string_view code) {
    return code == "session_revoked" || code == "account_deleted" || code == "account_locked";
}

}  // namespace

ChatConnection::ChatConnection(QObject* parent) : QObject(parent) {
    reconnect_timer_.setSingleShot(true);
    connect_timer_.setSingleShot(true);
    end_timer_.setSingleShot(true);
    connect(&socket_, &QSslSocket::connected, this, &ChatConnection::on_connected);
    connect(&socket_, &QSslSocket::encrypted, this, &ChatConnection::begin_login);
    connect(&socket_, &QSslSocket::sslErrors, this, [this](const QList<QSslError>& errors) {
        // Not ignored: the handshake fails next and on_socket_error() reports these.
        tls_errors_.clear();
        for (const auto& e : errors) tls_errors_.append(e.errorString());
    });
    connect(&socket_, &QSslSocket::readyRead, this, &ChatConnection::on_ready_read);
    connect(&socket_, &QSslSocket::disconnected, this, &ChatConnection::on_disconnected);
    connect(&socket_, &QSslSocket::errorOccurred, this, &ChatConnection::on_socket_error);
    connect(&reconnect_timer_, &QTimer::timeout, this, &ChatConnection::connect_socket);
    connect(&connect_timer_, &QTimer::timeout, this, [this] {
        drop_socket();
        lost_connection(tr("connection timed out"));
    });
    connect(&end_timer_, &QTimer::timeout, this, [this] { finish_end(false); });
}

ChatConnection::~ChatConnection() {
    // Disconnect first so that aborting the socket does not call back into a half-destroyed
    // object.
    socket_.disconnect(this);
    socket_.abort();
}

void ChatConnection::set_backoff(int first_ms, int max_ms) {
    backoff_first_ms_ = first_ms;
    backoff_max_ms_ = std::max(first_ms, max_ms);
    backoff_ms_ = first_ms;
}

void ChatConnection::open(const LoginParams& params) {
    reconnect_timer_.stop();
    end_timer_.stop();
    pending_.clear();
    params_ = params;
    user_.clear();
    guest_ = false;
    ever_logged_in_ = false;
    backoff_ms_ = backoff_first_ms_;
    connect_socket();
}

void ChatConnection::drop_socket() {
    // Blocked, so that a deliberate abort never re-enters lost_connection().
    const QSignalBlocker blocker(&socket_);
    socket_.abort();
    framer_.reset();
    ++generation_;
}

void ChatConnection::connect_socket() {
    drop_socket();
    pending_.clear();
    set_state(State::connecting);
    connect_timer_.start(connect_timeout_ms_);
    tls_errors_.clear();
    if (params_.tls) {
        auto config = QSslConfiguration::defaultConfiguration();
        if (!params_.ca_file.isEmpty()) config.addCaCertificates(params_.ca_file);
        socket_.setSslConfiguration(config);
        socket_.connectToHostEncrypted(params_.host, params_.port);
    } else {
        socket_.connectToHost(params_.host, params_.port);
    }
}

void ChatConnection::on_connected() {
    // With TLS the handshake comes next, still under the connect timeout; `encrypted` logs in.
    if (!params_.tls) begin_login();
}

void ChatConnection::begin_login() {
    connect_timer_.stop();
    set_state(State::logging_in);
    if (ever_logged_in_) {
        // A guest asks for the name it had, so that the people it talks to see the same
        // name; a registered user always logs in with CONN once the account exists. No
        // channel: the server puts a registered user back where they had not left, and
        // ChatSession rejoins a guest's; the login channel may be one we left since.
        send_login(conn_request(user_, {}, false));
    } else if (params_.register_account) {
        send_login(client::requests::register_account(
            params_.user.toStdString(), params_.password.toStdString(), true, kVersion
        ));
    } else {
        send_login(conn_request(params_.user, params_.channel, true));
    }
}

client::Request ChatConnection::conn_request(const QString& user, const QString& channel, bool join)
    const {
    // A guest (or a registered user whose REGISTER made the account) has no token.
    if (!params_.token.isEmpty() && !guest_) {
        return client::requests::conn_token(
            user.toStdString(), params_.token.toStdString(), channel.toStdString(), join, kVersion
        );
    }
    return client::requests::conn(
        user.toStdString(), params_.password.toStdString(), channel.toStdString(), join, kVersion
    );
}

void ChatConnection::give_up(const QString& code, const QString& message) {
    reconnect_timer_.stop();
    connect_timer_.stop();
    pending_.clear();
    drop_socket();
    set_state(State::disconnected);
    emit login_failed(code, message);
}

void ChatConnection::send_login(const client::Request& request) {
    const auto ref = next_ref_++;
    pending_.insert(
        ref,
        Pending{
            QString::fromStdString(request.verb),
            [this](const client::Reply& reply) { on_login_reply(reply); }}
    );
    send_frame(request, ref);
}

void ChatConnection::on_login_reply(const client::Reply& reply) {
    if (!reply.ok) {
        if (ever_logged_in_ && guest_ && reply.code == "name_taken") {
            // Our old guest session may still be alive on the server; take a fresh guest
            // name rather than give up.
            user_.clear();
            send_login(client::requests::conn({}, {}, {}, false, kVersion));
            return;
        }
        give_up(QString::fromStdString(reply.code), QString::fromStdString(reply.message));
        return;
    }
    auto welcome = client::parse_login_result(reply);
    if (!welcome) {
        // Not a server we can talk to; retrying would get the same answer.
        reconnect_timer_.stop();
        drop_socket();
        set_state(State::disconnected);
        emit login_failed(
            QStringLiteral("bad_reply"), QString::fromStdString(welcome.error().message)
        );
        return;
    }
    const bool reconnected = ever_logged_in_;
    user_ = QString::fromStdString(welcome->user);
    guest_ = welcome->guest;
    ever_logged_in_ = true;
    backoff_ms_ = backoff_first_ms_;
    set_state(State::online);
    emit logged_in(*welcome, reconnected);
}

qint64 ChatConnection::request(const client::Request& request, ReplyHandler on_reply) {
    if (state_ != State::online) return -1;
    const auto ref = next_ref_++;
    pending_.insert(ref, Pending{QString::fromStdString(request.verb), std::move(on_reply)});
    send_frame(request, ref);
    return ref;
}

qint64 ChatConnection::register_in_place(
    const QString& user, const QString& password, ReplyHandler on_reply
) {
    return request(
        client::requests::register_account(user.toStdString(), password.toStdString()),
        [this, password, on_reply = std::move(on_reply)](const client::Reply& reply) {
            const auto welcome = client::parse_login_result(reply);
            if (reply.ok && welcome) {
                user_ = QString::fromStdString(welcome->user);
                guest_ = welcome->guest;
                params_.user = user_;
                params_.password = password;
                params_.token.clear();
                params_.register_account = false;
                emit account_registered(*welcome);
            }
            if (on_reply) on_reply(reply);
        }
    );
}

qint64 ChatConnection::change_password(
    const QString& old_password, const QString& new_password, ReplyHandler on_reply
) {
    return request(
        client::requests::passwd(old_password.toStdString(), new_password.toStdString()),
        [this, new_password, on_reply = std::move(on_reply)](const client::Reply& reply) {
            if (reply.ok) params_.password = new_password;
            if (on_reply) on_reply(reply);
            if (reply.ok) emit password_changed();
        }
    );
}

void ChatConnection::send_frame(const client::Request& request, std::optional<std::int64_t> ref) {
    const auto line = client::encode_request(request, ref);
    socket_.write(line.data(), static_cast<qint64>(line.size()));
    // Hand the bytes to the kernel now rather than on the next event-loop pass, so a request
    // is on the wire even if the caller blocks (or the process exits) before returning.
    socket_.flush();
    qCDebug(wire_log, "-> %.*s", static_cast<int>(line.size() - 1), line.data());
}

void ChatConnection::on_ready_read() {
    const auto generation = generation_;
    const auto bytes = socket_.readAll();
    framer_.feed(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
    while (auto line = framer_.next()) {
        on_frame(*line);
        // on_frame may have closed or reopened the connection, which resets the framer.
        if (generation != generation_) return;
    }
    if (framer_.overflowed()) {
        drop_socket();
        lost_connection(tr("the server sent an oversized frame"));
    }
}

void ChatConnection::on_frame(const std::string& line) {
    qCDebug(wire_log, "<- %s", line.c_str());
    auto frame = client::decode_frame(line);
    if (!frame) {
        // A peer that breaks framing is not one we can talk to; the server never does this.
        qWarning(
            "salon-gui: ignoring malformed frame from server (%s): %.200s",
            frame.error().message.c_str(),
            line.c_str()
        );
        return;
    }
    if (const auto* reply = std::get_if<client::Reply>(&frame->payload)) {
        on_reply(*reply);
        return;
    }
    if (std::holds_alternative<core::PingEvent>(frame->payload)) {
        send_frame(client::requests::pong(), std::nullopt);
        return;
    }
    if (const auto* notice = std::get_if<core::NoticeEvent>(&frame->payload);
        notice != nullptr && ends_the_session(notice->code)) {
        // The server closes next; reconnecting would only be refused (or meet no account).
        emit event_received(frame->payload);
        give_up(QString::fromStdString(notice->code), QString::fromStdString(notice->message));
        return;
    }
    emit event_received(frame->payload);
}

void ChatConnection::on_reply(const client::Reply& reply) {
    const auto it = pending_.find(reply.numeric_ref().value_or(-1));
    if (it == pending_.end()) return;
    const auto pending = it.value();
    pending_.erase(it);
    if (pending.on_reply) {
        pending.on_reply(reply);
    } else if (!reply.ok) {
        emit request_failed(
            pending.verb, QString::fromStdString(reply.code), QString::fromStdString(reply.message)
        );
    }
}

void ChatConnection::on_disconnected() {
    // The close can be reported before the last bytes were read (END's OK is followed by
    // the server's close at once); those frames still count.
    if (state_ != State::disconnected && socket_.bytesAvailable() > 0) on_ready_read();
    lost_connection(tr("the server closed the connection"));
}

void ChatConnection::on_socket_error(QAbstractSocket::SocketError error) {
    // RemoteHostClosedError is followed by disconnected(); everything else may not be.
    if (error == QAbstractSocket::RemoteHostClosedError) return;
    if (error == QAbstractSocket::SslHandshakeFailedError && !tls_errors_.isEmpty()) {
        // Retrying would meet the same certificate; the user has to decide what to trust.
        give_up(QStringLiteral("certificate"), tls_errors_.join(QStringLiteral("; ")));
        return;
    }
    lost_connection(socket_.errorString());
}

void ChatConnection::lost_connection(const QString& reason) {
    connect_timer_.stop();
    pending_.clear();
    switch (state_) {
        case State::disconnected:
        case State::reconnecting:
            return;
        case State::closing:
            finish_end(false);
            return;
        case State::connecting:
        case State::logging_in:
            if (!ever_logged_in_) {
                drop_socket();
                set_state(State::disconnected);
                emit login_failed(QStringLiteral("unreachable"), reason);
                return;
            }
            break;
        case State::online:
            break;
    }
    drop_socket();
    set_state(State::reconnecting);
    const int delay = backoff_ms_;
    backoff_ms_ = std::min(backoff_ms_ * 2, backoff_max_ms_);
    reconnect_timer_.start(delay);
    emit reconnect_scheduled(delay);
}

void ChatConnection::close_with_end() {
    reconnect_timer_.stop();
    connect_timer_.stop();
    ended_emitted_ = false;
    if (state_ == State::online || state_ == State::logging_in) {
        set_state(State::closing);
        const auto ref = next_ref_++;
        pending_.clear();
        pending_.insert(ref, Pending{QStringLiteral("END"), [this](const client::Reply& reply) {
                                         finish_end(reply.ok);
                                     }});
        send_frame(client::requests::end(), ref);
        end_timer_.start(kEndTimeoutMs);
        return;
    }
    if (state_ == State::closing) return;
    drop_socket();
    set_state(State::disconnected);
    // Emitted from the event loop so that callers see the same ordering in every state.
    QTimer::singleShot(0, this, [this] {
        if (!ended_emitted_) {
            ended_emitted_ = true;
            emit ended(false);
        }
    });
}

void ChatConnection::disconnect_now() {
    reconnect_timer_.stop();
    connect_timer_.stop();
    end_timer_.stop();
    pending_.clear();
    if (state_ == State::online) send_frame(client::requests::end(), std::nullopt);
    set_state(State::disconnected);
    drop_socket();
    ever_logged_in_ = false;
}

void ChatConnection::finish_end(bool acknowledged) {
    end_timer_.stop();
    pending_.clear();
    // State first: the close below may report `disconnected` synchronously, and
    // lost_connection() must then see that there is nothing left to do.
    set_state(State::disconnected);
    if (socket_.state() == QAbstractSocket::ConnectedState) {
        // Let the END bytes (and anything before them) reach the server before closing.
        socket_.disconnectFromHost();
    } else {
        drop_socket();
    }
    if (!ended_emitted_) {
        ended_emitted_ = true;
        emit ended(acknowledged);
    }
}

void ChatConnection::set_state(State state) {
    if (state_ == state) return;
    state_ = state;
    emit state_changed(state);
}

bool parse_server_url(const QString& text, QString& host, quint16& port, bool& tls) {
    auto rest = text.trimmed();
    bool use_tls = tls;
    if (rest.startsWith(QStringLiteral("salons://"))) {
        use_tls = true;
        rest = rest.mid(9);
    } else if (rest.startsWith(QStringLiteral("salon://"))) {
        use_tls = false;
        rest = rest.mid(8);
    }
    if (rest.endsWith(QLatin1Char('/'))) rest.chop(1);
    if (!parse_server_address(rest, host, port, use_tls ? 5443 : 5000)) return false;
    tls = use_tls;
    return true;
}

bool parse_server_address(const QString& text, QString& host, quint16& port, quint16 default_port) {
    const auto trimmed = text.trimmed();
    if (trimmed.isEmpty()) return false;
    QString host_part = trimmed;
    QString port_part;
    if (trimmed.startsWith(QLatin1Char('['))) {
        const auto close = trimmed.indexOf(QLatin1Char(']'));
        if (close < 0) return false;
        host_part = trimmed.mid(1, close - 1);
        const auto rest = trimmed.mid(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(QLatin1Char(':'))) return false;
            port_part = rest.mid(1);
        }
    } else if (trimmed.count(QLatin1Char(':')) == 1) {
        const auto colon = trimmed.indexOf(QLatin1Char(':'));
        host_part = trimmed.left(colon);
        port_part = trimmed.mid(colon + 1);
    }
    if (host_part.isEmpty()) return false;
    quint16 parsed_port = default_port;
    if (!port_part.isEmpty()) {
        bool ok = false;
        const auto value = port_part.toUInt(&ok);
        if (!ok || value == 0 || value > 65535) return false;
        parsed_port = static_cast<quint16>(value);
    }
    host = host_part;
    port = parsed_port;
    return true;
}

}  // namespace salon::gui
