// What a session may ask of the transport that carries it.
#pragma once

#include <string>

namespace salon::server {

/// The transport end of a session (TCP, TLS, WebSocket…).
class Link {
public:
    virtual ~Link() = default;

    /// Closes the connection once the frames already queued are written, or after a short
    /// bound if the peer does not read them. `reason` becomes the QUIT reason. Thread-safe;
    /// only the first call counts.
    virtual void close_after_flush(std::string reason) = 0;

    /// Frames were queued while the writer waited for some: write them. Thread-safe; called
    /// with the session's Outbox lock held, so it must only post.
    virtual void wake_writer() = 0;
};

}  // namespace salon::server
