#include "server/hub.hpp"

// The hub without sockets or a ChatServer: real participants, the real store on a temporary
// directory. Channel creation rules, temporary channels, `home`, the order of an OK and the
// events it causes, fan-out, moderation, and QUIT on the last connection.

#include <gtest/gtest.h>

#include <algorithm>

#include "server_fixture.hpp"

namespace salon::server {
namespace {

using namespace std::chrono_literals;
using core::Errc;
using test_support::Peer;

core::ChannelName channel(const std::string& name) {
    return *core::ChannelName::parse(name);
}

class HubTest : public ::testing::Test {
protected:
    explicit HubTest(core::Limits limits = {})
        : settings_(with_limits(limits)),
          hub_(settings_, *store_, io_.get_executor(), clock_, [] { return core::MessageId{0}; }) {}

    ~HubTest() override {
        for (auto& [peer, actor] : online_) hub_.detach(peer.participant, actor, "test over");
    }

    HubTest(const HubTest&) = delete;
    HubTest& operator=(const HubTest&) = delete;

    /// Puts `name` online on a new connection from `address`; its frames so far are dropped.
    core::Actor online(const std::string& name, bool guest, const std::string& address) {
        core::Actor actor{*core::UserName::parse(name), guest, false};
        Peer peer = test_support::make_peer(lazy_wakes_, address);
        const proto::Request conn{{}, proto::Conn{}};
        EXPECT_FALSE(hub_.attach(peer.participant, actor, {peer.participant.get(), &conn, {}}, {}));
        peer.frames();
        online_.emplace_back(std::move(peer), actor);
        return actor;
    }

    Peer& peer_of(const core::Actor& actor) {
        return std::ranges::find_if(
                   online_, [&](const auto& entry) { return entry.second.name == actor.name; }
        )->first;
    }

    /// JOIN answered on the actor's (first) connection: the failure's code, nullopt on success.
    std::optional<Errc> join(const core::Actor& actor, const std::string& name) {
        Peer& peer = peer_of(actor);
        const proto::Request request{7, proto::Join{name, ""}};
        auto failure = hub_.join(
            peer.participant,
            actor,
            channel(name),
            "",
            JoinMode::request,
            false,
            {peer.participant.get(), &request, {}}
        );
        return failure ? std::optional(failure->code) : std::nullopt;
    }

    std::optional<Errc> part(const core::Actor& actor, const std::string& name) {
        Peer& peer = peer_of(actor);
        const proto::Request request{8, proto::Part{name}};
        auto failure = hub_.part(actor, channel(name), "", {peer.participant.get(), &request, {}});
        return failure ? std::optional(failure->code) : std::nullopt;
    }

    bool is_op(const core::Actor& actor, const std::string& name) {
        const auto whois = hub_.whois(actor, actor.name);
        for (const auto& c : whois->channels)
            if (c.channel == name) return c.op;
        ADD_FAILURE() << actor.name.display() << " is not in " << name;
        return false;
    }

    std::size_t channels() { return hub_.counts().channels; }

    test::TempDir dir_{"salon-hub-test"};
    std::unique_ptr<store::Store> store_ = store::open_sqlite_store(dir_.path() / "salon.db");
    test_support::ManualClock clock_;
    boost::asio::io_context io_;  // runs the store's write-behind when the test asks
    LazyWakes lazy_wakes_{io_.get_executor(), 300ms};

    static ServerSettings with_limits(const core::Limits& limits) {
        ServerSettings settings;
        settings.limits = limits;
        return settings;
    }

