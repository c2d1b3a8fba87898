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

}  // namespace
}  // namespace salon::core
