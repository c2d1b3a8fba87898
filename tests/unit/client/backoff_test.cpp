#include "client/backoff.hpp"

#include <gtest/gtest.h>

namespace salon::client {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, DoublesUpToTheCapWithoutJitter) {
    Backoff b(BackoffPolicy{milliseconds(100), milliseconds(1000), 2.0, 0.0}, 1);
    EXPECT_EQ(b.next(), milliseconds(100));
    EXPECT_EQ(b.next(), milliseconds(200));
    EXPECT_EQ(b.next(), milliseconds(400));
    EXPECT_EQ(b.next(), milliseconds(800));
    EXPECT_EQ(b.next(), milliseconds(1000));
    EXPECT_EQ(b.next(), milliseconds(1000));
    EXPECT_EQ(b.attempts(), 6);
    b.reset();
    EXPECT_EQ(b.next(), milliseconds(100));
}

TEST(BackoffTest, JitterStaysWithinItsBoundsAndVaries) {
    Backoff b(BackoffPolicy{milliseconds(1000), milliseconds(1000), 2.0, 0.2}, 42);
    bool varied = false;
    milliseconds first = b.next();
    for (int i = 0; i < 50; ++i) {
        const auto d = b.next();
        EXPECT_GE(d, milliseconds(800));
        EXPECT_LE(d, milliseconds(1200));
        varied = varied || d != first;
    }
    EXPECT_TRUE(varied);
}

TEST(BackoffTest, SurvivesManyAttemptsWithoutOverflow) {
    Backoff b(BackoffPolicy{milliseconds(500), milliseconds(15000), 2.0, 0.0}, 1);
    for (int i = 0; i < 1000; ++i) EXPECT_LE(b.next(), milliseconds(15000));
}

}  // namespace
}  // namespace salon::client
