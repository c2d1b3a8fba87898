#include "server/hub.hpp"

// The hub's channel registry: who may create channels and how fast, temporary channels that go
// with their last member, and `home`, which belongs to the server.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "core/names.hpp"
#include "server/chat_server.hpp"
#include "server/session.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace salon::server {
namespace {

using namespace std::chrono_literals;
using core::Errc;

/// A clock the test moves by hand.
class ManualClock final : public core::Clock {
public:
    core::SteadyTime steady_now() const override { return now_; }

    core::UnixMillis unix_now_ms() const override { return 1'700'000'000'000; }

    void advance(std::chrono::milliseconds by) { now_ += by; }

private:
    core::SteadyTime now_{};
};

class HubTest : public ::testing::Test {
protected:
    explicit HubTest(core::Limits limits = {}) : server_(make_server(limits)) { server_->load(); }

    ~HubTest() override {
        for (const auto& [session, actor] : online_) hub().detach(session, actor, "test over");
    }

    HubTest(const HubTest&) = delete;
    HubTest& operator=(const HubTest&) = delete;

    Hub& hub() { return server_->hub(); }

    /// Puts `name` online on a new session from `address`.
    core::Actor online(const std::string& name, bool guest, const std::string& address) {
        core::Actor actor{name, core::fold_user_name(name), guest, false};
        auto session = server_->open_session(std::weak_ptr<Link>{}, address);
        EXPECT_FALSE(hub().attach(session, actor, [] {}));
        online_.emplace_back(session, actor);
        return actor;
    }

    /// JOIN: the failure's code, nullopt on success.
    std::optional<Errc> join(const core::Actor& actor, const std::string& channel) {
        const auto& session = std::ranges::find_if(online_, [&](const auto& entry) {
                                  return entry.second.folded == actor.folded;
                              })->first;
        auto failure = hub().join(session, actor, channel, "", JoinMode::request, false, {});
        return failure ? std::optional(failure->code) : std::nullopt;
    }

    bool is_op(const core::Actor& actor, const std::string& channel) {
        const auto whois = hub().whois(actor.folded);
        for (const auto& c : whois->channels)
            if (c.channel == channel) return c.op;
        ADD_FAILURE() << actor.name << " is not in " << channel;
        return false;
    }

    std::size_t channels() { return hub().counts().channels; }

    test::TempDir dir_{"salon-hub-test"};
    std::unique_ptr<store::Store> store_ = store::open_sqlite_store(dir_.path() / "salon.db");
    ManualClock clock_;
    boost::asio::io_context io_;
    std::unique_ptr<ChatServer> server_;
    std::vector<std::pair<SessionPtr, core::Actor>> online_;

private:
    std::unique_ptr<ChatServer> make_server(const core::Limits& limits) {
        ServerSettings settings;
        settings.limits = limits;
        return std::make_unique<ChatServer>(io_, settings, *store_, clock_, 2);
    }
};

TEST_F(HubTest, HomeIsMadeByItsFirstJoinerWhoIsNoOperatorOfIt) {
    EXPECT_EQ(channels(), 0U);
    const auto guest = online("Guest1", true, "10.0.0.1");
    EXPECT_FALSE(join(guest, "home"));
    EXPECT_FALSE(is_op(guest, "home"));
    EXPECT_FALSE(hub().part(guest, "home", [] {}));
    EXPECT_EQ(channels(), 1U);  // empty, and still there: a guest made it, but it is the server's
}

TEST_F(HubTest, AGuestsChannelGoesWithItsLastMemberAndComesBackNew) {
    const auto first = online("Guest1", true, "10.0.0.1");
    const auto second = online("Guest2", true, "10.0.0.2");
    EXPECT_FALSE(join(first, "tmp"));
    EXPECT_TRUE(is_op(first, "tmp"));
    EXPECT_FALSE(join(second, "tmp"));
    EXPECT_FALSE(is_op(second, "tmp"));
    EXPECT_FALSE(hub().part(first, "tmp", [] {}));
    EXPECT_EQ(channels(), 1U);
    EXPECT_FALSE(hub().part(second, "tmp", [] {}));
    EXPECT_EQ(channels(), 0U);
    EXPECT_EQ(hub().check_member(second, "tmp").index(), 0U);  // no_such_channel

    EXPECT_FALSE(join(second, "tmp"));  // a new channel: the new creator is its operator
    EXPECT_TRUE(is_op(second, "tmp"));
    hub().detach(online_[1].first, second, "gone");  // the last connection closing counts too
    EXPECT_EQ(channels(), 0U);
}

TEST_F(HubTest, ARegisteredUsersChannelStaysWhenEmpty) {
    const auto ann = online("ann", false, "10.0.0.1");
    EXPECT_FALSE(join(ann, "annex"));
    EXPECT_FALSE(hub().part(ann, "annex", [] {}));
    EXPECT_EQ(channels(), 1U);
}

TEST_F(HubTest, CreationIsBudgetedPerAddressAndPerAccount) {
    const auto ann = online("ann", false, "10.0.0.1");
    for (int i = 0; i < 20; ++i) EXPECT_FALSE(join(ann, "c" + std::to_string(i)));
    EXPECT_EQ(join(ann, "c20"), Errc::rate_limited);
    // The address is spent for everyone on it; another address is not.
    const auto guest = online("Guest1", true, "10.0.0.1");
    EXPECT_EQ(join(guest, "g0"), Errc::rate_limited);
    EXPECT_FALSE(join(guest, "c0"));  // joining one that exists is free
    const auto elsewhere = online("Guest2", true, "10.0.0.2");
    EXPECT_FALSE(join(elsewhere, "g0"));
    // ann's account is spent wherever she connects from.
    const auto ann_again = online("ann", false, "10.0.0.3");
    EXPECT_EQ(join(ann_again, "c21"), Errc::rate_limited);
    // 5 a minute: one more every 12 s.
    clock_.advance(12s);
    EXPECT_FALSE(join(ann, "c21"));
    EXPECT_EQ(join(ann, "c22"), Errc::rate_limited);
}

core::Limits with_policy(core::ChannelCreation policy, std::size_t max_channels = 10'000) {
    core::Limits limits;
    limits.channel_creation = policy;
    limits.max_channels = max_channels;
    return limits;
}

class RegisteredPolicyTest : public HubTest {
protected:
    RegisteredPolicyTest() : HubTest(with_policy(core::ChannelCreation::registered)) {}
};

TEST_F(RegisteredPolicyTest, GuestsJoinButDoNotCreate) {
    const auto guest = online("Guest1", true, "10.0.0.1");
    const auto ann = online("ann", false, "10.0.0.2");
    EXPECT_EQ(join(guest, "mine"), Errc::forbidden);
    EXPECT_FALSE(join(ann, "mine"));
    EXPECT_FALSE(join(guest, "mine"));
}

class AdminsPolicyTest : public HubTest {
protected:
    AdminsPolicyTest() : HubTest(with_policy(core::ChannelCreation::admins, 2)) {}
};

TEST_F(AdminsPolicyTest, OnlyAdministratorsCreateAndNobodyPastTheTotal) {
    const auto ann = online("ann", false, "10.0.0.1");
    EXPECT_EQ(join(ann, "mine"), Errc::forbidden);
    auto boss = online("boss", false, "10.0.0.2");
    boss.admin = true;
    online_.back().second = boss;
    EXPECT_FALSE(join(boss, "ops"));
    EXPECT_FALSE(join(boss, "more"));
    EXPECT_EQ(join(boss, "third"), Errc::too_many_channels);  // the total is 2
}

}  // namespace
}  // namespace salon::server
