// The `@name` mentions of a message text (PROTOCOL.md "Mentions" and "Precise points").
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salon::core {

/// Every `@` that no name character (A-Z a-z 0-9 _ - .) precedes, followed by the longest run
/// of name characters, in text order; an `@` without one is skipped. The views point into
/// `text`. A token may be longer than a user name or end in `.`/`-`: resolve_mentions() decides.
std::vector<std::string_view> mention_tokens(std::string_view text);

/// The display name of the user whose folded name is given (registered or online), or nullopt.
using DisplayOf = std::function<std::optional<std::string>(std::string_view folded)>;

/// The users `text` mentions: for each token, the longest form, dropping trailing `.` and `-`
/// one at a time, that `display_of` knows. Each user once, in order of first appearance,
/// spelled as `display_of` returns. `display_of` is only asked about valid user names.
std::vector<std::string> resolve_mentions(std::string_view text, const DisplayOf& display_of);

}  // namespace salon::core
