// The seam between a wire protocol and the server: one Codec per connection.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "core/errc.hpp"
#include "core/events.hpp"
#include "proto/request.hpp"

namespace salon::proto {

/// Why a frame could not become a Request, with the ref when it could be read.
struct DecodeError {
    Ref ref;
    core::Errc code;
    std::string message;
};

/// The most event formats in use at once; each connection's event_format() is below it.
inline constexpr std::size_t kMaxEventFormats = 14;

/// Turns one connection's frames into typed requests, and results and events into its bytes.
///
/// Contract:
/// 1. decode(), ok(), no() and rejected() are called on the connection's thread, one at a time,
///    except ok() and no() for SEND and DM: those replies are encoded when the message commits,
///    on the server's delivery strand, possibly while the connection's thread runs decode().
///    A codec that keeps per-connection state (an IRC client's capabilities, say) must make
///    what those two calls read safe to read from there.
/// 2. event() must be a pure function of the event and event_format(): connections whose codecs
///    report the same format receive the very same bytes, encoded once (encode once, send many).
///    It may be called from any thread.
/// 3. finished() is called on the connection's thread once the request's handler has returned:
///    every reply but a SEND's or DM's has been encoded by then.
/// 4. None of them throws on bad input; an empty string means "send nothing".
class Codec {
public:
    /// The codec answered the frame itself (a protocol's own negotiation); nothing to execute.
    struct Answered {
        std::string bytes;
    };

    using Input = std::variant<Request, DecodeError, Answered>;

    virtual ~Codec() = default;

    virtual Input decode(std::string_view frame, bool logged_in) = 0;
    virtual std::string ok(const Request& request, const core::Result& result) = 0;
    virtual std::string no(const Request& request, core::Errc code, std::string_view message) = 0;

    /// What ends the replies to `request` (IRC's labeled-response batch, say); "" for nothing.
    virtual std::string finished(const Request& /*request*/) { return {}; }

    /// The answer to a frame that did not decode (also `line_too_long`, with an empty ref).
    virtual std::string rejected(const DecodeError& error) = 0;

    virtual std::size_t event_format() const noexcept = 0;
    virtual std::string event(const core::Event& event) const = 0;

    /// False for events this connection does not want (IRC without echo-message, say).
    virtual bool accepts(const core::Event&) const noexcept { return true; }
};

}  // namespace salon::proto
