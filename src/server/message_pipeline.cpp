#include "server/message_pipeline.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <type_traits>

#include "metrics/salon_metrics.hpp"

namespace salon::server {

MessagePipeline::MessagePipeline(
    store::Store& store,
    const core::Clock& clock,
    boost::asio::any_io_executor delivery,
    core::MessageId last_id,
    std::size_t max_batch,
    std::size_t max_in_flight
)
    : store_(store),
      clock_(clock),
      delivery_(std::move(delivery)),
      max_batch_(max_batch),
      max_in_flight_(max_in_flight),
      last_id_(last_id),
      writer_([this] { run_writer(); }) {}

MessagePipeline::~MessagePipeline() {
    stop();
}

template <typename Write>
bool MessagePipeline::enqueue(Write& write, Completion& done) {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    const core::MessageId next = ++last_id_;
    const core::UnixMillis now = clock_.unix_now_ms();
    if constexpr (std::is_same_v<Write, store::MessageWrite>) {
        write.message.id = next;
        write.message.rev = next;
        write.message.ts_ms = now;
    } else {
        write.rev = next;
        write.ts_ms = now;
    }
    queue_.push_back(Item{std::move(write), std::move(done)});
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    wake_.notify_one();
    return true;
}

void MessagePipeline::submit(store::MessageWrite write, Completion done) {
    if (enqueue(write, done)) return;
    boost::asio::post(delivery_, [done = std::move(done)] { done(nullptr); });
}

void MessagePipeline::submit(store::MessageChange change, Completion done) {
    if (enqueue(change, done)) return;
    boost::asio::post(delivery_, [done = std::move(done)] { done(nullptr); });
}

void MessagePipeline::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !writer_.joinable()) return;
        stopping_ = true;
        wake_.notify_one();
    }
    if (writer_.joinable()) writer_.join();
}

PipelineStats MessagePipeline::stats() const {
    std::lock_guard lock(mutex_);
    PipelineStats now = stats_;
    now.queued = queue_.size();
    return now;
}

bool MessagePipeline::last_batch_failed() const {
    std::lock_guard lock(mutex_);
    return last_batch_failed_;
}

core::MessageId MessagePipeline::reserve(std::size_t count) {
    std::lock_guard lock(mutex_);
    const core::MessageId first = last_id_ + 1;
    last_id_ += static_cast<core::MessageId>(count);
    return first;
}

core::MessageId MessagePipeline::last_id() const {
    std::lock_guard lock(mutex_);
    return last_id_;
}

void MessagePipeline::run_writer() {
    for (;;) {
        std::vector<store::Write> writes;
        std::vector<Completion> completions;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything is committed
            const std::size_t n = std::min(queue_.size(), max_batch_);
            writes.reserve(n);
            completions.reserve(n);
            for (std::size_t i = 0; i < n; ++i) {
                writes.push_back(std::move(queue_.front().write));
                completions.push_back(std::move(queue_.front().done));
                queue_.pop_front();
            }
        }

        std::vector<store::WriteOutcome> outcomes;
        try {
            const metrics::ScopedTimer timed(metrics::salon().storage_commit_seconds);
            outcomes = store_.commit(writes);
        } catch (const std::exception& e) {
            outcomes.clear();
            spdlog::error(
                "storage: a batch of {} writes failed to commit: {}", writes.size(), e.what()
            );
        }
        const bool committed = outcomes.size() == writes.size();
        std::lock_guard lock(mutex_);
        stats_.batches += 1;
        metrics::salon().storage_batch_size.observe(static_cast<double>(writes.size()));
        stats_.messages += writes.size();
        stats_.largest_batch = std::max<std::uint64_t>(stats_.largest_batch, writes.size());
        if (!committed) stats_.failed_batches += 1;
        last_batch_failed_ = !committed;
        if (!committed) outcomes.clear();
        committed_.push_back(CommittedBatch{std::move(outcomes), std::move(completions)});
        if (!delivery_posted_) {
            delivery_posted_ = true;
            boost::asio::post(delivery_, [this] { deliver_committed(); });
        }
    }
}

void MessagePipeline::deliver_committed() {
    std::vector<CommittedBatch> batches;
    {
        std::lock_guard lock(mutex_);
        batches.swap(committed_);
        delivery_posted_ = false;
    }
    for (const auto& batch : batches) {
        const bool committed = !batch.outcomes.empty();
        for (std::size_t i = 0; i < batch.completions.size(); ++i)
            batch.completions[i](committed ? &batch.outcomes[i] : nullptr);
        in_flight_.fetch_sub(batch.completions.size(), std::memory_order_relaxed);
    }
}

}  // namespace salon::server
