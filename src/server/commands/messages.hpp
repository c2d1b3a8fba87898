// Posting a message, channel or direct: shared by SEND and DM.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/conversation.hpp"
#include "core/message.hpp"
#include "server/commands/context.hpp"
#include "store/store.hpp"

namespace salon::server::commands {

/// Sends a channel message or DM through the pipeline; its OK comes when it is committed,
/// queued by the hub just before the message reaches anyone.
void submit_post(Context& ctx, store::MessageWrite write);

/// The users a text mentions, as PROTOCOL.md reads `@name`.
struct Mentions {
    std::vector<std::string> names;  ///< display forms, in order of first appearance
    std::vector<core::UserKey> keys;
};

/// Online users are found on the hub, the others among the accounts (on the workers). At most
/// kMaxMentionLookups names are looked up per text, so one message cannot cost thousands of
/// reads.
boost::asio::awaitable<Mentions> mentions_in(Context& ctx, const std::string& text);
inline constexpr std::size_t kMaxMentionLookups = 32;

/// True when the text may mention someone: the only case mentions_in() is needed for.
bool may_mention(std::string_view text) noexcept;

/// Before a post goes to the pipeline: `no_such_message` unless the message it replies to (if
/// any) is of its conversation (`lenient_reply`: the reply is dropped instead); then its
/// mentions, when its text may have some.
boost::asio::awaitable<std::optional<core::Failure>> prepare_post(
    Context& ctx, store::MessageWrite& write, bool lenient_reply
);

}  // namespace salon::server::commands
