// Blocking work (storage, password hashing) run off the I/O threads, awaited by coroutines.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <type_traits>

#include "metrics/salon_metrics.hpp"
#include "server/hashing_pool.hpp"

namespace salon::server {

/// The two pools a request may wait on: the workers (storage reads and writes) and the hashers
/// (argon2id). Does not own them.
class BlockingWork {
public:
    BlockingWork(boost::asio::thread_pool& workers, HashingPool& hashers)
        : workers_(workers), hashers_(hashers) {}

    /// Runs `work` on the worker pool and resumes the caller on its own executor with the
    /// result (or its exception). For blocking calls only: never block an I/O thread.
    /// `work` must be a named variable of the awaiting coroutine, and outlive the co_await.
    template <typename Work, typename R = std::invoke_result_t<Work&>>
    boost::asio::awaitable<R> blocking(Work& work) {
        // g++ 12 relocates closures bit by bit when they are coroutine parameters or
        // temporaries of a co_await expression (their std::strings then free a neighbour's
        // buffer). Named locals of a coroutine are built in place, so only a pointer travels.
        return run_on<R>(
            [this](auto job) { boost::asio::post(workers_, std::move(job)); },
            &work,
            &metrics::salon().storage_call_seconds
        );
    }

    /// Like blocking(), for password hashing and verification only: runs `work` on the
    /// HashingPool, at idle priority with a floor on its progress. A storm of logins slows down
    /// logins rather than chat; a login waits longer while the machine is busy. The work must
    /// not take locks that other threads wait for: a preempted hasher would hold them.
    template <typename Work, typename R = std::invoke_result_t<Work&>>
    boost::asio::awaitable<R> hashing(Work& work) {
        return run_on<R>([this](auto job) { hashers_.post(std::move(job)); }, &work, nullptr);
    }

private:
    /// `post` hands a job to a pool; it captures nothing but `this` (see blocking()). The work's
    /// own time (not its wait for a thread) goes to `timed` when there is one.
    template <typename R, typename Post, typename Work>
    boost::asio::awaitable<R> run_on(Post post, Work* work, metrics::Histogram* timed) {
        std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> result;
        std::exception_ptr error;
        co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void()>(
            [&](auto handler) {
                post([&, handler = std::move(handler)]() mutable {
                    std::optional<metrics::ScopedTimer> timer;
                    if (timed != nullptr) timer.emplace(*timed);
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
                    timer.reset();
                    auto executor = boost::asio::get_associated_executor(handler);
                    boost::asio::dispatch(executor, std::move(handler));
                });
            },
            boost::asio::use_awaitable
        );
        if (error) std::rethrow_exception(error);
        if constexpr (!std::is_void_v<R>) co_return std::move(*result);
    }

    boost::asio::thread_pool& workers_;
    HashingPool& hashers_;
};

}  // namespace salon::server
