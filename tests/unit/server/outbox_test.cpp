#include "server/outbox.hpp"

// Outbox: the byte bound, overflow's last words, reply ordering behind reservations, the
// backpressure figure, the writer's wake-up and use from several threads at once.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <thread>

namespace salon::server {
namespace {

/// Takes what is writable, as the texts of the frames; empty when nothing is.
std::vector<std::string> take_texts(Outbox& outbox) {
    FrameQueue frames;
    outbox.take(frames);
    std::vector<std::string> texts;
    for (const auto& f : frames) texts.push_back(*f);
    return texts;
}

using Texts = std::vector<std::string>;

TEST(OutboxTest, FramesLeaveInTheOrderTheyWereAccepted) {
    Outbox outbox(1024);
    EXPECT_TRUE(outbox.push(make_frame("e1")));
    EXPECT_TRUE(outbox.reply(make_frame("r1")));
    EXPECT_TRUE(outbox.push(make_frame("e2")));
    EXPECT_EQ(take_texts(outbox), (Texts{"e1", "r1", "e2"}));
}

TEST(OutboxTest, TakeMovesEverythingOutAndReportsWhetherThereWasAnything) {
    Outbox outbox(1024);
    FrameQueue out;
    EXPECT_FALSE(outbox.take(out));
    EXPECT_TRUE(out.empty());

    outbox.push(make_frame("abc"));
    EXPECT_TRUE(outbox.take(out));
    ASSERT_EQ(out.size(), 1U);
    EXPECT_FALSE(outbox.take(out));
    EXPECT_EQ(out.size(), 1U);  // take appends; nothing more was added
}

TEST(OutboxTest, QueuedBytesCountWhatWaitsAndDropToZeroOnceTaken) {
    Outbox outbox(1024);
    outbox.push(make_frame("12345"));
    outbox.reply(make_frame("123"));
    EXPECT_EQ(outbox.queued_bytes(), 8U);
    take_texts(outbox);
    EXPECT_EQ(outbox.queued_bytes(), 0U);
}

TEST(OutboxTest, AcceptsEventsUpToTheLimitExactlyAndRefusesAByteMore) {
    Outbox outbox(10);
    EXPECT_TRUE(outbox.push(make_frame("123456")));
    EXPECT_TRUE(outbox.reply(make_frame("7890")));
    EXPECT_EQ(outbox.queued_bytes(), 10U);
    EXPECT_FALSE(outbox.push(make_frame("x")));
    EXPECT_EQ(outbox.queued_bytes(), 10U);
    EXPECT_FALSE(outbox.overflowed());  // refusing is not overflowing: the caller decides
    EXPECT_EQ(take_texts(outbox), (Texts{"123456", "7890"}));
}

TEST(OutboxTest, AdmitsRepliesPastTheLimitAndCountsThemTowardsIt) {
    Outbox outbox(10);
    EXPECT_TRUE(outbox.push(make_frame("123456")));
    EXPECT_TRUE(outbox.reply(make_frame("a reply larger than the limit")));
    EXPECT_EQ(outbox.queued_bytes(), 35U);
    EXPECT_FALSE(outbox.push(make_frame("x")));  // events find no room until the writer takes them
    EXPECT_EQ(take_texts(outbox), (Texts{"123456", "a reply larger than the limit"}));
    EXPECT_TRUE(outbox.push(make_frame("x")));
}

TEST(OutboxTest, TakingFreesRoomForMore) {
    Outbox outbox(4);
    EXPECT_TRUE(outbox.push(make_frame("abcd")));
    EXPECT_FALSE(outbox.push(make_frame("e")));
    take_texts(outbox);
    EXPECT_TRUE(outbox.push(make_frame("efgh")));
}

TEST(OutboxTest, AFrameLargerThanTheWholeLimitIsRefusedEvenWhenEmpty) {
    Outbox outbox(4);
    EXPECT_FALSE(outbox.push(make_frame("abcde")));
    EXPECT_EQ(outbox.queued_bytes(), 0U);
}

TEST(OutboxOverflowTest, LeavesOnlyTheLastWords) {
    Outbox outbox(16);
    outbox.push(make_frame("event"));
    outbox.reply(make_frame("reply"));
    EXPECT_FALSE(outbox.push(make_frame("too much to fit")));

    EXPECT_TRUE(outbox.overflow(make_frame("NOTICE send_queue_full")));
    EXPECT_TRUE(outbox.overflowed());
    EXPECT_EQ(outbox.queued_bytes(), std::string("NOTICE send_queue_full").size());
    EXPECT_EQ(take_texts(outbox), (Texts{"NOTICE send_queue_full"}));
    EXPECT_EQ(outbox.queued_bytes(), 0U);
}

TEST(OutboxOverflowTest, OnlyTheFirstOverflowCountsAndItsWordsStay) {
    Outbox outbox(16);
    EXPECT_TRUE(outbox.overflow(make_frame("first")));
    EXPECT_FALSE(outbox.overflow(make_frame("second")));
    EXPECT_EQ(take_texts(outbox), (Texts{"first"}));
}

TEST(OutboxOverflowTest, NothingIsAcceptedAfterwardsEvenWithRoom) {
    Outbox outbox(1024);
    outbox.overflow(make_frame("bye"));
    take_texts(outbox);
    EXPECT_FALSE(outbox.push(make_frame("e")));
    EXPECT_FALSE(outbox.reply(make_frame("r")));
    const auto slot = outbox.reserve(10);
    EXPECT_FALSE(outbox.fulfil(slot, make_frame("r")));
    EXPECT_TRUE(take_texts(outbox).empty());
}

TEST(OutboxOverflowTest, DropsReservationsSoTheirLateRepliesAreRefused) {
    Outbox outbox(1024);
    const auto slot = outbox.reserve(500);
    outbox.reply(make_frame("held"));
    EXPECT_EQ(outbox.backlog_bytes(), 504U);

    outbox.overflow(make_frame("bye"));
    EXPECT_EQ(outbox.backlog_bytes(), 3U);
    EXPECT_FALSE(outbox.fulfil(slot, make_frame("late")));
    EXPECT_EQ(take_texts(outbox), (Texts{"bye"}));
    EXPECT_EQ(outbox.backlog_bytes(), 0U);
}

TEST(OutboxReserveTest, RepliesReservedEarlierHoldBackLaterRepliesButNotEvents) {
    Outbox outbox(1024);
    const auto slot = outbox.reserve(50);
    EXPECT_TRUE(outbox.reply(make_frame("r2")));
    EXPECT_TRUE(outbox.push(make_frame("e1")));
    EXPECT_EQ(take_texts(outbox), (Texts{"e1"}));

    EXPECT_TRUE(outbox.fulfil(slot, make_frame("r1")));
    outbox.settle(slot);
    EXPECT_EQ(take_texts(outbox), (Texts{"r1", "r2"}));
}

TEST(OutboxReserveTest, ALaterReservationFulfilledFirstWaitsForTheEarlierOne) {
    Outbox outbox(1024);
    const auto first = outbox.reserve(10);
    const auto second = outbox.reserve(10);
    outbox.reply(make_frame("r3"));

    EXPECT_TRUE(outbox.fulfil(second, make_frame("r2")));
    outbox.settle(second);
    EXPECT_TRUE(take_texts(outbox).empty());

    EXPECT_TRUE(outbox.fulfil(first, make_frame("r1")));
    outbox.settle(first);
    EXPECT_EQ(take_texts(outbox), (Texts{"r1", "r2", "r3"}));
}

TEST(OutboxReserveTest, AReservationOnlyHoldsBackWhatCameAfterIt) {
    Outbox outbox(1024);
    outbox.reply(make_frame("r0"));
    const auto slot = outbox.reserve(10);
    outbox.reply(make_frame("r2"));
    EXPECT_EQ(take_texts(outbox), (Texts{"r0"}));
    outbox.fulfil(slot, make_frame("r1"));
    outbox.settle(slot);
    EXPECT_EQ(take_texts(outbox), (Texts{"r1", "r2"}));
}

TEST(OutboxReserveTest, ReservationsReleaseUpToTheNextUnfulfilledOne) {
    Outbox outbox(1024);
    const auto a = outbox.reserve(10);
    outbox.reply(make_frame("after a"));
    const auto b = outbox.reserve(10);
    outbox.reply(make_frame("after b"));

    outbox.fulfil(a, make_frame("a"));
    outbox.settle(a);
    EXPECT_EQ(take_texts(outbox), (Texts{"a", "after a"}));
    outbox.fulfil(b, make_frame("b"));
    outbox.settle(b);
    EXPECT_EQ(take_texts(outbox), (Texts{"b", "after b"}));
}

TEST(OutboxReserveTest, LaterRepliesWaitUntilTheReservedOneIsSettled) {
    // A pipelined post's completion fulfils its reply, queues the events it causes, then
    // settles: a PONG asked for after the post leaves after those events.
    Outbox outbox(1024);
    const auto slot = outbox.reserve(10);
    outbox.reply(make_frame("pong"));
    EXPECT_TRUE(outbox.fulfil(slot, make_frame("ok")));
    EXPECT_TRUE(outbox.push(make_frame("own event")));
    EXPECT_EQ(take_texts(outbox), (Texts{"ok", "own event"}));
    EXPECT_TRUE(outbox.owes_replies());
    outbox.settle(slot);
    EXPECT_EQ(take_texts(outbox), (Texts{"pong"}));
    EXPECT_FALSE(outbox.owes_replies());
    outbox.settle(slot);  // settling twice, or an unknown slot, changes nothing
    outbox.settle(slot + 1000);
}

TEST(OutboxReserveTest, SettledBeforeFulfilledStillWaitsForItsReply) {
    Outbox outbox(1024);
    const auto slot = outbox.reserve(10);
    outbox.reply(make_frame("after"));
    outbox.settle(slot);
    EXPECT_TRUE(take_texts(outbox).empty());
    outbox.fulfil(slot, make_frame("ok"));
    EXPECT_EQ(take_texts(outbox), (Texts{"ok", "after"}));
}

TEST(OutboxReserveTest, FulfillingAnUnknownOrSpentSlotIsRefused) {
    Outbox outbox(1024);
    const auto slot = outbox.reserve(10);
    EXPECT_FALSE(outbox.fulfil(slot + 1000, make_frame("x")));
    EXPECT_TRUE(outbox.fulfil(slot, make_frame("r")));
    EXPECT_FALSE(outbox.fulfil(slot, make_frame("again")));
    EXPECT_EQ(take_texts(outbox), (Texts{"r"}));
}

TEST(OutboxReserveTest, SlotsAreDistinct) {
    Outbox outbox(1024);
    const auto a = outbox.reserve(1);
    const auto b = outbox.reserve(1);
    EXPECT_NE(a, b);
}

TEST(OutboxReserveTest, AHeldBackReplyCountsAgainstTheLimit) {
    Outbox outbox(10);
    outbox.reserve(0);
    EXPECT_TRUE(outbox.reply(make_frame("12345678")));
    EXPECT_EQ(outbox.queued_bytes(), 8U);
    EXPECT_FALSE(outbox.push(make_frame("abc")));
}

TEST(OutboxReserveTest, AFulfilmentIsAdmittedPastTheLimit) {
    Outbox outbox(10);
    const auto slot = outbox.reserve(4);
    outbox.push(make_frame("12345678"));
    EXPECT_TRUE(outbox.fulfil(slot, make_frame("abc")));
    EXPECT_EQ(outbox.backlog_bytes(), 11U);  // the reservation no longer counts, the reply does
}

TEST(OutboxReserveTest, NothingIsAdmittedAfterAnOverflow) {
    Outbox outbox(10);
    const auto slot = outbox.reserve(4);
    outbox.overflow(make_frame("bye"));
    EXPECT_FALSE(outbox.fulfil(slot, make_frame("abc")));
    EXPECT_FALSE(outbox.reply(make_frame("abc")));
}

TEST(OutboxBacklogTest, CountsQueuedBytesPlusWhatReservationsExpect) {
    Outbox outbox(1024);
    outbox.push(make_frame("12345"));
    const auto a = outbox.reserve(100);
    const auto b = outbox.reserve(40);
    EXPECT_EQ(outbox.queued_bytes(), 5U);
    EXPECT_EQ(outbox.backlog_bytes(), 145U);

    outbox.fulfil(a, make_frame("abc"));  // the expectation is replaced by the actual reply
    outbox.settle(a);
    EXPECT_EQ(outbox.backlog_bytes(), 5U + 3U + 40U);
    outbox.fulfil(b, make_frame("de"));
    outbox.settle(b);
    EXPECT_EQ(outbox.backlog_bytes(), 10U);
    take_texts(outbox);
    EXPECT_EQ(outbox.backlog_bytes(), 0U);
}

TEST(OutboxBacklogTest, ReservationsDoNotTakeRoomFromFrames) {
    // The expected size is a hint for the reader's backpressure, not a claim on the bound.
    Outbox outbox(10);
    outbox.reserve(1000);
    EXPECT_TRUE(outbox.push(make_frame("0123456789")));
    EXPECT_EQ(outbox.backlog_bytes(), 1010U);
}

/// A waker that counts its calls.
class CountingWaker {
public:
    Outbox::Waker waker() {
        return {[](void* self) { static_cast<CountingWaker*>(self)->calls_.fetch_add(1); }, this};
    }

