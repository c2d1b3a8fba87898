#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <string>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store_test_support.hpp"

namespace salon::store {
namespace {

namespace fs = std::filesystem;

using namespace test_support;

using SqliteBackupTest = StoreTest;

/// Runs SQL on a database behind the store's back, as damage or a newer salond would.
void run_sql(const fs::path& file, const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
}

/// The message of check_sqlite_backup()'s refusal; "" when it passed.
std::string refusal(const fs::path& file) {
    try {
        check_sqlite_backup(file);
        return {};
    } catch (const StorageError& e) {
        return e.what();
    }
}

TEST_F(SqliteBackupTest, ACopyHoldsWhatWasStoredAndPassesTheChecksAsOneStandaloneFile) {
    auto store = open();
    ASSERT_TRUE(store->create_account({.name = "alice", .password_hash = "h"}));
    store->save_channel({.name = channel_name("home"), .topic = "", .key = "", .created_ms = 1});
    append_channel_messages(*store, "home", 1, 30);
    const fs::path copy = dir_.path() / "copy.db";
    store->back_up_to(copy);
    // A rollback journal, not WAL: no -wal or -shm file needed beside it.
    EXPECT_FALSE(fs::exists(copy.string() + "-wal"));
    EXPECT_EQ(
        fs::status(copy).permissions() & (fs::perms::group_all | fs::perms::others_all),
        fs::perms::none
    );
    const auto summary = check_sqlite_backup(copy);
    EXPECT_EQ(summary.schema_version, kSqliteSchemaVersion);
    EXPECT_EQ(summary.accounts, 1);
    EXPECT_EQ(summary.channels, 1);
    EXPECT_EQ(summary.messages, 30);
    // The store goes on; the copy is as of its moment.
    append_channel_messages(*store, "home", 31, 31);
    EXPECT_EQ(check_sqlite_backup(copy).messages, 30);
}

TEST_F(SqliteBackupTest, ABackupNeverReplacesAFile) {
    auto store = open();
    const fs::path taken = dir_.path() / "taken.db";
    std::ofstream(taken) << "mine";
    EXPECT_THROW(store->back_up_to(taken), StorageError);
    std::ifstream in(taken);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "mine");
}

TEST_F(SqliteBackupTest, TheCheckRefusesWhatARestoreMustNotInstall) {
    {
        auto store = open();
        store->back_up_to(dir_.path() / "good.db");
    }
    auto variant = [&](const char* name, const char* sql) {
        const fs::path file = dir_.path() / name;
        fs::copy_file(dir_.path() / "good.db", file);
        run_sql(file, sql);
        return refusal(file);
    };
    EXPECT_EQ(refusal(dir_.path() / "good.db"), "");
    EXPECT_NE(
        variant("missing.db", "DROP TABLE reactions").find("lacks tables"), std::string::npos
    );
    EXPECT_NE(variant("newer.db", "PRAGMA user_version = 99").find("newer"), std::string::npos);
    EXPECT_NE(
        variant("bare.db", "PRAGMA user_version = 0").find("no Salon schema"), std::string::npos
    );
    // An older schema passes with the tables it had: salond migrates it when it starts.
    EXPECT_EQ(variant("older.db", "DROP TABLE channel_exceptions; PRAGMA user_version = 10"), "");
    const fs::path text = dir_.path() / "notes.db";
    std::ofstream(text) << std::string(8192, 'x');
    EXPECT_NE(refusal(text).find("not a usable Salon database"), std::string::npos);
    EXPECT_NE(refusal(dir_.path() / "absent.db").find("not a regular file"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir_.path() / "absent.db"));
}

TEST_F(SqliteBackupTest, InstallingKeepsTheOldDatabaseWithItsWalAndDropsTheSearchIndex) {
    {
        auto store = open();
        ASSERT_TRUE(store->create_account({.name = "alice", .password_hash = "h"}));
        store->back_up_to(dir_.path() / "backup.db");
        ASSERT_TRUE(store->create_account({.name = "bob", .password_hash = "h"}));
    }
    {
        // A commit still in the WAL, as a killed salond leaves it.
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(db_file().c_str(), &db), SQLITE_OK);
        sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
        EXPECT_EQ(
            sqlite3_exec(
                db,
                "INSERT INTO accounts (name_folded, name, password_hash, created_ms) "
                "VALUES ('carol', 'carol', 'h', 0)",
                nullptr,
                nullptr,
                nullptr
            ),
            SQLITE_OK
        );
        sqlite3_close(db);
        ASSERT_TRUE(fs::exists(db_file().string() + "-wal"));
    }
    const fs::path kept = dir_.path() / "kept.db";
    install_sqlite_backup(dir_.path() / "backup.db", db_file(), kept);
    EXPECT_FALSE(fs::exists(search_file()));
    EXPECT_FALSE(fs::exists(db_file().string() + "-wal"));
    EXPECT_TRUE(fs::exists(kept.string() + "-wal"));
    auto restored = open();
    EXPECT_TRUE(restored->find_account(user_name("alice")));
    EXPECT_FALSE(restored->find_account(user_name("bob")));
    // Whole: the commit in its WAL included.
    EXPECT_EQ(check_sqlite_backup(kept).accounts, 3);
}

}  // namespace
}  // namespace salon::store
