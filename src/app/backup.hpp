// `salond backup` and `salond restore`: a consistent copy of a data dir, and putting one back.
#pragma once

#include <filesystem>
#include <iosfwd>

#include "app/config.hpp"

namespace salon::app {

/// `salond backup FILE`: writes a backup of `config.data_dir` while a salond may be using it.
/// FILE is a tar archive (docs/operations.md, "Backups") holding backup.toml (what, when, by
/// which salond), salon.db (a standalone SQLite database, checked after it is written) and, when
/// `config_file` is not empty, that file as salon.toml. FILE must not exist; on failure nothing
/// is left behind. Returns an exit status; messages go to `out` / `err`.
int run_backup(
    const Config& config,
    const std::filesystem::path& config_file,
    const std::filesystem::path& file,
    std::ostream& out,
    std::ostream& err
);

/// `salond restore FILE`: replaces the database of `config.data_dir` with the backup's, after
/// checking the backup in full (SQLite's integrity check, a schema version this salond knows,
/// the tables of that version), and only when no salond is using the data dir (DataDirLock).
/// The replaced database is kept beside it as salon.db.before-restore-<UTC time>; the backup's
/// configuration file, if any, is written as salon.toml.from-backup and installed nowhere.
/// A bad backup changes nothing. Returns an exit status.
int run_restore(
    const Config& config, const std::filesystem::path& file, std::ostream& out, std::ostream& err
);

}  // namespace salon::app
