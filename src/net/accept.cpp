#include "net/accept.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

#include "net/io_threads.hpp"

namespace salon::net {
namespace asio = boost::asio;

asio::ip::tcp::acceptor open_acceptor(
    asio::io_context& io, const asio::ip::tcp::endpoint& endpoint
) {
    asio::ip::tcp::acceptor acceptor(io);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    // Lets accept_waiting() drain the backlog without blocking once it is empty.
    acceptor.non_blocking(true);
    return acceptor;
}

namespace {

/// The connections waiting to be accepted: at least one (it waits for it), then every other one
/// already queued, up to a bound; empty once the acceptor is closed.
asio::awaitable<std::vector<ConnectionSocket>> accept_waiting(
    IoThreads& threads, asio::ip::tcp::acceptor& acceptor, std::string_view what
) {
    // Accepting one connection per wake-up lets a burst (everyone reconnecting after a
    // restart) overflow the listen backlog, and each dropped SYN costs its client a second
    // or more. The bound hands the I/O threads the first of a long burst without waiting
    // for the rest.
    constexpr std::size_t kMaxBurst = 1024;
    // Above a reconnect storm of tens of thousands, which I/O threads busy with its logins
    // admit more slowly than it is accepted; far below what would exhaust memory.
    constexpr std::size_t kMaxWaitingAdmissions = 65536;
    constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
    const auto& waiting = threads.admissions_waiting();
    while (waiting.load(std::memory_order_relaxed) >= kMaxWaitingAdmissions && acceptor.is_open()) {
        asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(1));
        co_await pause.async_wait(use_nothrow);
    }
    std::vector<ConnectionSocket> accepted;
    for (;;) {
        auto [ec, socket] =
            co_await acceptor.async_accept(threads.upcoming().get_executor(), use_nothrow);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return accepted;
        if (!ec) {
            threads.advance();
            accepted.push_back(std::move(socket));
            break;
        }
        spdlog::warn("{}: accept failed: {}", what, ec.message());
        asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
        co_await pause.async_wait(use_nothrow);
    }
    while (accepted.size() < kMaxBurst &&
           waiting.load(std::memory_order_relaxed) + accepted.size() < kMaxWaitingAdmissions) {
        boost::system::error_code ec;
        auto socket = acceptor.accept(threads.upcoming().get_executor(), ec);
        if (ec) break;  // would_block once drained; a real failure shows on the next wait
        threads.advance();
        accepted.push_back(std::move(socket));
    }
    co_return accepted;
}

/// Runs `admit` on each socket's own I/O thread, one post per thread for the whole batch.
void admit_on_their_threads(
    IoThreads& threads,
    std::vector<ConnectionSocket> sockets,
    const std::function<void(ConnectionSocket)>& admit
) {
    auto& waiting = threads.admissions_waiting();
    waiting.fetch_add(sockets.size(), std::memory_order_relaxed);
    std::vector<std::pair<asio::io_context*, std::vector<ConnectionSocket>>> by_thread;
    for (auto& socket : sockets) {
        auto* context = &socket.get_executor().context();
        auto same = std::find_if(by_thread.begin(), by_thread.end(), [context](const auto& batch) {
            return batch.first == context;
        });
        if (same == by_thread.end())
            same = by_thread.emplace(by_thread.end(), context, std::vector<ConnectionSocket>{});
        same->second.push_back(std::move(socket));
    }
    for (auto& [context, batch] : by_thread) {
        asio::post(*context, [batch = std::move(batch), admit, &waiting]() mutable {
            for (auto& socket : batch) {
                waiting.fetch_sub(1, std::memory_order_relaxed);
                admit(std::move(socket));
            }
        });
    }
}

}  // namespace

asio::awaitable<void> accept_until_closed(
    IoThreads& threads,
    asio::ip::tcp::acceptor& acceptor,
    std::string_view what,
    std::function<void(ConnectionSocket)> admit
) {
    for (;;) {
        auto sockets = co_await accept_waiting(threads, acceptor, what);
        if (sockets.empty()) co_return;
        admit_on_their_threads(threads, std::move(sockets), admit);
    }
}

std::string remote_address(const ConnectionSocket& socket) {
    boost::system::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    return ec ? std::string("unknown") : endpoint.address().to_string();
}

void log_connection_error(std::string_view remote, std::exception_ptr error) {
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        spdlog::error("{}: connection ended by an error: {}", remote, e.what());
    }
}

}  // namespace salon::net
