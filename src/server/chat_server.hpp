// The chat service as a whole, whatever the transports: its shared state, its worker threads,
// and the factory of sessions.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>

#include "auth/password.hpp"
#include "core/clock.hpp"
#include "core/limits.hpp"
#include "core/rate_limiter.hpp"
#include "proto/native_codec.hpp"
#include "server/hashing_pool.hpp"
#include "server/hub.hpp"
#include "server/lazy_wakes.hpp"
#include "server/link.hpp"
#include "server/message_pipeline.hpp"
#include "store/store.hpp"

namespace salon::server {

class Session;

struct ServerSettings {
    core::Limits limits;
    bool registration_open = true;
    auth::PasswordParams password;
    std::string name = "salond";
    std::string version;
};

/// Failed logins per address, so that guessing passwords costs time (`rate_limited`).
///
/// Every password check is paid for before it runs and refunded when the password was right:
/// checks in parallel cannot exceed the budget, and a user who types their password correctly
/// is not charged for it.
class LoginThrottle {
public:
    LoginThrottle(const core::Clock& clock, double failures_per_minute);

    /// Takes one attempt from the address's budget, in one step; false (nothing taken) while
    /// the budget is used up.
    bool try_reserve(const std::string& address);
    /// Returns an attempt that try_reserve() took: the password was right, or none was checked.
    void give_back(const std::string& address);

private:
    static constexpr std::size_t kMaxTrackedAddresses = 100'000;  // bounds the map's memory

    const core::Clock& clock_;
    std::mutex mutex_;
    core::KeyedTokenBuckets failures_;
};

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

    /// A new session for a transport connection speaking `codec`'s protocol (native by default).
    std::shared_ptr<Session> open_session(
        std::weak_ptr<Link> link,
        std::string remote_address,
        std::unique_ptr<proto::Codec> codec = std::make_unique<proto::NativeCodec>()
    );

    /// Commits every accepted message and finishes pending storage writes; password checks
    /// still queued are dropped (their connections are gone). Call once the transports have
    /// closed their connections.
    void drain();

    const ServerSettings& settings() const noexcept { return settings_; }

    Hub& hub() noexcept { return hub_; }

    MessagePipeline& pipeline() noexcept { return pipeline_; }

    store::Store& store() noexcept { return store_; }

    const core::Clock& clock() const noexcept { return clock_; }

    LoginThrottle& login_throttle() noexcept { return login_throttle_; }

    LazyWakes& lazy_wakes() noexcept { return lazy_wakes_; }

    /// Runs `work` on the worker pool and resumes the caller on its own executor with the
    /// result (or its exception). For blocking calls only: never block an I/O thread.
    /// `work` must be a named variable of the awaiting coroutine, and outlive the co_await.
    template <typename Work, typename R = std::invoke_result_t<Work&>>
    boost::asio::awaitable<R> blocking(Work& work) {
        // g++ 12 relocates closures bit by bit when they are coroutine parameters or
        // temporaries of a co_await expression (their std::strings then free a neighbour's
        // buffer). Named locals of a coroutine are built in place, so only a pointer travels.
        return run_on<R>([this](auto job) { boost::asio::post(workers_, std::move(job)); }, &work);
    }

    /// Like blocking(), for password hashing and verification only: runs `work` on the
    /// HashingPool, at idle priority with a floor on its progress. A storm of logins slows down
    /// logins rather than chat; a login waits longer while the machine is busy. The work must
    /// not take locks that other threads wait for: a preempted hasher would hold them.
    template <typename Work, typename R = std::invoke_result_t<Work&>>
    boost::asio::awaitable<R> hashing(Work& work) {
        return run_on<R>([this](auto job) { hashers_.post(std::move(job)); }, &work);
    }

private:
    /// `post` hands a job to a pool; it captures nothing but `this` (see blocking()).
    template <typename R, typename Post, typename Work>
    boost::asio::awaitable<R> run_on(Post post, Work* work) {
        std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> result;
        std::exception_ptr error;
        co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void()>(
            [&](auto handler) {
                post([&, handler = std::move(handler)]() mutable {
                    try {
                        if constexpr (std::is_void_v<R>) {
                            (*work)();
                            result.emplace(true);
                        } else {
                            result.emplace((*work)());
                        }
                    } catch (...) {
                        error = std::current_exception();
                    }
                    auto executor = boost::asio::get_associated_executor(handler);
                    boost::asio::dispatch(executor, std::move(handler));
                });
            },
            boost::asio::use_awaitable
        );
        if (error) std::rethrow_exception(error);
        if constexpr (!std::is_void_v<R>) co_return std::move(*result);
    }

    ServerSettings settings_;
    store::Store& store_;
    const core::Clock& clock_;
    boost::asio::thread_pool workers_;
    boost::asio::strand<boost::asio::thread_pool::executor_type> store_writes_;
    boost::asio::strand<boost::asio::io_context::executor_type> delivery_;
    Hub hub_;
    MessagePipeline pipeline_;
    LoginThrottle login_throttle_;
    LazyWakes lazy_wakes_;
    // Last, so that it is destroyed first: dropped password checks hold sessions, which must
    // not outlive the hub they belong to.
    HashingPool hashers_;
};

}  // namespace salon::server
