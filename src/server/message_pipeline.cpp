#include "server/message_pipeline.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

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

void MessagePipeline::submit(
    core::Message message, std::vector<core::UserName> pending_for, Completion done
) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            message.id = ++last_id_;
            message.ts_ms = clock_.unix_now_ms();
            queue_.push_back(Item{
                store::MessageWrite{std::move(message), std::move(pending_for)}, std::move(done)});
            in_flight_.fetch_add(1, std::memory_order_relaxed);
            wake_.notify_one();
            return;
        }
    }
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
    return stats_;
}

core::MessageId MessagePipeline::last_id() const {
    std::lock_guard lock(mutex_);
    return last_id_;
}

void MessagePipeline::run_writer() {
    for (;;) {
        std::vector<store::MessageWrite> writes;
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

        bool committed = true;
        try {
            const metrics::ScopedTimer timed(metrics::salon().storage_commit_seconds);
            store_.append_messages(writes);
        } catch (const std::exception& e) {
            committed = false;
            spdlog::error(
                "storage: a batch of {} messages failed to commit: {}", writes.size(), e.what()
            );
        }
        std::lock_guard lock(mutex_);
        stats_.batches += 1;
        metrics::salon().storage_batch_size.observe(static_cast<double>(writes.size()));
        stats_.messages += writes.size();
        stats_.largest_batch = std::max<std::uint64_t>(stats_.largest_batch, writes.size());
        if (!committed) stats_.failed_batches += 1;
        committed_.push_back(CommittedBatch{std::move(writes), std::move(completions), committed});
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
        for (std::size_t i = 0; i < batch.writes.size(); ++i)
            batch.completions[i](batch.committed ? &batch.writes[i].message : nullptr);
        in_flight_.fetch_sub(batch.writes.size(), std::memory_order_relaxed);
    }
}

}  // namespace salon::server
