// Administrators' channel commands (`salond channel delete|rename|op`): applied by a running
// server from the queue in the database, or to the stored state alone when none runs.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/errc.hpp"
#include "server/hub.hpp"
#include "store/store.hpp"

namespace salon::server {

/// How often a running server looks for queued requests: one indexed read of a table that is
/// nearly always empty, and the administrator waits no longer than this.
inline constexpr std::chrono::milliseconds kAdminRequestPoll{250};
/// A request older than this is answered as expired, not applied: whoever queued it stopped
/// waiting long ago (salond channel waits 10 s), and a late change would surprise.
inline constexpr std::chrono::seconds kAdminRequestExpiry{30};

/// Each returns what the administrator is told: done, or why not.

/// Applies the request to a running server through the hub, so that members online see it as
/// they see an operator's change; storage follows the hub's write-behind. Blocking (it reads
/// the account and memberships of `op`'s user): on a worker.
store::AdminOutcome apply_admin_request(
    store::Store& store, Hub& hub, const store::AdminRequest& request, const std::string& by
);

/// Applies the request to the stored state alone: no server runs (the caller holds the data
/// dir's lock). The same checks and the same Store methods as the hub's path.
store::AdminOutcome apply_admin_request_stored(
    store::Store& store, const store::AdminRequest& request
);

/// Claims the queued requests, applies them (apply_admin_request()) and records each outcome
/// on `store_writes`, the hub's write-behind executor, after the change itself. Blocking: on a
/// worker.
void run_admin_requests(
    store::Store& store,
    Hub& hub,
    const core::Clock& clock,
    const std::string& by,
    const boost::asio::any_io_executor& store_writes
);

}  // namespace salon::server
