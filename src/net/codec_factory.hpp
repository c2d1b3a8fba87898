// Which wire format a listener's connections speak: the application chooses, net only calls.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "proto/codec.hpp"

namespace salon::net {

/// Makes the codec of each new connection. Every listener is given one by the application
/// (salond: native JSON lines on its TCP port and /ws, IRC on its IRC port), so no part of net
/// names a concrete codec. Called on the connection's I/O thread, so it must be thread-safe.
using CodecFactory = std::function<std::unique_ptr<proto::Codec>()>;

/// What a WebSocket speaks, by the subprotocol its client chose (IRCv3 WebSocket transport).
enum class WebSocketFormat {
    native,      ///< no subprotocol: the native protocol, one frame per text message
    irc_text,    ///< `text.ircv3.net`: IRC, one line per text message, without CRLF
    irc_binary,  ///< `binary.ircv3.net`: the same in binary messages
};

/// The codecs of an HTTP listener's WebSockets. Without `irc`, the IRCv3 subprotocols are not
/// offered and every WebSocket speaks the native protocol.
struct WebSocketCodecs {
    CodecFactory native;
    CodecFactory irc = {};
    std::size_t irc_max_frame_bytes = 0;  ///< the longest IRC line; 0: the server's frame limit
};

}  // namespace salon::net
