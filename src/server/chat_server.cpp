#include "server/chat_server.hpp"

#include <spdlog/spdlog.h>

#include "metrics/salon_metrics.hpp"
#include "server/admin_requests.hpp"
#include "server/commands/handlers.hpp"
#include "server/session.hpp"

namespace salon::server {
namespace {

// How long a presence notice may wait for a write: unnoticeable in a chat, and long enough
// that in a channel with any traffic the notices ride on the messages' writes. In a login
// storm every member gets a write per interval for as long as the storm lasts, so a longer
// interval is fewer writes, a shorter storm, and fewer intervals again.
constexpr std::chrono::milliseconds kLazyWakeInterval{300};

// How long password hashing may go without finishing a job before a hasher is lifted to normal
// priority for one: a login storm on an idle-enough server never waits that long between jobs,
// a machine busy with other work otherwise would starve logins without bound.
constexpr std::chrono::milliseconds kHashingStarvation{1000};

}  // namespace

ChatServer::ChatServer(
    boost::asio::io_context& io,
    ServerSettings settings,
    store::Store& store,
    const core::Clock& clock,
    std::size_t worker_threads
)
    : settings_(std::move(settings)),
      store_(store),
      clock_(clock),
      workers_(worker_threads),
      store_writes_(boost::asio::make_strand(workers_.get_executor())),
      delivery_(boost::asio::make_strand(io.get_executor())),
      hub_(settings_, store_, store_writes_, clock_, [this] { return pipeline_.last_id(); }),
      pipeline_(store_, clock_, delivery_, store_.max_message_id()),
      retention_(settings_, store_, hub_, clock_),
      login_throttle_(
          clock_,
          settings_.current().limits.failed_logins_per_minute,
          settings_.current().limits.failed_logins_per_address_per_minute
      ),
      lazy_wakes_(io.get_executor(), kLazyWakeInterval),
      work_(workers_, hashers_),
      services_{
          settings_,
          clock_,
          hub_,
          pipeline_,
          store_,
          work_,
          login_throttle_,
          token_sessions_,
          server_bans_},
      account_watch_(io),
      admin_watch_(io),
      hashers_(worker_threads, workers_.get_executor(), kHashingStarvation) {}

ChatServer::~ChatServer() {
    drain();
}

void ChatServer::load() {
    const auto channels = store_.load_channels();
    for (const auto& channel : channels) {
        hub_.load_channel(
            channel,
            store_.bans_of(channel.name),
            store_.exceptions_of(channel.name),
            store_.history(
                core::channel_conversation(channel.name),
                std::nullopt,
                settings_.current().limits.history_on_join
            )
        );
    }
    // In force before the first login; the account watch keeps them current.
    commands::enforce_server_bans(services_, ban_sweeps_left_);
    record_storage_check(std::nullopt);  // it was just read
    spdlog::info(
        "storage: {} channels loaded, next message id {}",
        channels.size(),
        store_.max_message_id() + 1
    );
}

void ChatServer::watch_accounts() {
    account_watch_.expires_after(commands::kAccountWatchInterval);
    account_watch_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        // A storage read: on a worker, never on an I/O thread.
        boost::asio::post(workers_, [this] {
            try {
                commands::close_barred_sessions(services_);
                commands::enforce_server_bans(services_, ban_sweeps_left_);
                record_storage_check(std::nullopt);
            } catch (const store::StorageError& e) {
                spdlog::warn("account watch: {}", e.what());
                record_storage_check(e.what());
            }
            boost::asio::post(account_watch_.get_executor(), [this] { watch_accounts(); });
        });
    });
}

void ChatServer::watch_admin_requests() {
    admin_watch_.expires_after(kAdminRequestPoll);
    admin_watch_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        // Storage reads and writes: on a worker, never on an I/O thread.
        boost::asio::post(workers_, [this] {
            try {
                run_admin_requests(store_, hub_, clock_, settings_.current().name, store_writes_);
            } catch (const store::StorageError& e) {
                spdlog::warn("admin requests: {}", e.what());
            }
            boost::asio::post(admin_watch_.get_executor(), [this] { watch_admin_requests(); });
        });
    });
}

void ChatServer::record_storage_check(std::optional<std::string> problem) {
    metrics::salon().storage_up.set(problem ? 0 : 1);
    std::lock_guard lock(health_mutex_);
    storage_checked_ = std::chrono::steady_clock::now();
    storage_error_ = std::move(problem);
}

void ChatServer::reconfigure(ServerSettings next) {
    settings_.replace(std::move(next));
    const auto& limits = settings_.current().limits;
    login_throttle_.retune(
        limits.failed_logins_per_minute, limits.failed_logins_per_address_per_minute
    );
    hub_.retune_creation_budgets();
}

std::optional<std::string> ChatServer::storage_problem() const {
    // Three missed checks: the workers are stuck behind storage calls that do not return.
    constexpr auto kStale = 3 * commands::kAccountWatchInterval;
    {
        std::lock_guard lock(health_mutex_);
        if (storage_error_) return storage_error_;
        const auto silent = std::chrono::steady_clock::now() - storage_checked_;
        if (silent > kStale) {
            const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(silent).count();
            return "storage has not answered for " + std::to_string(seconds) + " s";
        }
    }
    if (pipeline_.last_batch_failed()) return "the last commit of messages failed";
    return std::nullopt;
}

std::shared_ptr<Session> ChatServer::open_session(
    std::weak_ptr<Link> link, std::string remote_address, std::unique_ptr<proto::Codec> codec
) {
    return std::make_shared<Session>(
        services_, lazy_wakes_, std::move(link), std::move(remote_address), std::move(codec)
    );
}

void ChatServer::drain() {
    account_watch_.cancel();
    admin_watch_.cancel();
    retention_.stop();
    // A storm of logins can queue minutes of argon2id: waiting for it would break the
    // shutdown deadline, and nobody is left to read the answers.
    hashers_.stop();
    pipeline_.stop();
    workers_.join();
}

}  // namespace salon::server
