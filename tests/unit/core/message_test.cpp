#include "core/message.hpp"

// Message: the byte bound a reply is measured with before any codec encodes it.

#include <gtest/gtest.h>

namespace salon::core {
namespace {

Message with_text(MessageId id, std::string text) {
    Message message;
    message.id = id;
    message.channel = "home";
    message.from = "alice";
    message.text = std::move(text);
    return message;
}

std::vector<MessageId> ids_of(const std::vector<Message>& messages) {
    std::vector<MessageId> ids;
    for (const auto& m : messages) ids.push_back(m.id);
    return ids;
}

TEST(WireSizeBoundTest, CountsEscapesAtTheirWorst) {
    const std::size_t plain = wire_size_bound(with_text(1, "abcd"));
    EXPECT_EQ(wire_size_bound(with_text(1, "ab\x01\x02")), plain + 10);
    EXPECT_EQ(wire_size_bound(with_text(1, "a\"\\d")), plain + 2);
    EXPECT_EQ(wire_size_bound(with_text(1, "a\n\tb")), plain + 2);
    EXPECT_EQ(wire_size_bound(with_text(1, "\xc3\xa9")), plain - 2);  // UTF-8 goes as it is
}

TEST(WireSizeBoundTest, IsAtLeastTheEscapedJsonOfTheText) {
    const std::string text(2700, '\x01');  // \u0001 each
    EXPECT_GE(wire_size_bound(with_text(1, text)), 6 * text.size());
}

TEST(KeepNewestWithinTest, KeepsEverythingThatFits) {
    std::vector<Message> messages{with_text(1, "a"), with_text(2, "b")};
    EXPECT_FALSE(keep_newest_within(messages, 10'000));
    EXPECT_EQ(ids_of(messages), (std::vector<MessageId>{1, 2}));
}

TEST(KeepNewestWithinTest, DropsTheOldestFirst) {
    std::vector<Message> messages{with_text(1, "a"), with_text(2, "b"), with_text(3, "c")};
    const std::size_t one = wire_size_bound(messages[0]);
    EXPECT_TRUE(keep_newest_within(messages, 2 * one + 1));
    EXPECT_EQ(ids_of(messages), (std::vector<MessageId>{2, 3}));
}

TEST(KeepNewestWithinTest, AlwaysKeepsTheNewestEvenPastTheBudget) {
    std::vector<Message> messages{with_text(1, "a"), with_text(2, std::string(5000, 'x'))};
    EXPECT_TRUE(keep_newest_within(messages, 100));
    EXPECT_EQ(ids_of(messages), (std::vector<MessageId>{2}));
}

TEST(KeepNewestWithinTest, AnEmptyListStaysEmpty) {
    std::vector<Message> messages;
    EXPECT_FALSE(keep_newest_within(messages, 0));
    EXPECT_TRUE(messages.empty());
}

}  // namespace
}  // namespace salon::core
