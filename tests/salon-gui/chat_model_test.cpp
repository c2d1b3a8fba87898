#include "chat_model.hpp"
// Unit tests of the GUI's data side without a server: the model, the input parser, server
// addresses, login failure wording and what the login form remembers.
#include <QElapsedTimer>
#include <QSettings>
#include <QSignalSpy>
#include <QStyleFactory>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include "chat_connection.hpp"
#include "client/timestamp.hpp"
#include "input_command.hpp"
#include "login_dialog.hpp"
#include "main_window.hpp"
#include "token_store.hpp"

using salon::gui::ChatLine;
using salon::gui::ChatModel;
using salon::gui::InputCommand;

namespace {

// 2026-11-24T12:00:00.123Z, as salon_client decodes it.
constexpr salon::core::UnixMillis kNoon = 1795521600123;

salon::core::Message msg(
    qint64 id, const QString& channel, const QString& from, const QString& text
) {
    return salon::core::Message{
        .id = id,
        .channel = channel.toStdString(),
        .from = from.toStdString(),
        .to = {},
        .text = text.toStdString(),
        .ts_ms = kNoon};
}

salon::core::Message dm(qint64 id, const QString& from, const QString& to, const QString& text) {
    return salon::core::Message{
        .id = id,
        .channel = {},
        .from = from.toStdString(),
        .to = to.toStdString(),
        .text = text.toStdString(),
        .ts_ms = kNoon + 1000};
}

salon::core::MemberInfo member(const char* user, bool op = false) {
    return salon::core::MemberInfo{.user = user, .op = op};
}

QList<qint64> message_ids(const salon::gui::Conversation& conversation) {
    QList<qint64> ids;
    for (const auto& line : conversation.lines) {
        if (line.kind == ChatLine::Kind::message) ids.append(line.id);
    }
    return ids;
}

}  // namespace

class ChatModelTest : public QObject {
    Q_OBJECT

private slots:

    void channel_keys_are_canonical() {
        QCOMPARE(ChatModel::channel_key(QStringLiteral("#Home")), QStringLiteral("home"));
        QCOMPARE(ChatModel::channel_key(QStringLiteral("dev-ops_2")), QStringLiteral("dev-ops_2"));
        QVERIFY(ChatModel::channel_key(QStringLiteral("no spaces")).isEmpty());
        QVERIFY(ChatModel::channel_key(QString()).isEmpty());
        QCOMPARE(ChatModel::dm_key(QStringLiteral("Alice")), QStringLiteral("@alice"));
    }

    void messages_keep_id_order_and_replays_merge() {
        ChatModel model;
        model.set_own_name(QStringLiteral("me"));
        model.add_message(
            msg(10, QStringLiteral("home"), QStringLiteral("a"), QStringLiteral("x")), true
        );
        model.add_message(
            msg(30, QStringLiteral("home"), QStringLiteral("a"), QStringLiteral("y")), true
        );
        QSignalSpy reset(&model, &ChatModel::lines_reset);
        // A HISTORY page after a reconnect overlaps what we have and fills a gap.
        const std::vector<salon::core::Message> page{
            msg(5, QStringLiteral("home"), QStringLiteral("b"), QStringLiteral("old")),
            msg(10, QStringLiteral("home"), QStringLiteral("a"), QStringLiteral("x")),
            msg(20, QStringLiteral("home"), QStringLiteral("b"), QStringLiteral("gap"))};
        QCOMPARE(model.add_history(QStringLiteral("#home"), page), 2);
        QCOMPARE(reset.count(), 1);
        const auto* home = model.find(QStringLiteral("home"));
        QVERIFY(home != nullptr);
        QCOMPARE(message_ids(*home), (QList<qint64>{5, 10, 20, 30}));
        QCOMPARE(home->oldest_id(), qint64{5});
        // A replayed page adds nothing.
        QCOMPARE(model.add_history(QStringLiteral("home"), page), 0);
        QCOMPARE(reset.count(), 1);
    }

