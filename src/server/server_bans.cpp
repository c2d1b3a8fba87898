#include "server/server_bans.hpp"

#include "core/errc.hpp"

namespace salon::server {

std::string Barred::message() const {
    std::string text(core::default_message(core::Errc::server_banned));
    if (!reason.empty()) {
        text += ": ";
        text += reason;
    }
    return text;
}

ServerBans::ServerBans() : list_(std::make_shared<const core::ServerBanList>()) {}

std::optional<Barred> ServerBans::check(std::string_view folded, const std::string& address) const {
    const auto list = list_.load(std::memory_order_acquire);
    if (list->empty()) return std::nullopt;
    const core::ServerBanRule* rule = list->find(folded, core::parse_ip_address(address));
    if (rule == nullptr) return std::nullopt;
    return Barred{.reason = rule->reason, .by_address = rule->target.addresses() != nullptr};
}

bool ServerBans::replace(std::vector<core::ServerBanRule> rules) {
    if (list_.load(std::memory_order_acquire)->rules() == rules) return false;
    list_.store(
        std::make_shared<const core::ServerBanList>(std::move(rules)), std::memory_order_release
    );
    return true;
}

}  // namespace salon::server
