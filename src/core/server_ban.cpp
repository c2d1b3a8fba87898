#include "core/server_ban.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace salon::core {
namespace {

constexpr std::size_t kIpv4Offset = 12;  // where an IPv4 address sits in its mapped form
constexpr unsigned kIpv4MappedBits = 96;

/// The text without an IPv6 zone, NUL-terminated for inet_pton.
std::string without_zone(std::string_view text) {
    return std::string(text.substr(0, text.find('%')));
}

/// IPv4 first (its text has no ':'), then IPv6; nullopt when neither. `ipv4` says which.
std::optional<IpBytes> parse_either(std::string_view text, bool& ipv4) {
    if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
    const std::string plain = without_zone(text);
    IpBytes bytes{};
    if (inet_pton(AF_INET, plain.c_str(), bytes.data() + kIpv4Offset) == 1) {
        bytes[10] = 0xff;
        bytes[11] = 0xff;
        ipv4 = true;
        return bytes;
    }
    if (inet_pton(AF_INET6, plain.c_str(), bytes.data()) == 1) {
        ipv4 = false;
        return bytes;
    }
    return std::nullopt;
}

bool is_ipv4_mapped(const IpBytes& address) noexcept {
    const auto zero = address.begin() + 10;
    return std::all_of(address.begin(), zero, [](std::uint8_t b) { return b == 0; }) &&
           address[10] == 0xff && address[11] == 0xff;
}

/// Whether a mask's part could match some user name: names are made of A-Z a-z 0-9 _ - . only.
bool could_match_a_name(std::string_view part) noexcept {
    return std::ranges::all_of(part, [](char c) {
        return c == '*' || c == '?' || is_valid_user_name(std::string_view(&c, 1));
    });
}

}  // namespace

std::optional<IpBytes> parse_ip_address(std::string_view text) {
    bool ipv4 = false;
    return parse_either(text, ipv4);
}

std::optional<AddressRange> AddressRange::parse(std::string_view text) {
    const std::size_t slash = text.find('/');
    bool ipv4 = false;
    // A zone names a link, which a block of addresses cannot be limited to.
    if (text.find('%') != std::string_view::npos) return std::nullopt;
    auto first = parse_either(text.substr(0, slash), ipv4);
    if (!first) return std::nullopt;
    const unsigned family_bits = ipv4 ? 32 : 128;
    unsigned bits = family_bits;
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        if (digits.empty() || digits.size() > 3) return std::nullopt;
        const auto [end, error] =
            std::from_chars(digits.data(), digits.data() + digits.size(), bits);
        if (error != std::errc{} || end != digits.data() + digits.size() || bits > family_bits)
            return std::nullopt;
    }
    if (ipv4) {
        bits += kIpv4MappedBits;
    } else if (bits >= kIpv4MappedBits && is_ipv4_mapped(*first)) {
        ipv4 = true;  // ::ffff:10.0.0.0/104 is 10.0.0.0/8, in one form
    }
    // Host bits cleared, so that one block has one form.
    return AddressRange(masked(*first, bits), bits, ipv4);
}

IpBytes AddressRange::masked(IpBytes address, unsigned bits) noexcept {
    std::size_t byte = bits / 8;
    if (const unsigned rest = bits % 8; rest != 0) {
        address[byte] &= static_cast<std::uint8_t>(0xffu << (8 - rest));
        ++byte;
    }
    std::fill(address.begin() + static_cast<std::ptrdiff_t>(byte), address.end(), std::uint8_t{0});
    return address;
}

bool AddressRange::contains(const IpBytes& address) const noexcept {
    return masked(address, bits_) == first_;
}

std::string AddressRange::str() const {
    char text[INET6_ADDRSTRLEN] = {};
    if (ipv4_) {
        inet_ntop(AF_INET, first_.data() + kIpv4Offset, text, sizeof text);
    } else {
        inet_ntop(AF_INET6, first_.data(), text, sizeof text);
    }
    std::string out = text;
    if (!single()) {
        out += '/';
        out += std::to_string(prefix_bits());
    }
    return out;
}

std::optional<ServerBanTarget> ServerBanTarget::parse(std::string_view text) {
    if (auto addresses = AddressRange::parse(text)) return ServerBanTarget(std::move(*addresses));
    // Text with `/` or `:` is a mistyped address: no name holds either.
    if (text.find_first_of("/:") != std::string_view::npos) return std::nullopt;
    auto mask = UserMask::parse(text);
    if (!mask) return std::nullopt;
    const std::string_view folded = mask->str();
    const std::size_t bang = folded.find('!');
    const std::size_t at = folded.find('@');
    if (!could_match_a_name(folded.substr(0, bang)) ||
        !could_match_a_name(folded.substr(bang + 1, at - bang - 1)) ||
        !matches_mask(folded.substr(at + 1), kUserHost))
        return std::nullopt;
    return ServerBanTarget(std::move(*mask));
}

std::string ServerBanTarget::str() const {
    if (const auto* m = mask()) return m->str();
    return addresses()->str();
}

bool ServerBanTarget::bans_everyone() const {
    if (const auto* range = addresses()) return range->prefix_bits() == 0;
    // A name of 1 character and one of 32: a mask matching both matches (nearly) every name.
    return mask()->matches("a") && mask()->matches(std::string(kMaxUserNameBytes, 'z'));
}

ServerBanList::ServerBanList(std::vector<ServerBanRule> rules) : rules_(std::move(rules)) {
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        const ServerBanTarget& target = rules_[i].target;
        if (const auto* range = target.addresses()) {
            by_prefix_[range->mapped_bits()].try_emplace(range->first(), i);
        } else if (const auto name = target.mask()->single_user()) {
            by_name_.try_emplace(std::string(*name), i);
        } else {
            const char first = target.mask()->str().front();
            name_patterns_[first == '?' ? '*' : first].push_back(i);
        }
    }
}

const ServerBanRule* ServerBanList::find(
    std::string_view folded, const std::optional<IpBytes>& address
) const noexcept {
    if (rules_.empty()) return nullptr;
    if (address) {
        for (const auto& [bits, blocks] : by_prefix_) {
            const auto it = blocks.find(AddressRange::masked(*address, bits));
            if (it != blocks.end()) return &rules_[it->second];
        }
    }
    if (const auto it = by_name_.find(folded); it != by_name_.end()) return &rules_[it->second];
    const auto try_patterns = [&](char first) -> const ServerBanRule* {
        const auto it = name_patterns_.find(first);
        if (it == name_patterns_.end()) return nullptr;
        for (const std::size_t i : it->second) {
            if (rules_[i].target.mask()->matches(folded)) return &rules_[i];
        }
        return nullptr;
    };
    if (folded.empty()) return nullptr;
    if (const auto* found = try_patterns(folded.front())) return found;
    return try_patterns('*');
}

}  // namespace salon::core
