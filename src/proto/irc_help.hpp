// What IRC's HELP says of each command salond's IRC gateway accepts: a short text per command.
#pragma once

#include <span>
#include <string_view>

namespace salon::proto::irc {

/// One command's help: its syntax and a few lines on what it does.
struct HelpEntry {
    std::string_view command;  ///< upper case
    std::string_view syntax;
    std::span<const std::string_view> text;
};

/// The help for `command` (any case); nullptr for a command the gateway does not know.
const HelpEntry* help_for(std::string_view command) noexcept;

/// Every entry, in alphabetical order (HELP without a subject lists them).
std::span<const HelpEntry> help_entries() noexcept;

}  // namespace salon::proto::irc
