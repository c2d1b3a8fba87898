#include "net/io_threads.hpp"

// The listeners' context keeps accepting while every I/O thread is busy, and an accepted
// socket is admitted on the thread of the context it was accepted onto.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "net/accept.hpp"

namespace salon::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

/// Runs `threads` on a thread of its own until the end of the scope.
class Running {
public:
    explicit Running(IoThreads& threads) : threads_(threads), runner_([&] { threads_.run(); }) {}

    ~Running() {
        threads_.stop();
        runner_.join();
    }

    Running(const Running&) = delete;
    Running& operator=(const Running&) = delete;

private:
    IoThreads& threads_;
    std::thread runner_;
};

TEST(IoThreadsTest, TheListenersContextRunsWhileTheOnlyIoThreadIsBusy) {
    IoThreads threads(1);
    ASSERT_NE(&threads.accepting(), &threads.main());
    std::promise<void> accepted;
    std::promise<void> released;
    auto release = released.get_future().share();
    asio::post(threads.main(), [release] { release.wait(); });  // a long fan-out, say
    asio::post(threads.accepting(), [&] { accepted.set_value(); });
    const Running running(threads);
    const auto status = accepted.get_future().wait_for(5s);
    released.set_value();
    EXPECT_EQ(status, std::future_status::ready);
}

TEST(IoThreadsTest, EveryAcceptedSocketIsAdmittedOnTheThreadOfItsContext) {
    IoThreads threads(2);
    const Running running(threads);
    std::map<const asio::io_context*, std::thread::id> thread_of;
    for (int i = 0; i < 2; ++i, threads.advance()) {
        auto* context = &threads.upcoming();
        std::promise<std::thread::id> id;
        asio::post(*context, [&id] { id.set_value(std::this_thread::get_id()); });
        thread_of[context] = id.get_future().get();
    }
    ASSERT_EQ(thread_of.size(), 2u);

    std::mutex mutex;
    std::map<const asio::io_context*, int> admitted;
    int total = 0;
    int wrong_thread = 0;
    std::promise<void> all_admitted;
    auto acceptor = open_acceptor(
        threads.accepting(), asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0)
    );
    std::promise<void> closed;
    asio::co_spawn(
        threads.accepting(),
        accept_until_closed(
            threads,
            acceptor,
            "test",
            [&](AcceptedSocket socket) {
                const auto* context = &socket.context();
                const std::lock_guard lock(mutex);
                if (thread_of.at(context) != std::this_thread::get_id()) ++wrong_thread;
                ++admitted[context];
                if (++total == 6) all_admitted.set_value();
            }
        ),
        [&](std::exception_ptr) { closed.set_value(); }
    );
    asio::io_context client_side;
    std::vector<asio::ip::tcp::socket> clients;
    for (int i = 0; i < 6; ++i)
        clients.emplace_back(client_side).connect(acceptor.local_endpoint());

    ASSERT_EQ(all_admitted.get_future().wait_for(5s), std::future_status::ready);
    const std::lock_guard lock(mutex);
    EXPECT_EQ(wrong_thread, 0);
    EXPECT_EQ(threads.admissions_waiting().load(), 0u);
    for (const auto& [context, count] : admitted) EXPECT_EQ(count, 3);

    asio::post(threads.accepting(), [&acceptor] { acceptor.close(); });
    EXPECT_EQ(closed.get_future().wait_for(5s), std::future_status::ready);
}

}  // namespace
}  // namespace salon::net