    LiveSettings settings_;
    Hub hub_;
    std::vector<std::pair<Peer, core::Actor>> online_;
};

TEST_F(HubTest, TheJoinersOkComesBeforeTheJoinAndHistoryEveryoneGets) {
    const auto ann = online("ann", false, "10.0.0.1");
    const auto bob = online("Guest7", true, "10.0.0.2");
    ASSERT_FALSE(join(ann, "lobby"));
    peer_of(ann).frames();
    ASSERT_FALSE(join(bob, "lobby"));
    const auto frames = peer_of(bob).frames();
    ASSERT_EQ(frames.size(), 3U);
    EXPECT_TRUE(frames[0].starts_with(R"({"OK":{"ref":7,"channel":"lobby")")) << frames[0];
    EXPECT_NE(frames[1].find(R"("JOIN")"), std::string::npos) << frames[1];
    EXPECT_NE(frames[2].find(R"("HISTORY")"), std::string::npos) << frames[2];
    EXPECT_TRUE(peer_of(ann).received(R"("user":"Guest7")"));
}

TEST_F(HubTest, AChannelMessageReachesEveryMemberAfterTheSendersOk) {
    const auto ann = online("ann", false, "10.0.0.1");
    const auto bob = online("bob", false, "10.0.0.2");
    const auto eve = online("eve", false, "10.0.0.3");
    ASSERT_FALSE(join(ann, "lobby"));
    ASSERT_FALSE(join(bob, "lobby"));
    for (auto* actor : {&ann, &bob, &eve}) peer_of(*actor).frames();

    core::Message message{41, "lobby", "ann", {}, "hello", 1'700'000'000'000};
    const proto::Request send{3, proto::Send{"lobby", "hello", {}}};
    hub_.deliver_channel_message(message, {peer_of(ann).participant.get(), &send, {}});
    const auto to_ann = peer_of(ann).frames();
    ASSERT_EQ(to_ann.size(), 2U);
    EXPECT_TRUE(to_ann[0].starts_with(R"({"OK":{"ref":3,"id":41)")) << to_ann[0];
    EXPECT_NE(to_ann[1].find(R"("text":"hello")"), std::string::npos);
    EXPECT_TRUE(peer_of(bob).received(R"("text":"hello")"));
    EXPECT_TRUE(peer_of(eve).frames().empty());  // not a member
}

TEST_F(HubTest, ADirectMessageReachesTheRecipientAndTheSendersOtherConnections) {
    const auto ann = online("ann", false, "10.0.0.1");
    const auto bob = online("bob", false, "10.0.0.2");
    Peer second = test_support::make_peer(lazy_wakes_, "10.0.0.9");
    const proto::Request conn{{}, proto::Conn{}};
    ASSERT_FALSE(hub_.attach(second.participant, ann, {second.participant.get(), &conn, {}}, {}));
    second.frames();

    core::Message message{5, {}, "ann", "bob", "psst", 1'700'000'000'000};
    const proto::Request dm{4, proto::Dm{"bob", "psst"}};
    hub_.deliver_direct_message(message, {peer_of(ann).participant.get(), &dm, {}});
    const auto to_sender = peer_of(ann).frames();
    ASSERT_EQ(to_sender.size(), 1U);  // the OK, and no echo on the connection that sent it
    EXPECT_TRUE(to_sender[0].starts_with(R"({"OK":{"ref":4)"));
    EXPECT_TRUE(peer_of(bob).received(R"("text":"psst")"));
    EXPECT_TRUE(second.received(R"("text":"psst")"));
    hub_.detach(second.participant, ann, "done");
}

TEST_F(HubTest, TheLastConnectionLeavingTellsEveryChannelOnce) {
    const auto ann = online("ann", false, "10.0.0.1");
    const auto bob = online("bob", false, "10.0.0.2");
    ASSERT_FALSE(join(ann, "a"));
    ASSERT_FALSE(join(ann, "b"));
    ASSERT_FALSE(join(bob, "a"));
    ASSERT_FALSE(join(bob, "b"));
    peer_of(bob).frames();
    hub_.detach(peer_of(ann).participant, ann, "bye");
    online_.erase(online_.begin());
    const auto frames = peer_of(bob).frames();
    EXPECT_EQ(
        std::ranges::count_if(
            frames, [](const auto& f) { return f.find(R"("QUIT")") != std::string::npos; }
        ),
        1
    );
    EXPECT_FALSE(hub_.online_name(ann.name));
}

TEST_F(HubTest, MonitorListsAreBoundedTellPresenceAndEndWithTheirConnection) {
    const auto wendy = online("wendy", false, "10.0.0.1");
    Peer watcher = peer_of(wendy);
    std::vector<std::string> names;
    for (std::size_t i = 0; i <= core::kMaxMonitoredUsers; ++i)
        names.push_back("u" + std::to_string(i));
    const auto added = hub_.monitor(*watcher.participant, names);
    EXPECT_EQ(added.offline.size(), core::kMaxMonitoredUsers);
    EXPECT_EQ(added.refused, std::vector<std::string>{names.back()});
    EXPECT_EQ(hub_.monitored(*watcher.participant, false).listed.size(), core::kMaxMonitoredUsers);

    const auto u0 = online("u0", false, "10.0.0.2");
    EXPECT_TRUE(watcher.received(R"({"PRESENCE":{"user":"u0","online":true}})"));
    EXPECT_EQ(hub_.monitored(*watcher.participant, true).online, std::vector<std::string>{"u0"});
    hub_.unmonitor(*watcher.participant, std::vector<std::string>{"u0"});
    hub_.detach(peer_of(u0).participant, u0, "bye");
    online_.pop_back();
    EXPECT_TRUE(watcher.frames().empty()) << "u0 is no longer monitored";

    hub_.detach(watcher.participant, wendy, "bye");
    online_.erase(online_.begin());
    online("u1", false, "10.0.0.3");
    EXPECT_TRUE(watcher.frames().empty()) << "the list ended with its connection";
}

TEST_F(HubTest, ABotsMessagesSayItIsABot) {
    const auto ann = online("ann", false, "10.0.0.1");
    const auto bob = online("bob", false, "10.0.0.2");
    ASSERT_FALSE(join(ann, "lobby"));
    ASSERT_FALSE(join(bob, "lobby"));
    hub_.set_bot(ann.name, true);
    peer_of(bob).frames();
    const proto::Request send{3, proto::Send{"lobby", "beep", {}}};
    hub_.deliver_channel_message(
        core::Message{41, "lobby", "ann", {}, "beep", 1'700'000'000'000},
        {peer_of(ann).participant.get(), &send, {}}
    );
    EXPECT_TRUE(peer_of(bob).received(R"("bot":true)"));
    EXPECT_TRUE(hub_.whois(bob, ann.name)->bot);
    EXPECT_TRUE(hub_.member_info(ann.name)->bot);
}

TEST_F(HubTest, WhowasRemembersTheNewestDeparturesAndNoMore) {
    for (std::size_t i = 0; i <= Hub::kWhowasMemory; ++i) {
        const auto user = online("u" + std::to_string(i), false, "10.0.0.1");
        hub_.detach(peer_of(user).participant, user, "bye");
        online_.pop_back();
    }
    EXPECT_TRUE(hub_.whowas(*core::UserName::parse("u0"), 10).members.empty()) << "forgotten";
    const auto last = hub_.whowas(*core::UserName::parse("U1000"), 10);
    ASSERT_EQ(last.members.size(), 1U);
    EXPECT_EQ(last.members[0].user, "u1000");
    EXPECT_EQ(hub_.whowas(*core::UserName::parse("u1"), 10).members.size(), 1U);
}

TEST_F(HubTest, KickNeedsAnOperatorAndRemovesTheMemberForEveryone) {
    const auto ann = online("ann", false, "10.0.0.1");
    const auto bob = online("bob", false, "10.0.0.2");
    ASSERT_FALSE(join(ann, "lobby"));  // its creator: an operator
    ASSERT_FALSE(join(bob, "lobby"));
    const proto::Request kick{9, proto::Kick{"lobby", "ann", "no"}};
    auto refused = hub_.kick(
        bob, channel("lobby"), ann.name, "no", {peer_of(bob).participant.get(), &kick, {}}
    );
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code, Errc::forbidden);
    peer_of(bob).frames();
    EXPECT_FALSE(hub_.kick(
        ann, channel("lobby"), bob.name, "spam", {peer_of(ann).participant.get(), &kick, {}}
    ));
    EXPECT_TRUE(peer_of(bob).received(R"("reason":"spam")"));
    EXPECT_EQ(
        std::get<core::Failure>(hub_.check_member(bob, channel("lobby"))).code, Errc::not_in_channel
    );
}

TEST_F(HubTest, HomeIsMadeByItsFirstJoinerWhoIsNoOperatorOfIt) {
    EXPECT_EQ(channels(), 0U);
    const auto guest = online("Guest1", true, "10.0.0.1");
    EXPECT_FALSE(join(guest, "home"));
    EXPECT_FALSE(is_op(guest, "home"));
    EXPECT_FALSE(part(guest, "home"));
    EXPECT_EQ(channels(), 1U);  // empty, and still there: a guest made it, but it is the server's
}

TEST_F(HubTest, AGuestsChannelGoesWithItsLastMemberAndComesBackNew) {
    const auto first = online("Guest1", true, "10.0.0.1");
    const auto second = online("Guest2", true, "10.0.0.2");
    EXPECT_FALSE(join(first, "tmp"));
    EXPECT_TRUE(is_op(first, "tmp"));
    EXPECT_FALSE(join(second, "tmp"));
    EXPECT_FALSE(is_op(second, "tmp"));
    EXPECT_FALSE(part(first, "tmp"));
    EXPECT_EQ(channels(), 1U);
    EXPECT_FALSE(part(second, "tmp"));
    EXPECT_EQ(channels(), 0U);
    EXPECT_EQ(hub_.check_member(second, channel("tmp")).index(), 0U);  // no_such_channel

    EXPECT_FALSE(join(second, "tmp"));  // a new channel: the new creator is its operator
    EXPECT_TRUE(is_op(second, "tmp"));
    hub_.detach(online_[1].first.participant, second, "gone");  // the last connection counts too
    EXPECT_EQ(channels(), 0U);
}

TEST_F(HubTest, ARegisteredUsersChannelStaysWhenEmptyAndIsStored) {
    const auto ann = online("ann", false, "10.0.0.1");
    EXPECT_FALSE(join(ann, "annex"));
    EXPECT_FALSE(part(ann, "annex"));
    EXPECT_EQ(channels(), 1U);
    io_.run();  // the write-behind
    const auto stored = store_->load_channels();
    ASSERT_EQ(stored.size(), 1U);
    EXPECT_EQ(stored[0].name.str(), "annex");
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
