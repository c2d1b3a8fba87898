#include "app/backup.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "app/admin.hpp"
#include "app/data_dir_lock.hpp"
#include "app/tar_archive.hpp"
#include "core/clock.hpp"
#include "store/sqlite/sqlite_store.hpp"

#ifndef SALON_VERSION
#define SALON_VERSION "0.0.0"
#endif

namespace salon::app {
namespace {

namespace fs = std::filesystem;

/// Run as root into a data dir that belongs to the service's user (the Debian package's
/// `salon`), a restore gives what it made to that user: salond could not open them otherwise.
/// Returns a line for each file it could not give.
std::vector<std::string> give_to_data_dir_owner(
    const fs::path& dir, std::initializer_list<fs::path> files
) {
    std::vector<std::string> failures;

    struct stat owner {};

    if (::geteuid() != 0 || ::stat(dir.c_str(), &owner) != 0 || owner.st_uid == 0) return failures;
    for (const auto& file : files) {
        if (fs::exists(file) && ::chown(file.c_str(), owner.st_uid, owner.st_gid) != 0)
            failures.push_back(file.string() + ": " + std::strerror(errno));
    }
    return failures;
}

// The members of a backup archive. Their names are the format: never rename one.
constexpr std::string_view kManifestMember = "backup.toml";
constexpr std::string_view kDatabaseMember = "salon.db";
constexpr std::string_view kConfigMember = "salon.toml";

// Bounds on the text members read into memory: both are a few kilobytes in practice.
constexpr std::size_t kMaxManifestBytes = 64 * 1024;
constexpr std::size_t kMaxConfigBytes = 1024 * 1024;

/// The data dir's database (the one file every command of salond opens).
fs::path database_of(const Config& config) {
    return config.data_dir / "salon.db";
}

void remove_quietly(const fs::path& file) {
    std::error_code ignored;
    fs::remove(file, ignored);
}

/// What a backup says of itself: read by people (`tar xOf FILE backup.toml`) and by restore.
std::string manifest(
    const Config& config, const fs::path& config_file, const store::BackupSummary& summary
) {
    toml::table table{
        {"format", 1},
        {"salond_version", SALON_VERSION},
        {"taken_at", core::format_timestamp(core::SystemClock().unix_now_ms())},
        {"data_dir", fs::absolute(config.data_dir).string()},
        {"backend", "sqlite"},
        {"database", kDatabaseMember},
        {"schema_version", summary.schema_version},
        {"accounts", summary.accounts},
        {"channels", summary.channels},
        {"messages", summary.messages},
    };
    if (!config_file.empty()) {
        table.insert("config", kConfigMember);
        table.insert("config_path", fs::absolute(config_file).string());
    }
    std::ostringstream text;
    text << "# A Salon backup (docs/operations.md, \"Backups\"). Restore it with:\n"
         << "#   salond restore THIS-FILE --data-dir DIR   (or --config FILE)\n"
         << table << '\n';
    return text.str();
}

/// UTC time to the second without separators that shells or file managers mind:
/// 20261207T104700Z.
std::string file_stamp() {
    std::string stamp;
    for (const char c : core::format_timestamp(core::SystemClock().unix_now_ms())) {
        if (c == '.') break;
        if (c != '-' && c != ':') stamp += c;
    }
    return stamp + 'Z';
}

/// `base`, or `base`-2, -3… when taken: two restores within a second keep both databases.
fs::path unused_name(const std::string& base) {
    fs::path candidate = base;
    for (int n = 2; fs::exists(candidate) || fs::exists(candidate.string() + "-wal"); ++n) {
        candidate = base + "-" + std::to_string(n);
    }
    return candidate;
}

/// Writes `text` to the new file `file`, readable by its owner alone.
void write_private_file(const fs::path& file, std::string_view text) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), file.string());
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const int error = errno;
    ::close(fd);
    if (!written) throw std::system_error(error, std::generic_category(), file.string());
}

/// The manifest's taken_at, for the restore's report; empty when absent.
std::string taken_at(const std::optional<std::string>& manifest_text) {
    if (!manifest_text) return {};
    try {
        const toml::table table = toml::parse(*manifest_text);
        return table["taken_at"].value_or(std::string());
    } catch (const toml::parse_error&) {
        return {};
    }
}

}  // namespace

