// A posted message: to a channel or, directly, to one user.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.hpp"

namespace salon::core {

/// Unique across the server and strictly increasing in the order messages are accepted, so
/// within one channel too. Stored in the database and sent on the wire.
using MessageId = std::int64_t;

struct Message {
    MessageId id = 0;
    std::string channel;  ///< canonical channel name; empty for a direct message
    std::string from;     ///< sender's display name
    std::string to;       ///< direct message recipient's display name; empty for a channel
    std::string text;
    UnixMillis ts_ms = 0;

    bool is_direct() const noexcept { return channel.empty(); }
};

}  // namespace salon::core
