#include "server/outbound_event.hpp"

namespace salon::server {

Frame OutboundEvent::frame(const proto::Codec& codec) const {
    const std::size_t format = codec.event_format();
    if (encoded_.at(format).load(std::memory_order_acquire)) return frames_[format];
    std::lock_guard lock(mutex_);
    Frame& cached = frames_[format];
    if (!cached) {
        cached = make_frame(codec.event(event_));
        encoded_[format].store(true, std::memory_order_release);
    }
    return cached;
}

}  // namespace salon::server
