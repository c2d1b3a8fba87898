// argon2id through libsodium's crypto_pwhash_str_alg / crypto_pwhash_str_verify.
#include "auth/password.hpp"

#include <sodium.h>

#include <algorithm>

namespace salon::auth {
namespace {

constexpr std::string_view kArgon2idPrefix = crypto_pwhash_argon2id_STRPREFIX;

/// sodium_init() once per process. C++ guarantees the static is initialised exactly once even
/// with concurrent first calls.
void ensure_sodium() {
    static const int rc = sodium_init();
    if (rc < 0) throw HashError("libsodium could not be initialised");
}

/// crypto_pwhash_str_* read a NUL-terminated string of at most STRBYTES - 1 characters.
bool fits_hash_buffer(std::string_view hash) noexcept {
    return hash.size() < crypto_pwhash_STRBYTES && hash.find('\0') == std::string_view::npos;
}

/// libsodium wants a pointer even for an empty password; an empty view may hold nullptr.
const char* bytes_of(std::string_view text) noexcept {
    return text.data() != nullptr ? text.data() : "";
}

}  // namespace

std::string hash_password(std::string_view password, PasswordParams params) {
    ensure_sodium();
    if (params.ops < crypto_pwhash_OPSLIMIT_MIN || params.ops > crypto_pwhash_OPSLIMIT_MAX ||
        params.mem_bytes < crypto_pwhash_MEMLIMIT_MIN ||
        params.mem_bytes > crypto_pwhash_MEMLIMIT_MAX) {
        throw HashError("argon2id parameters out of range");
    }
    char out[crypto_pwhash_STRBYTES] = {};
    const int rc = crypto_pwhash_str_alg(
        out,
        bytes_of(password),
        password.size(),
        params.ops,
        params.mem_bytes,
        crypto_pwhash_ALG_ARGON2ID13
    );
    if (rc != 0) throw HashError("argon2id hashing failed (out of memory?)");
    return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
    ensure_sodium();
    if (!hash.starts_with(kArgon2idPrefix) || !fits_hash_buffer(hash)) return false;
    const std::string terminated(hash);
    return crypto_pwhash_str_verify(terminated.c_str(), bytes_of(password), password.size()) == 0;
}

bool needs_rehash(std::string_view hash, PasswordParams params) {
    ensure_sodium();
    if (!hash.starts_with(kArgon2idPrefix) || !fits_hash_buffer(hash)) return true;
    const std::string terminated(hash);
    // 0: same algorithm and parameters; 1: different; -1: malformed.
    return crypto_pwhash_str_needs_rehash(terminated.c_str(), params.ops, params.mem_bytes) != 0;
}

bool check_password_strength(std::string_view password) noexcept {
    // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
    const auto code_points = std::ranges::count_if(password, [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    });
    return static_cast<std::size_t>(code_points) >= kMinPasswordCodePoints;
}

}  // namespace salon::auth
