// Server-wide bans (IRC's K-lines and D-lines): who may not log in at all, by name mask or by
// the address a connection comes from.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/names.hpp"

namespace salon::core {

/// An IP address in 16 bytes: IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), so that an IPv4
/// client reaching an IPv6 socket and one reaching an IPv4 socket are the same address.
using IpBytes = std::array<std::uint8_t, 16>;

/// An IPv4 or IPv6 address in text form (an IPv6 zone, `%eth0`, is ignored); nullopt for
/// anything else.
std::optional<IpBytes> parse_ip_address(std::string_view text);

/// An IP address or a CIDR block of them: `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`.
class AddressRange {
public:
    /// nullopt unless an IPv4 or IPv6 address, optionally with `/bits` (0-32 for IPv4, 0-128
    /// for IPv6). Bits past the prefix are cleared, as routers write blocks: `10.1.2.3/8` is
    /// `10.0.0.0/8`.
    static std::optional<AddressRange> parse(std::string_view text);

    bool contains(const IpBytes& address) const noexcept;

    /// One address, not a block.
    bool single() const noexcept { return bits_ == 128; }

    /// The first address of the block.
    const IpBytes& first() const noexcept { return first_; }

    /// The block's prefix length over the 16 bytes (an IPv4 /24 is 120).
    unsigned mapped_bits() const noexcept { return bits_; }

    /// `address` with the bits past the first `bits` (over the 16 bytes) cleared.
    static IpBytes masked(IpBytes address, unsigned bits) noexcept;

    /// The block's prefix length in its own family's bits (IPv4: 0-32).
    unsigned prefix_bits() const noexcept { return ipv4_ ? bits_ - 96 : bits_; }

    /// Canonical text: the address alone when single(), else `address/bits`.
    std::string str() const;

    friend auto operator<=>(const AddressRange&, const AddressRange&) = default;

private:
    AddressRange(IpBytes first, unsigned bits, bool ipv4)
        : first_(first), bits_(bits), ipv4_(ipv4) {}

    IpBytes first_{};
    unsigned bits_ = 128;  // prefix length over the 16 bytes (an IPv4 /24 is 120)
    bool ipv4_ = false;
};

/// What a server ban names: users, by a name mask (K-line: core::UserMask, matched against
/// names as channel bans are), or connections, by the address they come from (D-line).
class ServerBanTarget {
public:
    /// An address or CIDR block when `text` reads as one, else a mask (UserMask::parse): `bob`,
    /// `spam*`, `10.0.0.0/8`, `2001:db8::1`. A name that reads as an address (`10.0.0.1` is a
    /// valid user name) is written as a mask: `10.0.0.1!*@*`. nullopt when it is neither, and
    /// for a mask that would ban nobody: a nick or user part with characters no name has, or a
    /// host part that does not match Salon's (core::kUserHost), the host every user has.
    static std::optional<ServerBanTarget> parse(std::string_view text);

    /// The canonical text that parse() reads back as this target.
    std::string str() const;

    const UserMask* mask() const noexcept { return std::get_if<UserMask>(&target_); }

    const AddressRange* addresses() const noexcept { return std::get_if<AddressRange>(&target_); }

    /// Whether it bans every user, or every address: surely a mistake.
    bool bans_everyone() const;

    friend auto operator<=>(const ServerBanTarget&, const ServerBanTarget&) = default;

private:
    explicit ServerBanTarget(std::variant<UserMask, AddressRange> target)
        : target_(std::move(target)) {}

    std::variant<UserMask, AddressRange> target_;
};

/// A ban's target and the reason the banned user is told.
struct ServerBanRule {
    ServerBanTarget target;
    std::string reason;  ///< may be empty

    friend bool operator==(const ServerBanRule&, const ServerBanRule&) = default;
};

/// The server's bans, arranged for the check at every login: a name mask without wildcards is
/// found by one lookup, an address by one lookup per prefix length in use, and of the wildcard
/// masks only those that can match the name's first character are tried.
/// Immutable once built, so any number of threads may read it.
class ServerBanList {
public:
    ServerBanList() = default;
    explicit ServerBanList(std::vector<ServerBanRule> rules);

    /// The first ban that bars the user whose folded name is `folded` from `address` (a
    /// connection's address as parse_ip_address() reads it; none when it is not an IP
    /// address), or nullptr.
    const ServerBanRule* find(std::string_view folded, const std::optional<IpBytes>& address)
        const noexcept;

    bool empty() const noexcept { return rules_.empty(); }

    const std::vector<ServerBanRule>& rules() const noexcept { return rules_; }

private:
    std::vector<ServerBanRule> rules_;

    // Looked up by string_view: the check at every login allocates nothing.
    struct NameHash {
        using is_transparent = void;

        std::size_t operator()(std::string_view name) const noexcept {
            return std::hash<std::string_view>{}(name);
        }
    };

    std::unordered_map<std::string, std::size_t, NameHash, std::equal_to<>>
        by_name_;  // folded name -> its ban
    // Masks with wildcards, by the first character of their nick part, which most fix
    // (`spam*`); those starting with a wildcard are under '*', tried for every name.
    std::unordered_map<char, std::vector<std::size_t>> name_patterns_;
    // Addresses and blocks by prefix length (128 for one address), then by first address: a
    // check masks the address once per length in use and looks it up.
    std::map<unsigned, std::map<IpBytes, std::size_t>, std::greater<>> by_prefix_;
};

}  // namespace salon::core
