// `salond backup` and `salond restore` against real data dirs: a backup taken while clients
// write, restored into a fresh dir and served; bad backups and a running server refused.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

namespace fs = std::filesystem;

/// Every row of every table of a database, each as its columns' text, sorted: two databases
/// with equal contents give equal maps, however their pages are laid out.
using TableRows = std::map<std::string, std::vector<std::string>>;

TableRows read_tables(const fs::path& database) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + database.string());
    }
    auto rows_of = [db](const std::string& sql) {
        std::vector<std::string> rows;
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            throw std::runtime_error(sql + ": " + sqlite3_errmsg(db));
        }
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            std::string row;
            for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
                const auto* text = sqlite3_column_text(stmt, i);
                row += text == nullptr ? std::string("NULL")
                                       : "'" + std::string(reinterpret_cast<const char*>(text));
                row += '\x1f';
            }
            rows.push_back(std::move(row));
        }
        sqlite3_finalize(stmt);
        return rows;
    };
    TableRows tables;
    for (const auto& name :
         rows_of("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
         )) {
        const std::string table = name.substr(1, name.size() - 2);  // '<name>\x1f
        auto rows = rows_of("SELECT * FROM \"" + table + "\"");
        std::sort(rows.begin(), rows.end());
        tables[table] = std::move(rows);
    }
    sqlite3_close(db);
    return tables;
}

/// Table by table, and within a table the first row that differs: a whole database in a
/// failure message would bury the difference.
void expect_same_tables(const TableRows& actual, const TableRows& expected) {
    ASSERT_EQ(actual.size(), expected.size());
    for (const auto& [table, rows] : expected) {
        ASSERT_TRUE(actual.contains(table)) << table;
        const auto& got = actual.at(table);
        EXPECT_EQ(got.size(), rows.size()) << table;
        const auto [a, b] = std::mismatch(got.begin(), got.end(), rows.begin(), rows.end());
        if (a != got.end() || b != rows.end()) {
            ADD_FAILURE() << table << " differs: " << (a != got.end() ? *a : "(none)")
                          << " instead of " << (b != rows.end() ? *b : "(none)");
        }
    }
}

