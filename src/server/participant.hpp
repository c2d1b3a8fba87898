// What the hub sees of a connection: the queue its events and answers go to, and the timer
// that wakes the writers of connections holding only presence notices.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errc.hpp"
#include "core/events.hpp"
#include "proto/codec.hpp"
#include "proto/request.hpp"
#include "server/link.hpp"
#include "server/outbound_event.hpp"
#include "server/outbox.hpp"

namespace salon::server {

class LazyWakes;
class Participant;

/// The OK that a hub operation queues for its requester before the events the operation
/// causes, given to the hub as data: who asked, which request it answers, and for a post the
/// place kept for it in the requester's queue.
struct Acknowledgement {
    Participant* to = nullptr;  ///< nobody: nothing to answer (a join made for a login)
    const proto::Request* request = nullptr;
    std::optional<Outbox::Slot> slot;

    explicit operator bool() const noexcept { return to != nullptr; }
};

/// One connection's output, whatever the transport: its wire format, its Outbox, and the link
/// that writes the Outbox out. The hub delivers events here; a Session adds the login state and
/// the requests.
///
/// Thread safety: deliver(), acknowledge() and refuse() may be called from any thread (fan-out,
/// the delivery strand); they touch only the Outbox, which has its own lock. The rest runs on
/// the connection's thread.
class Participant : public std::enable_shared_from_this<Participant> {
public:
    Participant(
        LazyWakes& lazy_wakes,
        std::weak_ptr<Link> link,
        std::string remote_address,
        std::unique_ptr<proto::Codec> codec,
        std::size_t send_queue_bytes
    );
    // Not virtual: participants are owned by std::shared_ptr, which deletes the type it made.
    ~Participant() = default;

    Participant(const Participant&) = delete;
    Participant& operator=(const Participant&) = delete;

    const std::string& remote_address() const noexcept { return remote_address_; }

    /// Whether the transport is encrypted (Link::encrypted); false once it is gone.
    bool encrypted() const noexcept {
        const auto link = link_.lock();
        return link && link->encrypted();
    }

    Outbox& outbox() noexcept { return outbox_; }

    const Outbox& outbox() const noexcept { return outbox_; }

    /// Queues an event in this connection's format (unless its codec declines it); a full
    /// queue drops the connection with `send_queue_full`.
    void deliver(const SharedEvent& event);
    /// Queues the OK of `ack`'s request with `result`, in the place kept for it if any.
    void acknowledge(const Acknowledgement& ack, const core::Result& result);
    /// Queues a NO for `ack`'s request, in the place kept for it if any.
    void refuse(const Acknowledgement& ack, core::Errc code, std::string_view message);

    void reply_ok(const proto::Request& request, const core::Result& result);
    void reply_no(const proto::Request& request, core::Errc code, std::string_view message);
    /// Queues an already encoded reply.
    void queue_reply(Frame frame);
    /// Queues a NOTICE event, e.g. shutting_down.
    void notice(std::string_view code, std::string_view message);
    void close(std::string reason);

    /// Waits until at most `backlog_bytes` are queued, or for 0 until everything queued before
    /// the call is written (Link::drained); false when the connection is going away.
    boost::asio::awaitable<bool> room_for(std::size_t backlog_bytes);

    /// Asks the CPU to start loading what deliver() reads, so that fan-out can overlap the
    /// cache misses of members further down its list.
    void prefetch() const noexcept {
        constexpr std::uintptr_t kLine = 64;
        const auto first = reinterpret_cast<std::uintptr_t>(&codec_) & ~(kLine - 1);
        const auto end =
            reinterpret_cast<std::uintptr_t>(&lazy_wake_pending_) + sizeof lazy_wake_pending_;
        for (std::uintptr_t line = first; line < end; line += kLine) {
            __builtin_prefetch(reinterpret_cast<const void*>(line));
        }
    }

    /// The same for the codec, which deliver() asks first; best once prefetch() has loaded
    /// the pointer to it.
    void prefetch_codec() const noexcept { __builtin_prefetch(codec_.get()); }

    /// LazyWakes' call: writes the presence notices still waiting. Any thread.
    void wake_for_lazy_events();

protected:
    proto::Codec& codec() noexcept { return *codec_; }

    /// The transport is gone: nothing is written any more.
    void detach_link() { outbox_.detach(); }

private:
    /// Queues `ack`'s reply in the place kept for it, or behind the replies queued so far.
    void answer(const Acknowledgement& ack, Frame frame);
    void overflow();

    LazyWakes& lazy_wakes_;
    std::weak_ptr<Link> link_;
    std::string remote_address_;
    // What deliver() reads, side by side from here to lazy_wake_pending_, for prefetch().
    std::unique_ptr<proto::Codec> codec_;
    Outbox outbox_;
    // Set from a lazy deliver() until LazyWakes wakes the writer, so it is asked once.
    std::atomic<bool> lazy_wake_pending_ = false;
};

using ParticipantPtr = std::shared_ptr<Participant>;

/// Thread-safe. A JOIN, PART or QUIT notice does not wake its connection's writer: it leaves
/// with the next frame that does (a message, a reply) or, at the latest, when this wakes the
/// writer `interval` after the first such notice. A member of a busy channel then gets every
/// notice of a login storm in the writes its messages cause anyway, and a member of a quiet
/// one gets one write per interval, not one per notice. Order is unchanged: notices wait in the
/// same queue as everything else.
class LazyWakes {
public:
    LazyWakes(boost::asio::any_io_executor executor, std::chrono::milliseconds interval);

    /// Wakes `participant`'s writer within the interval. The participant calls this once per batch
    /// of lazy notices; a participant gone by then is skipped.
    void add(std::weak_ptr<Participant> participant);

private:
    void wake_all(const boost::system::error_code& ec);

    std::chrono::milliseconds interval_;
    boost::asio::steady_timer timer_;  // used only on its strand
    std::mutex mutex_;
    std::vector<std::weak_ptr<Participant>> waiting_;
    bool armed_ = false;
};

}  // namespace salon::server
