// End-to-end tests of salon-gui's account work against a real salond: a guest registering in
// place, the Account menu's forms (password change, deletion), an administrator's lock, and
// TLS against salond's own listener with a certificate from `salond tls self-signed`.
#include <QDir>
#include <QMenu>
#include <QPointer>
#include <QStatusBar>
#include <QTcpServer>

#include "account_dialog.hpp"
#include "gui_test_support.hpp"

using namespace gui_test;
using salon::gui::AccountDialog;

namespace {

const QString kPasswordText = QString::fromUtf8(kPassword.data(), kPassword.size());

/// `salond user ARGS --data-dir` of `server`, as an administrator runs it beside the server.
salon::test::CommandResult salond_user(
    const salon::test::ServerProcess& server, std::vector<std::string> args
) {
    args.insert(args.begin(), "user");
    args.push_back("--data-dir");
    args.push_back(server.data_dir().string());
    return salon::test::run_salond(args);
}

/// A guest over TCP on version 2, in `home`; `name` gets the name the server gave it.
std::unique_ptr<LineClient> tcp_guest(const salon::test::ServerProcess& server, std::string& name) {
    auto client = std::make_unique<LineClient>("127.0.0.1", server.port());
    client->send(make_frame("CONN", {{"channel", "home"}, {"v", 2}}));
    const auto ok = wait_body(*client, "OK");
    if (!ok || !wait_body(*client, "HISTORY")) return nullptr;
    name = str(*ok, "user");
    return client;
}

/// The form `action` opened (the newest AccountDialog of the window).
AccountDialog* opened_dialog(Gui& gui, QAction* action) {
    action->trigger();
    const auto dialogs = gui.window.findChildren<AccountDialog*>();
    return dialogs.isEmpty() ? nullptr : dialogs.last();
}

bool has_info(const salon::gui::Conversation* conversation, const QString& text) {
    if (conversation == nullptr) return false;
    for (const auto& line : conversation->lines) {
        if (line.kind == ChatLine::Kind::info && line.text.contains(text)) return true;
    }
    return false;
}

/// Saves `widget` as `name`.png among the suite's artifacts, for a person to look at.
void save_picture(QWidget& widget, const QString& name) {
    const QDir artifacts(QStringLiteral(SALON_GUI_ARTIFACT_DIR));
    QVERIFY(artifacts.mkpath(QStringLiteral(".")));
    QCoreApplication::sendPostedEvents();
    const auto image = widget.grab().toImage();
    QVERIFY(!image.isNull());
    QVERIFY(image.save(artifacts.filePath(name + QStringLiteral(".png"))));
}

}  // namespace

class AccountE2eTest : public QObject {
    Q_OBJECT

    std::unique_ptr<salon::test::ServerProcess> server_;
    std::unique_ptr<QTemporaryDir> tls_data_;  ///< the TLS test's data dir, certificate included

    /// Registers `name` through the login form (with "Stay logged in" when `stay`).
    static bool register_in_form(
        Gui& gui, const salon::test::ServerProcess& server, const QString& name, bool stay
    ) {
        gui.login.stay_box()->setChecked(stay);
        QSignalSpy saved(&gui.keeper, &salon::gui::SessionKeeper::token_saved);
        if (!gui.log_in(server, name, kPasswordText, QStringLiteral("home"), true)) return false;
        return !stay || saved.count() > 0 || saved.wait(kWaitMs);
    }

private slots:

    void init() { server_ = std::make_unique<salon::test::ServerProcess>(); }

    void cleanup() {
        server_.reset();
        tls_data_.reset();  // after the server that used it
    }

