#include "net/tcp_listener.hpp"

// A listener speaks the wire format of the codec factory it is given: one codec per connection,
// and no listener without a factory (net has no default format of its own).

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

#include "core/clock.hpp"
#include "proto/native_codec.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace salon::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

const asio::ip::tcp::endpoint kAnyLocalPort{asio::ip::make_address("127.0.0.1"), 0};

class TcpListenerTest : public ::testing::Test {
protected:
    test::TempDir dir_{"salon-tcp-listener-test"};
    std::unique_ptr<store::Store> store_ = store::open_sqlite_store(dir_.path() / "salon.db");
    core::SystemClock clock_;
    IoThreads io_{1};
    server::ChatServer server_{io_.main(), server::ServerSettings{}, *store_, clock_, 1};
    ConnectionRegistry registry_{16};
};

TEST_F(TcpListenerTest, AListenerWithoutACodecFactoryIsRefused) {
    EXPECT_THROW(
        TcpListener(io_, server_, registry_, kAnyLocalPort, CodecFactory{}), std::invalid_argument
    );
}

TEST_F(TcpListenerTest, EachConnectionGetsACodecFromItsListenersFactory) {
    std::atomic<int> made = 0;
    TcpListener listener(io_, server_, registry_, kAnyLocalPort, [&]() {
        ++made;
        return std::make_unique<proto::NativeCodec>();
    });
    asio::co_spawn(io_.accepting(), listener.accept_loop(), asio::detached);
    std::thread runner([this] { io_.run(); });

    asio::io_context client_io;
    asio::ip::tcp::socket first(client_io);
    asio::ip::tcp::socket second(client_io);
    first.connect(listener.local_endpoint());
    second.connect(listener.local_endpoint());
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (made < 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(made, 2);

    listener.stop();
    registry_.shut_down_all();
    first.close();
    second.close();
    while (registry_.size() > 0 && std::chrono::steady_clock::now() < deadline + 5s) {
        std::this_thread::sleep_for(10ms);
    }
    io_.stop();
    runner.join();
    server_.drain();
}

}  // namespace
}  // namespace salon::net
