#include "net/deadline_wheel.hpp"

// The timing wheel behind every connection's watchdog: entries come due at the first tick at or
// after their deadline, never before, whatever the wheel's size.

#include <gtest/gtest.h>

#include <vector>

namespace salon::net {
namespace {

using namespace std::chrono_literals;
using Clock = DeadlineWheel::Clock;

struct Item : DeadlineWheel::Entry {
    explicit Item(int n = 0) : number(n) {}

    int number;
};

class DeadlineWheelTest : public ::testing::Test {
protected:
    const Clock::time_point start_ = Clock::time_point(1h);
    DeadlineWheel wheel_{100ms, 8, start_};  // a turn is 800 ms

    std::vector<int> advance_to(Clock::duration since_start) {
        std::vector<int> due;
        wheel_.advance(start_ + since_start, [&](DeadlineWheel::Entry& entry) {
            due.push_back(static_cast<Item&>(entry).number);
        });
        return due;
    }
};

TEST_F(DeadlineWheelTest, EntryIsDueAtTheFirstTickAtOrAfterItsDeadline) {
    Item a(1);
    wheel_.insert(a, start_ + 250ms);
    EXPECT_TRUE(a.scheduled());
    EXPECT_TRUE(advance_to(299ms).empty());
    EXPECT_EQ(advance_to(300ms), std::vector<int>{1});
    EXPECT_FALSE(a.scheduled());
    EXPECT_TRUE(wheel_.empty());
}

TEST_F(DeadlineWheelTest, DeadlinesMoreThanATurnAheadWaitForTheirTurn) {
    Item near(1);
    Item far(2);
    wheel_.insert(near, start_ + 200ms);
    wheel_.insert(far, start_ + 1000ms);  // same bucket as 200 ms, one turn later
    EXPECT_EQ(advance_to(200ms), std::vector<int>{1});
    EXPECT_TRUE(advance_to(900ms).empty());
    EXPECT_EQ(advance_to(1000ms), std::vector<int>{2});
}

TEST_F(DeadlineWheelTest, AJumpPastSeveralTurnsFindsEveryDueEntryOnce) {
    std::vector<Item> items(20);
    for (int i = 0; i < 20; ++i) {
        auto& item = items[static_cast<std::size_t>(i)];
        item.number = i;
        wheel_.insert(item, start_ + (i + 1) * 130ms);
    }
    auto due = advance_to(5s);  // 20 * 130 ms = 2.6 s: all of them, over three turns
    std::sort(due.begin(), due.end());
    std::vector<int> all(20);
    for (int i = 0; i < 20; ++i) all[static_cast<std::size_t>(i)] = i;
    EXPECT_EQ(due, all);
    EXPECT_TRUE(wheel_.empty());
}

TEST_F(DeadlineWheelTest, InsertingAgainMovesTheDeadlineAndRemoveForgetsIt) {
    Item moved(1);
    Item removed(2);
    wheel_.insert(moved, start_ + 100ms);
    wheel_.insert(moved, start_ + 500ms);
    wheel_.insert(removed, start_ + 100ms);
    wheel_.remove(removed);
    wheel_.remove(removed);  // not filed: nothing happens
    EXPECT_FALSE(removed.scheduled());
    EXPECT_TRUE(advance_to(400ms).empty());
    EXPECT_EQ(advance_to(500ms), std::vector<int>{1});
}

TEST_F(DeadlineWheelTest, APastDeadlineIsDueAtTheNextTickNotTheOneAlreadyDone) {
    EXPECT_TRUE(advance_to(1s).empty());
    Item late(7);
    wheel_.insert(late, start_ + 200ms);
    EXPECT_TRUE(advance_to(1s + 50ms).empty());
    EXPECT_EQ(advance_to(1s + 100ms), std::vector<int>{7});
}

TEST_F(DeadlineWheelTest, ClearUnlinksEverything) {
    Item a;
    Item b;
    wheel_.insert(a, start_ + 100ms);
    wheel_.insert(b, start_ + 5s);
    wheel_.clear();
    EXPECT_TRUE(wheel_.empty());
    EXPECT_FALSE(a.scheduled());
    EXPECT_FALSE(b.scheduled());
    EXPECT_TRUE(advance_to(10s).empty());
}

}  // namespace
}  // namespace salon::net
