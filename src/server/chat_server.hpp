// The chat service as a whole, whatever the transports: its shared state, its worker threads,
// and the factory of sessions.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "proto/codec.hpp"
#include "server/blocking_work.hpp"
#include "server/commands/context.hpp"
#include "server/hashing_pool.hpp"
#include "server/hub.hpp"
#include "server/link.hpp"
#include "server/login_throttle.hpp"
#include "server/message_pipeline.hpp"
#include "server/retention.hpp"
#include "server/server_bans.hpp"
#include "server/settings.hpp"
#include "server/token_sessions.hpp"
#include "store/store.hpp"

namespace salon::server {

class Session;

/// Owns the hub, the message pipeline and the two pools for blocking work (storage reads and
/// write-behind on the workers, password hashing on the hashers), and creates sessions for the
/// transports.
class ChatServer {
public:
    /// `worker_threads` sizes both pools; at most that many argon2id computations (each
    /// `settings.password.mem_bytes` of memory) run at once, however many logins are waiting.
    ChatServer(
        boost::asio::io_context& io,
        ServerSettings settings,
        store::Store& store,
        const core::Clock& clock,
        std::size_t worker_threads
    );
    ~ChatServer();

    ChatServer(const ChatServer&) = delete;
    ChatServer& operator=(const ChatServer&) = delete;

    /// Loads the stored channels and their recent messages. Blocking: call before serving.
    void load();

    /// Starts looking at the locked accounts and the server bans every
    /// commands::kAccountWatchInterval, closing the sessions they bar: `salond user lock` and
    /// `salond user ban` are another process, which only writes to storage.
    void watch_accounts();

    /// Starts applying the administrators' queued requests (`salond channel …`, another
    /// process) every kAdminRequestPoll, through the hub.
    void watch_admin_requests();

    /// Starts retention's pruning rounds (RetentionPruner), as the settings say; drain() stops
    /// them.
    void start_retention() { retention_.start(); }

    /// A new session for a transport connection speaking `codec`'s protocol.
    std::shared_ptr<Session> open_session(
        std::weak_ptr<Link> link, std::string remote_address, std::unique_ptr<proto::Codec> codec
    );

    /// Commits every accepted message and finishes pending storage writes; password checks
    /// still queued are dropped (their connections are gone). Call once the transports have
    /// closed their connections.
    void drain();

    /// The settings now: a reload may replace them (reconfigure()), so hold the reference for
    /// one use, not longer.
    const ServerSettings& settings() const noexcept { return settings_.current(); }

    /// Applies new settings (a reload) to what comes next: each request and event reads them,
    /// new connections take their per-connection limits from them, and the login and channel
    /// creation budgets go on at the new rates. A connection keeps the rate limit and send queue
    /// it opened with, and a channel the size of its recent history.
    void reconfigure(ServerSettings next);

    Hub& hub() noexcept { return hub_; }

    MessagePipeline& pipeline() noexcept { return pipeline_; }

    const core::Clock& clock() const noexcept { return clock_; }

    BlockingWork& work() noexcept { return work_; }

    /// Empty while storage is reachable: the periodic account watch (a storage read every
    /// commands::kAccountWatchInterval) succeeded lately and the last message commit did not
    /// fail. Otherwise what is wrong, for /healthz/ready. Thread-safe.
    std::optional<std::string> storage_problem() const;

private:
    /// What the last storage read of the account watch found (guarded by health_mutex_).
    void record_storage_check(std::optional<std::string> problem);

    LiveSettings settings_;
    store::Store& store_;
    const core::Clock& clock_;
    boost::asio::thread_pool workers_;
    boost::asio::strand<boost::asio::thread_pool::executor_type> store_writes_;
    boost::asio::strand<boost::asio::io_context::executor_type> delivery_;
    Hub hub_;
    MessagePipeline pipeline_;
    RetentionPruner retention_;
    LoginThrottle login_throttle_;
    TokenSessions token_sessions_;
    ServerBans server_bans_;
    LazyWakes lazy_wakes_;
    BlockingWork work_;
    commands::Services services_;
    boost::asio::steady_timer account_watch_;
    boost::asio::steady_timer admin_watch_;
    int ban_sweeps_left_ = 0;  // enforce_server_bans(); the account watch's alone
    mutable std::mutex health_mutex_;
    std::chrono::steady_clock::time_point storage_checked_ = std::chrono::steady_clock::now();
    std::optional<std::string> storage_error_;
    // Last, so that it is destroyed first: dropped password checks hold sessions, which must
    // not outlive the hub they belong to.
    HashingPool hashers_;
};

}  // namespace salon::server
