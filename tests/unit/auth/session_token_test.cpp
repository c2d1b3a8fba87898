#include "auth/session_token.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace salon::auth {
namespace {

TEST(SessionTokenTest, ATokenIs43CharactersOfBase64UrlAndHashesToWhatIsStored) {
    const auto made = make_session_token();
    ASSERT_EQ(made.token.size(), kSessionTokenChars);
    for (const char c : made.token) {
        EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
    }
    EXPECT_EQ(made.hash.size(), 32U);
    const auto hash = session_token_hash(made.token);
    ASSERT_TRUE(hash.has_value());
    EXPECT_TRUE(same_token_hash(*hash, made.hash));
    EXPECT_EQ(made.token.find(made.hash), std::string::npos);
}

TEST(SessionTokenTest, TokensAreDistinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(make_session_token().token).second);
}

TEST(SessionTokenTest, WhatIsNotATokenHasNoHash) {
    const auto made = make_session_token();
    EXPECT_FALSE(session_token_hash(""));
    EXPECT_FALSE(session_token_hash(made.token.substr(1)));
    EXPECT_FALSE(session_token_hash(made.token + "A"));
    EXPECT_FALSE(session_token_hash(made.token.substr(1) + "+"));
    EXPECT_FALSE(session_token_hash(made.token.substr(1) + "="));
    EXPECT_FALSE(session_token_hash(std::string(43, '!')));
}

TEST(SessionTokenTest, HashesCompareByValue) {
    const auto a = make_session_token();
    const auto b = make_session_token();
    EXPECT_TRUE(same_token_hash(a.hash, a.hash));
    EXPECT_FALSE(same_token_hash(a.hash, b.hash));
    EXPECT_FALSE(same_token_hash(a.hash, a.hash.substr(1)));
}

}  // namespace
}  // namespace salon::auth