    void unread_counts_live_messages_from_others_until_they_are_read() {
        ChatModel model;
        model.set_own_name(QStringLiteral("Me"));
        model.ensure_channel(QStringLiteral("home"));
        model.ensure_channel(QStringLiteral("dev"));
        model.set_current(QStringLiteral("home"));
        model.add_message(
            msg(1, QStringLiteral("dev"), QStringLiteral("ann"), QStringLiteral("a")), true
        );
        model.add_message(
            msg(2, QStringLiteral("dev"), QStringLiteral("ann"), QStringLiteral("b")), true
        );
        model.add_message(
            msg(3, QStringLiteral("dev"), QStringLiteral("me"), QStringLiteral("own")), true
        );
        model.add_message(
            msg(4, QStringLiteral("home"), QStringLiteral("ann"), QStringLiteral("seen")), true
        );
        model.add_history(
            QStringLiteral("dev"),
            {msg(0, QStringLiteral("dev"), QStringLiteral("ann"), QStringLiteral("old"))}
        );
        QCOMPARE(model.find(QStringLiteral("dev"))->unread, 2);
        // On screen is not yet read: the window marks it read once it has been seen.
        QCOMPARE(model.find(QStringLiteral("home"))->unread, 1);
        QVERIFY(model.mark_read(QStringLiteral("home"), 4));
        QCOMPARE(model.find(QStringLiteral("home"))->unread, 0);
        QVERIFY(!model.mark_read(QStringLiteral("home"), 2));  // never backwards
        // A marker short of the newest message leaves the counts to the server.
        QVERIFY(model.mark_read(QStringLiteral("dev"), 1));
        QCOMPARE(model.find(QStringLiteral("dev"))->unread, 2);
        QVERIFY(model.mark_read(QStringLiteral("dev"), 3));
        QCOMPARE(model.find(QStringLiteral("dev"))->unread, 0);
        // Counts from CONVERSATIONS replace the local ones.
        model.set_counts(QStringLiteral("dev"), 7, 2, 3);
        QCOMPARE(model.find(QStringLiteral("dev"))->unread, 7);
        QCOMPARE(model.find(QStringLiteral("dev"))->mentions, 2);
    }

    void updates_replace_messages_by_id_when_newer() {
        ChatModel model;
        model.set_own_name(QStringLiteral("me"));
        auto first = msg(5, QStringLiteral("home"), QStringLiteral("ann"), QStringLiteral("hi"));
        model.add_message(first, true);
        auto edited = first;
        edited.rev = 9;
        edited.text = "hi, edited";
        edited.edited_ms = kNoon + 5000;
        edited.reactions = {{"👍", {"bob", "me"}}};
        model.apply_update(edited);
        const auto* home = model.find(QStringLiteral("home"));
        QCOMPARE(home->lines.size(), std::size_t{1});
        QCOMPARE(home->lines.back().text, QStringLiteral("hi, edited"));
        QVERIFY(home->lines.back().edited.isValid());
        QCOMPARE(home->lines.back().reactions.size(), 1);
        QCOMPARE(home->lines.back().reactions.at(0).users.size(), 2);
        QCOMPARE(home->max_rev, qint64{9});
        // An older rev (a replay of the original) does not undo the edit.
        model.add_history(QStringLiteral("home"), {first});
        QCOMPARE(home->lines.back().text, QStringLiteral("hi, edited"));
        auto deleted = first;
        deleted.rev = 12;
        deleted.text.clear();
        deleted.deleted = true;
        QCOMPARE(model.merge_messages(QStringLiteral("home"), {deleted}), 1);
        QVERIFY(home->lines.back().deleted);
        QCOMPARE(home->unread, 1);  // a change is not a new message
    }

