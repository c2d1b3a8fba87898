#include "server/outbox.hpp"

#include <algorithm>
#include <iterator>
#include <mutex>

namespace salon::server {

void Outbox::attach(Waker waker) {
    std::lock_guard lock(mutex_);
    waker_ = std::move(waker);
}

void Outbox::detach() {
    std::lock_guard lock(mutex_);
    waker_ = Waker{};
}

bool Outbox::admit(std::size_t bytes, Kind kind) {
    if (overflowed_) return false;
    if (kind == Kind::event && bytes_ + bytes > limit_bytes_) return false;
    bytes_ += bytes;
    return true;
}

void Outbox::make_ready(Frame frame, bool lazy) {
    ready_.push_back(std::move(frame));
    ++made_ready_;
    // Lazy events wait for company, but bounded in bytes: a storm's notices then leave a few
    // hundred to a write, far inside the send-queue limit that would drop the connection.
    if (lazy && bytes_ < kLazyBatchBytes) return;
    if (writer_waiting_ && waker_) {
        writer_waiting_ = false;
        waker_();
    }
}

bool Outbox::push(Frame frame, bool lazy) {
    std::lock_guard lock(mutex_);
    if (!admit(frame->size(), Kind::event)) return false;
    make_ready(std::move(frame), lazy);
    return true;
}

void Outbox::wake() {
    std::lock_guard lock(mutex_);
    if (!ready_.empty() && writer_waiting_ && waker_) {
        writer_waiting_ = false;
        waker_();
    }
}

bool Outbox::reply(Frame frame) {
    std::lock_guard lock(mutex_);
    if (!admit(frame->size(), Kind::reply)) return false;
    if (pending_.empty()) {
        make_ready(std::move(frame));
    } else {
        pending_.push_back(Pending{
            .slot = 0, .frame = std::move(frame), .fulfilled = true, .settled = true});
    }
    return true;
}

Outbox::Slot Outbox::reserve(std::size_t expected_bytes) {
    std::lock_guard lock(mutex_);
    const Slot slot = next_slot_++;
    pending_.push_back(Pending{.slot = slot, .frame = nullptr, .expected_bytes = expected_bytes});
    reserved_bytes_ += expected_bytes;
    return slot;
}

bool Outbox::fulfil(Slot slot, Frame frame) {
    std::lock_guard lock(mutex_);
    const auto it = std::ranges::find(pending_, slot, &Pending::slot);
    if (it == pending_.end() || it->fulfilled) return false;  // dropped by an overflow, or spent
    reserved_bytes_ -= it->expected_bytes;
    it->expected_bytes = 0;
    if (!admit(frame->size(), Kind::reply)) return false;
    it->frame = std::move(frame);
    it->fulfilled = true;
    release_pending();
    return true;
}

void Outbox::settle(Slot slot) {
    std::lock_guard lock(mutex_);
    const auto it = std::ranges::find(pending_, slot, &Pending::slot);
    if (it == pending_.end()) return;  // dropped by an overflow
    it->settled = true;
    release_pending();
}

void Outbox::release_pending() {
    auto it = pending_.begin();
    for (; it != pending_.end() && it->fulfilled; ++it) {
        if (it->frame) make_ready(std::move(it->frame));
        if (!it->settled) break;  // its request's events are still to come: later replies wait
    }
    pending_.erase(pending_.begin(), it);
}

bool Outbox::overflow(Frame last_words) {
    std::lock_guard lock(mutex_);
    if (overflowed_) return false;
    overflowed_ = true;
    ready_.clear();
    pending_.clear();
    reserved_bytes_ = 0;
    bytes_ = last_words->size();
    make_ready(std::move(last_words));
    return true;
}

bool Outbox::take(FrameQueue& out) {
    std::lock_guard lock(mutex_);
    written_ = taken_;  // the writer comes back for more once it has written what it took
    taken_ = made_ready_;
    if (ready_.empty()) {
        writer_waiting_ = true;
        return false;
    }
    for (const auto& frame : ready_) bytes_ -= frame->size();
    out.splice(ready_);
    return true;
}

bool Outbox::owes_replies() const {
    std::lock_guard lock(mutex_);
    return !pending_.empty();
}

bool Outbox::overflowed() const {
    std::lock_guard lock(mutex_);
    return overflowed_;
}

Outbox::Mark Outbox::mark() const {
    std::lock_guard lock(mutex_);
    return made_ready_;
}

bool Outbox::written_through(Mark mark) const {
    std::lock_guard lock(mutex_);
    return static_cast<std::int32_t>(written_ - mark) >= 0;
}

std::size_t Outbox::queued_bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
}

std::size_t Outbox::backlog_bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_ + reserved_bytes_;
}

}  // namespace salon::server
