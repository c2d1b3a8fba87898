#include "server/chat_server.hpp"

// ChatServer's two pools: password work at idle priority on every hashing thread, storage work
// at normal priority, and each resuming the caller on its own executor.

#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "faulty_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace salon::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr std::size_t kPoolThreads = 2;

class ChatServerTest : public ::testing::Test {
protected:
    test::TempDir dir_{"salon-chat-server-test"};
    std::unique_ptr<store::Store> store_ = store::open_sqlite_store(dir_.path() / "salon.db");
    core::SystemClock clock_;
    asio::io_context io_;
    ChatServer server_{io_, ServerSettings{}, *store_, clock_, kPoolThreads};

    /// Runs the test's coroutine from `body` to its end on `io_` (at most 10 s); true if it
    /// ended without an exception escaping.
    template <typename Body>
    bool run_to_end(Body body) {
        std::atomic<bool> ended = false;
        std::exception_ptr escaped;
        asio::co_spawn(io_, std::move(body), [&](std::exception_ptr e) {
            escaped = e;
            ended = true;
        });
        // Work on the pools does not count as io_'s work: poll until the coroutine has ended.
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!ended && std::chrono::steady_clock::now() < deadline) {
            io_.restart();
            io_.run_one_for(20ms);
        }
        return ended && !escaped;
    }
};

/// Blocks each caller until `count` callers are inside at once (at most 10 s), so that that
/// many distinct pool threads are known to have run it.
class Rendezvous {
public:
    explicit Rendezvous(std::size_t count) : count_(count) {}

    bool arrive() {
        std::unique_lock lock(mutex_);
        ++arrived_;
        all_arrived_.notify_all();
        return all_arrived_.wait_for(lock, 10s, [this] { return arrived_ >= count_; });
    }

private:
    std::size_t count_;
    std::size_t arrived_ = 0;
    std::mutex mutex_;
    std::condition_variable all_arrived_;
};

TEST_F(ChatServerTest, EveryHashingThreadRunsAtIdlePriority) {
    // One coroutine per thread, each waiting in the pool for the others: every thread answers.
    Rendezvous together(kPoolThreads);
    std::vector<int> policies;
    std::atomic<std::size_t> ended = 0;
    for (std::size_t i = 0; i < kPoolThreads; ++i) {
        asio::co_spawn(
            io_,
            [&]() -> asio::awaitable<void> {
                auto policy = [&together] {
                    return together.arrive() ? sched_getscheduler(0) : -1;
                };
                policies.push_back(co_await server_.work().hashing(policy));
            },
            [&](std::exception_ptr) { ++ended; }
        );
    }
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (ended < kPoolThreads && std::chrono::steady_clock::now() < deadline) {
        io_.restart();
        io_.run_one_for(20ms);
    }
    ASSERT_EQ(policies.size(), kPoolThreads);
    for (const int policy : policies) EXPECT_EQ(policy, SCHED_IDLE);
}

TEST_F(ChatServerTest, StorageWorkRunsAtNormalPriorityAndResumesOnTheCaller) {
    int policy_seen = -1;
    bool resumed_on_io_thread = false;
    const auto io_thread = std::this_thread::get_id();
    ASSERT_TRUE(run_to_end([&]() -> asio::awaitable<void> {
        auto policy = [] { return sched_getscheduler(0); };
        policy_seen = co_await server_.work().blocking(policy);
        resumed_on_io_thread = std::this_thread::get_id() == io_thread;
    }));
    EXPECT_EQ(policy_seen, SCHED_OTHER);
    EXPECT_TRUE(resumed_on_io_thread);
}

TEST_F(ChatServerTest, HashingPassesExceptionsToTheCaller) {
    bool caught = false;
    ASSERT_TRUE(run_to_end([&]() -> asio::awaitable<void> {
        auto bad_parameters = [] { return auth::hash_password("password", {0, 0}); };
        try {
            co_await server_.work().hashing(bad_parameters);
        } catch (const auth::HashError&) {
            caught = true;
        }
    }));
    EXPECT_TRUE(caught);
}

TEST(ChatServerHealth, StorageThatFailsTheAccountWatchIsReportedUntilItReadsAgain) {
    test::TempDir dir{"salon-chat-server-health"};
    FaultyStore store(store::open_sqlite_store(dir.path() / "salon.db"));
    core::SystemClock clock;
    asio::io_context io;
    ChatServer server(io, ServerSettings{}, store, clock, kPoolThreads);
    server.load();
    EXPECT_EQ(server.storage_problem(), std::nullopt);
    server.watch_accounts();

    // The watch reads storage every 2 s on a worker; run the io_context until it has seen
    // `want` (bounded).
    const auto until = [&](auto want) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!want() && std::chrono::steady_clock::now() < deadline) {
            io.restart();
            io.run_one_for(50ms);
        }
        return want();
    };
    store.fail_reads(true);
    ASSERT_TRUE(until([&] { return server.storage_problem().has_value(); }));
    EXPECT_NE(server.storage_problem()->find("disk I/O error"), std::string::npos);
    store.fail_reads(false);
    EXPECT_TRUE(until([&] { return !server.storage_problem().has_value(); }));
    server.drain();
}

}  // namespace
}  // namespace salon::server
