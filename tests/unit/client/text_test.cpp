#include "client/text.hpp"

#include <gtest/gtest.h>

namespace salon::client {
namespace {

TEST(TextTest, Utf8RoundTripsAndReplacesInvalidBytes) {
    const std::string s = "aé中😀";
    const auto u = utf8_to_u32(s);
    ASSERT_EQ(u.size(), 4u);
    EXPECT_EQ(u[2], U'中');
    EXPECT_EQ(u32_to_utf8(u), s);
    EXPECT_EQ(
        utf8_to_u32("a\xff"
                    "b"),
        U"a\uFFFDb"
    );
    EXPECT_EQ(utf8_to_u32("\xc0\xaf"), U"\uFFFD\uFFFD") << "overlong form";
    EXPECT_EQ(utf8_to_u32("\xed\xa0\x80").front(), U'\uFFFD') << "surrogate";
    EXPECT_EQ(utf8_to_u32("\xe4\xb8"), U"\uFFFD\uFFFD") << "truncated";
}

TEST(TextTest, DisplayWidthCountsWideAndCombiningCharacters) {
    EXPECT_EQ(display_width(U'a'), 1);
    EXPECT_EQ(display_width(U'中'), 2);
    EXPECT_EQ(display_width(U'한'), 2);
    EXPECT_EQ(display_width(U'😀'), 2);
    EXPECT_EQ(display_width(U'\u0301'), 0);
    EXPECT_EQ(display_width(U'\t'), 0);
    EXPECT_EQ(display_width(std::u32string_view(U"e\u0301中a")), 4u);
}

TEST(TextTest, WrapBreaksAtSpacesByColumns) {
    const auto rows = wrap(U"the quick brown fox", 10);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0], U"the quick");
    EXPECT_EQ(rows[1], U"brown fox");
}

TEST(TextTest, WrapCutsLongWordsAndRespectsWideCharacters) {
    const auto rows = wrap(U"abcdefghij", 4);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[2], U"ij");
    const auto wide = wrap(U"中文中文中", 4);  // 2 columns each: 2 per row
    ASSERT_EQ(wide.size(), 3u);
    EXPECT_EQ(wide[0], U"中文");
    for (const auto& r : wide) EXPECT_LE(display_width(r), 4u);
    EXPECT_EQ(wrap(U"", 5).size(), 1u);
    EXPECT_EQ(wrap(U"中", 1).size(), 1u) << "a wide character in a 1-column pane still shows";
}

TEST(TextTest, MentionsMatchWholeWordsIgnoringCase) {
    EXPECT_TRUE(mentions("hi Ann!", "ann"));
    EXPECT_TRUE(mentions("ann: look", "Ann"));
    EXPECT_TRUE(mentions("@ann", "ann"));
    EXPECT_FALSE(mentions("joanna", "ann"));
    EXPECT_FALSE(mentions("ann_b here", "ann"));
    EXPECT_FALSE(mentions("hello", ""));
}

TEST(TextTest, WrapMovesAUrlToTheNextRowWholeWhenItFits) {
    const auto rows = wrap(U"see https://example.com/a/path now", 26);
    ASSERT_EQ(rows.size(), 3U);
    EXPECT_EQ(rows[0], U"see");
    EXPECT_EQ(rows[1], U"https://example.com/a/path");
    // Longer than a row: it has to be cut.
    EXPECT_EQ(wrap(U"https://example.com/very/long/path", 10).size(), 4U);
}

}  // namespace
}  // namespace salon::client
