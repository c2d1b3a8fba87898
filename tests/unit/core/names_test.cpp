#include "core/names.hpp"

#include <gtest/gtest.h>

namespace salon::core {
namespace {

TEST(NamesTest, UserNamesAllowLettersDigitsUnderscoreDashDot) {
    EXPECT_TRUE(is_valid_user_name("alice"));
    EXPECT_TRUE(is_valid_user_name("A.b-c_9"));
    EXPECT_TRUE(is_valid_user_name(std::string(32, 'x')));
}

TEST(NamesTest, UserNamesRejectEmptyTooLongAndOtherCharacters) {
    EXPECT_FALSE(is_valid_user_name(""));
    EXPECT_FALSE(is_valid_user_name(std::string(33, 'x')));
    EXPECT_FALSE(is_valid_user_name("al ice"));
    EXPECT_FALSE(is_valid_user_name("al#ice"));
    EXPECT_FALSE(is_valid_user_name("élise"));
}

TEST(NamesTest, FoldingIgnoresAsciiCase) {
    EXPECT_EQ(fold_user_name("AlIcE.X"), "alice.x");
}

TEST(NamesTest, GuestPrefixMatchesInAnyCase) {
    EXPECT_TRUE(is_guest_name("Guest"));
    EXPECT_TRUE(is_guest_name("gUeSt42"));
    EXPECT_FALSE(is_guest_name("Gues"));
    EXPECT_FALSE(is_guest_name("aguest"));
}

TEST(NamesTest, ChannelNamesAreLowerCasedAndLoseOneLeadingHash) {
    EXPECT_EQ(canonical_channel_name("#Home"), "home");
    EXPECT_EQ(canonical_channel_name("dev-ops_2"), "dev-ops_2");
    EXPECT_EQ(canonical_channel_name(std::string(50, 'a')), std::string(50, 'a'));
}

TEST(NamesTest, ChannelNamesRejectEmptyTooLongAndOtherCharacters) {
    EXPECT_FALSE(canonical_channel_name(""));
    EXPECT_FALSE(canonical_channel_name("#"));
    EXPECT_FALSE(canonical_channel_name("##home"));
    EXPECT_FALSE(canonical_channel_name(std::string(51, 'a')));
    EXPECT_FALSE(canonical_channel_name("a.b"));
    EXPECT_FALSE(canonical_channel_name("a b"));
}

}  // namespace
}  // namespace salon::core
