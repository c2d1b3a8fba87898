// salon-gui: the Qt 6 desktop client. Login form, then the chat window; END on every exit.
#include <QAction>
#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>

#include "chat_connection.hpp"
#include "chat_model.hpp"
#include "chat_session.hpp"
#include "login_dialog.hpp"
#include "main_window.hpp"
#include "session_keeper.hpp"
#include "signal_bridge.hpp"
#include "token_store.hpp"

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("salon"));
    QApplication::setApplicationName(QStringLiteral("salon-gui"));
    QApplication::setApplicationVersion(QStringLiteral(SALON_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Salon desktop chat client"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption server_option(
        QStringLiteral("server"),
        QStringLiteral("Server to connect to."),
        QStringLiteral("HOST:PORT")
    );
    const QCommandLineOption user_option(
        QStringLiteral("user"), QStringLiteral("User name (empty: guest)."), QStringLiteral("NAME")
    );
    const QCommandLineOption channel_option(
        QStringLiteral("channel"), QStringLiteral("Channel to join."), QStringLiteral("CHANNEL")
    );
    const QCommandLineOption connect_option(
        QStringLiteral("connect"),
        QStringLiteral("Log in at once with the options given (a guest when there is no --user).")
    );
    const QCommandLineOption ca_option(
        QStringLiteral("ca"),
        QStringLiteral("With TLS, also trust the certificate authorities in this PEM file."),
        QStringLiteral("FILE")
    );
    parser.addOptions({server_option, user_option, channel_option, connect_option, ca_option});
    parser.process(app);

    QSettings settings;
    salon::gui::SignalBridge signals_bridge;
    salon::gui::ChatConnection connection;
    salon::gui::ChatModel model;
    salon::gui::ChatSession session(connection, model);
    salon::gui::MainWindow window(session);
    salon::gui::LoginDialog login(connection, settings);
    login.prefill(
        parser.value(server_option), parser.value(user_option), parser.value(channel_option)
    );
    login.set_ca_file(parser.value(ca_option));
    if (parser.isSet(connect_option)) {
        // --connect without --user means a guest, whatever the settings remembered.
        login.user_edit()->setText(parser.value(user_option));
    }

    salon::gui::TokenStore token_store;
    salon::gui::SessionKeeper keeper(connection, login, token_store);
    QObject::connect(window.log_out_action(), &QAction::triggered, &keeper, [&keeper] {
        keeper.log_out();
    });
    QObject::connect(&keeper, &salon::gui::SessionKeeper::logged_out, &window, [&window] {
        window.hide();
    });

    QObject::connect(&connection, &salon::gui::ChatConnection::logged_in, &window, [&window] {
        if (!window.isVisible()) window.show();
    });
    QObject::connect(&login, &QDialog::rejected, &app, [&window] {
        // Cancelling the form before any login quits; after one, the window carries on.
        if (!window.isVisible()) QApplication::quit();
    });
    // Ctrl+C and SIGTERM leave the way closing the window does: END, then exit. Through the
    // connection rather than the window, because a signal can arrive between the login OK
    // and the window appearing.
    QObject::connect(
        &signals_bridge,
        &salon::gui::SignalBridge::received,
        &connection,
        [&connection] { connection.close_with_end(); }
    );
    QObject::connect(&connection, &salon::gui::ChatConnection::ended, &app, [] {
        QApplication::quit();
    });

    if (parser.isSet(connect_option)) {
        login.start_login();
    } else if (keeper.resume()) {
        // "Stay logged in" saved a token: the window comes up once it logged in, or the form
        // does if it was refused.
    } else {
        login.show();
    }
    return QApplication::exec();
}