int run_backup(
    const Config& config,
    const fs::path& config_file,
    const fs::path& file,
    std::ostream& out,
    std::ostream& err
) {
    const fs::path database = database_of(config);
    if (!fs::exists(database)) {
        err << fmt::format(
            "salond: backup: no database in {} (give the data dir with --data-dir or --config)\n",
            config.data_dir.string()
        );
        return kExitFailure;
    }
    if (fs::exists(file)) {
        err << fmt::format(
            "salond: backup: {} exists; a backup never replaces a file\n", file.string()
        );
        return kExitFailure;
    }
    // Both beside FILE: on its filesystem, and never inside the data dir being copied.
    const fs::path snapshot = file.string() + ".db.partial";
    const fs::path partial = file.string() + ".partial";
    for (const auto& scratch : {snapshot, partial}) {
        // Never removed here: it may be another backup's, still running.
        if (fs::exists(scratch)) {
            err << fmt::format(
                "salond: backup: {} exists: another backup of that name is running, or one was "
                "killed; remove it and try again\n",
                scratch.string()
            );
            return kExitFailure;
        }
    }
    store::BackupSummary summary;
    try {
        {
            store::SqliteOptions options;
            options.reader_connections = 1;
            options.index_search = false;
            auto store = store::open_sqlite_store(database, options);
            store->back_up_to(snapshot);
        }
        // What restore will check, checked now: a backup that would be refused is no backup.
        summary = store::check_sqlite_backup(snapshot);
        TarWriter tar(partial);
        tar.add_text(kManifestMember, manifest(config, config_file, summary));
        tar.add_file(kDatabaseMember, snapshot);
        if (!config_file.empty()) tar.add_file(kConfigMember, config_file);
        tar.finish();
        fs::rename(partial, file);
    } catch (const std::exception& e) {
        remove_quietly(snapshot);
        remove_quietly(partial);
        err << "salond: backup failed, nothing written: " << e.what() << '\n';
        return kExitFailure;
    }
    remove_quietly(snapshot);
    out << fmt::format(
        "backup of {} written to {}: {} accounts, {} channels, {} messages (schema {}); {}\n",
        config.data_dir.string(),
        file.string(),
        summary.accounts,
        summary.channels,
        summary.messages,
        summary.schema_version,
        config_file.empty() ? "no configuration file was in use (--config), none included"
                            : "with the configuration file " + config_file.string()
    );
    return kExitOk;
}

int run_restore(const Config& config, const fs::path& file, std::ostream& out, std::ostream& err) {
    const fs::path database = database_of(config);
    const fs::path incoming = database.string() + ".restoring";
    const bool fresh_dir = !fs::exists(config.data_dir);
    std::optional<fs::path> kept;
    store::BackupSummary summary;
    std::optional<std::string> manifest_text;
    std::optional<std::string> config_text;
    try {
        TarReader tar(file);
        const DataDirLock lock(config.data_dir);
        try {
            // Left by a restore that was killed: the lock says no other one is running.
            remove_quietly(incoming);
            bool has_database = false;
            while (auto member = tar.next()) {
                if (member->name == kDatabaseMember && !has_database) {
                    tar.extract_to(incoming);
                    has_database = true;
                } else if (member->name == kManifestMember) {
                    manifest_text = tar.read_text(kMaxManifestBytes);
                } else if (member->name == kConfigMember) {
                    config_text = tar.read_text(kMaxConfigBytes);
                }
            }
            if (!has_database) {
                throw std::runtime_error(fmt::format(
                    "{} holds no {}: it is not a Salon backup", file.string(), kDatabaseMember
                ));
            }
            summary = store::check_sqlite_backup(incoming);
            if (fs::exists(database)) {
                kept = unused_name(database.string() + ".before-restore-" + file_stamp());
            }
            store::install_sqlite_backup(incoming, database, kept.value_or(fs::path()));
        } catch (...) {
            remove_quietly(incoming);
            if (fresh_dir) {
                // Only what this restore made: the lock file, then the directory if empty.
                remove_quietly(config.data_dir / "salond.lock");
                remove_quietly(config.data_dir);
            }
            throw;
        }
    } catch (const std::exception& e) {
        err << "salond: restore failed, nothing was changed: " << e.what() << '\n';
        return kExitFailure;
    }

    for (const auto& failure : give_to_data_dir_owner(
             config.data_dir,
             {database, fs::path(database.string() + "-wal"), config.data_dir / "salond.lock"}
         )) {
        err << "salond: warning: could not give the data dir's owner " << failure << '\n';
    }
    const std::string when = taken_at(manifest_text);
    out << fmt::format(
        "restored {} from {}{}: {} accounts, {} channels, {} messages (schema {})\n",
        database.string(),
        file.string(),
        when.empty() ? std::string() : " (taken " + when + ")",
        summary.accounts,
        summary.channels,
        summary.messages,
        summary.schema_version
    );
    if (kept) {
        out << fmt::format(
            "the database it replaced is kept as {}; delete it once the restored data looks "
            "right\n",
            kept->string()
        );
    }
    if (config_text) {
        // Never installed: the configuration in use may rightly differ (a new machine, new
        // paths). A copy to compare is what helps.
        const fs::path copy = config.data_dir / "salon.toml.from-backup";
        try {
            remove_quietly(copy);
            write_private_file(copy, *config_text);
            out << fmt::format(
                "the backup's configuration file is in {}; compare it with the one you use "
                "(restore does not replace it)\n",
                copy.string()
            );
        } catch (const std::exception& e) {
            err << "salond: the backup's configuration file could not be written: " << e.what()
                << '\n';
        }
    }
    out << "start salond to serve the restored data\n";
    return kExitOk;
}

}  // namespace salon::app