std::string read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& file, std::string_view bytes) {
    std::ofstream(file, std::ios::binary | std::ios::trunc)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// The names in a directory, sorted.
std::vector<std::string> listing(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

class Backups : public ::testing::Test {
protected:
    void TearDown() override {
        for (const auto& dir : dirs_) fs::remove_all(dir);
    }

    fs::path temp_dir() { return dirs_.emplace_back(make_temp_dir("salon-e2e-backup")); }

    CommandResult backup(const fs::path& file, const fs::path& data_dir) {
        return run_salond({"backup", file.string(), "--data-dir", data_dir.string()});
    }

    CommandResult restore(const fs::path& file, const fs::path& data_dir) {
        return run_salond({"restore", file.string(), "--data-dir", data_dir.string()});
    }

    std::vector<fs::path> dirs_;
};

/// The text of writer `w`'s message number `i`.
std::string label(int w, int i) {
    return "w" + std::to_string(w) + "-" + std::to_string(i);
}

/// Where the database member's bytes start in a backup archive (its SQLite header).
std::size_t database_offset(const std::string& archive) {
    const auto at = archive.find(std::string_view("SQLite format 3\0", 16));
    if (at == std::string::npos) throw std::runtime_error("no database in the archive");
    return at;
}

TEST_F(Backups, ABackupTakenWhileClientsWriteRestoresIntoAFreshDirThatSalondServes) {
    const fs::path source = temp_dir();
    const fs::path work = temp_dir();
    ServerProcess server(
        {.extra_args = {"--messages-per-second", "1000", "--message-burst", "1000"},
         .data_dir = source}
    );
    {
        auto ann = connect_tcp(server);
        register_user(*ann, "ann");
        call_ok(*ann, "JOIN", {{"channel", "ops"}});
        call_ok(*ann, "TOPIC", {{"channel", "ops"}, {"topic", "kept by the backup"}});
    }

    // Writers send numbered messages, each waiting for its OK, until told to stop.
    constexpr int kWriters = 3;
    std::atomic<bool> stop{false};
    std::array<std::atomic<int>, kWriters> acknowledged{};
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&, w] {
            try {
                auto client = connect_tcp(server);
                login(*client, "");
                for (int i = 0; !stop; ++i) {
                    call_ok(*client, "SEND", msg("home", label(w, i)));
                    acknowledged[static_cast<std::size_t>(w)] = i + 1;
                }
            } catch (const std::exception&) {
                ++failures;
            }
        });
    }
    auto wait_for_acks = [&](int count) {
        for (int tries = 0; tries < 500; ++tries) {
            bool all = true;
            for (const auto& a : acknowledged) all = all && a >= count;
            if (all) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        FAIL() << "the writers did not reach " << count << " messages";
    };
    wait_for_acks(20);
    std::array<int, kWriters> before{};
    for (int w = 0; w < kWriters; ++w)
        before[static_cast<std::size_t>(w)] = acknowledged[static_cast<std::size_t>(w)];
    const fs::path file = work / "salon-backup.tar";
    const auto taken = backup(file, source);
    // The writers went on during the backup, and after it.
    const int after_backup = acknowledged[0];
    wait_for_acks(after_backup + 10);
    stop = true;
    for (auto& writer : writers) writer.join();
    ASSERT_EQ(taken.exit_status, 0) << taken.output;
    EXPECT_NE(taken.output.find("backup of"), std::string::npos) << taken.output;
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(
        fs::status(file).permissions() & (fs::perms::group_all | fs::perms::others_all),
        fs::perms::none
    );

    // Restored twice: one copy as the backup holds it, one that salond then serves.
    const fs::path pristine = temp_dir() / "data";
    const fs::path served = temp_dir() / "data";
    for (const auto& dir : {pristine, served}) {
        const auto restored = restore(file, dir);
        ASSERT_EQ(restored.exit_status, 0) << restored.output;
        EXPECT_NE(restored.output.find("restored"), std::string::npos) << restored.output;
    }
    const TableRows backed_up = read_tables(pristine / "salon.db");
    // A consistent copy: each writer's messages are a prefix of what it sent, holding at least
    // what was acknowledged before the backup began.
    for (int w = 0; w < kWriters; ++w) {
        std::set<int> numbers;
        for (const auto& row : backed_up.at("messages")) {
            for (int i = 0; i <= acknowledged[static_cast<std::size_t>(w)]; ++i) {
                if (row.find("\x1f'" + label(w, i) + "\x1f") != std::string::npos)
                    numbers.insert(i);
            }
        }
        const int count = static_cast<int>(numbers.size());
        EXPECT_GE(count, before[static_cast<std::size_t>(w)]) << "writer " << w;
        EXPECT_EQ(count == 0 ? -1 : *numbers.rbegin(), count - 1)
            << "writer " << w << " has a hole";
    }
    {
        ServerProcess restored({.extra_args = {}, .data_dir = served});
        // A guest: a login of ann would change her last login time.
        auto guest = connect_tcp(restored);
        login(*guest, "");
        const auto topic = call_ok(*guest, "LIST");
        EXPECT_NE(boost::json::serialize(topic).find("kept by the backup"), std::string::npos);
        ASSERT_EQ(restored.stop(SIGTERM), 0) << restored.log();
    }
    expect_same_tables(read_tables(served / "salon.db"), backed_up);

    // Once the writers are done, a backup holds exactly what the live database holds.
    const fs::path quiet = work / "quiet.tar";
    ASSERT_EQ(backup(quiet, source).exit_status, 0);
    const fs::path replaced = served;
    const auto again = restore(quiet, replaced);
    ASSERT_EQ(again.exit_status, 0) << again.output;
    expect_same_tables(read_tables(replaced / "salon.db"), read_tables(source / "salon.db"));
    // The database it replaced is kept aside, whole.
    bool kept_aside = false;
    for (const auto& name : listing(replaced)) {
        if (!name.starts_with("salon.db.before-restore-") || name.ends_with("-wal")) continue;
        kept_aside = true;
        expect_same_tables(read_tables(replaced / name), backed_up);
    }
    EXPECT_TRUE(kept_aside) << again.output;
}

