// Password hashing with argon2id (libsodium) and the rule a new password must meet.
//
// hash_password, verify_password and needs_rehash are BLOCKING and CPU- and memory-heavy by
// design (tens of milliseconds and mem_bytes of RAM per call): never call them on an I/O
// thread. The server runs them on its worker pool. All functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace salon::auth {

/// argon2id cost. The defaults are OWASP's argon2id recommendation (m = 19 MiB, t = 2, p = 1),
/// not libsodium's INTERACTIVE preset (64 MiB, t = 2): every login hashes once, so a storm of
/// logins after a restart or a reconnect wave costs mem_bytes per concurrent attempt, and
/// 64 MiB times the worker pool times a burst of reconnecting clients is more memory than a small
/// self-hosted machine should spend on it. 19 MiB keeps that bounded at the same security
/// level OWASP accepts. The parameters are written into each hash, so raising them later only
/// makes needs_rehash() true for old hashes.
struct PasswordParams {
    std::uint64_t ops = 2;                     ///< passes over memory (argon2 t)
    std::size_t mem_bytes = 19 * 1024 * 1024;  ///< memory per hash, in bytes (argon2 m)
};

/// Hashing could not run (out of memory, or parameters outside libsodium's bounds).
class HashError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The encoded argon2id hash of `password` with a fresh random salt, "$argon2id$v=19$m=...".
/// Blocking, CPU-heavy. @throws HashError.
std::string hash_password(std::string_view password, PasswordParams params = {});

/// True when `password` matches `hash` (constant-time comparison in libsodium). False for a
/// wrong password and for a malformed hash. Blocking, CPU-heavy (it costs what hashing cost).
bool verify_password(std::string_view hash, std::string_view password);

/// True when `hash` was not made with argon2id at exactly `params` (or is malformed): the
/// caller should store a new hash after the next successful login. Cheap (parses only).
bool needs_rehash(std::string_view hash, PasswordParams params = {});

/// The rule for a new password: at least 8 characters, counted as UTF-8 code points, so that
/// "pässwörd" counts 8 and not 10. The text is assumed valid UTF-8 (frames are checked).
bool check_password_strength(std::string_view password) noexcept;

/// Characters check_password_strength() requires.
inline constexpr std::size_t kMinPasswordCodePoints = 8;

}  // namespace salon::auth