    void a_guest_registers_in_place_and_keeps_its_channel() {
        auto bob = tcp_user(*server_, "bob", true, 2);
        QVERIFY(bob != nullptr);
        Gui gui;
        gui.login.stay_box()->setChecked(true);
        QVERIFY(gui.log_in(*server_));
        const auto guest = gui.connection.user();
        QVERIFY(gui.connection.guest());
        QTRY_VERIFY_WITH_TIMEOUT(gui.has_member(QStringLiteral("home"), guest), kWaitMs);
        QVERIFY(gui.window.register_action()->isVisible());
        QVERIFY(gui.window.register_action()->isEnabled());
        QVERIFY(!gui.window.change_password_action()->isVisible());
        QVERIFY(!gui.window.delete_account_action()->isVisible());

        // Through the keyboard: the fields by their mnemonics' order, Enter sends.
        QPointer<AccountDialog> dialog = opened_dialog(gui, gui.window.register_action());
        QVERIFY(dialog != nullptr);
        QVERIFY(dialog->isVisible());
        QVERIFY(QTest::qWaitForWindowActive(dialog));
        QVERIFY(dialog->name_edit()->hasFocus());
        QTest::keyClicks(dialog->name_edit(), QStringLiteral("carol"));
        QTest::keyClicks(dialog->password_edit(), kPasswordText);
        QTest::keyClicks(dialog->repeat_edit(), QStringLiteral("something else"));
        QTest::keyClick(dialog->repeat_edit(), Qt::Key_Return);
        QVERIFY(dialog->error_text().contains(QStringLiteral("differ")));
        save_picture(*dialog, QStringLiteral("account-register"));
        QTest::keyClicks(dialog->repeat_edit(), kPasswordText);
        QSignalSpy saved(&gui.keeper, &salon::gui::SessionKeeper::token_saved);
        QTest::keyClick(dialog->repeat_edit(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isNull(), kWaitMs);

        // The window is the account's now, in the same channel, with the others told.
        QCOMPARE(gui.connection.user(), QStringLiteral("carol"));
        QVERIFY(!gui.connection.guest());
        QVERIFY(gui.window.windowTitle().contains(QStringLiteral("carol")));
        QVERIFY(gui.window.state_label()->text().contains(QStringLiteral("carol")));
        const auto renamed = wait_body(*bob, "RENAME");
        QVERIFY(renamed.has_value());
        QCOMPARE(str(*renamed, "user"), guest.toStdString());
        QCOMPARE(str(*renamed, "to"), std::string("carol"));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_member(QStringLiteral("home"), QStringLiteral("carol")), kWaitMs
        );
        QVERIFY(!gui.has_member(QStringLiteral("home"), guest));
        QVERIFY(gui.shown_members().contains(QStringLiteral("carol")));
        QVERIFY(has_info(
            gui.conversation(QStringLiteral("home")), guest + QStringLiteral(" is now carol")
        ));
        QVERIFY(gui.window.change_password_action()->isVisible());
        QVERIFY(!gui.window.register_action()->isVisible());
        gui.type(QStringLiteral("registered, and still here"));
        QVERIFY(wait_body(*bob, "MSG", field_is("from", "carol")).has_value());
        QVERIFY(tcp_say(*bob, "home", "welcome, carol"));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_message(QStringLiteral("home"), QStringLiteral("welcome, carol")), kWaitMs
        );
        // "Stay logged in" was ticked: the account's token is saved as after a login.
        QVERIFY(saved.count() > 0 || saved.wait(kWaitMs));
        QCOMPARE(gui.store.load()->user, QStringLiteral("carol"));

