// End-to-end tests of salon-gui against a real salond: the GUI's own classes driven through
// their widgets, with TCP line clients (the harness) as the other people in the room.
#include <signal.h>

#include <QDir>
#include <QMenu>
#include <QProcess>
#include <QScreen>
#include <QScrollBar>
#include <QStatusBar>

#include "gui_test_support.hpp"

using namespace gui_test;

namespace {

/// True when what the message view shows on screen (the window's backing store, which the
/// offscreen platform keeps) is what a full repaint of it draws: no stale pixels left by a
/// scroll that the viewport never took.
bool view_on_screen_is_fresh(salon::gui::MainWindow& window) {
    auto* viewport = window.message_view()->viewport();
    const auto on_screen = window.screen()->grabWindow(window.winId()).toImage();
    const QRect area(viewport->mapTo(&window, QPoint(0, 0)), viewport->size());
    const auto shown = on_screen.copy(area).convertToFormat(QImage::Format_RGB32);
    const auto fresh = viewport->grab().toImage().convertToFormat(QImage::Format_RGB32);
    return shown.size() == fresh.size() && shown == fresh;
}

}  // namespace

class GuiE2eTest : public QObject {
    Q_OBJECT

    std::unique_ptr<salon::test::ServerProcess> server_;

private slots:

    void init() {
        // Generous rate limits: the history test posts a hundred messages at once.
        server_ = std::make_unique<salon::test::ServerProcess>(salon::test::ServerOptions{
            {"--messages-per-second", "1000", "--message-burst", "1000"}, {}});
    }

    void cleanup() { server_.reset(); }

    void stay_logged_in_survives_a_restart_and_log_out_revokes_the_token() {
        QTemporaryDir computer;
        qint64 token_id = 0;
        {
            Gui first(computer.path());
            first.login.stay_box()->setChecked(true);
            QSignalSpy saved(&first.keeper, &salon::gui::SessionKeeper::token_saved);
            QVERIFY(first.log_in(
                *server_,
                QStringLiteral("stay"),
                QString(kPassword.data()),
                QStringLiteral("home"),
                true
            ));
            QVERIFY(saved.wait(kWaitMs) || saved.count() > 0);
            const auto stored = first.store.load();
            QVERIFY(stored.has_value());
            QCOMPARE(stored->user, QStringLiteral("stay"));
            QVERIFY(!stored->token.isEmpty());
            token_id = stored->token_id;
            const auto perms = QFile::permissions(first.store.path());
            QVERIFY(perms & QFileDevice::ReadOwner);
            const auto others = QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                                QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                QFileDevice::WriteOther | QFileDevice::ExeOther;
            QVERIFY((perms & others) == 0);
            QFile file(first.store.path());
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY(!file.readAll().contains(kPassword.data()));
        }
        // The restart: a new GUI on the same computer logs in with the token, no form.
        Gui second(computer.path());
        QVERIFY(second.keeper.resume());
        QVERIFY(QTest::qWaitFor(
            [&] { return second.connection.state() == ChatConnection::State::online; }, kWaitMs
        ));
        QVERIFY(second.window.isVisible());
        QVERIFY(!second.login.isVisible());
        QCOMPARE(second.connection.user(), QStringLiteral("stay"));
        QVERIFY(second.connection.params().password.isEmpty());

        // Log out revokes the token: the server lists it no more and refuses it.
        second.window.log_out_action()->trigger();
        QVERIFY(QTest::qWaitFor([&] { return second.login.isVisible(); }, kWaitMs));
        QVERIFY(!second.window.isVisible());
        QVERIFY(!second.store.load().has_value());
        QCOMPARE(second.connection.state(), ChatConnection::State::disconnected);
        auto owner = tcp_user(*server_, "stay");
        QVERIFY(owner != nullptr);
        owner->send(make_frame("TOKENS", {}));
        const auto tokens = wait_body(*owner, "OK");
        QVERIFY(tokens.has_value());
        for (const auto& t : tokens->at("tokens").as_array())
            QVERIFY(t.at("id").as_int64() != token_id);
        Gui third(computer.path());
        QVERIFY(!third.keeper.resume());
    }

    void a_revoked_saved_token_brings_the_form_back_with_the_reason() {
        QTemporaryDir computer;
        {
            Gui first(computer.path());
            first.login.stay_box()->setChecked(true);
            QSignalSpy saved(&first.keeper, &salon::gui::SessionKeeper::token_saved);
            QVERIFY(first.log_in(
                *server_,
                QStringLiteral("gone"),
                QString(kPassword.data()),
                QStringLiteral("home"),
                true
            ));
            QVERIFY(saved.wait(kWaitMs) || saved.count() > 0);
        }
        Gui second(computer.path());
        QVERIFY(second.keeper.resume());
        QVERIFY(QTest::qWaitFor(
            [&] { return second.connection.state() == ChatConnection::State::online; }, kWaitMs
        ));
        // Another device revokes it: NOTICE session_revoked, then the form, token forgotten.
        auto other = tcp_user(*server_, "gone");
        QVERIFY(other != nullptr);
        QVERIFY(tcp_ok(*other, "REVOKE", {{"id", second.store.load()->token_id}}));
        QVERIFY(QTest::qWaitFor([&] { return second.login.isVisible(); }, kWaitMs));
        QVERIFY(second.login.error_text().contains(QStringLiteral("logged out")));
        QVERIFY(!second.store.load().has_value());
        QCOMPARE(second.connection.state(), ChatConnection::State::disconnected);

        // A token the server no longer knows (revoked while the GUI was closed): the same.
        second.store.save(
            {QString::fromStdString(server_->address()),
             QStringLiteral("gone"),
             1,
             QStringLiteral("not-a-token")}
        );
        Gui third(computer.path());
        QVERIFY(third.keeper.resume());
        QVERIFY(QTest::qWaitFor([&] { return third.login.isVisible(); }, kWaitMs));
        QVERIFY(third.login.error_text().contains(QStringLiteral("saved login has ended")));
        QVERIFY(!third.store.load().has_value());
    }