    void reconnect_notices_make_one_line_that_updates() {
        ChatModel model;
        model.ensure_channel(QStringLiteral("home"));
        model.set_status(QStringLiteral("home"), QStringLiteral("reconnecting in 0.5 s"));
        model.set_status(QStringLiteral("home"), QStringLiteral("reconnecting in 1.0 s"));
        model.set_status(QStringLiteral("home"), QStringLiteral("reconnected as me"));
        const auto* home = model.find(QStringLiteral("home"));
        QCOMPARE(home->lines.size(), std::size_t{1});
        QCOMPARE(home->lines.back().text, QStringLiteral("reconnected as me"));
        // Anything after it starts a new one.
        model.add_info(QStringLiteral("home"), QStringLiteral("something else"));
        model.set_status(QStringLiteral("home"), QStringLiteral("reconnecting in 0.5 s"));
        QCOMPARE(home->lines.size(), std::size_t{3});
    }

    void sidebar_entries_show_unread_and_mentions_apart() {
        salon::gui::Conversation c;
        c.title = QStringLiteral("#dev");
        QCOMPARE(salon::gui::MainWindow::entry_text(c), QStringLiteral("#dev"));
        c.unread = 3;
        QCOMPARE(salon::gui::MainWindow::entry_text(c), QStringLiteral("#dev  (3)"));
        c.mentions = 1;
        QCOMPARE(salon::gui::MainWindow::entry_text(c), QStringLiteral("#dev  (3)  @1"));
        c.unread = 1000;  // the server stops counting there
        QCOMPARE(salon::gui::MainWindow::entry_text(c), QStringLiteral("#dev  (999+)  @1"));
        c.parted = true;
        QVERIFY(salon::gui::MainWindow::entry_text(c).contains(QStringLiteral("(left)")));
    }

    void irc_actions_show_as_actions() {
        QCOMPARE(
            salon::gui::action_text(QStringLiteral("\x01"
                                                   "ACTION waves\x01")),
            QStringLiteral("waves")
        );
        QVERIFY(salon::gui::action_text(QStringLiteral("plain")).isNull());
        QCOMPARE(
            salon::gui::make_action(QStringLiteral("waves")),
            QStringLiteral("\x01"
                           "ACTION waves\x01")
        );
        ChatModel model;
        model.set_own_name(QStringLiteral("me"));
        model.add_message(
            msg(1,
                QStringLiteral("home"),
                QStringLiteral("ann"),
                salon::gui::make_action(QStringLiteral("waves"))),
            true
        );
        const auto& line = model.find(QStringLiteral("home"))->lines.back();
        QVERIFY(line.action);
        QCOMPARE(line.text, QStringLiteral("waves"));
    }

    void mentions_are_whole_words_without_case() {
        QVERIFY(ChatModel::mentions(QStringLiteral("hi alice"), QStringLiteral("Alice")));
        QVERIFY(ChatModel::mentions(QStringLiteral("ALICE: look"), QStringLiteral("alice")));
        QVERIFY(ChatModel::mentions(QStringLiteral("thanks alice."), QStringLiteral("alice")));
        QVERIFY(!ChatModel::mentions(QStringLiteral("alice2 is not her"), QStringLiteral("alice")));
        QVERIFY(!ChatModel::mentions(QStringLiteral("malice"), QStringLiteral("alice")));
        QVERIFY(ChatModel::mentions(QStringLiteral("ping Guest42!"), QStringLiteral("Guest42")));
        QVERIFY(!ChatModel::mentions(QStringLiteral("Guest420"), QStringLiteral("Guest42")));
        QVERIFY(!ChatModel::mentions(QStringLiteral("anything"), QString()));
    }

