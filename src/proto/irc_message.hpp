// IRC's line syntax (RFC 1459/2812 with IRCv3 message tags): parsing client lines, writing
// server lines, and cutting long text into lines that fit. Pure functions of bytes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace salon::proto::irc {

/// The most bytes of one line without its tags, "\r\n" included (RFC 1459).
inline constexpr std::size_t kMaxLineBytes = 512;
/// The most bytes of a client's tags section, '@' and the space after it included (IRCv3).
inline constexpr std::size_t kMaxClientTagBytes = 4096;
/// The longest frame an IRC listener reads: tags plus a line, without "\r\n".
inline constexpr std::size_t kMaxFrameBytes = kMaxClientTagBytes + kMaxLineBytes - 2;
/// The most IRC lines one Salon message becomes, a line saying what was left out included.
/// A 4096-byte paragraph of ordinary words takes 9 to 12 lines, so in practice only texts with
/// many line breaks are cut; one message then costs a client at most about 10 KB, not 2,048
/// lines.
inline constexpr std::size_t kMaxLinesPerMessage = 16;

/// One parsed line.
struct Message {
    std::vector<std::pair<std::string, std::string>> tags;  ///< values unescaped
    std::string source;                                     ///< without the ':'
    std::string command;                                    ///< upper-cased
    std::vector<std::string> params;                        ///< the trailing one included
};

/// Parses one line (without "\r\n"). nullopt when it holds no command (empty or only a source
/// and tags). Never throws; the command is upper-cased and params keep their bytes as sent.
std::optional<Message> parse(std::string_view line);

/// A tag value as it travels: `;` `\s` `\\` `\r` `\n` escaped (IRCv3 message-tags).
std::string escape_tag_value(std::string_view value);
std::string unescape_tag_value(std::string_view value);

/// True when `command` is a syntactically valid command: letters, or three digits.
bool is_valid_command(std::string_view command) noexcept;

/// When the last parameter of a line is written after ':'.
enum class Trailing {
    always,       ///< numerics, PRIVMSG, QUIT…: what naive clients and bots split on
    when_needed,  ///< JOIN, PART, MODE…: only when it is empty, starts with ':' or has a space
};

/// What of a line must fit kMaxLineBytes.
enum class Budget {
    without_tags,    ///< the source, command and parameters: what the server says itself
    without_source,  ///< only command and parameters: what a client could have sent, relayed
};

/// Writes `[@tags ]:source COMMAND p1 p2 :last\r\n`. The parameters before the last must not
/// be empty nor hold spaces. CR, LF and NUL become spaces, bytes that are not UTF-8 become
/// U+FFFD, and the last parameter is cut (at a UTF-8 boundary) so that the `budget` part of the
/// line fits kMaxLineBytes. `tags` is the already escaped tag string without '@' ("" for none);
/// `source` "" for none.
std::string line(
    std::string_view tags,
    std::string_view source,
    std::string_view command,
    const std::vector<std::string_view>& params,
    Trailing trailing = Trailing::always,
    Budget budget = Budget::without_tags
);

/// `lines` ("\r\n"-ended lines, as line() writes them) with `tag` (`key=value`, escaped) added
/// to each, first among its tags.
std::string with_tag(std::string_view lines, std::string_view tag);

/// How many lines `lines` holds ("\r\n"-ended).
std::size_t line_count(std::string_view lines) noexcept;

/// Cuts `text` into pieces of at most `max_bytes` bytes: at each newline ("\r" and NUL are
/// dropped, lines of only spaces and tabs skipped), then at the last space that keeps a piece
/// within the limit, else at a UTF-8 character boundary. Every piece is non-empty. When that
/// makes more than `max_pieces` pieces, the last of `max_pieces` says how many were left out:
/// "[N more lines not shown]".
std::vector<std::string> split_text(
    std::string_view text, std::size_t max_bytes, std::size_t max_pieces
);

/// Standard base64 (RFC 4648) with padding; nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text);

/// IRC's CASEMAPPING=ascii: A-Z to a-z, nothing else.
std::string ascii_fold(std::string_view text);

}  // namespace salon::proto::irc
