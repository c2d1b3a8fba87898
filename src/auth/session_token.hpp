// Session tokens: random 256-bit secrets a client keeps instead of a password ("stay logged in").
// The server stores only their SHA-256: a database that leaks gives nobody a usable token. A
// 256-bit random secret needs no slow hash (nothing to guess), so hashing costs microseconds.
// All functions are thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace salon::auth {

/// Random bytes in a token's secret, and characters of its wire form (unpadded base64url).
inline constexpr std::size_t kSessionTokenBytes = 32;
inline constexpr std::size_t kSessionTokenChars = 43;

/// A fresh token: what the client gets, and what the server keeps of it.
struct SessionSecret {
    std::string token;  ///< kSessionTokenChars of base64url, for the client only; never logged
    std::string hash;   ///< SHA-256 of the 32 random bytes, 32 raw bytes, for storage
};

/// 32 bytes from libsodium's CSPRNG (getrandom), with their hash.
SessionSecret make_session_token();

/// The stored hash of a token as a client sends it; nullopt when it is not the wire form of
/// 32 bytes (then it can match nothing).
std::optional<std::string> session_token_hash(std::string_view token);

/// Compares two hashes in time independent of where they differ (sodium_memcmp).
bool same_token_hash(std::string_view a, std::string_view b) noexcept;

}  // namespace salon::auth