    void guest_login_opens_the_window_with_home() {
        Gui gui;
        QVERIFY(gui.log_in(*server_));
        QVERIFY(gui.window.isVisible());
        QCOMPARE(gui.login.result(), int{QDialog::Accepted});
        QVERIFY2(
            gui.connection.user().startsWith(QStringLiteral("Guest")),
            qPrintable(gui.connection.user())
        );
        QVERIFY(gui.connection.guest());
        QCOMPARE(gui.model.current(), QStringLiteral("home"));
        QCOMPARE(gui.window.conversation_list()->count(), 1);
        QCOMPARE(gui.window.conversation_list()->item(0)->text(), QStringLiteral("#home"));
        // Members come from WHO after CONN's join; we are one of them.
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_member(QStringLiteral("home"), gui.connection.user()), kWaitMs
        );
        QTRY_VERIFY_WITH_TIMEOUT(gui.shown_members().contains(gui.connection.user()), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.window.message_view()->toPlainText().contains(
                QStringLiteral("[+]") + gui.connection.user()
            ),
            kWaitMs
        );
        QVERIFY(gui.window.state_label()->text().contains(QStringLiteral("Connected")));
    }

    void login_failures_are_explained() {
        auto alice = tcp_user(*server_, "alice", true);
        QVERIFY(alice != nullptr);
        Gui gui;
        QVERIFY(!gui.log_in(*server_, QStringLiteral("alice"), QStringLiteral("wrong-password-1")));
        QCOMPARE(gui.login.error_text(), QStringLiteral("Wrong user name or password."));
        QVERIFY(!gui.log_in(
            *server_,
            QStringLiteral("alice"),
            QStringLiteral("another-pass-123"),
            QStringLiteral("home"),
            true
        ));
        QVERIFY2(
            gui.login.error_text().contains(QStringLiteral("already registered")),
            qPrintable(gui.login.error_text())
        );
        QVERIFY(!gui.window.isVisible());
        QVERIFY(gui.log_in(
            *server_, QStringLiteral("alice"), QString::fromUtf8(kPassword.data(), kPassword.size())
        ));
        QCOMPARE(gui.connection.user(), QStringLiteral("alice"));
        QVERIFY(gui.login.error_text().isEmpty());
        QVERIFY(gui.login.password_edit()->text().isEmpty());
    }

    void messages_flow_between_gui_and_tcp_client() {
        Gui gui;
        QVERIFY(gui.log_in(*server_));
        const auto me = gui.connection.user();
        auto bob = tcp_user(*server_, "GuestBob");
        QVERIFY(bob != nullptr);
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_member(QStringLiteral("home"), QStringLiteral("GuestBob")), kWaitMs
        );
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.window.message_view()->toPlainText().contains(QStringLiteral("[+]GuestBob")),
            kWaitMs
        );

        // home holds a handful of lines: complete, so nothing older is asked for.
        QVERIFY(gui.conversation(QStringLiteral("home"))->history_exhausted);
        // A DM to nobody says why where it was typed, and leaves no empty thread.
        gui.type(QStringLiteral("/msg nobody-here hello?"));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.window.message_view()->toPlainText().contains(QStringLiteral("no_such_user")),
            kWaitMs
        );
        QVERIFY(gui.conversation(QStringLiteral("@nobody-here")) == nullptr);
        // /who and /list answer in the conversation, with counts that read right.
        gui.type(QStringLiteral("/who"));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.window.message_view()->toPlainText().contains(
                QStringLiteral("#home (2 members): %1, GuestBob").arg(me)  // sorted, folded
            ),
            kWaitMs
        );
        gui.type(QStringLiteral("/list"));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.window.message_view()->toPlainText().contains(QStringLiteral("#home: 2 members")),
            kWaitMs
        );

        gui.type(QStringLiteral("hello from the gui"));
        QVERIFY(gui.window.input()->text().isEmpty());
        // Our own MSG comes back once the server has fanned it out, to bob as well.
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_message(QStringLiteral("home"), QStringLiteral("hello from the gui")), kWaitMs
        );
        const auto got = wait_body(*bob, "MSG", field_is("text", "hello from the gui"));
        QVERIFY(got.has_value());
        QCOMPARE(str(*got, "from"), std_name(me));
        QCOMPARE(str(*got, "channel"), std::string("home"));

        QVERIFY(tcp_say(*bob, "home", "hello from tcp"));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_message(QStringLiteral("home"), QStringLiteral("hello from tcp")), kWaitMs
        );
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.window.message_view()->toPlainText().contains(
                QStringLiteral("<GuestBob> hello from tcp")
            ),
            kWaitMs
        );

        // Direct messages both ways, each in its own entry.
        bob->send(make_frame("DM", {{"to", std_name(me)}, {"text", "psst, gui"}}));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_message(QStringLiteral("@guestbob"), QStringLiteral("psst, gui")), kWaitMs
        );
        QCOMPARE(gui.conversation(QStringLiteral("@guestbob"))->unread, 1);
        QVERIFY(gui.window.last_notification().contains(QStringLiteral("psst, gui")));
        gui.type(QStringLiteral("/msg GuestBob psst back"));
        const auto dm = wait_body(*bob, "DM", field_is("text", "psst back"));
        QVERIFY(dm.has_value());
        QCOMPARE(str(*dm, "from"), std_name(me));
        QTRY_COMPARE_WITH_TIMEOUT(gui.model.current(), QStringLiteral("@guestbob"), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_message(QStringLiteral("@guestbob"), QStringLiteral("psst back")), kWaitMs
        );
        QCOMPARE(gui.conversation(QStringLiteral("@guestbob"))->unread, 0);
    }

    void live_messages_appear_in_order_in_the_open_conversation() {
        Gui gui;
        QVERIFY(gui.log_in(*server_));
        QVERIFY(QTest::qWaitForWindowExposed(&gui.window));
        auto bob = tcp_user(*server_, "GuestBob");
        QVERIFY(bob != nullptr);
        gui.window.resize(700, 300);
        // Enough lines to scroll, so that each new one must move the view.
        for (int i = 1; i <= 40; ++i) {
            QVERIFY(tcp_say(*bob, "home", "live line " + std::to_string(i)));
            QTRY_VERIFY_WITH_TIMEOUT(
                gui.has_message(QStringLiteral("home"), QStringLiteral("live line %1").arg(i)),
                kWaitMs
            );
            QTest::qWait(5);  // let the window paint, as it would between arrivals
        }
        auto* bar = gui.window.message_view()->verticalScrollBar();
        QVERIFY(bar->maximum() > 0);
        QCOMPARE(bar->value(), bar->maximum());
        const auto text = gui.window.message_view()->toPlainText() + QLatin1Char('\n');
        qsizetype previous = -1;
        for (int i = 1; i <= 40; ++i) {
            const auto at = text.indexOf(QStringLiteral("<GuestBob> live line %1\n").arg(i));
            QVERIFY2(at > previous, qPrintable(QStringLiteral("line %1 misplaced").arg(i)));
            previous = at;
        }
        // Retried, so that a paint still pending on a slow machine is not taken for the defect:
        // pixels painted over stay wrong however long one waits.
        QTRY_VERIFY2_WITH_TIMEOUT(
            view_on_screen_is_fresh(gui.window), "the view shows lines painted over", 2000
        );
    }

    void resume_after_a_gap_has_no_holes_and_shows_edits_and_deletes() {
        constexpr int kGap = 230;  // more than one resume page (200)
        const QString password = QString::fromUtf8(kPassword.data(), kPassword.size());
        Gui gui;
        QVERIFY(
            gui.log_in(*server_, QStringLiteral("carol"), password, QStringLiteral("home"), true)
        );
        gui.type(QStringLiteral("/join #dev"));
        QTRY_COMPARE_WITH_TIMEOUT(gui.model.current(), QStringLiteral("dev"), kWaitMs);
        // The login channel, left: a reconnect must not bring it back.
        gui.type(QStringLiteral("/part #home"));
        QTRY_VERIFY_WITH_TIMEOUT(gui.conversation(QStringLiteral("home")) == nullptr, kWaitMs);
        auto bob = tcp_user(*server_, "bob", true);
        QVERIFY(bob != nullptr);
        QVERIFY(tcp_ok(*bob, "JOIN", {{"channel", "dev"}}));
        const auto to_edit = tcp_post(*bob, "dev", "before the gap");
        const auto to_delete = tcp_post(*bob, "dev", "a regrettable message");
        QVERIFY(to_edit != 0 && to_delete != 0);
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_message(QStringLiteral("dev"), QStringLiteral("a regrettable message")), kWaitMs
        );

        // Away long enough for bob to post a page and more, and to change older messages.
        // Long enough for a slow (sanitized, shared) machine to post everything meanwhile.
        gui.connection.set_backoff(10000, 10000);
        QSignalSpy resumed(&gui.session, &salon::gui::ChatSession::resume_finished);
        QCOMPARE(server_->stop(SIGTERM), 0);
        QTRY_COMPARE_WITH_TIMEOUT(
            gui.connection.state(), ChatConnection::State::reconnecting, kWaitMs
        );
        server_->start();
        bob = tcp_user(*server_, "bob");
        QVERIFY(bob != nullptr);
        for (int i = 1; i <= kGap; ++i) {
            bob->send(make_frame("SEND", {{"channel", "dev"}, {"text", "gap " + std::to_string(i)}})
            );
        }
        std::vector<qint64> gap_ids;
        for (int i = 1; i <= kGap; ++i) {
            const auto ok = wait_body(*bob, "OK");
            QVERIFY(ok.has_value());
            gap_ids.push_back(ok->at("id").as_int64());
        }
        QVERIFY(tcp_ok(*bob, "EDIT", {{"id", to_edit}, {"text", "before the gap, edited"}}));
        QVERIFY(tcp_ok(*bob, "DELETE", {{"id", to_delete}}));
        QVERIFY(tcp_ok(*bob, "REACT", {{"id", gap_ids[9]}, {"emoji", "🎉"}}));
        QVERIFY(gui.connection.state() != ChatConnection::State::online);  // still away

        QTRY_COMPARE_WITH_TIMEOUT(resumed.count(), 1, 3 * kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_message(QStringLiteral("dev"), QStringLiteral("gap %1").arg(kGap)), kWaitMs
        );
        for (int i = 1; i <= kGap; ++i) {
            QVERIFY2(
                gui.has_message(QStringLiteral("dev"), QStringLiteral("gap %1").arg(i)),
                qPrintable(QStringLiteral("gap %1 missing").arg(i))
            );
        }
        const auto* dev = gui.conversation(QStringLiteral("dev"));
        const auto* edited = dev->message(to_edit);
        QVERIFY(edited != nullptr);
        QCOMPARE(edited->text, QStringLiteral("before the gap, edited"));
        QVERIFY(edited->edited.isValid());
        QVERIFY(dev->message(to_delete)->deleted);
        QCOMPARE(dev->message(gap_ids[9])->reactions.size(), 1);
        qint64 previous = 0;
        for (const auto& line : dev->lines) {
            if (line.kind != ChatLine::Kind::message) continue;
            QVERIFY(line.id > previous);
            previous = line.id;
        }
        QVERIFY(gui.window.message_view()->toPlainText().contains(QStringLiteral("message deleted"))
        );
        // home was left before the drop and stays left.
        QVERIFY(gui.conversation(QStringLiteral("home")) == nullptr);
        // Reconnect attempts made one status line, not one each.
        int status_lines = 0;
        for (const auto& line : dev->lines) status_lines += line.status ? 1 : 0;
        QCOMPARE(status_lines, 1);
    }

    void kicked_keeps_the_channel_and_says_who_and_why() {
        Gui gui;
        QVERIFY(gui.log_in(*server_));
        const auto me = std_name(gui.connection.user());
        auto bob = tcp_user(*server_, "GuestBob");
        QVERIFY(bob != nullptr);
        QVERIFY(tcp_ok(*bob, "JOIN", {{"channel", "ops"}}));  // its creator: an operator
        gui.type(QStringLiteral("/join #ops"));
        QTRY_COMPARE_WITH_TIMEOUT(gui.model.current(), QStringLiteral("ops"), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(gui.shown_members().contains(QStringLiteral("GuestBob")), kWaitMs);
        QVERIFY(
            gui.window.member_list()
                ->findItems(QStringLiteral("@GuestBob"), Qt::MatchExactly)
                .size() == 1
        );
        QVERIFY(tcp_ok(*bob, "KICK", {{"channel", "ops"}, {"user", me}, {"reason", "too loud"}}));
        QTRY_VERIFY_WITH_TIMEOUT(gui.conversation(QStringLiteral("ops"))->parted, kWaitMs);
        QCOMPARE(gui.model.current(), QStringLiteral("ops"));
        QVERIFY(gui.window.message_view()->toPlainText().contains(
            QStringLiteral("You were kicked from #ops by GuestBob (too loud)")
        ));
        QVERIFY(
            gui.window.conversation_list()->currentItem()->text().contains(QStringLiteral("(left)"))
        );
        // Typing there is refused and kept, not dropped.
        gui.type(QStringLiteral("can I come back?"));
        QCOMPARE(gui.window.input()->text(), QStringLiteral("can I come back?"));
        gui.window.input()->clear();
        gui.type(QStringLiteral("/join #ops"));
        QTRY_VERIFY_WITH_TIMEOUT(!gui.conversation(QStringLiteral("ops"))->parted, kWaitMs);
    }

    void text_typed_offline_or_too_long_stays_in_the_input() {
        Gui gui;
        QVERIFY(gui.log_in(*server_));
        auto bob = tcp_user(*server_, "GuestBob");
        QVERIFY(bob != nullptr);
        // Over the limit: the counter shows it and nothing is sent or lost.
        const QString too_long(5000, QLatin1Char('x'));
        gui.window.input()->setText(too_long);
        QVERIFY(gui.window.counter()->isVisibleTo(&gui.window));
        QCOMPARE(gui.window.counter()->text(), QStringLiteral("5000 / 4096"));
        QTest::keyClick(gui.window.input(), Qt::Key_Return);
        QCOMPARE(gui.window.input()->text(), too_long);
        gui.window.input()->clear();
        QVERIFY(!gui.window.counter()->isVisibleTo(&gui.window));

        gui.connection.set_backoff(1500, 1500);
        QCOMPARE(server_->stop(SIGTERM), 0);
        QTRY_COMPARE_WITH_TIMEOUT(
            gui.connection.state(), ChatConnection::State::reconnecting, kWaitMs
        );
        gui.type(QStringLiteral("written while offline"));
        QCOMPARE(gui.window.input()->text(), QStringLiteral("written while offline"));
        QVERIFY(gui.window.message_view()->toPlainText().contains(QStringLiteral("not connected")));
        server_->start();
        bob = tcp_user(*server_, "GuestBob");
        QVERIFY(bob != nullptr);
        QTRY_COMPARE_WITH_TIMEOUT(
            gui.connection.state(), ChatConnection::State::online, 2 * kWaitMs
        );
        QTest::keyClick(gui.window.input(), Qt::Key_Return);
        QVERIFY(gui.window.input()->text().isEmpty());
        QVERIFY(wait_body(*bob, "MSG", field_is("text", "written while offline")).has_value());
    }

    void edits_deletes_reactions_and_replies_round_trip() {
        Gui gui;
        QVERIFY(gui.log_in(*server_));
        const auto me = gui.connection.user();
        auto bob = tcp_user(*server_, "GuestBob", false, 2);
        QVERIFY(bob != nullptr);
        gui.type(QStringLiteral("first from the gui"));
        const auto mine = wait_body(*bob, "MSG", field_is("text", "first from the gui"));
        QVERIFY(mine.has_value());
        const auto mine_id = mine->at("id").as_int64();

        // bob answers it: the GUI quotes what he answers.
        bob->send(make_frame(
            "SEND", {{"channel", "home"}, {"text", "answering you"}, {"reply_to", mine_id}}
        ));
        const auto answer = wait_body(*bob, "OK");
        QVERIFY(answer.has_value());
        const auto bob_id = answer->at("id").as_int64();
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.conversation(QStringLiteral("home"))->message(bob_id), kWaitMs
        );
        QCOMPARE(gui.conversation(QStringLiteral("home"))->message(bob_id)->reply_to, mine_id);
        QVERIFY(gui.window.message_view()->toPlainText().contains(
            QStringLiteral("↪ %1: first from the gui").arg(me)
        ));

        // The menu offers what each message allows.
        const auto texts = [](QMenu* menu) {
            QStringList out;
            for (auto* action : menu->actions()) out.append(action->text());
            delete menu;
            return out;
        };
        const auto own_menu = texts(gui.window.message_menu(mine_id));
        QVERIFY2(own_menu.contains(QStringLiteral("Edit…")), qPrintable(own_menu.join(',')));
        QVERIFY(own_menu.contains(QStringLiteral("Delete")));
        const auto other_menu = texts(gui.window.message_menu(bob_id));
        QVERIFY(other_menu.contains(QStringLiteral("Reply")));
        QVERIFY(!other_menu.contains(QStringLiteral("Edit…")));
        QVERIFY(!other_menu.contains(QStringLiteral("Delete")));

        // Our reply to bob, through the menu's Reply.
        gui.window.begin_reply(bob_id);
        gui.type(QStringLiteral("and back to you"));
        const auto back = wait_body(*bob, "MSG", field_is("text", "and back to you"));
        QVERIFY(back.has_value());
        QCOMPARE(back->at("reply_to").as_int64(), bob_id);

        // Edit ours; react to his, through the React submenu; bob sees both as UPDATE.
        gui.session.edit_message(mine_id, QStringLiteral("first, edited"));
        const auto edited = wait_body(*bob, "UPDATE", field_is("text", "first, edited"));
        QVERIFY(edited.has_value());
        QVERIFY(edited->contains("edited"));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.window.message_view()->toPlainText().contains(
                QStringLiteral("first, edited (edited)")
            ),
            kWaitMs
        );
        std::unique_ptr<QMenu> menu(gui.window.message_menu(bob_id));
        QAction* thumbs = nullptr;
        for (auto* action : menu->actions()) {
            if (action->menu() == nullptr) continue;
            for (auto* emoji : action->menu()->actions()) {
                if (emoji->text() == QStringLiteral("👍")) thumbs = emoji;
            }
        }
        QVERIFY(thumbs != nullptr);
        thumbs->trigger();
        const auto reacted = wait_body(*bob, "UPDATE", [](const boost::json::object& body) {
            return body.contains("reactions");
        });
        QVERIFY(reacted.has_value());
        QTRY_COMPARE_WITH_TIMEOUT(
            gui.conversation(QStringLiteral("home"))->message(bob_id)->reactions.size(), 1, kWaitMs
        );
        // Clicking the reaction under the message takes ours back.
        emit gui.window.message_view()->anchorClicked(
            QUrl(QStringLiteral("react:%1:%2")
                     .arg(bob_id)
                     .arg(QString::fromLatin1(QStringLiteral("👍").toUtf8().toPercentEncoding())))
        );
        QTRY_COMPARE_WITH_TIMEOUT(
            gui.conversation(QStringLiteral("home"))->message(bob_id)->reactions.size(), 0, kWaitMs
        );

        // bob deletes his: a tombstone stays, and the reply quoting it says so.
        QVERIFY(tcp_ok(*bob, "DELETE", {{"id", bob_id}}));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.conversation(QStringLiteral("home"))->message(bob_id)->deleted, kWaitMs
        );
        QVERIFY(gui.window.message_view()->toPlainText().contains(QStringLiteral("message deleted"))
        );
        QVERIFY(
            gui.window.message_view()->toPlainText().contains(QStringLiteral("GuestBob: (deleted)"))
        );

        // A reply's quote jumps to what it answers.
        emit gui.window.message_view()->anchorClicked(QUrl(QStringLiteral("msg:%1").arg(mine_id)));
        QTRY_COMPARE_WITH_TIMEOUT(gui.window.jumped_to(), mine_id, kWaitMs);

        // /me is an action both ways.
        gui.type(QStringLiteral("/me waves"));
        const auto action = wait_body(
            *bob,
            "MSG",
            field_is(
                "text",
                "\x01"
                "ACTION waves\x01"
            )
        );
        QVERIFY(action.has_value());
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.window.message_view()->toPlainText().contains(QStringLiteral("* %1 waves").arg(me)),
            kWaitMs
        );
        // bob types: the GUI says so.
        QVERIFY(tcp_ok(*bob, "TYPING", {{"channel", "home"}, {"state", "active"}}));
        QTRY_COMPARE_WITH_TIMEOUT(
            gui.window.typing_label()->text(), QStringLiteral("GuestBob is typing…"), kWaitMs
        );
        QVERIFY(tcp_ok(*bob, "TYPING", {{"channel", "home"}, {"state", "done"}}));
        QTRY_VERIFY_WITH_TIMEOUT(!gui.window.typing_label()->isVisibleTo(&gui.window), kWaitMs);
    }

    void search_jumps_to_a_message_not_yet_loaded() {
        auto bob = tcp_user(*server_, "GuestBob");
        QVERIFY(bob != nullptr);
        QVERIFY(tcp_ok(*bob, "JOIN", {{"channel", "past"}}));
        const auto needle = tcp_post(*bob, "past", "the needle is in here");
        QVERIFY(needle != 0);
        for (int i = 1; i <= 120; ++i) QVERIFY(tcp_say(*bob, "past", "hay " + std::to_string(i)));

        Gui gui;
        QVERIFY(gui.log_in(*server_, {}, {}, QStringLiteral("past")));
        QTRY_VERIFY_WITH_TIMEOUT(gui.message_count(QStringLiteral("past")) > 0, kWaitMs);
        QVERIFY(gui.conversation(QStringLiteral("past"))->message(needle) == nullptr);
        // The index takes a moment (PROTOCOL.md: within 5 s).
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                gui.window.run_search(QStringLiteral("NEEDLE"));
                return QTest::qWaitFor(
                    [&] {
                        const auto* results = gui.window.search_results();
                        return results->count() > 0 &&
                               results->item(0)->text().contains(QStringLiteral("needle"));
                    },
                    500
                );
            }(),
            kWaitMs
        );
        auto* result = gui.window.search_results()->item(0);
        QVERIFY(result->text().contains(QStringLiteral("#past GuestBob: the needle is in here")));
        emit gui.window.search_results()->itemActivated(result);
        QTRY_COMPARE_WITH_TIMEOUT(gui.window.jumped_to(), needle, kWaitMs);
        QVERIFY(gui.conversation(QStringLiteral("past"))->message(needle) != nullptr);
        QVERIFY(gui.window.message_view()->textCursor().selectedText().contains(
            QStringLiteral("needle")
        ));
    }

    void sidebar_counts_and_dm_history_survive_a_restart() {
        const QString password = QString::fromUtf8(kPassword.data(), kPassword.size());
        auto bob = tcp_user(*server_, "bob", true);
        QVERIFY(bob != nullptr);
        QVERIFY(tcp_ok(*bob, "JOIN", {{"channel", "dev"}}));
        {
            Gui gui;
            QVERIFY(gui.log_in(
                *server_, QStringLiteral("carol"), password, QStringLiteral("home"), true
            ));
            gui.type(QStringLiteral("/join #dev"));
            QTRY_COMPARE_WITH_TIMEOUT(gui.model.current(), QStringLiteral("dev"), kWaitMs);
            gui.type(QStringLiteral("/msg bob are you coming?"));
            QVERIFY(wait_body(*bob, "DM", field_is("text", "are you coming?")).has_value());
            gui.window.conversation_list()->setCurrentRow(0);
            QCOMPARE(gui.model.current(), QStringLiteral("home"));
            gui.window.close();
        }
        // While carol is away: a DM and two messages in #dev, one mentioning her.
        QVERIFY(tcp_ok(*bob, "DM", {{"to", "carol"}, {"text", "yes, at noon"}}));
        QVERIFY(tcp_say(*bob, "dev", "deploying at three"));
        QVERIFY(tcp_say(*bob, "dev", "@carol can you check the logs?"));
        QCOMPARE(server_->stop(SIGTERM), 0);
        server_->start();

        Gui gui;
        QVERIFY(gui.log_in(*server_, QStringLiteral("carol"), password));
        // dev comes back by itself (a registered user's membership), with its counts.
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.conversation(QStringLiteral("dev")) != nullptr &&
                gui.conversation(QStringLiteral("dev"))->unread == 2 &&
                gui.conversation(QStringLiteral("dev"))->mentions == 1,
            kWaitMs
        );
        const auto entry = [&](const QString& key) {
            const auto* list = gui.window.conversation_list();
            for (int row = 0; row < list->count(); ++row) {
                if (list->item(row)->data(Qt::UserRole).toString() == key) return list->item(row);
            }
            return static_cast<QListWidgetItem*>(nullptr);
        };
        QTRY_VERIFY_WITH_TIMEOUT(entry(QStringLiteral("dev")) != nullptr, kWaitMs);
        QCOMPARE(entry(QStringLiteral("dev"))->text(), QStringLiteral("#dev  (2)  @1"));
        QVERIFY(entry(QStringLiteral("dev"))->font().bold());
        // The DM thread is listed from CONVERSATIONS and holds both sides once opened.
        QTRY_VERIFY_WITH_TIMEOUT(entry(QStringLiteral("@bob")) != nullptr, kWaitMs);
        QCOMPARE(gui.conversation(QStringLiteral("@bob"))->unread, 1);
        auto other = tcp_user(*server_, "carol", false, 2);  // her second device
        QVERIFY(other != nullptr);
        gui.window.show_conversation(QStringLiteral("@bob"));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_message(QStringLiteral("@bob"), QStringLiteral("are you coming?")) &&
                gui.has_message(QStringLiteral("@bob"), QStringLiteral("yes, at noon")),
            kWaitMs
        );
        // A line shows where the new messages start.
        const auto dm_text = gui.window.message_view()->toPlainText();
        QVERIFY2(
            dm_text.indexOf(QStringLiteral("are you coming?")) <
                    dm_text.indexOf(QStringLiteral("─── new messages ───\n")) &&
                dm_text.indexOf(QStringLiteral("new messages")) <
                    dm_text.indexOf(QStringLiteral("yes, at noon")),
            qPrintable(dm_text)
        );
        // Seen: READ goes out and the count is gone, here and for her other devices.
        QTRY_COMPARE_WITH_TIMEOUT(gui.conversation(QStringLiteral("@bob"))->unread, 0, kWaitMs);
        // The server has it too (READs go out at most every half second), for her other
        // devices: ask as one of them.
        const auto server_unread = [&](const std::string& key, const std::string& value) {
            other->send(make_frame("CONVERSATIONS", {}));
            const auto list = wait_body(*other, "OK", [](const boost::json::object& body) {
                return body.contains("conversations");
            });
            if (!list) return std::int64_t{-1};
            for (const auto& item : list->at("conversations").as_array()) {
                const auto& c = item.as_object();
                if (str(c, key) == value) return c.at("unread").as_int64();
            }
            return std::int64_t{-1};
        };
        QTRY_COMPARE_WITH_TIMEOUT(server_unread("with", "bob"), std::int64_t{0}, kWaitMs);
        QCOMPARE(server_unread("channel", "dev"), std::int64_t{2});
        // Reading dev on the other device clears it here too.
        other->send(make_frame(
            "READ",
            {{"channel", "dev"}, {"id", gui.conversation(QStringLiteral("dev"))->newest_id()}}
        ));
        QTRY_COMPARE_WITH_TIMEOUT(gui.conversation(QStringLiteral("dev"))->unread, 0, kWaitMs);
    }

    void the_terminal_clients_scripts_reply_edit_react_and_delete() {
#ifndef SALON_CLI_PATH
        QSKIP("the salon terminal client is not built");
#else
        auto bob = tcp_user(*server_, "bob", true, 2);
        QVERIFY(bob != nullptr);
        Gui gui;
        QVERIFY(gui.log_in(*server_));
        gui.type(QStringLiteral("ship it?"));
        const auto asked = wait_body(*bob, "MSG", field_is("text", "ship it?"));
        QVERIFY(asked.has_value());
        const auto asked_id = asked->at("id").as_int64();
        QTemporaryDir config;
        const auto start_salon = [&](QProcess& process, const QStringList& args) {
            auto env = QProcessEnvironment::systemEnvironment();
            env.insert(
                QStringLiteral("SALON_PASSWORD"),
                QString::fromUtf8(kPassword.data(), kPassword.size())
            );
            env.insert(QStringLiteral("XDG_CONFIG_HOME"), config.path());
            process.setProcessEnvironment(env);
            process.start(
                QStringLiteral(SALON_CLI_PATH),
                QStringList{
                    QStringLiteral("-s"),
                    QString::fromStdString(server_->address()),
                    QStringLiteral("-u"),
                    QStringLiteral("bob")} +
                    args
            );
        };
        // True once `salon ARGS` exited 0.
        const auto salon = [&](const QStringList& args) {
            QProcess process;
            start_salon(process, args);
            if (process.waitForFinished(kWaitMs) && process.exitCode() == 0) return true;
            qWarning("salon: %s", process.readAllStandardError().constData());
            return false;
        };
        QProcess send;
        start_salon(
            send,
            {QStringLiteral("-c"),
             QStringLiteral("home"),
             QStringLiteral("send"),
             QStringLiteral("--print-id"),
             QStringLiteral("--reply-to"),
             QString::number(asked_id),
             QStringLiteral("shipped")}
        );
        QVERIFY(send.waitForFinished(kWaitMs));
        QCOMPARE(send.exitCode(), 0);
        const auto reply_id =
            QString::fromUtf8(send.readAllStandardOutput()).trimmed().toLongLong();
        QVERIFY(reply_id > asked_id);
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.conversation(QStringLiteral("home"))->message(reply_id), kWaitMs
        );
        QCOMPARE(gui.conversation(QStringLiteral("home"))->message(reply_id)->reply_to, asked_id);

        QVERIFY(salon(
            {QStringLiteral("edit"), QString::number(reply_id), QStringLiteral("shipped (v0.3)")}
        ));
        QVERIFY(salon({QStringLiteral("react"), QString::number(asked_id), QStringLiteral("🎉")}));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.conversation(QStringLiteral("home"))->message(reply_id)->text ==
                    QStringLiteral("shipped (v0.3)") &&
                gui.conversation(QStringLiteral("home"))->message(asked_id)->reactions.size() == 1,
            kWaitMs
        );
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.window.message_view()->toPlainText().contains(
                QStringLiteral("shipped (v0.3) (edited)")
            ),
            kWaitMs
        );
        QVERIFY(salon({QStringLiteral("delete"), QString::number(reply_id)}));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.conversation(QStringLiteral("home"))->message(reply_id)->deleted, kWaitMs
        );
