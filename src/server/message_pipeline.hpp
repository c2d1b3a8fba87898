// Group commit for posted messages and their changes: ids and revs from one sequence in
// acceptance order, one transaction per batch, and delivery in that order only once durable.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/message.hpp"
#include "store/store.hpp"

namespace salon::server {

/// Batch figures for metrics and benchmarks.
struct PipelineStats {
    std::uint64_t batches = 0;
    std::uint64_t messages = 0;
    std::uint64_t failed_batches = 0;
    std::uint64_t largest_batch = 0;
    std::uint64_t queued = 0;  ///< waiting for the writer now
};

/// Persists messages, and changes to them (edits, deletes, reactions), before anyone sees them,
/// cheaply.
///
/// Contract:
/// 1. submit() is thread-safe and never blocks on storage: it assigns the message its id (a
///    change its rev) and timestamp under a short lock, so ids and revs are strictly
///    increasing in submission order.
/// 2. One writer thread takes everything queued (at most `max_batch`) and appends it in one
///    transaction, so a busy server commits many messages per fsync (group commit).
/// 3. Each write's completion runs on `delivery` (a strand), in id order, after its batch
///    has committed (with its outcome) or failed (with nullptr). Delivering from there is what
///    gives every member of a channel the same order, of messages and of their changes.
/// 4. Batches that commit while the delivery strand is busy are delivered together by one
///    handler: under load each connection then gets many messages per wake-up and per write,
///    and at light load nothing waits.
/// 5. congested() says when more than `max_in_flight` messages are accepted but not yet
///    delivered: readers stop taking requests until it clears, so an overloaded server slows
///    its senders down instead of piling a burst into every member's send queue.
class MessagePipeline {
public:
    /// The outcome of the write as the store applied it; nullptr when its batch failed.
    using Completion = std::function<void(const store::WriteOutcome* committed)>;

    MessagePipeline(
        store::Store& store,
        const core::Clock& clock,
        boost::asio::any_io_executor delivery,
        core::MessageId last_id,
        std::size_t max_batch = 1024,
        std::size_t max_in_flight = 1024
    );
    ~MessagePipeline();

    MessagePipeline(const MessagePipeline&) = delete;
    MessagePipeline& operator=(const MessagePipeline&) = delete;

    /// Queues the message (its id, rev and ts_ms are set here) for the next commit.
    void submit(store::MessageWrite write, Completion done);
    /// Queues the change (its rev and ts_ms are set here) for the next commit.
    void submit(store::MessageChange change, Completion done);

    /// Commits what is queued, then stops the writer thread. Later submissions fail at once.
    void stop();

    PipelineStats stats() const;

    /// Whether the last batch failed to commit (storage is refusing writes now).
    bool last_batch_failed() const;

    /// Takes `count` consecutive ids of the sequence for a change made outside the pipeline (the
    /// new revs of a deleted account's messages); returns the first.
    core::MessageId reserve(std::size_t count);

    /// The id (or rev) of the newest write submitted so far, committed or not.
    core::MessageId last_id() const;

    bool congested() const noexcept {
        return in_flight_.load(std::memory_order_relaxed) >= max_in_flight_;
    }

private:
    struct Item {
        store::Write write;
        Completion done;
    };

    struct CommittedBatch {
        std::vector<store::WriteOutcome> outcomes;  // empty when the batch failed
        std::vector<Completion> completions;
    };

    /// Stamps the write with the next id and the time, and queues it; false when stopping.
    template <typename Write>
    bool enqueue(Write& write, Completion& done);
    void run_writer();
    /// On the delivery strand: completes every batch committed since the last call.
    void deliver_committed();

    store::Store& store_;
    const core::Clock& clock_;
    boost::asio::any_io_executor delivery_;
    std::size_t max_batch_;
    std::size_t max_in_flight_;
    std::atomic<std::size_t> in_flight_{0};  // submitted, completion not yet run

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Item> queue_;
    core::MessageId last_id_;
    bool stopping_ = false;
    PipelineStats stats_;
    bool last_batch_failed_ = false;
    std::vector<CommittedBatch> committed_;
    bool delivery_posted_ = false;  // a deliver_committed() is queued and will see committed_
    std::thread writer_;
};

}  // namespace salon::server
