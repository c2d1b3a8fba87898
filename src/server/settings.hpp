// What the operator chose for the chat service, as the server and its commands read it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/password.hpp"
#include "core/limits.hpp"
#include "core/retention.hpp"

namespace salon::server {

/// Where a login may send a password or token in plain text (`--plaintext-logins`).
enum class PlaintextLogins : std::uint8_t {
    allow,     ///< anywhere
    loopback,  ///< only from this machine (127.0.0.0/8, ::1); elsewhere only over TLS
    deny,      ///< only over TLS
};

struct ServerSettings {
    core::Limits limits;
    bool registration_open = true;
    auth::PasswordParams password;
    std::string name = "salond";
    std::string version;
    PlaintextLogins plaintext_logins = PlaintextLogins::allow;
    core::Retention retention = {};
};

/// ServerSettings that a reload (SIGHUP) may replace while requests read them. A reader takes
/// current() for the length of one request or event; replace() publishes a new version and
/// keeps the old ones (a few hundred bytes each, one per reload), since a reader on another
/// thread may still hold a reference. Reading costs one atomic load. Thread-safe.
class LiveSettings {
public:
    explicit LiveSettings(ServerSettings initial) { replace(std::move(initial)); }

    LiveSettings(const LiveSettings&) = delete;
    LiveSettings& operator=(const LiveSettings&) = delete;

    const ServerSettings& current() const noexcept {
        return *current_.load(std::memory_order_acquire);
    }

    void replace(ServerSettings next) {
        std::lock_guard lock(mutex_);
        versions_.push_back(std::make_unique<const ServerSettings>(std::move(next)));
        current_.store(versions_.back().get(), std::memory_order_release);
    }

private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<const ServerSettings>> versions_;
    std::atomic<const ServerSettings*> current_ = nullptr;
};

}  // namespace salon::server
