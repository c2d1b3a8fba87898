// What a session may ask of the transport that carries it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
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

    /// Waits until the session's Outbox holds at most `backlog_bytes` (Outbox::backlog_bytes),
    /// or, for 0, until every frame queued before the call has been written. Run on the
    /// connection's thread, from the session's request handling (the reader waits meanwhile).
    /// False when the connection is closing: what is still queued may never be written.
    virtual boost::asio::awaitable<bool> drained(std::size_t backlog_bytes) = 0;

    /// True when the connection is encrypted (TLS): what `plaintext_logins` asks. Any thread.
    virtual bool encrypted() const noexcept { return false; }
};

}  // namespace salon::server
