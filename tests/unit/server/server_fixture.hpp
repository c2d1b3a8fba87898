// The server's parts without sockets, for the hub and command tests: the real store on a
// temporary directory, real participants whose frames the test reads, and a clock it moves.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "proto/native_codec.hpp"
#include "server/frame_queue.hpp"
#include "server/link.hpp"
#include "server/participant.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace salon::server::test_support {

/// A clock the test moves by hand.
class ManualClock final : public core::Clock {
public:
    core::SteadyTime steady_now() const override { return now_; }

    core::UnixMillis unix_now_ms() const override { return 1'700'000'000'000; }

    void advance(std::chrono::milliseconds by) { now_ += by; }

private:
    core::SteadyTime now_{};
};

/// A transport that writes instantly: whatever the participant queues is taken as soon as
/// anyone waits for it to be written, and kept for the test to read.
class RecordingLink final : public Link {
public:
    void close_after_flush(std::string reason) override {
        if (closed.empty()) closed = std::move(reason);
    }

    void wake_writer() override {}

    boost::asio::awaitable<bool> drained(std::size_t) override {
        write();
        co_return closed.empty();
    }

    /// Takes everything writable into `written`.
    void write() {
        FrameQueue frames;
        if (outbox != nullptr) outbox->take(frames);
        for (const auto& frame : frames) written.push_back(*frame);
    }

    /// What was written since the last call, the pending frames included.
    std::vector<std::string> take_written() {
        write();
        return std::exchange(written, {});
    }

    Outbox* outbox = nullptr;
    std::vector<std::string> written;
    std::string closed;  ///< the reason, once closed
};

/// A participant speaking the native protocol over a RecordingLink.
struct Peer {
    std::shared_ptr<RecordingLink> link = std::make_shared<RecordingLink>();
    ParticipantPtr participant;

    /// The frames queued for it since the last call.
    std::vector<std::string> frames() { return link->take_written(); }

    /// True when one of frames() contains `text`.
    bool received(const std::string& text) {
        for (const auto& frame : frames())
            if (frame.find(text) != std::string::npos) return true;
        return false;
    }
};

inline Peer make_peer(LazyWakes& lazy_wakes, const std::string& address) {
    Peer peer;
    peer.participant = std::make_shared<Participant>(
        lazy_wakes, peer.link, address, std::make_unique<proto::NativeCodec>(), 1024 * 1024
    );
    peer.link->outbox = &peer.participant->outbox();
    return peer;
}

}  // namespace salon::server::test_support
