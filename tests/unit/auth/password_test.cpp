#include "auth/password.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace salon::auth {
namespace {

// libsodium's minimums keep these tests fast; one test uses the production defaults.
constexpr PasswordParams kCheap{.ops = 1, .mem_bytes = 64 * 1024};

TEST(PasswordTest, HashThenVerifyRoundTrips) {
    const std::string hash = hash_password("correct horse", kCheap);
    EXPECT_TRUE(verify_password(hash, "correct horse"));
}

TEST(PasswordTest, WrongPasswordIsRejected) {
    const std::string hash = hash_password("correct horse", kCheap);
    EXPECT_FALSE(verify_password(hash, "correct horsf"));
    EXPECT_FALSE(verify_password(hash, "Correct horse"));
    EXPECT_FALSE(verify_password(hash, ""));
    EXPECT_FALSE(verify_password(hash, "correct horse "));
}

TEST(PasswordTest, DefaultParametersProduceArgon2idAt19MiBAndTwoPasses) {
    const std::string hash = hash_password("s3cret-password");
    EXPECT_TRUE(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << hash;
    EXPECT_TRUE(verify_password(hash, "s3cret-password"));
    EXPECT_FALSE(needs_rehash(hash));
}

TEST(PasswordTest, HashNeverContainsThePasswordAndIsSaltedFreshly) {
    const std::string password = "plaintextpassword";
    const std::string a = hash_password(password, kCheap);
    const std::string b = hash_password(password, kCheap);
    EXPECT_EQ(a.find(password), std::string::npos);
    EXPECT_NE(a, b);
    EXPECT_TRUE(verify_password(b, password));
}

TEST(PasswordTest, MalformedHashesNeverVerify) {
    EXPECT_FALSE(verify_password("", "x"));
    EXPECT_FALSE(verify_password("plaintext", "plaintext"));
    EXPECT_FALSE(verify_password("$argon2id$v=19$m=65536,t=2,p=1$garbage", "x"));
    std::string hash = hash_password("pw", kCheap);
    hash.back() = hash.back() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_password(hash, "pw"));
    EXPECT_FALSE(verify_password(std::string(1000, '$'), "pw"));
}

TEST(PasswordTest, NeedsRehashWhenParametersOrAlgorithmDiffer) {
    const std::string cheap = hash_password("password1", kCheap);
    EXPECT_FALSE(needs_rehash(cheap, kCheap));
    EXPECT_TRUE(needs_rehash(cheap, PasswordParams{}));
    EXPECT_TRUE(needs_rehash(cheap, {.ops = 2, .mem_bytes = kCheap.mem_bytes}));
    EXPECT_TRUE(needs_rehash("$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA", kCheap));
    EXPECT_TRUE(needs_rehash("not a hash", kCheap));
}

TEST(PasswordTest, OutOfRangeParametersThrow) {
    EXPECT_THROW(hash_password("pw", {.ops = 0, .mem_bytes = 64 * 1024}), HashError);
    EXPECT_THROW(hash_password("pw", {.ops = 1, .mem_bytes = 1}), HashError);
}

TEST(PasswordTest, EmptyAndNonAsciiPasswordsHash) {
    const std::string empty = hash_password("", kCheap);
    EXPECT_TRUE(verify_password(empty, ""));
    EXPECT_FALSE(verify_password(empty, " "));
    const std::string unicode = hash_password("pässwörd 🔑", kCheap);
    EXPECT_TRUE(verify_password(unicode, "pässwörd 🔑"));
    EXPECT_FALSE(verify_password(unicode, "passwort 🔑"));
}

TEST(PasswordTest, HashingFromSeveralThreadsAtOnceWorks) {
    std::vector<std::thread> threads;
    std::vector<int> ok(4, 0);
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&ok, i] {
            const std::string password = "password" + std::to_string(i);
            const std::string hash = hash_password(password, kCheap);
            ok[static_cast<std::size_t>(i)] = verify_password(hash, password) ? 1 : 0;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok, std::vector<int>(4, 1));
}

TEST(PasswordTest, StrengthRequiresEightCodePoints) {
    EXPECT_FALSE(check_password_strength(""));
    EXPECT_FALSE(check_password_strength("1234567"));
    EXPECT_TRUE(check_password_strength("12345678"));
    EXPECT_FALSE(check_password_strength("äääääää"));
    // 8 characters, some of them multi-byte.
    EXPECT_TRUE(check_password_strength("pässwörd"));
    EXPECT_TRUE(check_password_strength("🔑🔑🔑🔑🔑🔑🔑🔑"));
    EXPECT_FALSE(check_password_strength("🔑🔑🔑🔑🔑🔑🔑"));
}

}  // namespace
}  // namespace salon::auth
