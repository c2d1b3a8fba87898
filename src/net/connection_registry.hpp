// Every live connection of every transport: per-address limits and orderly shutdown.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "server/session.hpp"

namespace salon::net {

/// A connection as the registry sees it.
class Connection {
public:
    virtual ~Connection() = default;
    /// Tells the peer the server is going away and closes after flushing. Thread-safe.
    virtual void shut_down() = 0;
};

/// Thread-safe set of the live connections, counted per remote address.
class ConnectionRegistry {
public:
    explicit ConnectionRegistry(std::size_t max_per_address) : max_per_address_(max_per_address) {}

    /// False when the address already has its maximum of connections.
    bool admit(const std::string& address, const std::shared_ptr<Connection>& connection);
    void remove(const std::string& address, const std::shared_ptr<Connection>& connection);

    /// A new maximum (a reload): addresses above it keep their connections but get no more.
    void set_max_per_address(std::size_t max_per_address);

    /// Shuts every connection down; new ones are refused from now on.
    void shut_down_all();
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::size_t max_per_address_;
    bool closed_ = false;
    std::unordered_map<std::string, std::size_t> per_address_;
    std::unordered_set<std::shared_ptr<Connection>> connections_;
};

}  // namespace salon::net
