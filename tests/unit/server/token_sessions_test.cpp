#include "server/token_sessions.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>

#include "server/server_fixture.hpp"

namespace salon::server {
namespace {

using namespace std::chrono_literals;
using test_support::make_peer;

class TokenSessionsTest : public ::testing::Test {
protected:
    boost::asio::io_context io_;
    LazyWakes lazy_wakes_{io_.get_executor(), 300ms};
    TokenSessions sessions_;
};

TEST_F(TokenSessionsTest, RevokingATokenGivesItsConnectionsOnly) {
    auto laptop = make_peer(lazy_wakes_, "1.2.3.4");
    auto phone = make_peer(lazy_wakes_, "1.2.3.4");
    auto other = make_peer(lazy_wakes_, "1.2.3.4");
    ASSERT_TRUE(sessions_.add(7, laptop.participant));
    ASSERT_TRUE(sessions_.add(7, phone.participant));
    ASSERT_TRUE(sessions_.add(8, other.participant));
    sessions_.remove(7, phone.participant.get());

    const auto revoked = sessions_.revoke(7);
    ASSERT_EQ(revoked.size(), 1U);
    EXPECT_EQ(revoked[0], laptop.participant);
    EXPECT_TRUE(sessions_.revoke(7).empty());
    EXPECT_EQ(sessions_.revoke(8).size(), 1U);
}

TEST_F(TokenSessionsTest, ALoginThatComesOnlineAfterItsTokenWasRevokedIsRefused) {
    auto late = make_peer(lazy_wakes_, "1.2.3.4");
    EXPECT_TRUE(sessions_.revoke(9).empty());
    EXPECT_FALSE(sessions_.add(9, late.participant));
    EXPECT_TRUE(sessions_.add(10, late.participant));
}

TEST_F(TokenSessionsTest, RevokedIdsAreRememberedUpToABound) {
    auto late = make_peer(lazy_wakes_, "1.2.3.4");
    for (std::int64_t id = 1;
         id <= static_cast<std::int64_t>(TokenSessions::kRememberedRevocations) + 1;
         ++id) {
        (void)sessions_.revoke(id);
    }
    EXPECT_TRUE(sessions_.add(1, late.participant));
    EXPECT_FALSE(sessions_.add(2, late.participant));
}

TEST_F(TokenSessionsTest, AConnectionGoneMeanwhileIsSkipped) {
    {
        auto gone = make_peer(lazy_wakes_, "1.2.3.4");
        ASSERT_TRUE(sessions_.add(5, gone.participant));
    }
    EXPECT_TRUE(sessions_.revoke(5).empty());
}

}  // namespace
}  // namespace salon::server
