// A posted message: to a channel or, directly, to one user.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace salon::core {

/// Unique across the server and strictly increasing in the order messages are accepted, so
/// within one channel too. Stored in the database and sent on the wire.
using MessageId = std::int64_t;

/// One emoji on a message and who put it there.
struct Reaction {
    std::string emoji;
    std::vector<std::string> users;  ///< display names, in the order they reacted
};

/// The opening words of the message a reply answers, and its author: what a client that cannot
/// show replies (IRC without message-tags) quotes.
struct ReplyQuote {
    std::string from = {};
    std::string text = {};  ///< at most kReplyQuoteBytes of the answered text; empty if deleted
};

/// Bound of ReplyQuote::text: a reply carries no more of its parent than a quote shows.
inline constexpr std::size_t kReplyQuoteBytes = 80;

struct Message {
    MessageId id = 0;
    std::string channel;  ///< canonical channel name; empty for a direct message
    std::string from;     ///< sender's display name
    std::string to;       ///< direct message recipient's display name; empty for a channel
    std::string text;     ///< empty once deleted
    UnixMillis ts_ms = 0;
    /// The id of the message's last change (edit, delete, reaction): ids and changes share one
    /// sequence, so "everything with rev > N" is all that happened after N. A new message has
    /// rev == id.
    MessageId rev = 0;
    MessageId reply_to = 0;    ///< the message answered; 0 for none
    UnixMillis edited_ms = 0;  ///< time of the last edit; 0 for never
    bool deleted = false;      ///< a tombstone: no text, edit time, mentions or reactions
    std::vector<Reaction> reactions = {};    ///< in the order each emoji was first used
    std::vector<std::string> mentions = {};  ///< display names, in order of first appearance
    /// Sent as a notice (IRC's NOTICE): clients and bots never answer it automatically.
    bool notice = false;
    /// Its author was a registered account (IRC's account tag; `from` is the account's name).
    bool by_account = false;
    /// Not stored: set on a reply as it is posted (live delivery only; history has none).
    ReplyQuote reply_quote = {};

    bool is_direct() const noexcept { return channel.empty(); }
};

/// A place in a conversation's history: a message's id, or a time (IRC's CHATHISTORY names
/// either, as `msgid=` or `timestamp=`).
struct HistoryBound {
    enum class By { id, time };
    By by = By::id;
    std::int64_t value = 0;  ///< a MessageId or UnixMillis
};

/// At least what any wire format spends on `text`: as JSON escapes it, a quote, a backslash,
/// and \b \f \n \r \t to two bytes, any other control character to six (\u0001). (IRC spends
/// less: it cuts a message to a bounded number of lines.)
std::size_t escaped_size_bound(std::string_view text);

/// At least what any wire format spends on the message: its text with every control character
/// escaped to six bytes (JSON's \u0001) and every quote or backslash to two, plus an envelope
/// for ids, names and the timestamp. Lets the server bound a reply before a codec encodes it.
std::size_t wire_size_bound(const Message& message);

/// Drops the oldest of `messages` (oldest first) until the wire_size_bound of the rest adds up
/// to at most `budget_bytes`; the newest is always kept. True when any was dropped.
bool keep_newest_within(std::vector<Message>& messages, std::size_t budget_bytes);
/// The same from the other end, for pages read forwards (and search results, newest first):
/// drops messages from the back until the rest fit; the first is always kept.
bool keep_front_within(std::vector<Message>& messages, std::size_t budget_bytes);

}  // namespace salon::core
