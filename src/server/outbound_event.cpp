#include "server/outbound_event.hpp"

namespace salon::server {

Frame OutboundEvent::frame(const proto::Codec& codec) const {
    const std::size_t format = codec.event_format();
    std::lock_guard lock(mutex_);
    Frame& cached = frames_.at(format);
    if (!cached) cached = std::make_shared<const std::string>(codec.event(event_));
    return cached;
}

}  // namespace salon::server
