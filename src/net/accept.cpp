#include "net/accept.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <variant>
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

/// Takes the next connection from the listen backlog onto `context`: the socket, std::monostate
/// once the backlog is empty, or the errno of a failure worth a pause (out of descriptors or
/// memory). A connection reset while it waited in the backlog is skipped.
std::variant<AcceptedSocket, std::monostate, int> accept_one(
    asio::ip::tcp::acceptor& acceptor, asio::io_context& context
) {
    for (;;) {
        const int fd =
            ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) return AcceptedSocket(context, fd);
        switch (errno) {
            case EINTR:
            case ECONNABORTED:
            case EPROTO:
                continue;
            case EAGAIN:
#if EAGAIN != EWOULDBLOCK
            case EWOULDBLOCK:
#endif
                return std::monostate{};
            default:
                return errno;
        }
    }
}

/// The connections waiting to be accepted: at least one (it waits for it), then every other one
/// already queued, up to a bound; empty once the acceptor is closed. Plain accept4() on the
/// acceptor's descriptor: the sockets go to their I/O thread unregistered, and that thread's
/// transport decides how to watch them.
asio::awaitable<std::vector<AcceptedSocket>> accept_waiting(
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
    std::vector<AcceptedSocket> accepted;
    for (;;) {
        while (waiting.load(std::memory_order_relaxed) >= kMaxWaitingAdmissions &&
               acceptor.is_open()) {
            asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(1));
            co_await pause.async_wait(use_nothrow);
        }
        if (!acceptor.is_open()) co_return accepted;
        while (accepted.size() < kMaxBurst &&
               waiting.load(std::memory_order_relaxed) + accepted.size() < kMaxWaitingAdmissions) {
            auto next = accept_one(acceptor, threads.upcoming());
            if (auto* socket = std::get_if<AcceptedSocket>(&next)) {
                threads.advance();
                accepted.push_back(std::move(*socket));
                continue;
            }
            if (const int* error = std::get_if<int>(&next); error != nullptr && accepted.empty()) {
                spdlog::warn("{}: accept failed: {}", what, std::strerror(*error));
                asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
                co_await pause.async_wait(use_nothrow);
            }
            break;
        }
        if (!accepted.empty()) co_return accepted;
        if (!acceptor.is_open()) co_return accepted;
        const auto [ec] =
            co_await acceptor.async_wait(asio::ip::tcp::acceptor::wait_read, use_nothrow);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return accepted;
    }
}

/// Runs `admit` on each socket's own I/O thread, one post per thread for the whole batch.
void admit_on_their_threads(
    IoThreads& threads,
    std::vector<AcceptedSocket> sockets,
    const std::function<void(AcceptedSocket)>& admit
) {
    auto& waiting = threads.admissions_waiting();
    waiting.fetch_add(sockets.size(), std::memory_order_relaxed);
    std::vector<std::pair<asio::io_context*, std::vector<AcceptedSocket>>> by_thread;
    for (auto& socket : sockets) {
        auto* context = &socket.context();
        auto same = std::find_if(by_thread.begin(), by_thread.end(), [context](const auto& batch) {
            return batch.first == context;
        });
        if (same == by_thread.end())
            same = by_thread.emplace(by_thread.end(), context, std::vector<AcceptedSocket>{});
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
    std::function<void(AcceptedSocket)> admit
) {
    for (;;) {
        auto sockets = co_await accept_waiting(threads, acceptor, what);
        if (sockets.empty()) co_return;
        admit_on_their_threads(threads, std::move(sockets), admit);
    }
}

AcceptedSocket& AcceptedSocket::operator=(AcceptedSocket&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        context_ = other.context_;
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

AcceptedSocket::~AcceptedSocket() {
    if (fd_ >= 0) ::close(fd_);
}

std::string AcceptedSocket::remote_address() const {
    asio::ip::tcp::endpoint peer;
    auto length = static_cast<socklen_t>(peer.capacity());
    if (::getpeername(fd_, peer.data(), &length) != 0) return "unknown";
    peer.resize(length);
    return peer.address().to_string();
}

ConnectionSocket AcceptedSocket::into_asio_socket() && {
    asio::ip::tcp::endpoint local;
    auto length = static_cast<socklen_t>(local.capacity());
    if (::getsockname(fd_, local.data(), &length) != 0) {
        throw boost::system::system_error(
            boost::system::error_code(errno, boost::system::system_category()), "getsockname"
        );
    }
    local.resize(length);
    ConnectionSocket socket(context_->get_executor());
    socket.assign(local.protocol(), fd_);  // throws without taking it: the destructor closes it
    fd_ = -1;
    return socket;
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
