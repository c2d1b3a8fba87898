// Which wire format a listener's connections speak: the application chooses, net only calls.
#pragma once

#include <functional>
#include <memory>

#include "proto/codec.hpp"

namespace salon::net {

/// Makes the codec of each new connection. Every listener is given one by the application
/// (salond: native JSON lines on its TCP port and /ws, IRC on its IRC port), so no part of net
/// names a concrete codec. Called on the connection's I/O thread, so it must be thread-safe.
using CodecFactory = std::function<std::unique_ptr<proto::Codec>()>;

}  // namespace salon::net