    int calls() const { return calls_.load(); }

private:
    std::atomic<int> calls_{0};
};

TEST(OutboxWakerTest, IsNotCalledWhileTheWriterIsNotWaiting) {
    Outbox outbox(1024);
    CountingWaker counter;
    outbox.attach(counter.waker());
    outbox.push(make_frame("a"));
    outbox.reply(make_frame("b"));
    EXPECT_EQ(counter.calls(), 0);
}

TEST(OutboxWakerTest, IsCalledOncePerWaitHoweverManyFramesArrive) {
    Outbox outbox(1024);
    CountingWaker counter;
    outbox.attach(counter.waker());

    EXPECT_TRUE(take_texts(outbox).empty());  // the writer now waits
    outbox.push(make_frame("a"));
    EXPECT_EQ(counter.calls(), 1);
    outbox.push(make_frame("b"));
    outbox.reply(make_frame("c"));
    EXPECT_EQ(counter.calls(), 1);

    EXPECT_EQ(take_texts(outbox), (Texts{"a", "b", "c"}));  // a successful take does not arm
    outbox.push(make_frame("d"));
    EXPECT_EQ(counter.calls(), 1);

    take_texts(outbox);
    EXPECT_TRUE(take_texts(outbox).empty());  // waits again
    outbox.push(make_frame("e"));
    EXPECT_EQ(counter.calls(), 2);
}

TEST(OutboxWakerTest, AHeldBackReplyDoesNotWakeButItsReleaseDoes) {
    Outbox outbox(1024);
    CountingWaker counter;
    outbox.attach(counter.waker());
    const auto slot = outbox.reserve(10);
    take_texts(outbox);  // waits

    outbox.reply(make_frame("held"));
    EXPECT_EQ(counter.calls(), 0);
    outbox.fulfil(slot, make_frame("first"));
    outbox.settle(slot);
    EXPECT_EQ(counter.calls(), 1);
    EXPECT_EQ(take_texts(outbox), (Texts{"first", "held"}));
}

TEST(OutboxWakerTest, ALazyEventWaitsForAnEagerOneOrForWake) {
    Outbox outbox(1024);
    CountingWaker counter;
    outbox.attach(counter.waker());
    take_texts(outbox);  // waits

    outbox.push(make_frame("joined"), true);
    EXPECT_EQ(counter.calls(), 0);
    outbox.push(make_frame("message"));  // wakes, and the notice leaves first, in order
    EXPECT_EQ(counter.calls(), 1);
    EXPECT_EQ(take_texts(outbox), (Texts{"joined", "message"}));

    take_texts(outbox);  // waits again
    outbox.push(make_frame("left"), true);
    EXPECT_EQ(counter.calls(), 1);
    outbox.wake();
    EXPECT_EQ(counter.calls(), 2);
    outbox.wake();  // the writer is no longer waiting: nothing to do
    EXPECT_EQ(counter.calls(), 2);
    EXPECT_EQ(take_texts(outbox), (Texts{"left"}));
}

TEST(OutboxWakerTest, EnoughLazyBytesWakeTheWriterThemselves) {
    constexpr std::size_t kNoticeBytes = 64;
    constexpr std::size_t kNotices = Outbox::kLazyBatchBytes / kNoticeBytes;
    Outbox outbox(4 * Outbox::kLazyBatchBytes);
    CountingWaker counter;
    outbox.attach(counter.waker());
    take_texts(outbox);
    for (std::size_t i = 1; i < kNotices; ++i) {
        outbox.push(make_frame(std::string(kNoticeBytes, 'j')), true);
    }
    EXPECT_EQ(counter.calls(), 0);
    outbox.push(make_frame(std::string(kNoticeBytes, 'j')), true);
    EXPECT_EQ(counter.calls(), 1);
    EXPECT_EQ(take_texts(outbox).size(), kNotices);
}

TEST(OutboxWakerTest, WakeWithNothingQueuedDoesNotWake) {
    Outbox outbox(1024);
    CountingWaker counter;
    outbox.attach(counter.waker());
    take_texts(outbox);
    outbox.wake();
    EXPECT_EQ(counter.calls(), 0);
}

TEST(OutboxWakerTest, OverflowWakesAWaitingWriterForTheLastWords) {
    Outbox outbox(1024);
    CountingWaker counter;
    outbox.attach(counter.waker());
    take_texts(outbox);
    outbox.overflow(make_frame("bye"));
    EXPECT_EQ(counter.calls(), 1);
}

TEST(OutboxWakerTest, IsNotCalledAfterDetach) {
    Outbox outbox(1024);
    CountingWaker counter;
    outbox.attach(counter.waker());
    take_texts(outbox);
    outbox.detach();
    outbox.push(make_frame("a"));
    EXPECT_EQ(counter.calls(), 0);
    EXPECT_EQ(take_texts(outbox), (Texts{"a"}));
}

TEST(OutboxConcurrencyTest, SeveralPushersAndOneTakerLoseNothingAndKeepEachPushersOrder) {
    constexpr int kPushers = 4;
    constexpr int kFramesEach = 5000;
    Outbox outbox(64 * 1024 * 1024);

    // The waker runs under the outbox's lock, so it only flags and notifies.
    struct Wakeup {
        std::mutex mutex;
        std::condition_variable woken;
        bool wake = false;
    } wakeup;

    auto& [mutex, woken, wake] = wakeup;
    outbox.attach(
        {[](void* context) {
             auto& w = *static_cast<Wakeup*>(context);
             std::lock_guard lock(w.mutex);
             w.wake = true;
             w.woken.notify_one();
         },
         &wakeup}
    );

    std::vector<std::thread> pushers;
    for (int p = 0; p < kPushers; ++p) {
        pushers.emplace_back([&outbox, p] {
            for (int i = 0; i < kFramesEach; ++i) {
                const std::string text = std::to_string(p) + ":" + std::to_string(i);
                // Odd frames are events; even ones replies, every tenth through a
                // reservation as a SEND does.
                bool accepted = false;
                if (i % 2 == 1) {
                    accepted = outbox.push(make_frame(text));
                } else if (i % 10 == 0) {
                    const auto slot = outbox.reserve(16);
                    accepted = outbox.fulfil(slot, make_frame(text));
                    outbox.settle(slot);
                } else {
                    accepted = outbox.reply(make_frame(text));
                }
                ASSERT_TRUE(accepted) << text;
            }
        });
    }

    // Events may overtake replies held behind another pusher's reservation, so order is
    // checked per pusher among its events and among its replies.
    std::map<std::pair<int, int>, int> last_of;  // (pusher, parity) -> last index seen
    std::size_t total = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (total < kPushers * kFramesEach && std::chrono::steady_clock::now() < deadline) {
        FrameQueue frames;
        if (!outbox.take(frames)) {
            std::unique_lock lock(mutex);
            woken.wait_until(lock, deadline, [&] { return wake; });
            wake = false;
            continue;
        }
        for (const auto& f : frames) {
            const auto colon = f->find(':');
            const int p = std::stoi(f->substr(0, colon));
            const int i = std::stoi(f->substr(colon + 1));
            const auto [it, first] = last_of.try_emplace({p, i % 2}, i);
            if (!first) {
                EXPECT_EQ(i, it->second + 2) << "pusher " << p << " out of order";
                it->second = i;
            }
        }
        total += frames.size();
    }
    for (auto& t : pushers) t.join();

    EXPECT_EQ(total, static_cast<std::size_t>(kPushers * kFramesEach));
    for (int p = 0; p < kPushers; ++p) {
        EXPECT_EQ(last_of[std::pair(p, 0)], kFramesEach - 2);
        EXPECT_EQ(last_of[std::pair(p, 1)], kFramesEach - 1);
    }
    EXPECT_EQ(outbox.queued_bytes(), 0U);
    EXPECT_EQ(outbox.backlog_bytes(), 0U);
    outbox.detach();
}

TEST(OutboxWrittenThroughTest, OnlyOnceTheWriterCameBackForMore) {
    Outbox outbox(1024);
    EXPECT_TRUE(outbox.written_through(outbox.mark()));  // nothing was queued

    outbox.push(make_frame("a"));
    const auto after_a = outbox.mark();
    EXPECT_FALSE(outbox.written_through(after_a));
    EXPECT_EQ(take_texts(outbox), (Texts{"a"}));
    EXPECT_FALSE(outbox.written_through(after_a));  // taken, not yet known to be written
    outbox.push(make_frame("b"));
    EXPECT_EQ(take_texts(outbox), (Texts{"b"}));  // back for more: "a" was written
    EXPECT_TRUE(outbox.written_through(after_a));
    EXPECT_FALSE(outbox.written_through(outbox.mark()));
    EXPECT_TRUE(take_texts(outbox).empty());
    EXPECT_TRUE(outbox.written_through(outbox.mark()));
}

TEST(OutboxWrittenThroughTest, AReplyHeldBackCountsOnceItIsReleased) {
    Outbox outbox(1024);
    const auto slot = outbox.reserve(8);
    outbox.reply(make_frame("held"));
    const auto before = outbox.mark();
    EXPECT_TRUE(take_texts(outbox).empty());
    EXPECT_TRUE(outbox.written_through(before));  // nothing writable was queued before it
    outbox.fulfil(slot, make_frame("ok"));
    outbox.settle(slot);
    const auto released = outbox.mark();
    EXPECT_EQ(take_texts(outbox), (Texts{"ok", "held"}));
    EXPECT_FALSE(outbox.written_through(released));
    take_texts(outbox);
    EXPECT_TRUE(outbox.written_through(released));
}

}  // namespace
}  // namespace salon::server
