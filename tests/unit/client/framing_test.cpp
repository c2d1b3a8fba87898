#include "client/framing.hpp"

#include <gtest/gtest.h>

namespace salon::client {
namespace {

TEST(LineFramerTest, SplitsLinesAndDropsCarriageReturnAndBlankLines) {
    LineFramer f;
    f.feed("{\"a\":1}\r\n\n\r\n{\"b\":2}\n{\"c\"");
    EXPECT_EQ(f.next(), "{\"a\":1}");
    EXPECT_EQ(f.next(), "{\"b\":2}");
    EXPECT_EQ(f.next(), std::nullopt);
    f.feed(":3}\n");
    EXPECT_EQ(f.next(), "{\"c\":3}");
    EXPECT_EQ(f.next(), std::nullopt);
    EXPECT_EQ(f.pending_bytes(), 0u);
}

TEST(LineFramerTest, ReassemblesALineFedOneByteAtATime) {
    LineFramer f;
    const std::string line = "{\"MSG\":{\"text\":\"héllo\"}}\n";
    for (char c : line) {
        EXPECT_EQ(f.next(), std::nullopt);
        f.feed(std::string_view(&c, 1));
    }
    EXPECT_EQ(f.next(), "{\"MSG\":{\"text\":\"héllo\"}}");
}

TEST(LineFramerTest, OverflowsOnALineLongerThanTheLimitWithoutTerminator) {
    LineFramer f(8);
    f.feed("123456789");
    EXPECT_EQ(f.next(), std::nullopt);
    EXPECT_TRUE(f.overflowed());
    f.reset();
    EXPECT_FALSE(f.overflowed());
    f.feed("12345678\n");
    EXPECT_EQ(f.next(), "12345678");
}

TEST(LineFramerTest, OverflowsOnACompleteLineLongerThanTheLimit) {
    LineFramer f(4);
    f.feed("12345\nok\n");
    EXPECT_EQ(f.next(), std::nullopt);
    EXPECT_TRUE(f.overflowed());
}

TEST(LineFramerTest, HandlesManyFramesWithoutLosingAny) {
    LineFramer f;
    std::string all;
    for (int i = 0; i < 1000; ++i) all += std::to_string(i) + "\n";
    f.feed(all.substr(0, 1234));
    int expected = 0;
    while (auto l = f.next()) EXPECT_EQ(*l, std::to_string(expected++));
    f.feed(all.substr(1234));
    while (auto l = f.next()) EXPECT_EQ(*l, std::to_string(expected++));
    EXPECT_EQ(expected, 1000);
}

}  // namespace
}  // namespace salon::client
