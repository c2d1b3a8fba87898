#include "core/mentions.hpp"

// Mentions as PROTOCOL.md's "Precise points" read them: where a token starts and ends, how it
// is resolved against the known users, and how the list is ordered and deduplicated.

#include <gtest/gtest.h>

#include <map>

namespace salon::core {
namespace {

using Tokens = std::vector<std::string_view>;
using Users = std::vector<std::string>;

/// Users known by their folded names, with the display form each one resolves to.
DisplayOf known(std::map<std::string, std::string, std::less<>> users) {
    return [users = std::move(users)](std::string_view folded) -> std::optional<std::string> {
        const auto it = users.find(folded);
        if (it == users.end()) return std::nullopt;
        return it->second;
    };
}

const DisplayOf kAnnBobCarol = known({{"ann", "Ann"}, {"bob", "bob"}, {"carol", "Carol"}});

TEST(MentionTokensTest, AnAtFollowedByNameCharactersIsAToken) {
    EXPECT_EQ(mention_tokens("hi @ann"), Tokens{"ann"});
    EXPECT_EQ(mention_tokens("@ann hi"), Tokens{"ann"});
    EXPECT_EQ(mention_tokens("@a_b-c.d9"), Tokens{"a_b-c.d9"});
}

TEST(MentionTokensTest, TheTokenIsTheLongestRunOfNameCharactersTrailingDotsIncluded) {
    EXPECT_EQ(mention_tokens("thanks @ann."), Tokens{"ann."});
    EXPECT_EQ(mention_tokens("@ann, @bob!"), (Tokens{"ann", "bob"}));
}

TEST(MentionTokensTest, AnAtPrecededByANameCharacterIsNoMention) {
    EXPECT_TRUE(mention_tokens("a@b").empty());
    EXPECT_TRUE(mention_tokens("mail me at ann.smith@example.org").empty());
    EXPECT_TRUE(mention_tokens("x.@ann").empty());
}

TEST(MentionTokensTest, AnAtWithoutANameAfterItIsSkipped) {
    EXPECT_TRUE(mention_tokens("@").empty());
    EXPECT_TRUE(mention_tokens("@ ann").empty());
    EXPECT_EQ(mention_tokens("@@ann"), Tokens{"ann"});
}

TEST(MentionTokensTest, NonAsciiTextEndsAndPrecedesTokens) {
    EXPECT_EQ(mention_tokens("h\xC3\xA9@ann"), Tokens{"ann"});          // é before the @
    EXPECT_EQ(mention_tokens("@ann\xC3\xA9t\xC3\xA9"), Tokens{"ann"});  // é ends the token
    EXPECT_EQ(mention_tokens("\xF0\x9F\x98\x80@bob\xF0\x9F\x98\x80"), Tokens{"bob"});
}

TEST(ResolveMentionsTest, ThanksAnnWithAFullStopMentionsAnn) {
    EXPECT_EQ(resolve_mentions("thanks @ann.", kAnnBobCarol), Users{"Ann"});
}

TEST(ResolveMentionsTest, TrailingDotsAndDashesAreDroppedOnlyUntilTheNameResolves) {
    EXPECT_EQ(resolve_mentions("@ann.-.", kAnnBobCarol), Users{"Ann"});
    const auto dotted = known({{"ann", "ann"}, {"ann.", "ann."}});
    EXPECT_EQ(resolve_mentions("@ann.", dotted), Users{"ann."});
    EXPECT_EQ(resolve_mentions("@ann..", dotted), Users{"ann."});
    // Only trailing ones: an inner dot is part of the name.
    EXPECT_TRUE(resolve_mentions("@ann.x", kAnnBobCarol).empty());
}

TEST(ResolveMentionsTest, NamesAreFoldedAndSpelledAsTheUserIs) {
    EXPECT_EQ(resolve_mentions("@ANN and @CaRoL", kAnnBobCarol), (Users{"Ann", "Carol"}));
}

TEST(ResolveMentionsTest, EachUserOnceInOrderOfFirstAppearance) {
    EXPECT_EQ(
        resolve_mentions("@bob @ann @Bob @ann. @carol @bob", kAnnBobCarol),
        (Users{"bob", "Ann", "Carol"})
    );
}

TEST(ResolveMentionsTest, UnknownNamesAndAddressesMentionNobody) {
    EXPECT_TRUE(resolve_mentions("@dave", kAnnBobCarol).empty());
    EXPECT_TRUE(resolve_mentions("bob@ann.org", kAnnBobCarol).empty());
    EXPECT_TRUE(resolve_mentions("", kAnnBobCarol).empty());
}

TEST(ResolveMentionsTest, OnlyValidUserNamesAreLookedUp) {
    std::vector<std::string> asked;
    const DisplayOf recording = [&asked](std::string_view folded) -> std::optional<std::string> {
        asked.emplace_back(folded);
        return std::nullopt;
    };
    resolve_mentions("@" + std::string(40, 'a') + " @x.", recording);
    EXPECT_EQ(asked, (std::vector<std::string>{"x.", "x"}));
}

}  // namespace
}  // namespace salon::core
