#include "server/retention.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "metrics/salon_metrics.hpp"

namespace salon::server {
namespace {

/// The cutoff of `days` (0: none) at `now`.
std::optional<core::UnixMillis> cutoff_of(unsigned days, core::UnixMillis now) {
    if (days == 0) return std::nullopt;
    return now -
           std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::days(days)).count();
}

}  // namespace

store::PruneCutoffs prune_cutoffs(const core::Retention& retention, core::UnixMillis now) {
    store::PruneCutoffs cutoffs{
        .channels = cutoff_of(retention.days, now),
        .direct = cutoff_of(retention.direct_days.value_or(retention.days), now),
        .by_channel = {},
    };
    for (const auto& [channel, days] : retention.channel_days)
        cutoffs.by_channel.emplace(channel, cutoff_of(days, now));
    return cutoffs;
}

RetentionPruner::RetentionPruner(
    const LiveSettings& settings, store::Store& store, Hub& hub, const core::Clock& clock
)
    : settings_(settings), store_(store), hub_(hub), clock_(clock) {}

void RetentionPruner::start() {
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void RetentionPruner::stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
}

std::size_t RetentionPruner::prune_now(std::stop_token stop) {
    const auto cutoffs = prune_cutoffs(settings_.current().retention, clock_.unix_now_ms());
    if (cutoffs.keep_all()) return 0;
    const auto started = std::chrono::steady_clock::now();
    const std::size_t pruned = store_.prune_messages(cutoffs, kPruneBatchMessages, stop);
    if (pruned == 0) return 0;
    hub_.forget_pruned(cutoffs);
    metrics::salon().messages_pruned.inc(pruned);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started
    );
    spdlog::info("retention: pruned {} messages in {} ms", pruned, took.count());
    return pruned;
}

void RetentionPruner::run(std::stop_token stop) {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            const auto interval = settings_.current().retention.interval;
            // Ends at the interval's end, or at once when stopped.
            wake_.wait_for(lock, stop, interval, [] { return false; });
            if (stop.stop_requested()) return;
        }
        try {
            prune_now(stop);
        } catch (const store::StorageError& e) {
            // The next round tries again; nothing was lost (a batch is one transaction).
            spdlog::warn("retention: {}", e.what());
        }
    }
}

}  // namespace salon::server