    void mention_sets_flag_and_asks_for_attention() {
        ChatModel model;
        model.set_own_name(QStringLiteral("carol"));
        model.ensure_channel(QStringLiteral("home"));
        model.ensure_channel(QStringLiteral("dev"));
        model.set_current(QStringLiteral("home"));
        QSignalSpy attention(&model, &ChatModel::attention);
        model.add_message(
            msg(1, QStringLiteral("dev"), QStringLiteral("bob"), QStringLiteral("no")), true
        );
        QCOMPARE(attention.count(), 0);
        model.add_message(
            msg(2, QStringLiteral("dev"), QStringLiteral("bob"), QStringLiteral("carol?")), true
        );
        QCOMPARE(attention.count(), 1);
        QCOMPARE(attention.at(0).at(0).toString(), QStringLiteral("dev"));
        QCOMPARE(attention.at(0).at(1).toString(), QStringLiteral("bob"));
        const auto* dev = model.find(QStringLiteral("dev"));
        QVERIFY(dev->mentions > 0);
        QVERIFY(dev->lines.back().mention);
        // Our own words never mention us.
        model.add_message(
            msg(3, QStringLiteral("dev"), QStringLiteral("carol"), QStringLiteral("carol here")),
            true
        );
        QCOMPARE(attention.count(), 1);
        QVERIFY(!dev->lines.back().mention);
    }

    void dms_go_to_the_other_partys_thread() {
        ChatModel model;
        model.set_own_name(QStringLiteral("carol"));
        model.ensure_channel(QStringLiteral("home"));
        model.set_current(QStringLiteral("home"));
        QSignalSpy attention(&model, &ChatModel::attention);
        model.add_dm(
            dm(7, QStringLiteral("Bob"), QStringLiteral("carol"), QStringLiteral("psst")), true
        );
        model.add_dm(
            dm(8, QStringLiteral("carol"), QStringLiteral("bob"), QStringLiteral("yes?")), true
        );
        QCOMPARE(model.keys(), (QStringList{QStringLiteral("home"), QStringLiteral("@bob")}));
        const auto* thread = model.find(QStringLiteral("@bob"));
        QVERIFY(thread != nullptr);
        QVERIFY(thread->dm);
        QCOMPARE(thread->title, QStringLiteral("Bob"));
        QCOMPARE(message_ids(*thread), (QList<qint64>{7, 8}));
        QCOMPARE(thread->unread, 1);
        QCOMPARE(attention.count(), 1);
        // New channels still list above DMs.
        model.ensure_channel(QStringLiteral("dev"));
        QCOMPARE(
            model.keys(),
            (QStringList{QStringLiteral("home"), QStringLiteral("dev"), QStringLiteral("@bob")})
        );
    }

    void joins_parts_and_quits_update_members_and_lines() {
        ChatModel model;
        model.set_own_name(QStringLiteral("me"));
        model.set_members(QStringLiteral("home"), {member("me", true), member("Bob")});
        model.set_members(QStringLiteral("dev"), {member("bob")});
        model.member_joined(QStringLiteral("home"), QStringLiteral("Guest12"));
        const auto* home = model.find(QStringLiteral("home"));
        QCOMPARE(home->members.size(), 3);
        QVERIFY(home->members.value(QStringLiteral("guest12")).guest);
        QVERIFY(home->members.value(QStringLiteral("me")).op);
        QCOMPARE(home->lines.back().kind, ChatLine::Kind::join);
        // A second JOIN for a listed member (a rejoin) adds no line.
        const auto lines = home->lines.size();
        model.member_joined(QStringLiteral("home"), QStringLiteral("guest12"));
        QCOMPARE(home->lines.size(), lines);
        model.member_parted(QStringLiteral("#home"), QStringLiteral("Guest12"), QString());
        QCOMPARE(home->members.size(), 2);
        QCOMPARE(home->lines.back().kind, ChatLine::Kind::part);
        model.user_quit(QStringLiteral("BOB"), QStringLiteral("bye"));
        QCOMPARE(home->members.size(), 1);
        QCOMPARE(model.find(QStringLiteral("dev"))->members.size(), 0);
        QCOMPARE(model.find(QStringLiteral("dev"))->lines.back().kind, ChatLine::Kind::quit);
        QCOMPARE(model.find(QStringLiteral("dev"))->lines.back().text, QStringLiteral("bye"));
    }

