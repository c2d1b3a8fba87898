// parse_input: the small /command language of the input line.
#include "input_command.hpp"

#include <QRegularExpression>
#include <QStringList>

namespace salon::gui {

namespace {

InputCommand invalid(const QString& reason) {
    return InputCommand{InputCommand::Kind::invalid, QString(), reason};
}

}  // namespace

InputCommand parse_input(const QString& line) {
    if (!line.startsWith(QLatin1Char('/'))) {
        return InputCommand{InputCommand::Kind::say, QString(), line};
    }
    if (line.startsWith(QStringLiteral("//"))) {
        return InputCommand{InputCommand::Kind::say, QString(), line.mid(1)};
    }
    static const QRegularExpression kSpaces(QStringLiteral("\\s+"));
    const auto trimmed = line.mid(1).trimmed();
    const auto space = trimmed.indexOf(kSpaces);
    const auto name = (space < 0 ? trimmed : trimmed.left(space)).toLower();
    const auto rest = space < 0 ? QString() : trimmed.mid(space).trimmed();
    const auto words = rest.split(kSpaces, Qt::SkipEmptyParts);

    if (name == QStringLiteral("join") || name == QStringLiteral("j")) {
        if (words.isEmpty() || words.size() > 2)
            return invalid(QStringLiteral("usage: /join #channel [key]"));
        return InputCommand{InputCommand::Kind::join, words.at(0), words.value(1)};
    }
    if (name == QStringLiteral("part") || name == QStringLiteral("leave")) {
        if (words.size() > 1) return invalid(QStringLiteral("usage: /part [#channel]"));
        return InputCommand{InputCommand::Kind::part, words.value(0), QString()};
    }
    if (name == QStringLiteral("msg") || name == QStringLiteral("query")) {
        if (words.size() < 2) return invalid(QStringLiteral("usage: /msg nick text"));
        // The text keeps its own spacing: only the first word is the nick.
        const auto nick = words.at(0);
        const auto text = rest.mid(rest.indexOf(nick) + nick.size()).trimmed();
        return InputCommand{InputCommand::Kind::msg, nick, text};
    }
    if (name == QStringLiteral("quit") || name == QStringLiteral("exit")) {
        return InputCommand{InputCommand::Kind::quit, QString(), rest};
    }
    return invalid(
        QStringLiteral("unknown command /%1 (try /join, /part, /msg, /quit; // sends a /)")
            .arg(name)
    );
}

}  // namespace salon::gui
