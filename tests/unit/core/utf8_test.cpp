#include "core/utf8.hpp"

#include <gtest/gtest.h>

namespace salon::core {
namespace {

TEST(Utf8Test, AcceptsAsciiAndMultibyteText) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("hello"));
    EXPECT_TRUE(is_valid_utf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"));
}

TEST(Utf8Test, RejectsTruncatedOverlongSurrogateAndOutOfRangeSequences) {
    EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xFF"));
    EXPECT_FALSE(is_valid_utf8("a\x80z"));  // stray continuation byte
}

TEST(Utf8Test, PrefixNeverSplitsACharacter) {
    const std::string text = "ab\xE2\x82\xAC";  // "ab€": the euro sign is 3 bytes
    EXPECT_EQ(utf8_prefix(text, 10), text);
    EXPECT_EQ(utf8_prefix(text, 5), text);
    EXPECT_EQ(utf8_prefix(text, 4), "ab");
    EXPECT_EQ(utf8_prefix(text, 3), "ab");
    EXPECT_EQ(utf8_prefix(text, 2), "ab");
    EXPECT_EQ(utf8_prefix(text, 0), "");
}

}  // namespace
}  // namespace salon::core
