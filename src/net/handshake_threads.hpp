// The threads that run TLS handshakes, apart from the I/O threads.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>
#include <vector>

namespace salon::net {

/// A few io_contexts, one thread each, for the CPU work of TLS handshakes (key exchange and
/// signature: about a millisecond each), so that a handshake storm queues here and never in
/// front of chat traffic on an I/O thread (docs/architecture.md, "TLS").
///
/// One context per thread, as IoThreads has, so that each can have a Poller of its own: a native
/// or IRC connection shakes hands with its descriptor watched there, then moves to its I/O
/// thread's Poller (TlsHandshake).
class HandshakeThreads {
public:
    /// `count` threads (at least one), running at once.
    explicit HandshakeThreads(unsigned count);
    HandshakeThreads(const HandshakeThreads&) = delete;
    HandshakeThreads& operator=(const HandshakeThreads&) = delete;
    /// Stops and joins them.
    ~HandshakeThreads();

    /// The context whose turn it is to take a handshake: each in turn. Any thread.
    boost::asio::io_context& next() noexcept;

    /// Lets every thread return once its handlers ran; the destructor joins them.
    void stop();

private:
    using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<WorkGuard> keep_running_;
    std::vector<std::jthread> threads_;
    std::atomic<std::size_t> turn_ = 0;
};

}  // namespace salon::net
