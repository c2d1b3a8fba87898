// What the store tests share: valid names, messages and writes filled in as the server's message
// pipeline fills them, and a fresh database per test.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/conversation.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace salon::store::test_support {

/// A name the test knows to be valid.
inline core::UserName user_name(std::string_view text) {
    auto name = core::UserName::parse(text);
    if (!name) throw std::invalid_argument("bad user name in test: " + std::string(text));
    return std::move(*name);
}

inline core::ChannelName channel_name(std::string_view text) {
    auto name = core::ChannelName::parse(text);
    if (!name) throw std::invalid_argument("bad channel name in test: " + std::string(text));
    return std::move(*name);
}

/// A registered user's key: the folded name.
inline core::UserKey key_of(std::string_view name) {
    return core::user_key(user_name(name), 0);
}

inline core::Message channel_message(
    core::MessageId id, std::string channel, std::string text = "hi", std::string from = "alice"
) {
    return core::Message{
        .id = id,
        .channel = std::move(channel),
        .from = std::move(from),
        .to = "",
        .text = std::move(text),
        .ts_ms = 1'700'000'000'000 + id,
        .rev = id,
        .reply_to = 0,
        .edited_ms = 0,
        .deleted = false,
        .reactions = {},
        .mentions = {},
    };
}

inline core::Message direct_message(
    core::MessageId id, std::string to, std::string text, std::string from = "Alice"
) {
    core::Message message = channel_message(id, "", std::move(text), std::move(from));
    message.to = std::move(to);
    return message;
}

/// The write of `message` as the server's message pipeline makes it for registered users: keys
/// are folded names.
inline MessageWrite write_of(core::Message message, std::vector<core::UserName> pending_for = {}) {
    MessageWrite write{
        .message = std::move(message),
        .pending_for = std::move(pending_for),
        .conversation = {},
        .from_key = {},
        .to_key = {},
        .mention_keys = {},
    };
    const core::Message& m = write.message;
    write.from_key = key_of(m.from);
    if (m.is_direct()) {
        write.to_key = key_of(m.to);
        write.conversation = core::direct_conversation(write.from_key, write.to_key);
    } else {
        write.conversation = m.channel;
    }
    return write;
}

inline MessageWrite channel_write(
    core::MessageId id, std::string channel, std::string text = "hi", std::string from = "alice"
) {
    return write_of(channel_message(id, std::move(channel), std::move(text), std::move(from)));
}

inline MessageWrite direct_write(
    core::MessageId id,
    std::string to,
    std::string text,
    std::vector<core::UserName> pending_for = {},
    std::string from = "Alice"
) {
    return write_of(
        direct_message(id, std::move(to), std::move(text), std::move(from)), std::move(pending_for)
    );
}

inline MessageChange change_by(
    MessageChange::Kind kind, core::MessageId id, core::MessageId rev, std::string_view actor
) {
    MessageChange change;
    change.kind = kind;
    change.id = id;
    change.rev = rev;
    change.ts_ms = 1'800'000'000'000 + rev;
    change.actor_key = key_of(actor);
    change.actor_name = std::string(actor);
    return change;
}

inline MessageChange edit_of(
    core::MessageId id, core::MessageId rev, std::string_view actor, std::string text
) {
    MessageChange change = change_by(MessageChange::Kind::edit, id, rev, actor);
    change.text = std::move(text);
    return change;
}

inline MessageChange remove_of(
    core::MessageId id, core::MessageId rev, std::string_view actor, bool may_remove_others = false
) {
    MessageChange change = change_by(MessageChange::Kind::remove, id, rev, actor);
    change.may_remove_others = may_remove_others;
    return change;
}

/// Commits the writes in one batch; every outcome must be `applied`.
inline void commit_messages(Store& store, const std::vector<MessageWrite>& messages) {
    const std::vector<Write> batch(messages.begin(), messages.end());
    for (const WriteOutcome& outcome : store.commit(batch)) {
        EXPECT_EQ(outcome.status, ChangeStatus::applied);
    }
}

/// The single integer `sql` returns, read with a connection of its own (the store closed); -1
/// when it returns no row.
inline std::int64_t integer_of(const std::filesystem::path& file, const char* sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    std::int64_t value = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
        value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
}

/// Runs `sql` on `file` with a connection of its own, as a hand edit with the sqlite3 shell
/// would; the store must be closed.
inline void run_sql_behind_the_stores_back(const std::filesystem::path& file, const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
    const std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
}

/// Waits for the store's search indexer to catch up with every commit so far (search sees a
/// message only once it is indexed).
inline void wait_for_search_index(Store& store) {
    ASSERT_TRUE(dynamic_cast<SqliteStore&>(store).wait_until_indexed(std::chrono::seconds(10)))
        << "the search indexer did not catch up";
}

inline std::vector<core::MessageId> ids_of(const std::vector<core::Message>& messages) {
    std::vector<core::MessageId> ids;
    for (const auto& m : messages) ids.push_back(m.id);
    return ids;
}

class StoreTest : public ::testing::Test {
protected:
    std::filesystem::path db_file() const { return dir_.path() / "data" / "salon.db"; }

    std::filesystem::path search_file() const { return dir_.path() / "data" / "salon-search.db"; }

    std::unique_ptr<Store> open() { return open_sqlite_store(db_file()); }

    void append_channel_messages(
        Store& store, const std::string& channel, core::MessageId first, core::MessageId last
    ) {
        std::vector<MessageWrite> batch;
        for (core::MessageId id = first; id <= last; ++id) {
            batch.push_back(channel_write(id, channel));
        }
        commit_messages(store, batch);
    }

    test::TempDir dir_{"salon-store"};
};

}  // namespace salon::store::test_support