        // A reconnect logs in as the account, which the server put back in home.
        QSignalSpy relogged(&gui.connection, &ChatConnection::logged_in);
        server_->stop();
        server_->start();
        QVERIFY(relogged.count() > 0 || relogged.wait(kWaitMs));
        QCOMPARE(relogged.last().at(1).toBool(), true);
        QCOMPARE(gui.connection.user(), QStringLiteral("carol"));
        QVERIFY(!gui.connection.guest());
        auto dave = tcp_user(*server_, "dave", true, 2);
        QVERIFY(dave != nullptr);
        QVERIFY(tcp_say(*dave, "home", "carol is back?"));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_message(QStringLiteral("home"), QStringLiteral("carol is back?")), kWaitMs
        );
    }

    void another_guest_registering_renames_it_in_members_and_in_its_dm_thread() {
        Gui gui;
        QVERIFY(register_in_form(gui, *server_, QStringLiteral("dave"), false));
        std::string guest;
        auto other = tcp_guest(*server_, guest);
        QVERIFY(other != nullptr);
        const auto guest_name = QString::fromStdString(guest);
        QTRY_VERIFY_WITH_TIMEOUT(gui.has_member(QStringLiteral("home"), guest_name), kWaitMs);
        QVERIFY(tcp_ok(*other, "DM", {{"to", "dave"}, {"text", "hello from a guest"}}));
        const auto old_key = salon::gui::ChatModel::dm_key(guest_name);
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_message(old_key, QStringLiteral("hello from a guest")), kWaitMs
        );
        QCOMPARE(gui.conversation(old_key)->unread, 1);

        QVERIFY(tcp_ok(*other, "REGISTER", {{"us", "erin"}, {"pwd", std::string(kPassword)}}));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_member(QStringLiteral("home"), QStringLiteral("erin")), kWaitMs
        );
        QVERIFY(!gui.has_member(QStringLiteral("home"), guest_name));
        QVERIFY(has_info(
            gui.conversation(QStringLiteral("home")), guest_name + QStringLiteral(" is now erin")
        ));
        QCOMPARE(gui.conversation(old_key), nullptr);
        const auto* thread = gui.conversation(QStringLiteral("@erin"));
        QVERIFY(thread != nullptr);
        QCOMPARE(thread->title, QStringLiteral("erin"));
        QCOMPARE(thread->unread, 1);
        QVERIFY(gui.has_message(QStringLiteral("@erin"), QStringLiteral("hello from a guest")));
        bool listed = false;
        for (int row = 0; row < gui.window.conversation_list()->count(); ++row) {
            listed = listed || gui.window.conversation_list()->item(row)->text().startsWith(
                                   QStringLiteral("erin")
                               );
        }
        QVERIFY(listed);
    }

    void changing_the_password_logs_out_a_second_session() {
        Gui gui;
        QVERIFY(register_in_form(gui, *server_, QStringLiteral("pat"), false));
        auto second = tcp_user(*server_, "pat");
        QVERIFY(second != nullptr);
        QVERIFY(gui.window.change_password_action()->isEnabled());

        QPointer<AccountDialog> dialog = opened_dialog(gui, gui.window.change_password_action());
        QVERIFY(dialog != nullptr);
        QVERIFY(QTest::qWaitForWindowActive(dialog));
        QVERIFY(dialog->password_edit()->hasFocus());
        const QString fresh = QStringLiteral("a-new-and-longer-secret-42");
        QTest::keyClicks(dialog->password_edit(), QStringLiteral("not-the-password-1"));
        QTest::keyClicks(dialog->new_password_edit(), fresh);
        QTest::keyClicks(dialog->repeat_edit(), fresh);
        QTest::keyClick(dialog->repeat_edit(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(
            dialog->error_text().contains(QStringLiteral("not the account's current password")),
            kWaitMs
        );
        QVERIFY(dialog->isVisible());
        save_picture(*dialog, QStringLiteral("account-change-password"));
        QTest::keyClicks(dialog->password_edit(), kPasswordText);
        QTest::keyClick(dialog->password_edit(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isNull(), kWaitMs);

        // The other session is told and closed; this one stays, and says so.
        QVERIFY(wait_body(*second, "NOTICE", field_is("code", "session_revoked")).has_value());
        QVERIFY(second->closed_by_peer(2s));
        QCOMPARE(gui.connection.state(), ChatConnection::State::online);
        QVERIFY(gui.window.statusBar()->currentMessage().contains(QStringLiteral("logged out")));
        QVERIFY(has_info(gui.conversation(QStringLiteral("home")), QStringLiteral("logged out")));

        // Reconnects use the new password.
        QSignalSpy relogged(&gui.connection, &ChatConnection::logged_in);
        QSignalSpy failed(&gui.connection, &ChatConnection::login_failed);
        server_->stop();
        server_->start();
        QVERIFY(relogged.count() > 0 || relogged.wait(kWaitMs));
        QCOMPARE(failed.count(), 0);
        QCOMPARE(gui.connection.user(), QStringLiteral("pat"));
    }

    void deleting_the_account_returns_to_the_login_form_with_the_message() {
        Gui gui;
        QVERIFY(register_in_form(gui, *server_, QStringLiteral("dana"), true));
        QVERIFY(gui.store.load().has_value());

        QPointer<AccountDialog> dialog = opened_dialog(gui, gui.window.delete_account_action());
        QVERIFY(dialog != nullptr);
        // Nothing is sent before both the password and the confirmation are given.
        QVERIFY(!dialog->submit_button()->isEnabled());
        QTest::keyClicks(dialog->password_edit(), QStringLiteral("not-the-password-1"));
        QVERIFY(!dialog->submit_button()->isEnabled());
        QTest::keyClick(dialog->password_edit(), Qt::Key_Return);  // not the default button
        QVERIFY(dialog->isVisible());
        QVERIFY(!dialog->confirm_box()->isChecked());
        dialog->confirm_box()->setFocus();
        QTest::keyClick(dialog->confirm_box(), Qt::Key_Space);
        QVERIFY(dialog->confirm_box()->isChecked());
        QVERIFY(dialog->submit_button()->isEnabled());
        QTest::mouseClick(dialog->submit_button(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(
            dialog->error_text().contains(QStringLiteral("not the account's current password")),
            kWaitMs
        );
        QCOMPARE(gui.connection.state(), ChatConnection::State::online);
        save_picture(*dialog, QStringLiteral("account-delete"));

        QSignalSpy retries(&gui.connection, &ChatConnection::reconnect_scheduled);
        QTest::keyClicks(dialog->password_edit(), kPasswordText);
        QTest::mouseClick(dialog->submit_button(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(gui.login.isVisible(), kWaitMs);
        QVERIFY(dialog.isNull());
        QVERIFY(gui.login.error_text().contains(QStringLiteral("account was deleted")));
        QVERIFY(!gui.window.isVisible());
        QVERIFY(!gui.store.load().has_value());
        QCOMPARE(gui.connection.state(), ChatConnection::State::disconnected);
        QTest::qWait(1000);  // several backoffs of 100 ms: none is tried
        QCOMPARE(retries.count(), 0);
        QCOMPARE(gui.connection.state(), ChatConnection::State::disconnected);
        // The account is gone from the server too.
        QVERIFY(tcp_user(*server_, "dana") == nullptr);
    }

    void a_locked_account_shows_the_message_and_does_not_reconnect() {
        QTemporaryDir computer;
        Gui gui(computer.path());
        QVERIFY(register_in_form(gui, *server_, QStringLiteral("lou"), true));
        QSignalSpy retries(&gui.connection, &ChatConnection::reconnect_scheduled);
        const auto locked = salond_user(*server_, {"lock", "lou"});
        QCOMPARE(locked.exit_status, 0);
        QTRY_VERIFY_WITH_TIMEOUT(gui.login.isVisible(), kWaitMs);
        QVERIFY(gui.login.error_text().contains(QStringLiteral("locked")));
        QVERIFY(!gui.window.isVisible());
        QCOMPARE(gui.connection.state(), ChatConnection::State::disconnected);
        QTest::qWait(1000);
        QCOMPARE(retries.count(), 0);
        // Tokens survive a lock on the server: the saved one stays for the unlock.
        QVERIFY(gui.store.load().has_value());

        // Logging in again, with the password or the token, is refused with the same words.
        QVERIFY(!gui.log_in(*server_, QStringLiteral("lou"), kPasswordText));
        QVERIFY(gui.login.error_text().contains(QStringLiteral("locked")));
        Gui restarted(computer.path());
        QVERIFY(restarted.keeper.resume());
        QTRY_VERIFY_WITH_TIMEOUT(restarted.login.isVisible(), kWaitMs);
        QVERIFY(restarted.login.error_text().contains(QStringLiteral("locked")));
        QVERIFY(restarted.store.load().has_value());

        // Unlocked, the kept token logs in again.
        QCOMPARE(salond_user(*server_, {"unlock", "lou"}).exit_status, 0);
        Gui unlocked(computer.path());
        QVERIFY(unlocked.keeper.resume());
        QTRY_COMPARE_WITH_TIMEOUT(
            unlocked.connection.state(), ChatConnection::State::online, kWaitMs
        );
        QCOMPARE(unlocked.connection.user(), QStringLiteral("lou"));
    }

    void the_account_menu_in_pictures() {
        Gui gui;
        QVERIFY(register_in_form(gui, *server_, QStringLiteral("vera"), false));
        gui.window.resize(1000, 560);
        gui.window.account_menu()->popup(gui.window.mapToGlobal(QPoint(80, 30)));
        QTRY_VERIFY_WITH_TIMEOUT(gui.window.account_menu()->isVisible(), kWaitMs);
        save_picture(*gui.window.account_menu(), QStringLiteral("account-menu"));
        gui.window.account_menu()->hide();
        gui.login.show_message(salon::gui::LoginDialog::explain_failure(
            QStringLiteral("account_locked"), QString(), QString(), false
        ));
        save_picture(gui.login, QStringLiteral("account-locked-login"));
    }

    void tls_against_salond_with_and_without_the_certificate() {
        // A certificate for "localhost" from salond itself, in the data dir the server uses.
        tls_data_ = std::make_unique<QTemporaryDir>();
        const auto& data = *tls_data_;
        const auto made = salon::test::run_salond(
            {"tls", "self-signed", "--host", "localhost", "--data-dir", data.path().toStdString()}
        );
        QCOMPARE(made.exit_status, 0);
        const auto certificate = data.filePath(QStringLiteral("tls/self-signed.crt"));
        const auto key = data.filePath(QStringLiteral("tls/self-signed.key"));
        QVERIFY(QFile::exists(certificate) && QFile::exists(key));
        QTcpServer probe;  // a free port for the TLS listener, handed back just before salond
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const auto tls_port = probe.serverPort();
        probe.close();
        server_.reset();
        server_ = std::make_unique<salon::test::ServerProcess>(salon::test::ServerOptions{
            {"--tls-cert",
             certificate.toStdString(),
             "--tls-key",
             key.toStdString(),
             "--tls-port",
             std::to_string(tls_port),
             "--irc-tls-port",
             "0",
             "--https-port",
             "0"},
            data.path().toStdString()});
        const auto address = QStringLiteral("salons://localhost:%1").arg(tls_port);

        // Without the certificate's authority: refused with Qt's reasons, no connection.
        {
            Gui gui;
            QSignalSpy retries(&gui.connection, &ChatConnection::reconnect_scheduled);
            QVERIFY(!gui.log_in_at(
                address, QStringLiteral("tess"), kPasswordText, QStringLiteral("home"), true
            ));
            QVERIFY(gui.login.error_text().contains(QStringLiteral("not trusted")));
            QVERIFY(
                gui.login.error_text().contains(
                    QStringLiteral("self signed"), Qt::CaseInsensitive
                ) ||
                gui.login.error_text().contains(QStringLiteral("self-signed"), Qt::CaseInsensitive)
            );
            QVERIFY(gui.login.isVisible());
            QVERIFY(!gui.window.isVisible());
            QTest::qWait(500);
            QCOMPARE(retries.count(), 0);
            QCOMPARE(gui.connection.state(), ChatConnection::State::disconnected);
            save_picture(gui.login, QStringLiteral("tls-untrusted-login"));
        }
        // Its REGISTER never reached the server: the name is still free.
        QVERIFY(tcp_user(*server_, "tess", true) != nullptr);

        // With --ca: TLS to salond, and a chat with a client on the plain port.
        Gui gui;
        gui.login.set_ca_file(certificate);
        QVERIFY(gui.log_in_at(address, QStringLiteral("tess"), kPasswordText));
        QVERIFY(gui.login.tls_box()->isChecked());
        QCOMPARE(gui.connection.params().port, tls_port);
        auto bob = tcp_user(*server_, "bob", true, 2);
        QVERIFY(bob != nullptr);
        gui.type(QStringLiteral("hello over TLS"));
        QVERIFY(wait_body(*bob, "MSG", field_is("text", "hello over TLS")).has_value());
        QVERIFY(tcp_say(*bob, "home", "hello back in the clear"));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_message(QStringLiteral("home"), QStringLiteral("hello back in the clear")),
            kWaitMs
        );
    }
};

QTEST_MAIN(AccountE2eTest)
#include "account_e2e_test.moc"