    void a_renamed_guest_keeps_its_place_its_op_flag_and_its_dm_thread() {
        ChatModel model;
        model.set_own_name(QStringLiteral("me"));
        model.set_members(QStringLiteral("home"), {member("me"), member("Guest12", true)});
        model.set_members(QStringLiteral("dev"), {member("me")});
        model.add_dm(
            dm(7, QStringLiteral("Guest12"), QStringLiteral("me"), QStringLiteral("hi")), true
        );
        model.set_current(QStringLiteral("@guest12"));
        QCOMPARE(model.find(QStringLiteral("@guest12"))->unread, 1);

        model.rename_user(QStringLiteral("Guest12"), QStringLiteral("Alice"));
        const auto* home = model.find(QStringLiteral("home"));
        QVERIFY(!home->members.contains(QStringLiteral("guest12")));
        const auto alice = home->members.value(QStringLiteral("alice"));
        QCOMPARE(QString::fromStdString(alice.user), QStringLiteral("Alice"));
        QVERIFY(alice.op);
        QVERIFY(!alice.guest);
        QCOMPARE(home->lines.back().text, QStringLiteral("Guest12 is now Alice"));
        // Only the channels it shares with us say so.
        QVERIFY(model.find(QStringLiteral("dev"))->lines.empty());
        QCOMPARE(model.find(QStringLiteral("@guest12")), nullptr);
        const auto* thread = model.find(QStringLiteral("@alice"));
        QVERIFY(thread != nullptr);
        QCOMPARE(thread->title, QStringLiteral("Alice"));
        QCOMPARE(thread->unread, 1);
        QCOMPARE(message_ids(*thread), (QList<qint64>{7}));
        QCOMPARE(model.current(), QStringLiteral("@alice"));
        QCOMPARE(
            model.keys(),
            (QStringList{QStringLiteral("home"), QStringLiteral("dev"), QStringLiteral("@alice")})
        );

        // Our own rename (a guest registering in place) changes our name too.
        model.rename_user(QStringLiteral("ME"), QStringLiteral("carol"));
        QCOMPARE(model.own_name(), QStringLiteral("carol"));
        QVERIFY(model.find(QStringLiteral("dev"))->members.contains(QStringLiteral("carol")));
    }

    void nick_colours_are_stable_and_ignore_case() {
        QCOMPARE(
            salon::gui::nick_colour(QStringLiteral("Alice")),
            salon::gui::nick_colour(QStringLiteral("alice"))
        );
        QVERIFY(
            salon::gui::nick_colour(QStringLiteral("alice")) !=
            salon::gui::nick_colour(QStringLiteral("bob"))
        );
    }

    void timestamps_show_as_utc() {
        const auto ts_ms = salon::client::parse_timestamp("2026-11-24T12:00:00.123Z");
        QVERIFY(ts_ms.has_value());
        const auto time = salon::gui::message_time(*ts_ms);
        QCOMPARE(time.timeSpec(), Qt::UTC);
        QCOMPARE(time.time(), QTime(12, 0, 0, 123));
        QCOMPARE(time.date(), QDate(2026, 11, 24));
        // An unreadable `ts` (decoded as 0) shows as now rather than as 1970.
        QVERIFY(salon::gui::message_time(0).secsTo(QDateTime::currentDateTimeUtc()) < 60);
    }

