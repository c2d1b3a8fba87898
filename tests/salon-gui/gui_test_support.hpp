// What the salon-gui end-to-end suites share: the whole client as main() wires it, and the
// harness line clients that play the other people.
#pragma once

#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "chat_connection.hpp"
#include "chat_model.hpp"
#include "chat_session.hpp"
#include "harness/line_client.hpp"
#include "harness/server_process.hpp"
#include "login_dialog.hpp"
#include "main_window.hpp"
#include "session_keeper.hpp"
#include "token_store.hpp"

namespace gui_test {

using namespace std::chrono_literals;
using salon::gui::ChatConnection;
using salon::gui::ChatLine;
using salon::test::LineClient;
using salon::test::make_frame;

// Longest wait for something that must happen; generous because the suite shares two cores
// with parallel builds, and only a failing test ever waits this long.
constexpr int kWaitMs = 10000;
constexpr std::string_view kPassword = "correct-horse-battery-9";

/// The whole client as main() wires it, minus the process: connection, model, session,
/// window and login form, with settings in a private file and a short reconnect backoff.
struct Gui {
    QTemporaryDir dir;
    QSettings settings{dir.filePath(QStringLiteral("salon-gui.ini")), QSettings::IniFormat};
    ChatConnection connection;
    salon::gui::ChatModel model;
    salon::gui::ChatSession session{connection, model};
    salon::gui::MainWindow window{session};
    salon::gui::LoginDialog login{connection, settings};
    /// "Stay logged in" keeps its token here: the file backend, as on a machine without a
    /// keychain. Two Gui given the same directory are one computer's GUI before and after a
    /// restart.
    salon::gui::TokenStore store;
    salon::gui::SessionKeeper keeper{connection, login, store};

    explicit Gui(const QString& store_dir = {})
        : store(store_dir.isEmpty() ? dir.path() : store_dir) {
        connection.set_backoff(100, 800);
        QObject::connect(&connection, &ChatConnection::logged_in, &window, [this] {
            if (!window.isVisible()) window.show();
        });
        QObject::connect(window.log_out_action(), &QAction::triggered, &keeper, [this] {
            keeper.log_out();
        });
        QObject::connect(&keeper, &salon::gui::SessionKeeper::logged_out, &window, [this] {
            window.hide();
        });
    }

    /// Fills the form and presses Connect; true once logged in, false on a login failure.
    bool log_in(
        const salon::test::ServerProcess& server,
        const QString& user = {},
        const QString& password = {},
        const QString& channel = QStringLiteral("home"),
        bool register_account = false
    ) {
        return log_in_at(
            QString::fromStdString(server.address()), user, password, channel, register_account
        );
    }

    /// As log_in, to the server at `address` (a `salons://` one uses TLS).
    bool log_in_at(
        const QString& address,
        const QString& user = {},
        const QString& password = {},
        const QString& channel = QStringLiteral("home"),
        bool register_account = false
    ) {
        login.server_edit()->setText(address);
        login.user_edit()->setText(user);
        login.password_edit()->setText(password);
        login.channel_edit()->setText(channel);
        login.register_box()->setChecked(register_account);
        QSignalSpy failed(&connection, &ChatConnection::login_failed);
        QTest::mouseClick(login.findChild<QPushButton*>(), Qt::LeftButton);
        const bool done = QTest::qWaitFor(
            [&] {
                return connection.state() == ChatConnection::State::online || failed.count() > 0;
            },
            kWaitMs
        );
        return done && connection.state() == ChatConnection::State::online;
    }

    void type(const QString& text) {
        QTest::keyClicks(window.input(), text);
        QTest::keyClick(window.input(), Qt::Key_Return);
    }

    const salon::gui::Conversation* conversation(const QString& key) const {
        return model.find(key);
    }

    bool has_message(const QString& key, const QString& text) const {
        const auto* c = model.find(key);
        if (c == nullptr) return false;
        for (const auto& line : c->lines) {
            if (line.kind == ChatLine::Kind::message && line.text == text) return true;
        }
        return false;
    }

    bool has_member(const QString& key, const QString& user) const {
        const auto* c = model.find(key);
        return c != nullptr && c->members.contains(salon::gui::fold_name(user));
    }

    /// The member list as displayed, operator marks stripped.
    QStringList shown_members() const {
        QStringList names;
        for (int row = 0; row < window.member_list()->count(); ++row) {
            auto name = window.member_list()->item(row)->text();
            if (name.startsWith(QLatin1Char('@'))) name.remove(0, 1);
            names.append(name);
        }
        return names;
    }

    int message_count(const QString& key) const {
        const auto* c = model.find(key);
        if (c == nullptr) return 0;
        int count = 0;
        for (const auto& line : c->lines) count += line.kind == ChatLine::Kind::message ? 1 : 0;
        return count;
    }
};

/// The next frame with `verb` whose body satisfies `match`, within `timeout`; frames in
/// between are skipped.
inline std::optional<boost::json::object> wait_body(
    LineClient& client,
    std::string_view verb,
    const std::function<bool(const boost::json::object&)>& match = {},
    std::chrono::milliseconds timeout = std::chrono::milliseconds(kWaitMs)
) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (left <= 0ms) return std::nullopt;
        const auto frame = client.next(left);
        if (!frame) return std::nullopt;
        if (salon::test::verb_of(*frame) != verb) continue;
        const auto& body = salon::test::body_of(*frame);
        if (!match || match(body)) return body;
    }
}

inline std::string str(const boost::json::object& body, std::string_view key) {
    const auto* value = body.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string())
                                                  : std::string();
}

inline std::function<bool(const boost::json::object&)> field_is(
    std::string key, std::string value
) {
    return [key = std::move(key), value = std::move(value)](const boost::json::object& body) {
        return str(body, key) == value;
    };
}

/// A line client logged in (CONN, or REGISTER when `register_account`) and joined to `home`,
/// its HISTORY consumed. Null when the login failed.
inline std::unique_ptr<LineClient> tcp_user(
    const salon::test::ServerProcess& server,
    const std::string& name,
    bool register_account = false,
    int version = 1
) {
    auto client = std::make_unique<LineClient>("127.0.0.1", server.port());
    boost::json::object args{{"us", name}, {"pwd", std::string(kPassword)}, {"channel", "home"}};
    if (version > 1) args["v"] = version;
    client->send(make_frame(register_account ? "REGISTER" : "CONN", std::move(args)));
    if (!wait_body(*client, "OK") || !wait_body(*client, "HISTORY")) return nullptr;
    return client;
}

inline bool tcp_say(LineClient& client, const std::string& channel, const std::string& text) {
    client.send(make_frame("SEND", {{"channel", channel}, {"text", text}}));
    return wait_body(client, "OK").has_value();
}

/// Posts and returns the message's id (0 when refused).
inline qint64 tcp_post(LineClient& client, const std::string& channel, const std::string& text) {
    client.send(make_frame("SEND", {{"channel", channel}, {"text", text}}));
    const auto ok = wait_body(client, "OK");
    if (!ok || !ok->contains("id")) return 0;
    return ok->at("id").as_int64();
}

/// Sends one request and waits for its OK.
inline bool tcp_ok(LineClient& client, std::string_view verb, boost::json::object args) {
    client.send(make_frame(verb, std::move(args)));
    return wait_body(client, "OK").has_value();
}

inline std::string std_name(const QString& name) {
    return name.toStdString();
}

}  // namespace gui_test
