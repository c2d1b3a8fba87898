// TokenStore: the keychain when there is one, else the session file, owner-only.
#include "token_store.hpp"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>

#ifdef SALON_HAVE_QTKEYCHAIN
#include <qt6keychain/keychain.h>

#include <QEventLoop>
#include <QTimer>
#endif

namespace salon::gui {

namespace {

constexpr auto kOwnerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;

QByteArray to_json(const StoredSession& session) {
    const QJsonObject o{
        {QStringLiteral("server"), session.server},
        {QStringLiteral("user"), session.user},
        {QStringLiteral("id"), session.token_id},
        {QStringLiteral("token"), session.token},
        {QStringLiteral("tls"), session.tls}};
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::optional<StoredSession> from_json(const QByteArray& bytes) {
    const auto doc = QJsonDocument::fromJson(bytes);
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

#ifdef SALON_HAVE_QTKEYCHAIN
const QString kService = QStringLiteral("salon-gui");
const QString kKey = QStringLiteral("session");

/// Runs `job` to its end, or gives up after kKeychainTimeoutMs; true when it succeeded. A job
/// may finish inside start() (no backend), so the loop only runs while it has not.
bool run_job(QKeychain::Job& job) {
    job.setAutoDelete(false);
    bool done = false;
    QEventLoop loop;
    QObject::connect(&job, &QKeychain::Job::finished, &loop, [&] {
        done = true;
        loop.quit();
    });
    QTimer::singleShot(TokenStore::kKeychainTimeoutMs, &loop, &QEventLoop::quit);
    job.start();
    if (!done) loop.exec();
    if (!done) {
        qWarning("salon-gui: the keychain did not answer; using the token file");
        return false;
    }
    if (job.error() != QKeychain::NoError && job.error() != QKeychain::EntryNotFound) {
        qWarning("salon-gui: keychain: %s; using the token file", qPrintable(job.errorString()));
    }
    return job.error() == QKeychain::NoError;
}
#endif

}  // namespace

TokenStore::TokenStore(QString directory) : directory_(std::move(directory)) {
    if (directory_.isEmpty()) {
        directory_ = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation);
        // Without a session bus (a headless machine, CI) there is no Secret Service to ask.
        use_keychain_ = keychain_built_in() &&
                        !qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS") &&
                        qgetenv("SALON_GUI_TOKEN_STORE") != "file";
    }
}

bool TokenStore::keychain_built_in() {
#ifdef SALON_HAVE_QTKEYCHAIN
    return true;
#else
    return false;
#endif
}

QString TokenStore::path() const {
    return QDir(directory_).filePath(QStringLiteral("session.json"));
}

std::optional<StoredSession> TokenStore::load() const {
#ifdef SALON_HAVE_QTKEYCHAIN
    if (use_keychain_) {
        QKeychain::ReadPasswordJob job(kService);
        job.setKey(kKey);
        if (run_job(job)) {
            last_backend_ = QStringLiteral("keychain");
            return from_json(job.binaryData());
        }
    }
#endif
    QFile file(path());
    if (!file.open(QIODevice::ReadOnly)) return std::nullopt;
    last_backend_ = QStringLiteral("file");
    return from_json(file.readAll());
}

bool TokenStore::save(const StoredSession& session) {
    const auto bytes = to_json(session);
#ifdef SALON_HAVE_QTKEYCHAIN
    if (use_keychain_) {
        QKeychain::WritePasswordJob job(kService);
        job.setKey(kKey);
        job.setBinaryData(bytes);
        if (run_job(job)) {
            QFile::remove(path());  // no second, older copy
            last_backend_ = QStringLiteral("keychain");
            return true;
        }
    }
#endif
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
    if (file.write(bytes) != bytes.size() || !file.flush()) {
        qWarning(
            "salon-gui: cannot write %s: %s", qPrintable(path()), qPrintable(file.errorString())
        );
        file.close();
        file.remove();
        return false;
    }
    last_backend_ = QStringLiteral("file");
    return true;
}

void TokenStore::forget() {
#ifdef SALON_HAVE_QTKEYCHAIN
    if (use_keychain_) {
        QKeychain::DeletePasswordJob job(kService);
        job.setKey(kKey);
        run_job(job);
    }
#endif
    QFile::remove(path());
}

}  // namespace salon::gui