    void input_commands_parse() {
        using Kind = InputCommand::Kind;
        auto c = salon::gui::parse_input(QStringLiteral("hello there"));
        QCOMPARE(c.kind, Kind::say);
        QCOMPARE(c.text, QStringLiteral("hello there"));
        c = salon::gui::parse_input(QStringLiteral("//join is a verb"));
        QCOMPARE(c.kind, Kind::say);
        QCOMPARE(c.text, QStringLiteral("/join is a verb"));
        c = salon::gui::parse_input(QStringLiteral("/join #dev secret"));
        QCOMPARE(c.kind, Kind::join);
        QCOMPARE(c.target, QStringLiteral("#dev"));
        QCOMPARE(c.text, QStringLiteral("secret"));
        QCOMPARE(salon::gui::parse_input(QStringLiteral("/join")).kind, Kind::invalid);
        c = salon::gui::parse_input(QStringLiteral("/part"));
        QCOMPARE(c.kind, Kind::part);
        QVERIFY(c.target.isEmpty());
        c = salon::gui::parse_input(QStringLiteral("/MSG bob  two  spaces"));
        QCOMPARE(c.kind, Kind::msg);
        QCOMPARE(c.target, QStringLiteral("bob"));
        QCOMPARE(c.text, QStringLiteral("two  spaces"));
        QCOMPARE(salon::gui::parse_input(QStringLiteral("/msg bob")).kind, Kind::invalid);
        QCOMPARE(salon::gui::parse_input(QStringLiteral("/quit")).kind, Kind::quit);
        c = salon::gui::parse_input(QStringLiteral("/frobnicate"));
        QCOMPARE(c.kind, Kind::invalid);
        QVERIFY(c.text.contains(QStringLiteral("frobnicate")));
        c = salon::gui::parse_input(QStringLiteral("/me waves  hello"));
        QCOMPARE(c.kind, Kind::me);
        QCOMPARE(c.text, QStringLiteral("waves  hello"));
        c = salon::gui::parse_input(QStringLiteral("/kick bob  too loud"));
        QCOMPARE(c.kind, Kind::kick);
        QCOMPARE(c.target, QStringLiteral("bob"));
        QCOMPARE(c.text, QStringLiteral("too loud"));
        QCOMPARE(salon::gui::parse_input(QStringLiteral("/ban bob")).kind, Kind::ban);
        QCOMPARE(salon::gui::parse_input(QStringLiteral("/ban")).kind, Kind::invalid);
        QCOMPARE(salon::gui::parse_input(QStringLiteral("/key")).kind, Kind::key);
        QCOMPARE(
            salon::gui::parse_input(QStringLiteral("/topic be kind")).text,
            QStringLiteral("be kind")
        );
        QCOMPARE(salon::gui::parse_input(QStringLiteral("/who")).kind, Kind::who);
        QCOMPARE(salon::gui::parse_input(QStringLiteral("/list")).kind, Kind::list);
        QCOMPARE(salon::gui::parse_input(QStringLiteral("/help")).kind, Kind::help);
    }

    void colours_read_on_light_and_dark_palettes() {
        // Fusion's default light palette, and a dark one as a dark desktop theme sets it.
        QPalette light = QStyleFactory::create(QStringLiteral("Fusion"))->standardPalette();
        QPalette dark = light;
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
        dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
        for (const auto& palette : {light, dark}) {
            const auto c = salon::gui::LineColours::from(palette);
            for (const auto& colour : {c.text, c.dim, c.joined, c.left, c.link}) {
                QVERIFY2(
                    salon::gui::contrast(colour, c.base) >= 4.5,
                    qPrintable(colour.name() + QStringLiteral(" on ") + c.base.name())
                );
            }
            QVERIFY(salon::gui::contrast(c.text, c.mention_background) >= 4.5);
            for (const char* nick : {"alice", "bob", "carol", "dave", "Guest1234", "zed"}) {
                const auto colour = salon::gui::nick_colour(QString::fromLatin1(nick), c.base);
                QVERIFY2(
                    salon::gui::contrast(colour, c.base) >= 3.0,
                    qPrintable(QString::fromLatin1(nick) + QLatin1Char(' ') + colour.name())
                );
            }
        }
    }

