#include "core/emoji.hpp"

// PROTOCOL.md's REACT rule: 1-32 bytes of UTF-8, no whitespace, no control characters (Cc).

#include <gtest/gtest.h>

#include <string>

namespace salon::core {
namespace {

TEST(EmojiTest, EmojiAndShortWordsAreValid) {
    EXPECT_TRUE(is_valid_emoji("\xF0\x9F\x91\x8D"));          // 👍
    EXPECT_TRUE(is_valid_emoji("\xE2\x9D\xA4\xEF\xB8\x8F"));  // ❤️ with its variation selector
    EXPECT_TRUE(is_valid_emoji("+1"));
    EXPECT_TRUE(is_valid_emoji(":tada:"));
}

TEST(EmojiTest, AZeroWidthJoinerInsideASequenceIsFine) {
    // 👩‍💻: woman, ZWJ, laptop
    EXPECT_TRUE(is_valid_emoji("\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB"));
}

TEST(EmojiTest, LengthIsOneToThirtyTwoBytes) {
    EXPECT_FALSE(is_valid_emoji(""));
    EXPECT_TRUE(is_valid_emoji(std::string(32, 'x')));
    EXPECT_FALSE(is_valid_emoji(std::string(33, 'x')));
    // Eight four-byte emoji are 32 bytes; a ninth is too many.
    std::string thumbs;
    for (int i = 0; i < 8; ++i) thumbs += "\xF0\x9F\x91\x8D";
    EXPECT_TRUE(is_valid_emoji(thumbs));
    EXPECT_FALSE(is_valid_emoji(thumbs + "\xF0\x9F\x91\x8D"));
}

TEST(EmojiTest, WhitespaceOfAnyKindIsRefused) {
    for (const std::string_view space : {
             " ",
             "\t",
             "\n",
             "\xC2\xA0",      // no-break space
             "\xE2\x80\x83",  // em space
             "\xE2\x80\xA8",  // line separator
             "\xE3\x80\x80",  // ideographic space
         }) {
        EXPECT_FALSE(is_valid_emoji("a" + std::string(space) + "b")) << space.size();
    }
}

TEST(EmojiTest, ControlCharactersAreRefused) {
    EXPECT_FALSE(is_valid_emoji(std::string("a\0b", 3)));
    EXPECT_FALSE(is_valid_emoji("a\x1b"));
    EXPECT_FALSE(is_valid_emoji("\x7f"));
    EXPECT_FALSE(is_valid_emoji("\xC2\x85"));  // NEL, a C1 control
}

TEST(EmojiTest, InvalidUtf8IsRefused) {
    EXPECT_FALSE(is_valid_emoji("\xF0\x9F\x91"));
    EXPECT_FALSE(is_valid_emoji("\xFF"));
}

}  // namespace
}  // namespace salon::core
