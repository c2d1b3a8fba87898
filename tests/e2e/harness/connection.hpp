// The transport-neutral view of one client connection that every end-to-end scenario is written
// against, so the same cases run over TCP lines today and over WebSocket later.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

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
class Connection {
public:
    virtual ~Connection() = default;

    /// Sends one frame (serialized by the transport: a line, or one WebSocket text message).
    virtual void send(const Frame& frame) = 0;

    /// The next frame from the server, or nullopt when none arrived within `timeout` or the
    /// peer closed (see eof()). Throws std::runtime_error when the server sent something that
    /// is not a JSON object.
    virtual std::optional<Frame> next(std::chrono::milliseconds timeout) = 0;

    /// True once the server has closed its side and every frame before that was consumed.
    virtual bool eof() const = 0;

    /// Waits for the server to close; frames arriving before the close are discarded.
    /// True when the close arrived within `timeout`.
    virtual bool closed_by_peer(std::chrono::milliseconds timeout) = 0;

    /// Closes our side now (an orderly FIN).
    virtual void close() = 0;

    /// The next frame, which must have `verb`; throws with what came instead (or the timeout).
    Frame expect(std::string_view verb, std::chrono::milliseconds timeout);

    /// Skips frames of other verbs until one with `verb` arrives; throws on timeout or close.
    Frame wait_for(std::string_view verb, std::chrono::milliseconds timeout);
};

}  // namespace salon::test
