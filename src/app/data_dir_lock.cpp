#include "app/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace salon::app {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const fs::path& file, const char* what, int error) {
    throw std::runtime_error(
        std::string("cannot ") + what + " " + file.string() + ": " + std::strerror(error)
    );
}

/// What the holder wrote into the lock file: its pid, or "" when unreadable.
std::string holder_of(int fd) {
    char buffer[32] = {};
    const ssize_t got = ::pread(fd, buffer, sizeof buffer - 1, 0);
    if (got <= 0) return {};
    std::string pid(buffer, static_cast<std::size_t>(got));
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return pid;
}

}  // namespace

DataDirLock::DataDirLock(const fs::path& data_dir) {
    std::error_code ec;
    // Private, like the database that goes in it (an existing directory keeps its mode).
    if (fs::create_directories(data_dir, ec)) {
        fs::permissions(data_dir, fs::perms::owner_all, ec);
    }
    if (ec) {
        throw std::runtime_error(
            "cannot create data dir " + data_dir.string() + ": " + ec.message()
        );
    }
    const fs::path file = data_dir / "salond.lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) fail(file, "open", errno);
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        const std::string holder = error == EWOULDBLOCK ? holder_of(fd_) : std::string();
        ::close(fd_);
        if (error != EWOULDBLOCK) fail(file, "lock", error);
        throw DataDirInUse(
            "data dir " + data_dir.string() + " is in use by a running salond" +
            (holder.empty() ? std::string() : " (pid " + holder + ")") + "; stop it first"
        );
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    // The pid is for the message above and for people; the lock is the flock() alone.
    if (::ftruncate(fd_, 0) != 0 ||
        ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        const int error = errno;
        ::close(fd_);
        fail(file, "write", error);
    }
}

DataDirLock::~DataDirLock() {
    // Closing drops the lock; the file stays, so that its inode is the one every process locks.
    ::close(fd_);
}

}  // namespace salon::app
