#include "server/frame_queue.hpp"

// FrameQueue: order across blocks, splicing, dropping from the front (whole blocks and part of
// one), and that frames are released when dropped.

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace salon::server {
namespace {

Frame frame(int i) {
    return make_frame(std::to_string(i));
}

std::vector<std::string> texts(const FrameQueue& queue) {
    std::vector<std::string> out;
    for (const Frame& f : queue) out.push_back(*f);
    return out;
}

std::vector<std::string> numbers(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i) out.push_back(std::to_string(i));
    return out;
}

constexpr int kBlock = static_cast<int>(FrameQueue::kBlockFrames);

TEST(FrameQueueTest, AnEmptyQueueHasNothingToWalk) {
    const FrameQueue queue;
    EXPECT_TRUE(queue.empty());
    EXPECT_EQ(queue.size(), 0u);
    EXPECT_EQ(queue.begin(), queue.end());
}

TEST(FrameQueueTest, KeepsOrderAcrossBlocks) {
    FrameQueue queue;
    for (int i = 0; i < 3 * kBlock + 5; ++i) queue.push_back(frame(i));
    EXPECT_EQ(queue.size(), static_cast<std::size_t>(3 * kBlock + 5));
    EXPECT_EQ(texts(queue), numbers(0, 3 * kBlock + 5));
    EXPECT_EQ(*queue.front(), "0");
}

TEST(FrameQueueTest, PopFrontDropsWholeBlocksAndPartOfOne) {
    FrameQueue queue;
    for (int i = 0; i < 2 * kBlock + 3; ++i) queue.push_back(frame(i));
    queue.pop_front(kBlock + 2);
    EXPECT_EQ(texts(queue), numbers(kBlock + 2, 2 * kBlock + 3));
    queue.pop_front();
    EXPECT_EQ(*queue.front(), std::to_string(kBlock + 3));
    queue.pop_front(1000);  // more than there is: empties it
    EXPECT_TRUE(queue.empty());
    queue.push_back(frame(7));  // and it is usable again
    EXPECT_EQ(texts(queue), std::vector<std::string>{"7"});
}

TEST(FrameQueueTest, SpliceAppendsEverythingAndEmptiesTheOther) {
    FrameQueue first;
    FrameQueue second;
    for (int i = 0; i < kBlock + 1; ++i) first.push_back(frame(i));
    for (int i = kBlock + 1; i < 2 * kBlock + 10; ++i) second.push_back(frame(i));
    first.splice(second);
    EXPECT_TRUE(second.empty());
    EXPECT_EQ(texts(first), numbers(0, 2 * kBlock + 10));
    // Pushing after a splice continues behind the spliced frames.
    first.push_back(frame(-1));
    EXPECT_EQ(texts(first).back(), "-1");

    FrameQueue empty;
    empty.splice(first);
    EXPECT_TRUE(first.empty());
    EXPECT_EQ(empty.size(), static_cast<std::size_t>(2 * kBlock + 11));
}

TEST(FrameQueueTest, DroppedFramesAreReleased) {
    const Frame shared = frame(42);
    FrameQueue queue;
    for (int i = 0; i < kBlock + 4; ++i) queue.push_back(shared);
    EXPECT_EQ(shared.use_count(), kBlock + 5);
    queue.pop_front(kBlock);
    EXPECT_EQ(shared.use_count(), 5);
    FrameQueue moved(std::move(queue));
    EXPECT_TRUE(queue.empty());  // a moved-from queue is empty
    moved.clear();
    EXPECT_EQ(shared.use_count(), 1);
}

}  // namespace
}  // namespace salon::server
