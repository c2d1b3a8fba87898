// Retention: prune_messages() removes what its cutoffs say, in batches, with what hangs on the
// messages, and leaves the id sequence, read markers and replies working.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "store/store_test_support.hpp"

namespace salon::store {
namespace {

using namespace test_support;
using Ids = std::vector<core::MessageId>;

/// The time of test message `id` (store_test_support writes ids and times in step): a cutoff
/// at `written_at(n)` prunes the ids below n.
constexpr core::UnixMillis written_at(core::MessageId id) {
    return 1'700'000'000'000 + id;
}

Ids history_ids(Store& store, std::string_view conversation) {
    return ids_of(store.history(conversation, std::nullopt, 100));
}

using RetentionTest = StoreTest;

TEST_F(RetentionTest, EachChannelKeepsWhatItsCutoffSaysWhateverTheBatchSize) {
    auto store = open();
    append_channel_messages(*store, "old", 1, 10);
    append_channel_messages(*store, "kept", 11, 20);
    append_channel_messages(*store, "own", 21, 30);
    const PruneCutoffs cutoffs{
        .channels = written_at(100),
        .direct = std::nullopt,
        .by_channel = {{"kept", std::nullopt}, {"own", written_at(25)}},
    };
    EXPECT_EQ(store->prune_messages(cutoffs, 3), 14U);
    EXPECT_TRUE(history_ids(*store, "old").empty());
    EXPECT_EQ(history_ids(*store, "kept").size(), 10U);
    EXPECT_EQ(history_ids(*store, "own"), (Ids{25, 26, 27, 28, 29, 30}));
    // A second round finds nothing more.
    EXPECT_EQ(store->prune_messages(cutoffs, 3), 0U);
    EXPECT_EQ(store->prune_messages(PruneCutoffs{}, 3), 0U);
}

TEST_F(RetentionTest, DirectMessagesHaveTheirOwnCutoffAndLeaveTheWaitingList) {
    auto store = open();
    const auto bob = user_name("bob");
    commit_messages(
        *store,
        {direct_write(1, "bob", "one", {bob}),
         direct_write(2, "bob", "two", {bob}),
         channel_write(3, "home"),
         direct_write(4, "bob", "four", {bob})}
    );
    const PruneCutoffs cutoffs{.channels = std::nullopt, .direct = written_at(4), .by_channel = {}};
    EXPECT_EQ(store->prune_messages(cutoffs, 1000), 2U);
    EXPECT_EQ(history_ids(*store, core::direct_conversation("alice", "bob")), Ids{4});
    EXPECT_EQ(history_ids(*store, "home"), Ids{3});
    EXPECT_EQ(ids_of(store->pending_dms(bob, 0, 10)), Ids{4});
    // The partner stays listed: the conversation lives on.
    EXPECT_EQ(store->direct_partners("bob").size(), 1U);
}

TEST_F(RetentionTest, IdsNeverGoBackAfterEverythingIsPrunedAndTheStoreReopens) {
    {
        auto store = open();
        // A new message's id is written nowhere but in its row.
        append_channel_messages(*store, "home", 1, 5);
        const PruneCutoffs all{
            .channels = written_at(100), .direct = std::nullopt, .by_channel = {}};
        EXPECT_EQ(store->prune_messages(all, 2), 5U);
        EXPECT_EQ(store->max_message_id(), 5);
    }
    auto store = open();
    EXPECT_EQ(store->max_message_id(), 5);
    EXPECT_TRUE(history_ids(*store, "home").empty());
}

TEST_F(RetentionTest, PrunedTextNoLongerMatchesASearch) {
    auto store = open();
    commit_messages(
        *store, {channel_write(1, "home", "ancient lore"), channel_write(2, "home", "recent lore")}
    );
    wait_for_search_index(*store);
    const PruneCutoffs cutoffs{.channels = written_at(2), .direct = std::nullopt, .by_channel = {}};
    EXPECT_EQ(store->prune_messages(cutoffs, 1000), 1U);
    SearchQuery query{
        .text = "lore", .conversations = {"home"}, .from_folded = {}, .before = {}, .limit = 20};
    EXPECT_EQ(ids_of(store->search(query).messages), Ids{2});
    wait_for_search_index(*store);
    EXPECT_EQ(ids_of(store->search(query).messages), Ids{2});
    query.text = "ancient";
    EXPECT_TRUE(store->search(query).messages.empty());
}

TEST_F(RetentionTest, ReactionsMentionsAndTombstonesGoWhileMarkersAndRepliesStillWork) {
    {
        auto store = open();
        MessageWrite mention = channel_write(1, "home", "hey @bob");
        mention.message.mentions = {"bob"};
        mention.mention_keys = {"bob"};
        MessageWrite reply = channel_write(4, "home", "re", "carol");
        reply.message.reply_to = 1;
        commit_messages(
            *store, {mention, channel_write(2, "home"), channel_write(3, "home"), reply}
        );
        MessageChange react = change_by(MessageChange::Kind::react, 1, 5, "bob");
        react.emoji = "👍";
        const std::vector<Write> changes{react, remove_of(2, 6, "alice")};
        store->commit(changes);
        EXPECT_TRUE(store->advance_read_marker("bob", "home", 2));

        const PruneCutoffs cutoffs{
            .channels = written_at(4), .direct = std::nullopt, .by_channel = {}};
        EXPECT_EQ(store->prune_messages(cutoffs, 1000), 3U);  // 1, 2 (a tombstone) and 3
        const auto history = store->history("home", std::nullopt, 100);
        ASSERT_EQ(ids_of(history), Ids{4});
        EXPECT_EQ(history[0].reply_to, 1);  // the reply still says what it answered
        // Resuming by rev from before the changes: no error, nothing pruned comes back.
        EXPECT_EQ(ids_of(store->changed_after("home", 0, 100)), Ids{4});
        // The marker points at a pruned message: what follows it still counts as unread.
        const std::vector<std::string> home{"home"};
        const auto stats = store->conversation_stats("bob", home, 100).at(0);
        EXPECT_EQ(stats.read, 2);
        EXPECT_EQ(stats.unread, 1U);
        EXPECT_EQ(stats.mentions, 0U);
    }
    EXPECT_EQ(integer_of(db_file(), "SELECT count(*) FROM reactions"), 0);
    EXPECT_EQ(integer_of(db_file(), "SELECT count(*) FROM mentions"), 0);
}

}  // namespace
}  // namespace salon::store
