// ChatConnection: JSON-lines framing over QTcpSocket, request refs, login and reconnect.
#include "chat_connection.hpp"

#include <QJsonDocument>
#include <QJsonValue>
#include <QLoggingCategory>
#include <QSignalBlocker>
#include <algorithm>

namespace salon::gui {

namespace {

// Every frame in and out, for debugging against a server:
// QT_LOGGING_RULES="salon.gui.wire.debug=true" salon-gui
Q_LOGGING_CATEGORY(wire_log, "salon.gui.wire", QtWarningMsg)

// HISTORY pages of 200 messages of 4 KiB each are legal, so a frame from the server can be
// far larger than the 16 KiB the server accepts; this bound only stops a runaway peer.
constexpr qsizetype kMaxIncomingFrameBytes = 16 * 1024 * 1024;

}  // namespace

ChatConnection::ChatConnection(QObject* parent) : QObject(parent) {
    reconnect_timer_.setSingleShot(true);
    connect_timer_.setSingleShot(true);
    end_timer_.setSingleShot(true);
    connect(&socket_, &QTcpSocket::connected, this, &ChatConnection::on_connected);
    connect(&socket_, &QTcpSocket::readyRead, this, &ChatConnection::on_ready_read);
    connect(&socket_, &QTcpSocket::disconnected, this, &ChatConnection::on_disconnected);
    connect(&socket_, &QTcpSocket::errorOccurred, this, &ChatConnection::on_socket_error);
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
    read_buffer_.clear();
    ++generation_;
}

void ChatConnection::connect_socket() {
    drop_socket();
    pending_.clear();
    set_state(State::connecting);
    connect_timer_.start(connect_timeout_ms_);
    socket_.connectToHost(params_.host, params_.port);
}

void ChatConnection::on_connected() {
    connect_timer_.stop();
    set_state(State::logging_in);
    QJsonObject args;
    auto verb = QStringLiteral("CONN");
    if (ever_logged_in_) {
        // A guest asks for the name it had, so that the people it talks to see the same
        // name; a registered user always logs in with CONN once the account exists.
        args[QStringLiteral("us")] = user_;
    } else {
        args[QStringLiteral("us")] = params_.user;
        if (params_.register_account) verb = QStringLiteral("REGISTER");
    }
    args[QStringLiteral("pwd")] = params_.password;
    args[QStringLiteral("channel")] = params_.channel;
    const auto ref = next_ref_++;
    pending_.insert(ref, Pending{verb, [this](bool ok, const QJsonObject& body) {
                                     on_login_reply(ok, body);
                                 }});
    args[QStringLiteral("ref")] = ref;
    send_frame(verb, args);
}

void ChatConnection::on_login_reply(bool ok, const QJsonObject& body) {
    if (!ok) {
        const auto code = body.value(QStringLiteral("code")).toString();
        const auto message = body.value(QStringLiteral("message")).toString();
        if (ever_logged_in_ && guest_ && code == QStringLiteral("name_taken")) {
            // Our old guest session may still be alive on the server; take a fresh guest
            // name rather than give up.
            user_.clear();
            QJsonObject args{
                {QStringLiteral("us"), QString()},
                {QStringLiteral("pwd"), QString()},
                {QStringLiteral("channel"), params_.channel}};
            const auto ref = next_ref_++;
            pending_.insert(
                ref,
                Pending{
                    QStringLiteral("CONN"),
                    [this](bool again_ok, const QJsonObject& b) { on_login_reply(again_ok, b); }}
            );
            args[QStringLiteral("ref")] = ref;
            send_frame(QStringLiteral("CONN"), args);
            return;
        }
        reconnect_timer_.stop();
        drop_socket();
        set_state(State::disconnected);
        emit login_failed(code, message);
        return;
    }
    const bool reconnected = ever_logged_in_;
    user_ = body.value(QStringLiteral("user")).toString();
    guest_ = body.value(QStringLiteral("guest")).toBool();
    ever_logged_in_ = true;
    backoff_ms_ = backoff_first_ms_;
    set_state(State::online);
    emit logged_in(body, reconnected);
}

qint64 ChatConnection::request(
    const QString& verb, const QJsonObject& args, ReplyHandler on_reply
) {
    if (state_ != State::online) return -1;
    const auto ref = next_ref_++;
    pending_.insert(ref, Pending{verb, std::move(on_reply)});
    QJsonObject with_ref = args;
    with_ref[QStringLiteral("ref")] = ref;
    send_frame(verb, with_ref);
    return ref;
}

void ChatConnection::send_frame(const QString& verb, const QJsonObject& args) {
    const QJsonObject frame{{verb, args}};
    auto bytes = QJsonDocument(frame).toJson(QJsonDocument::Compact);
    bytes.append('\n');
    socket_.write(bytes);
    // Hand the bytes to the kernel now rather than on the next event-loop pass, so a request
    // is on the wire even if the caller blocks (or the process exits) before returning.
    socket_.flush();
    qCDebug(wire_log, "-> %s", bytes.trimmed().constData());
}

void ChatConnection::on_ready_read() {
    const auto generation = generation_;
    read_buffer_.append(socket_.readAll());
    qsizetype start = 0;
    for (;;) {
        const auto newline = read_buffer_.indexOf('\n', start);
        if (newline < 0) break;
        auto line = read_buffer_.mid(start, newline - start);
        start = newline + 1;
        if (line.endsWith('\r')) line.chop(1);
        if (line.trimmed().isEmpty()) continue;
        on_frame(line);
        // on_frame may have closed or reopened the connection, which clears the buffer.
        if (generation != generation_) return;
    }
    read_buffer_.remove(0, start);
    if (read_buffer_.size() > kMaxIncomingFrameBytes) {
        drop_socket();
        lost_connection(tr("the server sent an oversized frame"));
    }
}

void ChatConnection::on_frame(const QByteArray& line) {
    qCDebug(wire_log, "<- %s", line.constData());
    QJsonParseError error{};
    const auto doc = QJsonDocument::fromJson(line, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject() || doc.object().size() != 1) {
        // A peer that breaks framing is not one we can talk to; the server never does this.
        qWarning("salon-gui: ignoring malformed frame from server: %s", line.left(200).constData());
        return;
    }
    const auto frame = doc.object();
    const auto verb = frame.begin().key();
    const auto body = frame.begin().value().toObject();
    if (verb == QStringLiteral("OK") || verb == QStringLiteral("NO")) {
        const auto ref = body.value(QStringLiteral("ref")).toInteger(-1);
        const auto it = pending_.find(ref);
        if (it == pending_.end()) return;
        const auto pending = it.value();
        pending_.erase(it);
        const bool ok = verb == QStringLiteral("OK");
        if (pending.on_reply) {
            pending.on_reply(ok, body);
        } else if (!ok) {
            emit request_failed(
                pending.verb,
                body.value(QStringLiteral("code")).toString(),
                body.value(QStringLiteral("message")).toString()
            );
        }
        return;
    }
    if (verb == QStringLiteral("PING")) {
        send_frame(QStringLiteral("PONG"), QJsonObject{});
        return;
    }
    emit event_received(verb, body);
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
        pending_.insert(ref, Pending{QStringLiteral("END"), [this](bool ok, const QJsonObject&) {
                                         finish_end(ok);
                                     }});
        send_frame(QStringLiteral("END"), QJsonObject{{QStringLiteral("ref"), ref}});
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

bool parse_server_address(const QString& text, QString& host, quint16& port) {
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
    quint16 parsed_port = 5000;  // PROTOCOL.md: the default port
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
