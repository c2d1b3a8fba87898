// The data dir's lock file: one salond, or one restore, uses a data dir at a time.
#pragma once

#include <filesystem>
#include <stdexcept>

namespace salon::app {

/// Another process (a running salond) holds the data dir's lock.
class DataDirInUse : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// An exclusive lock on a data dir, held while the object lives: `salond.lock` in the dir,
/// locked with flock() and holding the holder's pid. The kernel drops the lock when the process
/// ends, however it ends (kill -9 included), so a stale file never blocks anything.
///
/// The server holds it while it runs: two servers on one database would hand out the same
/// message ids. `salond restore` holds it while it replaces the database. The other commands
/// (`user`, `backup`, `export`) work beside a running server and take no lock; `channel` takes
/// it when it is free, and otherwise asks the server that holds it.
class DataDirLock {
public:
    /// Takes the lock, creating the data dir (private to the owner) when it is missing.
    /// @throws DataDirInUse when another process holds it (naming its pid);
    ///         std::runtime_error when the file cannot be made.
    explicit DataDirLock(const std::filesystem::path& data_dir);
    ~DataDirLock();

    DataDirLock(const DataDirLock&) = delete;
    DataDirLock& operator=(const DataDirLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace salon::app
