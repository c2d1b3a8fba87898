// Session tokens through libsodium: randombytes_buf, crypto_hash_sha256, sodium_bin2base64.
#include "auth/session_token.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace salon::auth {
namespace {

void ensure_sodium() {
    static const int rc = sodium_init();
    if (rc < 0) throw std::runtime_error("libsodium could not be initialised");
}

constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

std::string hash_of(const unsigned char* secret) {
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), secret, kSessionTokenBytes);
    return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace

static_assert(crypto_hash_sha256_BYTES == 32);

SessionSecret make_session_token() {
    ensure_sodium();
    std::array<unsigned char, kSessionTokenBytes> secret{};
    randombytes_buf(secret.data(), secret.size());
    std::array<char, sodium_base64_ENCODED_LEN(kSessionTokenBytes, kVariant)> text{};
    sodium_bin2base64(text.data(), text.size(), secret.data(), secret.size(), kVariant);
    SessionSecret out{std::string(text.data()), hash_of(secret.data())};
    sodium_memzero(secret.data(), secret.size());
    return out;
}

std::optional<std::string> session_token_hash(std::string_view token) {
    ensure_sodium();
    if (token.size() != kSessionTokenChars) return std::nullopt;
    std::array<unsigned char, kSessionTokenBytes> secret{};
    std::size_t length = 0;
    const char* end = nullptr;
    const int rc = sodium_base642bin(
        secret.data(), secret.size(), token.data(), token.size(), nullptr, &length, &end, kVariant
    );
    if (rc != 0 || length != kSessionTokenBytes || end != token.data() + token.size())
        return std::nullopt;
    std::string hash = hash_of(secret.data());
    sodium_memzero(secret.data(), secret.size());
    return hash;
}

bool same_token_hash(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace salon::auth
