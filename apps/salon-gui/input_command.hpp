// Parsing of what the user types in the input line: plain text or a /command.
#pragma once

#include <QString>

namespace salon::gui {

/// One parsed input line.
struct InputCommand {
    enum class Kind { say, join, part, msg, quit, invalid };
    Kind kind = Kind::invalid;
    QString target;  ///< Channel for join/part (empty part: the current one), nick for msg.
    QString text;    ///< Message text for say/msg, the key for join, the reason for invalid.
};

/// Parses an input line. Plain text is `say`; `//text` says `/text`. Commands:
/// `/join #chan [key]`, `/part [#chan]`, `/msg nick text`, `/quit`. Anything else, or a
/// command missing its arguments, is `invalid` with a human reason in `text`.
InputCommand parse_input(const QString& line);

}  // namespace salon::gui
