// The transport-neutral view of one client connection that every end-to-end scenario is written
// against, so the same cases run over TCP lines today and over WebSocket later.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salon::test {

/// One frame is one JSON object: `{"VERB":{...}}`.
using Frame = boost::json::object;

/// Builds `{"VERB": args}`.
Frame make_frame(std::string_view verb, boost::json::object args = {});

/// The verb of a frame (its single member's name); "" when the frame does not have exactly one
/// member.
std::string verb_of(const Frame& frame);

/// The argument object of a frame; throws std::runtime_error when it is not an object.
const boost::json::object& body_of(const Frame& frame);

/// A client connection as the scenarios see it. Not thread-safe: one test thread drives it.
/// Transports implement receive() and friends; the waits and the put-back queue live here.
class Connection {
public:
    virtual ~Connection() = default;

    /// Sends one frame (serialized by the transport: a line, or one WebSocket text message).
    virtual void send(const Frame& frame) = 0;

    /// The next frame (frames put back with unread() first), or nullopt when none arrived within
    /// `timeout` or the peer closed (see eof()). Throws std::runtime_error when the server sent
    /// something that is not a JSON object.
    std::optional<Frame> next(std::chrono::milliseconds timeout);

    /// True once the server has closed its side and every frame before that was consumed.
    bool eof() const { return pending_.empty() && transport_eof(); }

    /// Waits for the server to close; frames arriving before the close are discarded.
    /// True when the close arrived within `timeout`.
    bool closed_by_peer(std::chrono::milliseconds timeout);

    /// Closes our side now (an orderly FIN).
    virtual void close() = 0;

    /// Puts frames back in front of everything not yet read, in their order, so a helper that
    /// looked past events (e.g. to find a reply) leaves them for the test.
    void unread(std::vector<Frame> frames);

    /// The next frame, which must have `verb`; throws with what came instead (or the timeout).
    Frame expect(std::string_view verb, std::chrono::milliseconds timeout);

    /// Skips (discards) frames of other verbs until one with `verb` arrives; throws on timeout
    /// or close.
    Frame wait_for(std::string_view verb, std::chrono::milliseconds timeout);

protected:
    /// The next frame off the transport; nullopt on timeout or close.
    virtual std::optional<Frame> receive(std::chrono::milliseconds timeout) = 0;

    /// True once the transport saw the peer's close and holds no complete frame.
    virtual bool transport_eof() const = 0;

    /// Waits for the transport's close, discarding what arrives; true when it came in time.
    virtual bool transport_closed(std::chrono::milliseconds timeout) = 0;

private:
    std::deque<Frame> pending_;
};

}  // namespace salon::test
