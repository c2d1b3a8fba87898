// Retention: the rounds that remove messages older than the configured days (`[retention]`).
#pragma once

#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include "core/clock.hpp"
#include "core/retention.hpp"
#include "server/hub.hpp"
#include "server/settings.hpp"
#include "store/store.hpp"

namespace salon::server {

/// Messages removed per storage transaction: a message commit waits at most one batch
/// (docs/benchmarks.md, "Retention", has the figures).
inline constexpr std::size_t kPruneBatchMessages = 1000;

/// What `retention` removes at `now`: the messages sent more than its days ago.
store::PruneCutoffs prune_cutoffs(const core::Retention& retention, core::UnixMillis now);

/// Runs a pruning round every `retention.interval`, on a thread of its own: a first round on a
/// large database takes minutes, which must not hold a worker that requests need. Each round
/// reads the settings anew, so a reload (SIGHUP) changes what the next one removes; a new
/// interval applies from the wait after the current one.
class RetentionPruner {
public:
    RetentionPruner(
        const LiveSettings& settings, store::Store& store, Hub& hub, const core::Clock& clock
    );

    ~RetentionPruner() { stop(); }

    RetentionPruner(const RetentionPruner&) = delete;
    RetentionPruner& operator=(const RetentionPruner&) = delete;

    /// Starts the rounds, the first one interval after now.
    void start();
    /// Stops them, waiting for a round under way to finish its batch.
    void stop();

    /// One round, now, cut short between two batches when `stop` is requested: returns the
    /// count of messages removed. @throws store::StorageError
    std::size_t prune_now(std::stop_token stop = {});

private:
    void run(std::stop_token stop);

    const LiveSettings& settings_;
    store::Store& store_;
    Hub& hub_;
    const core::Clock& clock_;
    // The wait between rounds, which only a stop cuts short.
    std::mutex mutex_;
    std::condition_variable_any wake_;
    std::jthread thread_;
};

}  // namespace salon::server