TEST_F(Backups, RestoreRefusesABadBackupOrARunningServerAndChangesNothing) {
    const fs::path source = temp_dir();
    {
        ServerProcess server({.extra_args = {}, .data_dir = source});
        auto ann = connect_tcp(server);
        register_user(*ann, "ann");
        call_ok(*ann, "SEND", msg("home", "before the backup"));
    }
    const fs::path work = temp_dir();
    const fs::path good = work / "good.tar";
    ASSERT_EQ(backup(good, source).exit_status, 0);
    // The target already holds data: a refused restore must leave it exactly so.
    const fs::path target = temp_dir();
    {
        ServerProcess server({.extra_args = {}, .data_dir = target});
        auto bob = connect_tcp(server);
        register_user(*bob, "bob");
        call_ok(*bob, "SEND", msg("home", "the target's own"));
    }
    const TableRows target_rows = read_tables(target / "salon.db");
    const auto target_files = listing(target);

    const std::string archive = read_bytes(good);
    const std::size_t db = database_offset(archive);
    constexpr std::size_t kPage = 4096;
    std::string corrupt = archive;
    std::fill_n(corrupt.begin() + static_cast<std::ptrdiff_t>(db + 2 * kPage), kPage, '\xAB');
    std::string newer = archive;
    newer[db + 63] = 99;  // PRAGMA user_version: bytes 60-63 of the header, big-endian
    const std::vector<std::tuple<std::string, std::string, std::string>> bad{
        {"corrupt.tar", corrupt, "not a usable Salon database"},
        {"truncated.tar", archive.substr(0, db + 2 * kPage), "truncated"},
        {"newer.tar", newer, "newer"},
        {"notes.tar", "these are not the backups you are looking for\n", "not a tar archive"},
        {"empty.tar", "", "not a tar archive"},
    };
    for (const auto& [name, bytes, expected] : bad) {
        write_bytes(work / name, bytes);
        const auto r = restore(work / name, target);
        EXPECT_EQ(r.exit_status, 1) << name << ": " << r.output;
        EXPECT_NE(r.output.find(expected), std::string::npos) << name << ": " << r.output;
        EXPECT_NE(r.output.find("nothing was changed"), std::string::npos) << r.output;
        EXPECT_EQ(listing(target), target_files) << name;
    }
    // Nor into a fresh dir: it is not left half made.
    const fs::path never = work / "never";
    EXPECT_EQ(restore(work / "corrupt.tar", never).exit_status, 1);
    EXPECT_FALSE(fs::exists(never));
    {
        ServerProcess running({.extra_args = {}, .data_dir = target});
        const auto r = restore(good, target);
        EXPECT_EQ(r.exit_status, 1) << r.output;
        EXPECT_NE(r.output.find("in use by a running salond"), std::string::npos) << r.output;
        EXPECT_NE(r.output.find(std::to_string(running.pid())), std::string::npos) << r.output;
        // One server per data dir: a second one is refused the same way.
        const auto second = run_salond(
            {"--data-dir", target.string(), "--port", "0", "--http-port", "0", "--irc-port", "0"}
        );
        EXPECT_NE(second.exit_status, 0);
        EXPECT_NE(second.output.find("in use by a running salond"), std::string::npos)
            << second.output;
    }
    expect_same_tables(read_tables(target / "salon.db"), target_rows);
}

TEST_F(Backups, BackupMistakesExitNonZeroAndWriteNothing) {
    const fs::path work = temp_dir();
    // No database in the data dir: none is created by asking for a backup of it.
    auto r = backup(work / "b.tar", work / "nothing-here");
    EXPECT_EQ(r.exit_status, 1) << r.output;
    EXPECT_NE(r.output.find("no database"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(work / "nothing-here"));
    EXPECT_FALSE(fs::exists(work / "b.tar"));
    // An existing file is never replaced.
    const fs::path source = temp_dir();
    ASSERT_EQ(
        run_salond({"user", "add", "ann", "--data-dir", source.string()}, "password-one-1\n")
            .exit_status,
        0
    );
    write_bytes(work / "taken.tar", "mine");
    r = backup(work / "taken.tar", source);
    EXPECT_EQ(r.exit_status, 1) << r.output;
    EXPECT_EQ(read_bytes(work / "taken.tar"), "mine");
    // A restore of a file that does not exist is a usage error.
    EXPECT_NE(restore(work / "missing.tar", source).exit_status, 0);
}

TEST_F(Backups, ARestoreByRootGivesTheRestoredFilesToTheDataDirsOwner) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root, as an administrator's restore runs";
    const fs::path source = temp_dir();
    ASSERT_EQ(
        run_salond({"user", "add", "ann", "--data-dir", source.string()}, "password-one-1\n")
            .exit_status,
        0
    );
    const fs::path file = temp_dir() / "taken.tar";
    ASSERT_EQ(backup(file, source).exit_status, 0);

    // The service's data dir belongs to its own user, as the package's /var/lib/salon does.
    const fs::path service_dir = temp_dir();
    constexpr uid_t kService = 65534;
    ASSERT_EQ(::chown(service_dir.c_str(), kService, kService), 0);
    const auto r = restore(file, service_dir);
    ASSERT_EQ(r.exit_status, 0) << r.output;
    for (const char* name : {"salon.db", "salond.lock"}) {
        struct stat st {};

        ASSERT_EQ(::stat((service_dir / name).c_str(), &st), 0) << name;
        EXPECT_EQ(st.st_uid, kService) << name;
        EXPECT_EQ(st.st_gid, kService) << name;
    }
}

}  // namespace
}  // namespace salon::test