#endif
    }

    void an_operator_keeps_the_at_after_a_reconnect() {
        const QString password = QString::fromUtf8(kPassword.data(), kPassword.size());
        Gui gui;
        QVERIFY(
            gui.log_in(*server_, QStringLiteral("carol"), password, QStringLiteral("home"), true)
        );
        gui.type(QStringLiteral("/join #ops"));  // created by her: she is its operator
        QTRY_COMPARE_WITH_TIMEOUT(gui.model.current(), QStringLiteral("ops"), kWaitMs);
        const auto op_shown = [&] {
            return gui.window.member_list()
                       ->findItems(QStringLiteral("@carol"), Qt::MatchExactly)
                       .size() == 1;
        };
        QTRY_VERIFY_WITH_TIMEOUT(op_shown(), kWaitMs);
        QCOMPARE(gui.window.members_count()->text(), QStringLiteral("1 member"));
        QSignalSpy resumed(&gui.session, &salon::gui::ChatSession::resume_finished);
        QCOMPARE(server_->stop(SIGTERM), 0);
        QTRY_COMPARE_WITH_TIMEOUT(
            gui.connection.state(), ChatConnection::State::reconnecting, kWaitMs
        );
        server_->start();
        QTRY_COMPARE_WITH_TIMEOUT(resumed.count(), 1, 2 * kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_member(QStringLiteral("ops"), QStringLiteral("carol")), kWaitMs
        );
        QTRY_VERIFY_WITH_TIMEOUT(op_shown(), kWaitMs);
        QVERIFY(!gui.conversation(QStringLiteral("ops"))->parted);
    }

    void channel_switch_and_unread_counts() {
        Gui gui;
        QVERIFY(gui.log_in(*server_));
        const auto me = gui.connection.user();
        auto bob = tcp_user(*server_, "GuestBob");
        QVERIFY(bob != nullptr);

        gui.type(QStringLiteral("/join #Dev"));
        QTRY_COMPARE_WITH_TIMEOUT(gui.model.current(), QStringLiteral("dev"), kWaitMs);
        QCOMPARE(gui.window.conversation_list()->count(), 2);
        QCOMPARE(gui.window.conversation_list()->currentItem()->text(), QStringLiteral("#dev"));
        QTRY_VERIFY_WITH_TIMEOUT(gui.has_member(QStringLiteral("dev"), me), kWaitMs);

        QVERIFY(tcp_say(*bob, "home", "one"));
        QVERIFY(tcp_say(*bob, "home", "two"));
        QTRY_COMPARE_WITH_TIMEOUT(gui.conversation(QStringLiteral("home"))->unread, 2, kWaitMs);
        QCOMPARE(gui.window.conversation_list()->item(0)->text(), QStringLiteral("#home  (2)"));
        QCOMPARE(gui.conversation(QStringLiteral("home"))->mentions, 0);

        QVERIFY(tcp_say(*bob, "home", "are you there, " + std_name(me) + "?"));
        QTRY_COMPARE_WITH_TIMEOUT(gui.conversation(QStringLiteral("home"))->mentions, 1, kWaitMs);
        QCOMPARE(gui.conversation(QStringLiteral("home"))->unread, 3);
        QVERIFY(gui.window.conversation_list()->item(0)->font().bold());
        QVERIFY(gui.window.last_notification().contains(QStringLiteral("are you there")));

        // Switching clears the count and shows the messages.
        gui.window.conversation_list()->setCurrentRow(0);
        QCOMPARE(gui.model.current(), QStringLiteral("home"));
        QCOMPARE(gui.conversation(QStringLiteral("home"))->unread, 0);
        QCOMPARE(gui.window.conversation_list()->item(0)->text(), QStringLiteral("#home"));
        QVERIFY(gui.window.message_view()->toPlainText().contains(QStringLiteral("<GuestBob> two"))
        );
        QVERIFY2(
            gui.shown_members().contains(QStringLiteral("GuestBob")),
            qPrintable(gui.shown_members().join(QLatin1Char(' ')))
        );

        // Leaving #dev drops its entry.
        gui.window.conversation_list()->setCurrentRow(1);
        QCOMPARE(gui.model.current(), QStringLiteral("dev"));
        gui.type(QStringLiteral("/part"));
        QTRY_COMPARE_WITH_TIMEOUT(gui.window.conversation_list()->count(), 1, kWaitMs);
        QCOMPARE(gui.model.current(), QStringLiteral("home"));
    }

    void history_loads_when_scrolling_up() {
        constexpr int kTotal = 130;
        auto bob = tcp_user(*server_, "GuestBob");
        QVERIFY(bob != nullptr);
        bob->send(make_frame("JOIN", {{"channel", "past"}}));
        QVERIFY(wait_body(*bob, "HISTORY").has_value());
        for (int i = 1; i <= kTotal; ++i)
            QVERIFY(tcp_say(*bob, "past", "old message " + std::to_string(i)));

        Gui gui;
        QVERIFY(gui.log_in(*server_, {}, {}, QStringLiteral("past")));
        QTRY_VERIFY_WITH_TIMEOUT(gui.message_count(QStringLiteral("past")) > 0, kWaitMs);
        const int first_page = gui.message_count(QStringLiteral("past"));
        QVERIFY2(first_page < kTotal, "the join replay should not hold the whole history");
        QVERIFY(gui.has_message(QStringLiteral("past"), QStringLiteral("old message 130")));

        auto* bar = gui.window.message_view()->verticalScrollBar();
        for (int round = 0;
             round < 10 && !gui.conversation(QStringLiteral("past"))->history_exhausted;
             ++round) {
            const int before = gui.message_count(QStringLiteral("past"));
            bar->setValue(bar->maximum());
            bar->setValue(bar->minimum());
            QTRY_VERIFY_WITH_TIMEOUT(
                gui.message_count(QStringLiteral("past")) > before ||
                    gui.conversation(QStringLiteral("past"))->history_exhausted,
                kWaitMs
            );
            // Scrolling up keeps the reader's place instead of jumping to the top.
            if (gui.message_count(QStringLiteral("past")) > before)
                QVERIFY(bar->value() > bar->minimum());
        }
        QVERIFY(gui.conversation(QStringLiteral("past"))->history_exhausted);
        QCOMPARE(gui.message_count(QStringLiteral("past")), kTotal);
        QVERIFY(gui.has_message(QStringLiteral("past"), QStringLiteral("old message 1")));
        qint64 previous = 0;
        for (const auto& line : gui.conversation(QStringLiteral("past"))->lines) {
            if (line.kind != ChatLine::Kind::message) continue;
            QVERIFY(line.id > previous);
            previous = line.id;
        }
    }

    void reconnects_after_a_server_restart() {
        Gui gui;
        QVERIFY(gui.log_in(*server_));
        const auto me = gui.connection.user();
        gui.type(QStringLiteral("/join #dev"));
        QTRY_COMPARE_WITH_TIMEOUT(gui.model.current(), QStringLiteral("dev"), kWaitMs);
        QSignalSpy relogged(&gui.connection, &ChatConnection::logged_in);

        QCOMPARE(server_->stop(SIGTERM), 0);
        QTRY_COMPARE_WITH_TIMEOUT(
            gui.connection.state(), ChatConnection::State::reconnecting, kWaitMs
        );
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.window.state_label()->text().contains(QStringLiteral("reconnecting")), kWaitMs
        );
        server_->start();
        QTRY_COMPARE_WITH_TIMEOUT(gui.connection.state(), ChatConnection::State::online, kWaitMs);
        QCOMPARE(relogged.count(), 1);
        QCOMPARE(relogged.at(0).at(1).toBool(), true);
        QCOMPARE(gui.connection.user(), me);  // the guest got its name back
        QVERIFY(gui.window.state_label()->text().contains(QStringLiteral("Connected")));

        // Both channels are joined again and work.
        auto bob = tcp_user(*server_, "GuestBob");
        QVERIFY(bob != nullptr);
        bob->send(make_frame("JOIN", {{"channel", "dev"}}));
        QVERIFY(wait_body(*bob, "HISTORY").has_value());
        QTRY_VERIFY_WITH_TIMEOUT(gui.has_member(QStringLiteral("dev"), me), kWaitMs);
        QVERIFY(tcp_say(*bob, "dev", "welcome back"));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_message(QStringLiteral("dev"), QStringLiteral("welcome back")), kWaitMs
        );
        gui.window.conversation_list()->setCurrentRow(0);
        gui.type(QStringLiteral("still here"));
        QVERIFY(wait_body(*bob, "MSG", field_is("text", "still here")).has_value());
    }

    void closing_the_window_sends_end() {
        Gui gui;
        QVERIFY(gui.log_in(*server_));
        const auto me = std_name(gui.connection.user());
        auto bob = tcp_user(*server_, "GuestBob");
        QVERIFY(bob != nullptr);
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_member(QStringLiteral("home"), QStringLiteral("GuestBob")), kWaitMs
        );
        QSignalSpy ended(&gui.connection, &ChatConnection::ended);
        gui.window.close();
        QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 1, kWaitMs);
        QCOMPARE(ended.at(0).at(0).toBool(), true);  // the server answered END with OK
        QTRY_VERIFY_WITH_TIMEOUT(!gui.window.isVisible(), kWaitMs);
        QCOMPARE(gui.connection.state(), ChatConnection::State::disconnected);
        QVERIFY(wait_body(*bob, "QUIT", field_is("user", me)).has_value());

        // `/quit` takes the same way out.
        Gui other;
        QVERIFY(other.log_in(*server_));
        const auto other_name = std_name(other.connection.user());
        QSignalSpy other_ended(&other.connection, &ChatConnection::ended);
        other.type(QStringLiteral("/quit"));
        QTRY_COMPARE_WITH_TIMEOUT(other_ended.count(), 1, kWaitMs);
        QCOMPARE(other_ended.at(0).at(0).toBool(), true);
        QTRY_VERIFY_WITH_TIMEOUT(!other.window.isVisible(), kWaitMs);
        QVERIFY(wait_body(*bob, "QUIT", field_is("user", other_name)).has_value());
    }

    void the_program_logs_in_with_a_saved_token_at_start() {
        // The real binary, as a user starts it: no --connect, a token saved by an earlier run.
        auto owner = tcp_user(*server_, "keeper", true);
        QVERIFY(owner != nullptr);
        owner->send(make_frame("TOKEN", {{"label", "salon-gui on test"}}));
        const auto made = wait_body(*owner, "OK");
        QVERIFY(made.has_value());
        QTemporaryDir config;
        salon::gui::TokenStore store(config.filePath(QStringLiteral("salon/salon-gui")));
        QVERIFY(store.save(
            {QString::fromStdString(server_->address()),
             QStringLiteral("keeper"),
             made->at("id").as_int64(),
             QString::fromStdString(str(*made, "token")),
             false}
        ));
        QProcess process;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), config.path());
        env.insert(QStringLiteral("SALON_GUI_TOKEN_STORE"), QStringLiteral("file"));
        process.setProcessEnvironment(env);
        process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        process.start(QStringLiteral(SALON_GUI_PATH), QStringList{});
        QVERIFY(process.waitForStarted(kWaitMs));
        // The account is already in `home` on this connection, so no JOIN tells; the token's
        // `last_used` does.
        const auto token_used = [&] {
            owner->send(make_frame("TOKENS", {}));
            const auto tokens = wait_body(*owner, "OK");
            return tokens.has_value() && tokens->at("tokens").as_array().size() == 1 &&
                   !tokens->at("tokens").as_array()[0].at("last_used").is_null();
        };
        QVERIFY(QTest::qWaitFor(token_used, kWaitMs));
        QVERIFY(::kill(static_cast<pid_t>(process.processId()), SIGTERM) == 0);
        QVERIFY(process.waitForFinished(kWaitMs));
        QCOMPARE(process.exitCode(), 0);
    }

    void the_program_sends_end_on_sigterm_and_sigint() {
        QTemporaryDir config;
        QVERIFY(config.isValid());
        auto bob = tcp_user(*server_, "GuestBob");
        QVERIFY(bob != nullptr);
        const auto run = [&](const QString& name) {
            auto process = std::make_unique<QProcess>();
            auto env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
            env.insert(QStringLiteral("XDG_CONFIG_HOME"), config.path());
            process->setProcessEnvironment(env);
            process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
            process->start(
                QStringLiteral(SALON_GUI_PATH),
                {QStringLiteral("--server"),
                 QString::fromStdString(server_->address()),
                 QStringLiteral("--user"),
                 name,
                 QStringLiteral("--channel"),
                 QStringLiteral("home"),
                 QStringLiteral("--connect")}
            );
            return process;
        };

        // What a QUIT looks like after a real END, to tell it from a bare disconnect.
        auto reference = tcp_user(*server_, "GuestRef");
        QVERIFY(reference != nullptr);
        reference->send(make_frame("END"));
        const auto reference_quit = wait_body(*bob, "QUIT", field_is("user", "GuestRef"));
        QVERIFY(reference_quit.has_value());
        const auto end_reason = str(*reference_quit, "reason");

        // SIGTERM (a service manager, `kill`) and SIGINT (Ctrl+C) both leave through END.
        const std::pair<int, QString> cases[] = {
            {SIGTERM, QStringLiteral("GuestTerm")}, {SIGINT, QStringLiteral("GuestInt")}};
        for (const auto& [signal_number, name] : cases) {
            auto process = run(name);
            QVERIFY(process->waitForStarted(kWaitMs));
            QVERIFY(wait_body(*bob, "JOIN", field_is("user", std_name(name))).has_value());
            QVERIFY(::kill(static_cast<pid_t>(process->processId()), signal_number) == 0);
            QVERIFY(process->waitForFinished(kWaitMs));
            QCOMPARE(process->exitStatus(), QProcess::NormalExit);
            QCOMPARE(process->exitCode(), 0);
            const auto quit = wait_body(*bob, "QUIT", field_is("user", std_name(name)));
            QVERIFY(quit.has_value());
            QCOMPARE(
                QString::fromStdString(str(*quit, "reason")), QString::fromStdString(end_reason)
            );
        }

        // The settings remembered the server, so --connect alone would reach it next time.
        QSettings remembered(
            config.filePath(QStringLiteral("salon/salon-gui.conf")), QSettings::NativeFormat
        );
        QCOMPARE(
            remembered.value(QStringLiteral("login/server")).toString(),
            QString::fromStdString(server_->address())
        );
    }

    void renders_the_main_window_to_png() {
        // home belongs to the server: alice, an administrator, may set its topic.
        const auto added = salon::test::run_salond(
            {"user", "add", "alice", "--admin", "--data-dir", server_->data_dir().string()},
            std::string(kPassword) + "\n"
        );
        QCOMPARE(added.exit_status, 0);
        auto alice = tcp_user(*server_, "alice", false, 2);
        auto bob = tcp_user(*server_, "bob", true, 2);
        QVERIFY(alice != nullptr && bob != nullptr);
        Gui gui;
        QVERIFY(gui.log_in(
            *server_,
            QStringLiteral("carol"),
            QString::fromUtf8(kPassword.data(), kPassword.size()),
            QStringLiteral("home"),
            true
        ));
        QCOMPARE(gui.connection.user(), QStringLiteral("carol"));
        gui.type(QStringLiteral("/join #dev"));
        QTRY_COMPARE_WITH_TIMEOUT(gui.model.current(), QStringLiteral("dev"), kWaitMs);
        QVERIFY(tcp_ok(*alice, "JOIN", {{"channel", "dev"}}));
        gui.window.conversation_list()->setCurrentRow(0);
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.has_member(QStringLiteral("home"), QStringLiteral("bob")), kWaitMs
        );

        QVERIFY(tcp_ok(
            *alice, "TOPIC", {{"channel", "home"}, {"topic", "Salon HQ: be kind, ship often"}}
        ));
        QTRY_COMPARE_WITH_TIMEOUT(
            gui.conversation(QStringLiteral("home"))->topic,
            QStringLiteral("Salon HQ: be kind, ship often"),
            kWaitMs
        );
        QVERIFY(gui.window.topic_label()->isVisible());
        QVERIFY(tcp_say(*alice, "home", "morning everyone ☕"));
        const auto build = tcp_post(*bob, "home", "morning! the 0.3 build is green");
        QVERIFY(
            tcp_ok(*bob, "EDIT", {{"id", build}, {"text", "morning! the 0.3 build is green 🟢"}})
        );
        const auto ask = tcp_post(*alice, "home", "@carol could you try the new desktop client?");
        QVERIFY(tcp_say(*alice, "home", "release notes: https://salon.example/notes/0.3"));
        QTRY_VERIFY_WITH_TIMEOUT(gui.conversation(QStringLiteral("home"))->message(ask), kWaitMs);
        gui.window.begin_reply(ask);
        gui.type(QStringLiteral("on it: replies, reactions, edits and search all work"));
        const auto mine = wait_body(*bob, "MSG", field_is("from", "carol"));
        QVERIFY(mine.has_value());
        const auto mine_id = mine->at("id").as_int64();
        QVERIFY(tcp_ok(*bob, "REACT", {{"id", mine_id}, {"emoji", "👍"}}));
        QVERIFY(tcp_ok(*alice, "REACT", {{"id", mine_id}, {"emoji", "👍"}}));
        QVERIFY(tcp_ok(*alice, "REACT", {{"id", mine_id}, {"emoji", "🎉"}}));
        QVERIFY(tcp_say(
            *bob,
            "home",
            "\x01"
            "ACTION tips his hat\x01"
        ));
        QVERIFY(tcp_say(*alice, "dev", "deploying 0.3 at three"));
        QVERIFY(tcp_say(*alice, "dev", "@carol can you watch the logs?"));
        QVERIFY(tcp_ok(*bob, "DM", {{"to", "carol"}, {"text", "lunch at noon?"}}));
        QVERIFY(tcp_ok(*bob, "TYPING", {{"channel", "home"}, {"state", "active"}}));
        QTRY_VERIFY_WITH_TIMEOUT(
            gui.conversation(QStringLiteral("dev"))->mentions == 1 &&
                gui.conversation(QStringLiteral("@bob")) != nullptr &&
                gui.conversation(QStringLiteral("home"))->message(mine_id) != nullptr &&
                gui.conversation(QStringLiteral("home"))->message(mine_id)->reactions.size() == 2,
            kWaitMs
        );
        QTRY_VERIFY_WITH_TIMEOUT(gui.window.typing_label()->isVisibleTo(&gui.window), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(gui.window.member_list()->count() == 3, kWaitMs);
        QCOMPARE(gui.window.members_count()->text(), QStringLiteral("3 members"));

        gui.window.resize(1000, 560);
        const QDir artifacts(QStringLiteral(SALON_GUI_ARTIFACT_DIR));
        QVERIFY(artifacts.mkpath(QStringLiteral(".")));
        const auto save = [&](const QString& name) {
            // Run the layout requests the resize posted, so the picture shows the final layout.
            QCoreApplication::sendPostedEvents();
            const auto image = gui.window.grab().toImage();
            QVERIFY(!image.isNull());
            const auto path = artifacts.filePath(name);
            QVERIFY2(image.save(path), qPrintable(path));
            QVERIFY(QFileInfo(path).size() > 1000);
        };
        save(QStringLiteral("desktop-client.png"));

        // The same in a dark theme: every colour is chosen against the palette.
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
        dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        dark.setColor(QPalette::AlternateBase, QColor(0x2b, 0x2b, 0x2b));
        dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
        dark.setColor(QPalette::ButtonText, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::Highlight, QColor(0x3d, 0x6f, 0xb5));
        dark.setColor(QPalette::HighlightedText, Qt::white);
        dark.setColor(QPalette::PlaceholderText, QColor(0x90, 0x90, 0x90));
        gui.window.setPalette(dark);
        const auto html = gui.window.message_view()->toHtml();
        QVERIFY(!html.contains(QStringLiteral("#fff1b8")));  // the light mention background
        save(QStringLiteral("desktop-client-dark.png"));
    }
};

QTEST_MAIN(GuiE2eTest)
#include "gui_e2e_test.moc"