    void user_text_is_escaped_and_only_web_links_are_links() {
        const auto colours = salon::gui::LineColours::from(QPalette());
        const auto html = salon::gui::MainWindow::rich_text(
            QStringLiteral("<b>x</b> see https://example.org/a?b=1&c=2 or javascript:alert(1)"),
            colours
        );
        QVERIFY(html.contains(QStringLiteral("&lt;b&gt;x&lt;/b&gt;")));
        QVERIFY(html.contains(QStringLiteral("href=\"https://example.org/a?b=1&amp;c=2\"")));
        QVERIFY(!html.contains(QStringLiteral("href=\"javascript")));
    }

    void server_addresses_parse() {
        QString host;
        quint16 port = 0;
        QVERIFY(salon::gui::parse_server_address(QStringLiteral("example.org:6000"), host, port));
        QCOMPARE(host, QStringLiteral("example.org"));
        QCOMPARE(port, quint16{6000});
        QVERIFY(salon::gui::parse_server_address(QStringLiteral("localhost"), host, port));
        QCOMPARE(port, quint16{5000});
        QVERIFY(salon::gui::parse_server_address(QStringLiteral("[::1]:7000"), host, port));
        QCOMPARE(host, QStringLiteral("::1"));
        QCOMPARE(port, quint16{7000});
        QVERIFY(!salon::gui::parse_server_address(QStringLiteral("host:0"), host, port));
        QVERIFY(!salon::gui::parse_server_address(QStringLiteral("host:70000"), host, port));
        QVERIFY(!salon::gui::parse_server_address(QStringLiteral(":5000"), host, port));
        QVERIFY(!salon::gui::parse_server_address(QString(), host, port));
    }

    void login_failures_read_differently() {
        using salon::gui::LoginDialog;
        const auto server = QStringLiteral("127.0.0.1:5000");
        const QStringList texts{
            LoginDialog::explain_failure(QStringLiteral("bad_credentials"), {}, server, false),
            LoginDialog::explain_failure(QStringLiteral("name_taken"), {}, server, false),
            LoginDialog::explain_failure(QStringLiteral("name_taken"), {}, server, true),
            LoginDialog::explain_failure(
                QStringLiteral("unreachable"), QStringLiteral("refused"), server, false
            ),
            LoginDialog::explain_failure(QStringLiteral("account_deleted"), {}, server, false),
            LoginDialog::explain_failure(QStringLiteral("account_locked"), {}, server, false)};
        for (int i = 0; i < texts.size(); ++i) {
            for (int j = i + 1; j < texts.size(); ++j) QVERIFY(texts.at(i) != texts.at(j));
        }
        QVERIFY(texts.at(3).contains(server));
        QVERIFY(texts.at(4).contains(QStringLiteral("deleted")));
        QVERIFY(texts.at(5).contains(QStringLiteral("locked")));
    }

