// Warnings about data that other local users can read.
#pragma once

#include <filesystem>

namespace salon::app {

/// Logs a warning, with the chmod that fixes it, for the data dir and for each of the database's
/// files (the file, its -wal and -shm) that group or others may use: they hold password hashes
/// and every DM. salond creates them private; an older salond, a package or a hand-made
/// directory may not have. Never fails: a file it cannot look at is not reported.
void warn_unless_private(
    const std::filesystem::path& data_dir, const std::filesystem::path& database
);

}  // namespace salon::app
