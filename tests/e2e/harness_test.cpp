// Checks of the harness itself that need no protocol knowledge: start, address, restart, stop.
#include <gtest/gtest.h>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

TEST(Harness, StartsAcceptsRestartsAndStops) {
    ServerProcess server;
    EXPECT_EQ(server.address(), "127.0.0.1:" + std::to_string(server.port()));
    EXPECT_GT(server.pid(), 0);
    { LineClient probe("127.0.0.1", server.port()); }
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();
    EXPECT_EQ(server.pid(), -1);
    EXPECT_THROW(LineClient("127.0.0.1", server.port()), std::runtime_error);
    server.start();
    LineClient again("127.0.0.1", server.port());
    EXPECT_NE(
        server.log().find("listening on 127.0.0.1:" + std::to_string(server.port())),
        std::string::npos
    ) << server.log();
}

TEST(Harness, KeepsACallersDataDir) {
    const auto dir = make_temp_dir("salon-e2e-keep");
    {
        ServerProcess server({.extra_args = {}, .data_dir = dir});
        EXPECT_EQ(server.data_dir(), dir);
    }
    EXPECT_TRUE(std::filesystem::exists(dir / "salond.log"));
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace salon::test
