#include "app/private_files.hpp"

#include <spdlog/spdlog.h>

#include <string>

namespace salon::app {
namespace {

namespace fs = std::filesystem;

/// Warns when `path` exists with any permission for group or others.
void warn_if_open(const fs::path& path, std::string_view what, std::string_view private_mode) {
    std::error_code ec;
    const auto perms = fs::status(path, ec).permissions();
    if (ec || perms == fs::perms::unknown) return;
    if ((perms & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none) return;
    spdlog::warn(
        "{} {} is open to other users (mode {:04o}) and holds password hashes and every DM; "
        "fix with: chmod {} {}",
        what,
        path.string(),
        static_cast<unsigned>(perms),
        private_mode,
        path.string()
    );
}

}  // namespace

void warn_unless_private(const fs::path& data_dir, const fs::path& database) {
    warn_if_open(data_dir, "data dir", "700");
    for (const char* suffix : {"", "-wal", "-shm"}) {
        warn_if_open(database.string() + suffix, "database file", "600");
    }
}

}  // namespace salon::app
