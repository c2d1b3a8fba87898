#include "net/accept.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

namespace salon::net {
namespace asio = boost::asio;

namespace {

/// How many strands the connections of one io_context share. Far more than there are I/O
/// threads, so that two busy connections rarely wait for each other's turn.
constexpr std::size_t kSharedStrands = 193;

/// The strands of one io_context, handed out in turn. Thread-safe.
class StrandPool final : public asio::execution_context::service {
public:
    static asio::execution_context::id id;

    explicit StrandPool(asio::io_context& io) : asio::execution_context::service(io) {
        strands_.reserve(kSharedStrands);
        for (std::size_t i = 0; i < kSharedStrands; ++i) strands_.push_back(asio::make_strand(io));
    }

    ConnectionStrand next() {
        return strands_[next_.fetch_add(1, std::memory_order_relaxed) % strands_.size()];
    }

private:
    void shutdown() override {}

    std::vector<ConnectionStrand> strands_;
    std::atomic<std::size_t> next_{0};
};

asio::execution_context::id StrandPool::id;

}  // namespace

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

asio::awaitable<std::vector<StrandSocket>> accept_waiting(
    asio::io_context& io, asio::ip::tcp::acceptor& acceptor, std::string_view what
) {
    // Accepting one connection per wake-up lets a burst (everyone reconnecting after a
    // restart) overflow the listen backlog while the server is busy delivering, and each
    // dropped SYN costs its client a second or more. The bound keeps one burst from
    // starving the connections already accepted.
    constexpr std::size_t kMaxBurst = 1024;
    constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
    auto& strands = asio::use_service<StrandPool>(io);
    std::vector<StrandSocket> accepted;
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(strands.next(), use_nothrow);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return accepted;
        if (!ec) {
            accepted.push_back(std::move(socket));
            break;
        }
        spdlog::warn("{}: accept failed: {}", what, ec.message());
        asio::steady_timer pause(io, std::chrono::milliseconds(100));
        co_await pause.async_wait(use_nothrow);
    }
    while (accepted.size() < kMaxBurst) {
        boost::system::error_code ec;
        auto socket = acceptor.accept(strands.next(), ec);
        if (ec) break;  // would_block once drained; a real failure shows on the next wait
        accepted.push_back(std::move(socket));
    }
    co_return accepted;
}

std::string remote_address(const StrandSocket& socket) {
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
