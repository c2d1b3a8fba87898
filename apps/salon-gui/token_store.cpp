// TokenStore: the session file, owner-only.
#include "token_store.hpp"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>

namespace salon::gui {

namespace {

constexpr auto kOwnerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;

}  // namespace

TokenStore::TokenStore(QString directory) : directory_(std::move(directory)) {
    if (directory_.isEmpty()) {
        directory_ = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation);
    }
}

QString TokenStore::path() const {
    return QDir(directory_).filePath(QStringLiteral("session.json"));
}

std::optional<StoredSession> TokenStore::load() const {
    QFile file(path());
    if (!file.open(QIODevice::ReadOnly)) return std::nullopt;
    const auto doc = QJsonDocument::fromJson(file.readAll());
    if (!doc.isObject()) return std::nullopt;
    const auto o = doc.object();
    StoredSession s;
    s.server = o.value(QStringLiteral("server")).toString();
    s.user = o.value(QStringLiteral("user")).toString();
    s.token_id = o.value(QStringLiteral("id")).toInteger();
    s.token = o.value(QStringLiteral("token")).toString();
    s.tls = o.value(QStringLiteral("tls")).toBool();
    if (s.server.isEmpty() || s.user.isEmpty() || s.token.isEmpty()) return std::nullopt;
    return s;
}

bool TokenStore::save(const StoredSession& session) {
    if (!QDir().mkpath(directory_)) {
        qWarning("salon-gui: cannot create %s", qPrintable(directory_));
        return false;
    }
    QFile file(path());
    // Created owner-only; an existing file is narrowed before the secret goes in.
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate, kOwnerOnly) ||
        !file.setPermissions(kOwnerOnly)) {
        qWarning(
            "salon-gui: cannot write %s: %s", qPrintable(path()), qPrintable(file.errorString())
        );
        return false;
    }
    const QJsonObject o{
        {QStringLiteral("server"), session.server},
        {QStringLiteral("user"), session.user},
        {QStringLiteral("id"), session.token_id},
        {QStringLiteral("token"), session.token},
        {QStringLiteral("tls"), session.tls}};
    const auto bytes = QJsonDocument(o).toJson(QJsonDocument::Compact);
    if (file.write(bytes) != bytes.size() || !file.flush()) {
        qWarning(
            "salon-gui: cannot write %s: %s", qPrintable(path()), qPrintable(file.errorString())
        );
        file.close();
        file.remove();
        return false;
    }
    return true;
}

void TokenStore::forget() {
    QFile::remove(path());
}

}  // namespace salon::gui
