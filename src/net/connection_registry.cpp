#include "net/connection_registry.hpp"

#include <vector>

namespace salon::net {

bool ConnectionRegistry::admit(
    const std::string& address, const std::shared_ptr<Connection>& connection
) {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    auto& count = per_address_[address];
    if (count >= max_per_address_) return false;
    ++count;
    connections_.insert(connection);
    return true;
}

void ConnectionRegistry::remove(
    const std::string& address, const std::shared_ptr<Connection>& connection
) {
    std::lock_guard lock(mutex_);
    if (connections_.erase(connection) == 0) return;
    const auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

void ConnectionRegistry::set_max_per_address(std::size_t max_per_address) {
    std::lock_guard lock(mutex_);
    max_per_address_ = max_per_address;
}

void ConnectionRegistry::shut_down_all() {
    std::vector<std::shared_ptr<Connection>> all;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        all.assign(connections_.begin(), connections_.end());
    }
    for (const auto& connection : all) connection->shut_down();
}

std::size_t ConnectionRegistry::size() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
}

}  // namespace salon::net
