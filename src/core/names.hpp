// Rules for user and channel names (PROTOCOL.md "Values").
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace salon::core {

inline constexpr std::size_t kMaxUserNameBytes = 32;     // PROTOCOL.md: 1-32 characters
inline constexpr std::size_t kMaxChannelNameBytes = 50;  // PROTOCOL.md: 1-50 characters

/// True for 1-32 of A-Z a-z 0-9 _ - .
bool is_valid_user_name(std::string_view name) noexcept;

/// The key under which user names are unique: ASCII lower case.
std::string fold_user_name(std::string_view name);

/// Names starting with "Guest" in any case belong to guests and can never be registered.
bool is_guest_name(std::string_view name) noexcept;

/// The canonical channel name: a leading '#' dropped, lower-cased, then checked against
/// 1-50 of a-z 0-9 _ -. nullopt when the result is not a valid name.
std::optional<std::string> canonical_channel_name(std::string_view name);

/// IRC's mask match: `*` any run of characters, `?` one; both sides folded already.
bool matches_mask(std::string_view mask, std::string_view name) noexcept;

/// A user name that PROTOCOL.md allows, as typed and folded. Two names are one user when their
/// folded forms are equal; the display form is what others see. Built only by parse(), so that
/// a name in hand is valid and folded once.
class UserName {
public:
    /// nullopt unless 1-32 of A-Z a-z 0-9 _ - .
    static std::optional<UserName> parse(std::string_view text);

    const std::string& display() const noexcept { return display_; }

    /// The key under which names are unique: ASCII lower case.
    const std::string& folded() const noexcept { return folded_; }

    /// A guest's name (it starts with "Guest" in any case): never registrable.
    bool is_guest() const noexcept { return is_guest_name(folded_); }

    friend bool operator==(const UserName& a, const UserName& b) noexcept {
        return a.folded_ == b.folded_;
    }

private:
    UserName(std::string display, std::string folded)
        : display_(std::move(display)), folded_(std::move(folded)) {}

    std::string display_;
    std::string folded_;
};

/// The host every user has in IRC's `nick!user@host`: Salon shows users as `name!name@salon`.
inline constexpr std::string_view kUserHost = "salon";

/// A ban or exception mask: IRC's `nick!user@host`, folded (ASCII lower case), where `*` stands
/// for any run of characters and `?` for one. A Salon user is `name!name@salon` to a mask, as IRC
/// shows them: `bob!*@*` names the user bob alone, `b*!*@*` every name starting with b, and a
/// host other than `*` or `salon` matches nobody (no addresses are shown). Built only by parse().
class UserMask {
public:
    /// At most this many bytes: a nick, a user name and more than a host's worth of wildcards.
    static constexpr std::size_t kMaxBytes = 100;

    /// The mask, its missing parts made `*` as IRC servers do: `bob` is `bob!*@*`, `bob!x`
    /// `bob!x@*`, `x@host` `*!x@host`. nullopt when empty, longer than kMaxBytes, or holding a
    /// space, comma, control character, a second `!` or `@`, or a leading `:` (no IRC line could
    /// carry it back).
    static std::optional<UserMask> parse(std::string_view text);

    /// The mask that names exactly `user`: `name!*@*`.
    static UserMask of(const UserName& user);

    const std::string& str() const noexcept { return mask_; }

    /// Whether the user whose folded name is `folded` matches.
    bool matches(std::string_view folded) const noexcept;

    /// The folded name of the one user this mask names (`bob` for `bob!*@*`); nullopt for a mask
    /// with wildcards in its nick or with a user or host part other than `*`.
    std::optional<std::string_view> single_user() const noexcept;

    friend auto operator<=>(const UserMask&, const UserMask&) = default;

private:
    UserMask(std::string mask, std::size_t bang, std::size_t at)
        : mask_(std::move(mask)), bang_(bang), at_(at) {}

    std::string_view nick() const noexcept { return std::string_view(mask_).substr(0, bang_); }

    std::string_view user() const noexcept {
        return std::string_view(mask_).substr(bang_ + 1, at_ - bang_ - 1);
    }

    std::string_view host() const noexcept { return std::string_view(mask_).substr(at_ + 1); }

    std::string mask_;  // nick!user@host, folded
    std::size_t bang_;  // where the `!` is
    std::size_t at_;    // where the `@` is
};

/// A channel name in its canonical form (a leading '#' dropped, lower case, 1-50 of a-z 0-9 _ -),
/// so that IRC's `#Home` and native `home` are one channel. Built only by parse().
class ChannelName {
public:
    static std::optional<ChannelName> parse(std::string_view text);

    const std::string& str() const noexcept { return canonical_; }

    friend auto operator<=>(const ChannelName&, const ChannelName&) = default;

private:
    explicit ChannelName(std::string canonical) : canonical_(std::move(canonical)) {}

    std::string canonical_;
};

}  // namespace salon::core
