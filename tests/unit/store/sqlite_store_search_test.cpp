#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store_test_support.hpp"

// Search indexing off the commit path: the index in its own file, kept by a background indexer
// from the queue of text changes, rebuilt when missing or foreign, and search() never matching a
// message by a text it no longer has.
namespace salon::store {
namespace {

using namespace test_support;
namespace fs = std::filesystem;
using Ids = std::vector<core::MessageId>;

Ids search(Store& store, std::string text) {
    const SearchQuery query{
        .text = std::move(text),
        .conversations = {"home"},
        .from_folded = {},
        .before = {},
        .limit = 20,
    };
    return ids_of(store.search(query).messages);
}

void commit(Store& store, std::vector<Write> batch) {
    for (const WriteOutcome& outcome : store.commit(batch)) {
        EXPECT_EQ(outcome.status, ChangeStatus::applied);
    }
}

using SearchIndexTest = StoreTest;

TEST_F(SearchIndexTest, ANewMessageMatchesOnceIndexed) {
    auto store = open();
    commit_messages(*store, {channel_write(1, "home", "indexed in the background")});
    wait_for_search_index(*store);
    EXPECT_EQ(search(*store, "BACKGROUND"), Ids{1});
}

TEST_F(SearchIndexTest, AnEditNeverMatchesItsFormerTextEvenBeforeItIsIndexed) {
    auto store = open();
    commit_messages(*store, {channel_write(1, "home", "former words")});
    wait_for_search_index(*store);
    ASSERT_EQ(search(*store, "former"), Ids{1});

    commit(*store, {edit_of(1, 2, "alice", "current words")});
    // Whether or not the indexer has run yet.
    EXPECT_TRUE(search(*store, "former").empty());
    wait_for_search_index(*store);
    EXPECT_TRUE(search(*store, "former").empty());
    EXPECT_EQ(search(*store, "current"), Ids{1});
    EXPECT_EQ(search(*store, "words"), Ids{1});
}

TEST_F(SearchIndexTest, ADeletedMessageNeverMatches) {
    auto store = open();
    commit_messages(
        *store, {channel_write(1, "home", "gone soon"), channel_write(2, "tmp", "gone with tmp")}
    );
    wait_for_search_index(*store);
    ASSERT_EQ(search(*store, "gone"), Ids{1});

    commit(*store, {remove_of(1, 3, "alice")});
    EXPECT_TRUE(search(*store, "gone").empty());
    store->forget_channel(channel_name("tmp"), 2);
    wait_for_search_index(*store);
    EXPECT_TRUE(search(*store, "gone").empty());
    const SearchQuery in_tmp{
        .text = "gone", .conversations = {"tmp"}, .from_folded = {}, .before = {}, .limit = 20};
    EXPECT_TRUE(store->search(in_tmp).messages.empty());
}

TEST_F(SearchIndexTest, TheIndexIsAPrivateFileBesideTheDatabase) {
    auto store = open();
    ASSERT_TRUE(fs::exists(search_file()));

    struct stat info {};

    ASSERT_EQ(::stat(search_file().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777U, 0600U);
}

TEST_F(SearchIndexTest, AMissingIndexIsRebuiltFromTheMessages) {
    {
        auto store = open();
        commit_messages(
            *store, {channel_write(1, "home", "kept text"), channel_write(2, "home", "edited")}
        );
        commit(*store, {edit_of(2, 3, "alice", "kept after an edit")});
        wait_for_search_index(*store);
    }
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(search_file().string() + suffix);

    auto store = open();
    wait_for_search_index(*store);
    EXPECT_EQ(search(*store, "kept"), (Ids{2, 1}));
    EXPECT_TRUE(search(*store, "edited").empty());
    // And it goes on indexing from there.
    commit_messages(*store, {channel_write(4, "home", "kept later")});
    wait_for_search_index(*store);
    EXPECT_EQ(search(*store, "kept"), (Ids{4, 2, 1}));
}

TEST_F(SearchIndexTest, AnIndexOfAnotherSchemaIsRebuilt) {
    {
        auto store = open();
        commit_messages(*store, {channel_write(1, "home", "still found")});
        wait_for_search_index(*store);
    }
    run_sql_behind_the_stores_back(
        search_file(), "DROP TABLE messages_text; PRAGMA user_version = 7"
    );
    auto store = open();
    wait_for_search_index(*store);
    EXPECT_EQ(search(*store, "found"), Ids{1});
}

TEST_F(SearchIndexTest, AGarbageIndexFileIsRebuilt) {
    {
        auto store = open();
        commit_messages(*store, {channel_write(1, "home", "still found")});
    }
    for (const char* suffix : {"-wal", "-shm"}) fs::remove(search_file().string() + suffix);
    {
        std::ofstream garbage(search_file(), std::ios::trunc);
        garbage << std::string(8192, 'x');
    }
    auto store = open();
    wait_for_search_index(*store);
    EXPECT_EQ(search(*store, "found"), Ids{1});
}

TEST_F(SearchIndexTest, AnIndexBehindItsPrunedQueueIsRebuilt) {
    // As a power cut could leave it: the database kept its commits, the index lost its last
    // ones, and the queue rows after the index's watermark were pruned.
    const fs::path saved = search_file().string() + ".saved";
    {
        auto store = open();
        commit_messages(*store, {channel_write(1, "home", "early text")});
        wait_for_search_index(*store);
    }
    // Closed, the search file holds all its commits (the last connection checkpoints its WAL).
    fs::copy_file(search_file(), saved);
    {
        auto store = open();
        commit_messages(*store, {channel_write(2, "home", "late text")});
        commit(*store, {edit_of(1, 3, "alice", "early words")});
        commit(*store, {edit_of(2, 4, "alice", "late words")});
        wait_for_search_index(*store);
    }
    for (const char* suffix : {"-wal", "-shm"}) fs::remove(search_file().string() + suffix);
    fs::copy_file(saved, search_file(), fs::copy_options::overwrite_existing);
    run_sql_behind_the_stores_back(
        db_file(), "DELETE FROM search_queue WHERE seq < (SELECT MAX(seq) FROM search_queue)"
    );
    auto store = open();
    wait_for_search_index(*store);
    EXPECT_TRUE(search(*store, "text").empty());
    EXPECT_EQ(search(*store, "words"), (Ids{2, 1}));
}

TEST_F(SearchIndexTest, AMessageCommittedBelowAnIdHandedOutIsIndexed) {
    // The store's callers may commit out of id order; the indexer reads new messages by id.
    auto store = open();
    commit_messages(*store, {channel_write(5, "home", "first committed")});
    wait_for_search_index(*store);
    commit_messages(*store, {channel_write(3, "home", "committed second")});
    wait_for_search_index(*store);
    EXPECT_EQ(search(*store, "committed"), (Ids{5, 3}));
}

TEST_F(SearchIndexTest, TheWriterPrunesTheQueueBehindTheIndexer) {
    {
        auto store = open();
        for (core::MessageId id = 1; id <= 100; ++id) {
            commit_messages(*store, {channel_write(id, "home", "line")});
        }
        wait_for_search_index(*store);
        for (core::MessageId id = 101; id <= 164; ++id) {
            commit_messages(*store, {channel_write(id, "home", "line")});
        }
    }
    EXPECT_LE(integer_of(db_file(), "SELECT count(*) FROM search_queue"), 65);
}

TEST_F(SearchIndexTest, AScanStopsAtItsBoundAndSaysWhereToGoOn) {
    // The one match in "quiet" is the oldest; six newer ones are in "crowd", out of scope.
    auto store = open();
    std::vector<Write> writes{channel_write(1, "quiet", "needle in quiet")};
    for (core::MessageId id = 2; id <= 7; ++id)
        writes.push_back(channel_write(id, "crowd", "needle"));
    commit(*store, writes);
    wait_for_search_index(*store);

    SearchQuery query{
        .text = "needle",
        .conversations = {"quiet"},
        .from_folded = {},
        .before = {},
        .limit = 20,
        .max_scanned = 4,
    };
    const SearchPage first = store->search(query);
    EXPECT_TRUE(first.messages.empty());
    ASSERT_EQ(first.stopped_at, 4);  // looked at 7, 6, 5 and 4
    query.before = first.stopped_at;
    const SearchPage second = store->search(query);
    EXPECT_EQ(ids_of(second.messages), Ids{1});
    EXPECT_FALSE(second.stopped_at);  // fewer matches than the bound: the scan reached the end
}

}  // namespace
}  // namespace salon::store
