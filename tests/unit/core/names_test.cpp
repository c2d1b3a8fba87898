#include "core/names.hpp"

#include <gtest/gtest.h>

#include <string>

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

TEST(UserNameTest, KeepsTheDisplayFormAndFoldsOnce) {
    const auto name = UserName::parse("AlIcE.X");
    ASSERT_TRUE(name.has_value());
    EXPECT_EQ(name->display(), "AlIcE.X");
    EXPECT_EQ(name->folded(), "alice.x");
}

TEST(UserNameTest, RejectsWhatIsValidUserNameRejects) {
    EXPECT_TRUE(UserName::parse(std::string(32, 'x')).has_value());
    for (const std::string& bad : {
             std::string(),
             std::string(33, 'x'),
             std::string("al ice"),
             std::string("#alice"),
             std::string("élise"),
             std::string("a\0b", 3),
         }) {
        EXPECT_FALSE(UserName::parse(bad).has_value()) << bad;
    }
}

TEST(UserNameTest, NamesAreEqualWhenTheirFoldedFormsAre) {
    EXPECT_EQ(*UserName::parse("Alice"), *UserName::parse("aLICE"));
    EXPECT_NE(*UserName::parse("Alice"), *UserName::parse("Alice2"));
}

TEST(UserNameTest, KnowsAGuestInAnyCase) {
    EXPECT_TRUE(UserName::parse("Guest")->is_guest());
    EXPECT_TRUE(UserName::parse("gUEST42")->is_guest());
    EXPECT_FALSE(UserName::parse("Gues")->is_guest());
    EXPECT_FALSE(UserName::parse("aGuest")->is_guest());
}

TEST(ChannelNameTest, IsCanonicalWithOrWithoutALeadingHash) {
    EXPECT_EQ(ChannelName::parse("#Home")->str(), "home");
    EXPECT_EQ(ChannelName::parse("HOME")->str(), "home");
    EXPECT_EQ(ChannelName::parse("dev-ops_2")->str(), "dev-ops_2");
    EXPECT_EQ(ChannelName::parse("#" + std::string(50, 'a'))->str(), std::string(50, 'a'));
    // IRC's "#Home" and native "home" are one channel.
    EXPECT_EQ(*ChannelName::parse("#Home"), *ChannelName::parse("home"));
    EXPECT_NE(*ChannelName::parse("home"), *ChannelName::parse("dev"));
    EXPECT_LT(*ChannelName::parse("dev"), *ChannelName::parse("#home"));
}

TEST(ChannelNameTest, RejectsWhatCanonicalChannelNameRejects) {
    for (const std::string& bad : {
             std::string(),
             std::string("#"),
             std::string("##home"),
             std::string(51, 'a'),
             std::string("a.b"),
             std::string("a b"),
             std::string("caf\xc3\xa9"),
         }) {
        EXPECT_FALSE(ChannelName::parse(bad).has_value()) << bad;
    }
}

TEST(NamesTest, MasksMatchAnyRunWithStarAndOneCharacterWithQuestionMark) {
    EXPECT_TRUE(matches_mask("*", ""));
    EXPECT_TRUE(matches_mask("*an1", "#chan1"));
    EXPECT_TRUE(matches_mask("#c*n2", "#chan2"));
    EXPECT_TRUE(matches_mask("b?b", "bob"));
    EXPECT_TRUE(matches_mask("a*b*c", "aXbYbZc"));
    EXPECT_FALSE(matches_mask("*an1", "#chan2"));
    EXPECT_FALSE(matches_mask("b?b", "bb"));
    EXPECT_FALSE(matches_mask("bob", "bobby"));
    EXPECT_FALSE(matches_mask("", "x"));
}

TEST(UserMaskTest, MissingPartsBecomeWildcardsAndTheMaskIsFolded) {
    const auto text = [](std::string_view mask) { return UserMask::parse(mask)->str(); };
    EXPECT_EQ(text("Bob"), "bob!*@*");
    EXPECT_EQ(text("Bob!X"), "bob!x@*");
    EXPECT_EQ(text("x@Host"), "*!x@host");
    EXPECT_EQ(text("!@"), "*!*@*");
    EXPECT_EQ(text("BA*!*@*"), "ba*!*@*");
    EXPECT_EQ(UserMask::of(*UserName::parse("Ann")).str(), "ann!*@*");
}

TEST(UserMaskTest, MasksThatNoLineCouldCarryAreRefused) {
    for (const std::string_view bad :
         {"", "a b", "a,b", ":bob", "a!b!c", "a@b@c", "a@b!c", "tab\tbed", "del\x7f"}) {
        EXPECT_FALSE(UserMask::parse(bad)) << bad;
    }
    EXPECT_FALSE(UserMask::parse(std::string(UserMask::kMaxBytes + 1, 'a')));
    EXPECT_FALSE(UserMask::parse(std::string(UserMask::kMaxBytes - 3, 'a')));  // with !*@*
    EXPECT_TRUE(UserMask::parse(std::string(UserMask::kMaxBytes - 4, 'a')));
}

TEST(UserMaskTest, AUserMatchesAsNameBangNameAtSalon) {
    const auto matches = [](std::string_view mask, std::string_view folded) {
        return UserMask::parse(mask)->matches(folded);
    };
    EXPECT_TRUE(matches("bob", "bob"));
    EXPECT_FALSE(matches("bob", "bobby"));
    EXPECT_TRUE(matches("b?b*", "bobby"));
    EXPECT_TRUE(matches("*!bob@salon", "bob"));
    EXPECT_TRUE(matches("*!*@*", "anyone"));
    EXPECT_FALSE(matches("*!*@192.0.2.1", "bob"));  // no addresses are shown, none match
    EXPECT_FALSE(matches("*!alice@*", "bob"));
}

TEST(UserMaskTest, OnlyAMaskOfOneNameNamesASingleUser) {
    EXPECT_EQ(UserMask::parse("Rob")->single_user(), "rob");
    EXPECT_EQ(UserMask::parse("rob!*@*")->single_user(), "rob");
    EXPECT_EQ(UserMask::parse("ro*")->single_user(), std::nullopt);
    EXPECT_EQ(UserMask::parse("rob!x@*")->single_user(), std::nullopt);
    EXPECT_EQ(UserMask::parse("rob@salon")->single_user(), std::nullopt);
}

}  // namespace
}  // namespace salon::core
