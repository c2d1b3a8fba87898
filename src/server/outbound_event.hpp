// An event on its way to many connections, encoded at most once per wire format.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>

#include "core/events.hpp"
#include "proto/codec.hpp"
#include "server/outbox.hpp"

namespace salon::server {

/// Thread-safe: fan-out on any thread asks for the bytes of its connection's format; the
/// first asker of each format encodes, the others share the same Frame.
class OutboundEvent {
public:
    explicit OutboundEvent(core::Event event)
        : event_(std::move(event)),
          lazy_(
              std::holds_alternative<core::JoinEvent>(event_) ||
              std::holds_alternative<core::PartEvent>(event_) ||
              std::holds_alternative<core::QuitEvent>(event_)
          ) {}

    const core::Event& event() const noexcept { return event_; }

    /// Presence notices (JOIN, PART, QUIT) may wait a moment for a write (see LazyWakes).
    bool lazy() const noexcept { return lazy_; }

    /// The event in `codec`'s format.
    Frame frame(const proto::Codec& codec) const;

private:
    core::Event event_;
    bool lazy_;
    mutable std::mutex mutex_;  // held only to encode
    mutable std::array<Frame, proto::kMaxEventFormats> frames_;
    // Set once a format's frame is in frames_: every later asker reads it without the lock.
    mutable std::array<std::atomic<bool>, proto::kMaxEventFormats> encoded_{};
};

using SharedEvent = std::shared_ptr<const OutboundEvent>;

inline SharedEvent make_event(core::Event event) {
    return std::make_shared<const OutboundEvent>(std::move(event));
}

}  // namespace salon::server
