// The bounded queue of frames waiting to be written to one connection.
#pragma once

#include <cstdint>
#include <vector>

#include "server/compact_mutex.hpp"
#include "server/frame_queue.hpp"

namespace salon::server {

/// Frames waiting for one connection's writer.
///
/// Contract:
/// 1. Every method is thread-safe and never blocks for long: fan-out from any thread pushes
///    here, and the connection's writer takes from here.
/// 2. Frames leave in the order they were accepted, except that a reply reserved with
///    reserve() holds back the replies accepted after it (never events) until it is fulfilled
///    and settled: replies leave in request order while a SEND waits for its commit, and a
///    reply after it (a PING's PONG) leaves after the events the SEND caused for this
///    connection too, which its completion queues between fulfil() and settle().
/// 3. Bounded: when an event would take the queued bytes past the limit, it is refused, what was
///    queued is dropped, and only the frame given to overflow() is left to write. Replies are
///    admitted past the limit (they count towards it): what the server chose to send in answer
///    is never a reason to drop the client. The reader stops taking requests while the backlog
///    is high, and bulk replies wait for room (Link::drained), so replies cannot pile up.
class Outbox {
public:
    /// The writer's wake-up call: a function and the context it is called with. Two words, not
    /// a std::function's four: every connection has one.
    struct Waker {
        void (*call)(void* context) = nullptr;
        void* context = nullptr;

        void operator()() const { call(context); }

        explicit operator bool() const noexcept { return call != nullptr; }
    };

    using Slot = std::uint64_t;

    explicit Outbox(std::size_t limit_bytes) : limit_bytes_(limit_bytes) {}

    /// The writer's wake-up call, invoked (with the lock held, so it must only post) when a
    /// frame arrives while the writer waits. Cleared by detach().
    void attach(Waker waker);
    void detach();

    /// Queued bytes past which a lazy event wakes the writer anyway.
    static constexpr std::size_t kLazyBatchBytes = 16 * 1024;

    /// Queues an event; false when it does not fit (the caller then calls overflow()). A lazy
    /// event does not wake the writer: it leaves with the next frame that does, or at wake(),
    /// or once kLazyBatchBytes bytes wait.
    bool push(Frame frame, bool lazy = false);
    /// Wakes a waiting writer if lazy events are queued.
    void wake();
    /// Queues a reply behind any reserved reply still pending; false only after an overflow.
    bool reply(Frame frame);
    /// Reserves the place of a reply that is known later; `expected_bytes` (what it and the
    /// events it causes for this connection will likely take) counts in backlog_bytes() until
    /// the reply is fulfilled.
    Slot reserve(std::size_t expected_bytes);
    /// Gives a reserved reply its frame, which becomes writable once the replies before it are;
    /// the replies after it wait for settle(). False only after an overflow.
    bool fulfil(Slot slot, Frame frame);
    /// The request of a reserved reply has queued everything it causes: the replies held back
    /// behind it become writable (once it is fulfilled).
    void settle(Slot slot);

    /// Settles a slot when it goes: made first in a completion, so that every path settles.
    class Settling {
    public:
        Settling(Outbox& outbox, Slot slot) : outbox_(outbox), slot_(slot) {}

        ~Settling() { outbox_.settle(slot_); }

        Settling(const Settling&) = delete;
        Settling& operator=(const Settling&) = delete;

    private:
        Outbox& outbox_;
        Slot slot_;
    };

    /// Drops everything queued and leaves only `last_words`; returns false if it had already
    /// overflowed (so exactly one caller handles the overflow).
    bool overflow(Frame last_words);

    /// Moves every writable frame behind those in `out`; false (and arms the waker) when there
    /// is none.
    bool take(FrameQueue& out);

    bool overflowed() const;

    /// A point in the stream of frames: everything made writable so far.
    using Mark = std::uint32_t;
    Mark mark() const;
    /// True once every frame made writable before `mark` has been written: the writer takes
    /// all there is at each take() and comes back for more only once it has written it all.
    bool written_through(Mark mark) const;
    /// True while a reserved reply, or a reply held back behind one, is still to be written: a
    /// closing connection waits for them (END after pipelined SENDs owes every OK).
    bool owes_replies() const;
    std::size_t queued_bytes() const;
    /// Queued bytes plus the expected size of the replies still reserved: what the reader of
    /// this connection looks at to stop taking requests (backpressure).
    std::size_t backlog_bytes() const;

private:
    struct Pending {
        Slot slot = 0;  // 0: an ordinary reply held back behind a reserved one
        Frame frame;    // null until fulfilled, and once made writable
        std::size_t expected_bytes = 0;
        bool fulfilled = false;
        bool settled = false;
    };

    enum class Kind { event, reply };

    bool admit(std::size_t bytes, Kind kind);         // requires mutex_
    void make_ready(Frame frame, bool lazy = false);  // requires mutex_
    void release_pending();                           // requires mutex_

    // What an idle connection costs counts: the lock and the flags share one word, and the
    // waker takes two.
    mutable CompactMutex mutex_;
    bool overflowed_ = false;
    bool writer_waiting_ = false;
    std::size_t limit_bytes_;
    std::size_t bytes_ = 0;
    std::size_t reserved_bytes_ = 0;
    FrameQueue ready_;
    // A vector, not a deque: libstdc++ gives every deque a 512-byte block even when empty, and
    // most connections hold nothing most of the time. pending_ stays short (one entry per
    // pipelined post awaiting its commit), so erasing at its front is cheap.
    std::vector<Pending> pending_;
    Slot next_slot_ = 1;
    Waker waker_;
    // Frames made writable, taken by the writer and known to be written, counted modulo 2^32
    // (compared by difference): far fewer than 2^31 frames are ever in flight.
    Mark made_ready_ = 0;
    Mark taken_ = 0;
    Mark written_ = 0;
};

}  // namespace salon::server
