// parse_input: the small /command language of the input line.
#include "input_command.hpp"

#include <QRegularExpression>
#include <QStringList>

namespace salon::gui {

namespace {

InputCommand invalid(const QString& reason) {
    return InputCommand{InputCommand::Kind::invalid, QString(), reason};
}

/// `rest` after its first word, with its own spacing.
QString after_first_word(const QString& rest, const QString& word) {
    return rest.mid(rest.indexOf(word) + word.size()).trimmed();
}

}  // namespace

QString input_help() {
    return QStringLiteral(
        "/me text: an action (\"* you text\")\n"
        "/join #channel [key], /part [#channel]\n"
        "/msg nick text: a direct message\n"
        "/list: the server's channels; /who [#channel]: who is here\n"
        "/topic text, /kick nick [reason], /ban nick, /unban nick, /op nick, /key [key]: "
        "for operators, in the current channel\n"
        "/quit; // at the start sends a /\n"
        "Up/Down: what you typed before; Ctrl+K: switch conversation; Ctrl+F: search; "
        "right-click a message to reply, edit, delete or react"
    );
}

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
        return InputCommand{InputCommand::Kind::msg, nick, after_first_word(rest, nick)};
    }
    if (name == QStringLiteral("me")) {
        if (rest.isEmpty()) return invalid(QStringLiteral("usage: /me text"));
        return InputCommand{InputCommand::Kind::me, QString(), rest};
    }
    if (name == QStringLiteral("help")) return InputCommand{InputCommand::Kind::help, {}, {}};
    if (name == QStringLiteral("list")) return InputCommand{InputCommand::Kind::list, {}, {}};
    if (name == QStringLiteral("who") || name == QStringLiteral("names")) {
        if (words.size() > 1) return invalid(QStringLiteral("usage: /who [#channel]"));
        return InputCommand{InputCommand::Kind::who, words.value(0), QString()};
    }
    if (name == QStringLiteral("topic")) {
        return InputCommand{InputCommand::Kind::topic, QString(), rest};
    }
    if (name == QStringLiteral("kick")) {
        if (words.isEmpty()) return invalid(QStringLiteral("usage: /kick nick [reason]"));
        return InputCommand{
            InputCommand::Kind::kick, words.at(0), after_first_word(rest, words.at(0))};
    }
    const std::pair<const char*, InputCommand::Kind> on_user[] = {
        {"ban", InputCommand::Kind::ban},
        {"unban", InputCommand::Kind::unban},
        {"op", InputCommand::Kind::op}};
    for (const auto& [verb, kind] : on_user) {
        if (name != QLatin1String(verb)) continue;
        if (words.size() != 1) return invalid(QStringLiteral("usage: /%1 nick").arg(name));
        return InputCommand{kind, words.at(0), QString()};
    }
    if (name == QStringLiteral("key")) {
        if (words.size() > 1) return invalid(QStringLiteral("usage: /key [key] (none: remove it)"));
        return InputCommand{InputCommand::Kind::key, QString(), words.value(0)};
    }
    if (name == QStringLiteral("quit") || name == QStringLiteral("exit")) {
        return InputCommand{InputCommand::Kind::quit, QString(), rest};
    }
    return invalid(QStringLiteral("unknown command /%1 (/help lists them; // sends a /)").arg(name)
    );
}

}  // namespace salon::gui
