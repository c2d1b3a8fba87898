// Parsing of what the user types in the input line: plain text or a /command.
#pragma once

#include <QString>

namespace salon::gui {

/// One parsed input line.
struct InputCommand {
    enum class Kind {
        say,
        me,
        join,
        part,
        msg,
        quit,
        help,
        list,
        who,
        topic,
        kick,
        ban,
        unban,
        op,
        key,
        invalid
    };
    Kind kind = Kind::invalid;
    /// Channel for join/part/who (empty: the current one), nick for msg and the moderation
    /// verbs on a user.
    QString target;
    /// Message text for say/me/msg, the key for join and /key, the topic, a kick's reason,
    /// or the human reason of `invalid`.
    QString text;
};

/// Every command with its arguments, one per line, for /help.
QString input_help();

/// Parses an input line. Plain text is `say`; `//text` says `/text`. Commands are those of
/// input_help(). Anything else, or a command missing its arguments, is `invalid` with a human
/// reason in `text`. Moderation verbs act on the current channel.
InputCommand parse_input(const QString& line);

}  // namespace salon::gui
