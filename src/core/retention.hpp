// How long the server keeps messages (`[retention]` in the configuration file).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace salon::core {

/// Days to keep messages per class of conversation; 0 keeps them forever. A message goes once
/// its time (`ts`) is that many days old, at the first pruning round after.
struct Retention {
    /// Longest value of any days setting: a century, far from any overflow in milliseconds.
    static constexpr unsigned kMaxDays = 36'500;

    unsigned days = 0;  ///< every channel without its own setting
    /// Direct messages; nullopt: `days`.
    std::optional<unsigned> direct_days = std::nullopt;
    /// Channels with their own setting, by canonical name (core::ChannelName::str()).
    std::map<std::string, unsigned, std::less<>> channel_days = {};
    /// Time between pruning rounds.
    std::chrono::seconds interval{std::chrono::minutes(10)};
};

}  // namespace salon::core