    void login_form_remembers_all_but_the_password_and_explains_a_dead_server() {
        // A port that was just free and is closed again: connecting to it is refused.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const auto dead_port = probe.serverPort();
        probe.close();

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto path = dir.filePath(QStringLiteral("salon-gui.ini"));
        {
            QSettings settings(path, QSettings::IniFormat);
            salon::gui::ChatConnection connection;
            salon::gui::LoginDialog dialog(connection, settings);
            dialog.server_edit()->setText(QStringLiteral("127.0.0.1:%1").arg(dead_port));
            dialog.user_edit()->setText(QStringLiteral("alice"));
            dialog.password_edit()->setText(QStringLiteral("hunter2-secret"));
            dialog.channel_edit()->setText(QStringLiteral("dev"));
            QSignalSpy failed(&connection, &salon::gui::ChatConnection::login_failed);
            dialog.start_login();
            QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 5000);
            QCOMPARE(failed.at(0).at(0).toString(), QStringLiteral("unreachable"));
            QVERIFY2(
                dialog.error_text().contains(QStringLiteral("Cannot reach")),
                qPrintable(dialog.error_text())
            );
            QCOMPARE(dialog.result(), int{QDialog::Rejected});
        }
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto stored = file.readAll();
        QVERIFY(!stored.contains("hunter2"));
        QSettings settings(path, QSettings::IniFormat);
        salon::gui::ChatConnection connection;
        salon::gui::LoginDialog again(connection, settings);
        QCOMPARE(again.server_edit()->text(), QStringLiteral("127.0.0.1:%1").arg(dead_port));
        QCOMPARE(again.user_edit()->text(), QStringLiteral("alice"));
        QCOMPARE(again.channel_edit()->text(), QStringLiteral("dev"));
        QVERIFY(again.password_edit()->text().isEmpty());
    }

    void server_urls_choose_tls_and_its_default_port() {
        QString host;
        quint16 port = 0;
        bool tls = false;
        QVERIFY(salon::gui::parse_server_url(
            QStringLiteral("salons://chat.example.org"), host, port, tls
        ));
        QVERIFY(tls);
        QCOMPARE(host, QStringLiteral("chat.example.org"));
        QCOMPARE(port, quint16(5443));
        tls = true;
        QVERIFY(salon::gui::parse_server_url(QStringLiteral("salon://h:7000/"), host, port, tls));
        QVERIFY(!tls);
        QCOMPARE(port, quint16(7000));
        tls = true;  // the TLS box, with a bare address
        QVERIFY(salon::gui::parse_server_url(QStringLiteral("h"), host, port, tls));
        QVERIFY(tls);
        QCOMPARE(port, quint16(5443));
    }

    void the_token_file_is_readable_by_its_owner_only() {
        QTemporaryDir dir;
        salon::gui::TokenStore store(dir.path());
        QVERIFY(!store.load().has_value());
        // A file left with a wide mode is narrowed before the secret goes in.
        {
            QFile old(store.path());
            QVERIFY(old.open(QIODevice::WriteOnly));
            old.setPermissions(
                QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                QFileDevice::ReadOther
            );
        }
        QVERIFY(store.save(
            {QStringLiteral("salons://h:5443"),
             QStringLiteral("ann"),
             7,
             QStringLiteral("secret"),
             true}
        ));
        const auto perms = QFile::permissions(store.path());
        QVERIFY(
            (perms & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup |
                      QFileDevice::WriteOther)) == 0
        );
        const auto loaded = store.load();
        QVERIFY(loaded.has_value());
        QCOMPARE(loaded->user, QStringLiteral("ann"));
        QCOMPARE(loaded->token_id, qint64(7));
        QCOMPARE(loaded->token, QStringLiteral("secret"));
        QVERIFY(loaded->tls);
        store.forget();
        QVERIFY(!store.load().has_value());
    }

    void without_a_keychain_the_token_goes_to_the_file_at_once() {
        // As on CI: no session bus, so no Secret Service; asking must not block.
        const auto bus = qgetenv("DBUS_SESSION_BUS_ADDRESS");
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        QTemporaryDir dir;
        salon::gui::TokenStore store(dir.path());
        store.set_keychain(true);
        QElapsedTimer timer;
        timer.start();
        QVERIFY(store.save(
            {QStringLiteral("h:5000"), QStringLiteral("ann"), 3, QStringLiteral("s3"), false}
        ));
        QCOMPARE(store.last_backend(), QStringLiteral("file"));
        QVERIFY(QFile::exists(store.path()));
        const auto loaded = store.load();
        QVERIFY(loaded.has_value());
        QCOMPARE(loaded->token, QStringLiteral("s3"));
        store.forget();
        QVERIFY(!store.load().has_value());
        QVERIFY2(
            timer.elapsed() < salon::gui::TokenStore::kKeychainTimeoutMs,
            qPrintable(QString::number(timer.elapsed()))
        );
        if (!bus.isEmpty()) qputenv("DBUS_SESSION_BUS_ADDRESS", bus);
    }
};

QTEST_MAIN(ChatModelTest)
#include "chat_model_test.moc"
