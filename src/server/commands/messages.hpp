// Posting a message, channel or direct: shared by SEND and DM.
#pragma once

#include <vector>

#include "core/message.hpp"
#include "core/names.hpp"
#include "server/commands/context.hpp"

namespace salon::server::commands {

/// Sends a channel message or DM through the pipeline; its OK comes when it is committed,
/// queued by the hub just before the message reaches anyone. `pending_for`: offline
/// recipients who get it at their next login.
void submit_post(Context& ctx, core::Message message, std::vector<core::UserName> pending_for);

}  // namespace salon::server::commands
