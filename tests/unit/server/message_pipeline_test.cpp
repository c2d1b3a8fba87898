#include "server/message_pipeline.hpp"

// MessagePipeline against a real SQLite store: id order, durability before delivery, group
// commit, concurrent submitters, stop() and storage failures.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace salon::server {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// Wall-clock time set by the test.
class ManualClock final : public core::Clock {
public:
    core::SteadyTime steady_now() const override { return {}; }

    core::UnixMillis unix_now_ms() const override { return now_ms_.load(); }

    void set(core::UnixMillis ms) { now_ms_.store(ms); }

private:
    std::atomic<core::UnixMillis> now_ms_{1'700'000'000'000};
};

/// A real SqliteStore behind a door the test controls: commits can be made to throw
/// StorageError, or the next one held inside commit() until released, so that the
/// test knows what the pipeline's writer is doing. Every other method is forwarded as is.
class FaultyStore final : public store::Store {
public:
    explicit FaultyStore(std::unique_ptr<store::Store> inner) : inner_(std::move(inner)) {}

    void fail_appends(bool fail) { fail_appends_.store(fail); }

    /// The next commit() call waits inside, before writing, until release().
    void hold_next_append() {
        std::lock_guard lock(mutex_);
        hold_next_ = true;
        released_ = false;
    }

    /// True once an append is being held (bounded wait).
    bool wait_until_held() {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 10s, [this] { return holding_; });
    }

    void release() {
        std::lock_guard lock(mutex_);
        released_ = true;
        changed_.notify_all();
    }

    /// The size of every batch commit() was given, failed ones included.
    std::vector<std::size_t> batch_sizes() const {
        std::lock_guard lock(mutex_);
        return batch_sizes_;
    }

    bool create_account(const store::Account& account) override {
        return inner_->create_account(account);
    }

    std::optional<store::Account> find_account(const core::UserName& name) override {
        return inner_->find_account(name);
    }

    bool set_password(const core::UserName& name, std::string_view password_hash) override {
        return inner_->set_password(name, password_hash);
    }

    bool delete_account(const core::UserName& name, const store::ReserveRevs& revs) override {
        return inner_->delete_account(name, revs);
    }

    std::optional<std::vector<store::Revised>> claim_guest(
        const store::Account& account, const core::UserKey& guest, const store::ReserveRevs& revs
    ) override {
        return inner_->claim_guest(account, guest, revs);
    }

    bool unclaim_guest(
        const core::UserName& account,
        const core::UserKey& guest,
        std::string_view guest_name,
        const store::ReserveRevs& revs
    ) override {
        return inner_->unclaim_guest(account, guest, guest_name, revs);
    }

    bool set_locked(const core::UserName& name, bool locked) override {
        return inner_->set_locked(name, locked);
    }

    std::vector<std::string> locked_accounts() override { return inner_->locked_accounts(); }

    void record_login(const core::UserName& name, core::UnixMillis when) override {
        inner_->record_login(name, when);
    }

    std::vector<store::Account> list_accounts() override { return inner_->list_accounts(); }

    std::optional<store::CreatedToken> create_token(
        const store::SessionToken& token, std::size_t max_per_account
    ) override {
        return inner_->create_token(token, max_per_account);
    }

    std::optional<store::SessionToken> use_token(
        const core::UserName& user,
        std::string_view hash,
        core::UnixMillis now,
        core::UnixMillis expires_ms
    ) override {
        return inner_->use_token(user, hash, now, expires_ms);
    }

    std::vector<store::SessionToken> tokens_of(const core::UserName& user, core::UnixMillis now)
        override {
        return inner_->tokens_of(user, now);
    }

    bool revoke_token(const core::UserName& user, std::int64_t id) override {
        return inner_->revoke_token(user, id);
    }

    std::optional<std::vector<std::int64_t>> change_password(
        const core::UserName& name, std::string_view password_hash, std::optional<std::int64_t> keep
    ) override {
        return inner_->change_password(name, password_hash, keep);
    }

    void save_channel(const store::ChannelRecord& channel) override {
        inner_->save_channel(channel);
    }

    std::vector<store::ChannelRecord> load_channels() override { return inner_->load_channels(); }

    void set_ban(const core::ChannelName& channel, const core::UserMask& mask, bool banned)
        override {
        inner_->set_ban(channel, mask, banned);
    }

    std::vector<core::UserMask> bans_of(const core::ChannelName& channel) override {
        return inner_->bans_of(channel);
    }

    void set_exception(
        const core::ChannelName& channel,
        core::ExceptionList list,
        const core::UserMask& mask,
        bool on
    ) override {
        inner_->set_exception(channel, list, mask, on);
    }

    std::vector<store::ChannelException> exceptions_of(const core::ChannelName& channel) override {
        return inner_->exceptions_of(channel);
    }

    void forget_channel(const core::ChannelName& channel, core::MessageId up_to) override {
        inner_->forget_channel(channel, up_to);
    }

    void set_membership(const core::UserName& user, const store::Membership& membership) override {
        inner_->set_membership(user, membership);
    }

    void remove_membership(const core::UserName& user, const core::ChannelName& channel) override {
        inner_->remove_membership(user, channel);
    }

    std::vector<store::Membership> memberships_of(const core::UserName& user) override {
        return inner_->memberships_of(user);
    }

    std::vector<store::WriteOutcome> commit(std::span<const store::Write> batch) override {
        {
            std::unique_lock lock(mutex_);
            batch_sizes_.push_back(batch.size());
            if (hold_next_) {
                hold_next_ = false;
                holding_ = true;
                changed_.notify_all();
                changed_.wait_for(lock, 10s, [this] { return released_; });
                holding_ = false;
            }
        }
        if (fail_appends_.load()) throw store::StorageError("injected: disk full");
        return inner_->commit(batch);
    }

    std::optional<store::StoredMessage> find_message(core::MessageId id) override {
        return inner_->find_message(id);
    }

    std::vector<core::Message> history(
        std::string_view conversation,
        std::optional<core::MessageId> before,
        std::size_t limit,
        std::optional<core::MessageId> up_to = std::nullopt
    ) override {
        return inner_->history(conversation, before, limit, up_to);
    }

    std::vector<core::Message> history_range(
        std::string_view conversation, const store::HistoryRange& range
    ) override {
        return inner_->history_range(conversation, range);
    }

    std::vector<core::Message> changed_after(
        std::string_view conversation, core::MessageId after_rev, std::size_t limit
    ) override {
        return inner_->changed_after(conversation, after_rev, limit);
    }

    store::SearchPage search(const store::SearchQuery& query) override {
        return inner_->search(query);
    }

    std::vector<store::DirectPartner> direct_partners(const core::UserKey& user) override {
        return inner_->direct_partners(user);
    }

    std::optional<store::DirectPartner> direct_partner_named(
        const core::UserKey& user, const core::UserName& partner
    ) override {
        return inner_->direct_partner_named(user, partner);
    }

    core::MessageId read_marker(const core::UserKey& user, std::string_view conversation) override {
        return inner_->read_marker(user, conversation);
    }

    store::ReadMarker read_position(const core::UserKey& user, std::string_view conversation)
        override {
        return inner_->read_position(user, conversation);
    }

    bool advance_read_time(
        const core::UserKey& user, std::string_view conversation, core::UnixMillis ts_ms
    ) override {
        return inner_->advance_read_time(user, conversation, ts_ms);
    }

    bool advance_read_marker(
        const core::UserKey& user, std::string_view conversation, core::MessageId id
    ) override {
        return inner_->advance_read_marker(user, conversation, id);
    }

    std::vector<store::ConversationStats> conversation_stats(
        const core::UserKey& user, std::span<const std::string> conversations, std::size_t count_cap
    ) override {
        return inner_->conversation_stats(user, conversations, count_cap);
    }

    core::MessageId max_message_id() override { return inner_->max_message_id(); }

    std::vector<core::Message> pending_dms(
        const core::UserName& user, core::MessageId after, std::size_t limit
    ) override {
        return inner_->pending_dms(user, after, limit);
    }

    void forget_pending_dms(const core::UserName& user, core::MessageId up_to) override {
        inner_->forget_pending_dms(user, up_to);
    }

private:
    std::unique_ptr<store::Store> inner_;
    std::atomic<bool> fail_appends_{false};
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool hold_next_ = false;
    bool holding_ = false;
    bool released_ = false;
    std::vector<std::size_t> batch_sizes_;
};

store::MessageWrite post(std::string text, std::string channel = "home") {
    store::MessageWrite write;
    write.message.channel = channel;
    write.message.from = "alice";
    write.message.text = std::move(text);
    write.conversation = std::move(channel);
    write.from_key = "alice";
    return write;
}

/// What one completion saw.
struct Delivery {
    bool committed = false;
    core::MessageId id = 0;
    std::string text;
    core::UnixMillis ts_ms = 0;
    bool on_strand = false;
};

class MessagePipelineTest : public ::testing::Test {
protected:
    /// Runs delivery handlers on this thread until `done` holds; false after 10 s.
    bool run_until(const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            io_.run_one_for(20ms);
        }
        return true;
    }

    /// A completion that records what it saw into deliveries_.
    MessagePipeline::Completion record() {
        return [this](const store::WriteOutcome* outcome) {
            Delivery d;
            d.on_strand = strand_.running_in_this_thread();
            if (outcome != nullptr) {
                const core::Message& m = outcome->message;
                d = Delivery{true, m.id, m.text, m.ts_ms, d.on_strand};
            }
            deliveries_.push_back(d);
        };
    }

    bool run_until_delivered(std::size_t n) {
        return run_until([&] { return deliveries_.size() >= n; });
    }

    std::vector<core::Message> history(const std::string& channel = "home") {
        return store_.history(channel, std::nullopt, 10'000);
    }

    test::TempDir dir_{"salon-pipeline"};
    FaultyStore store_{store::open_sqlite_store(dir_.path() / "salon.db")};
    ManualClock clock_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
    asio::strand<asio::io_context::executor_type> strand_{asio::make_strand(io_)};
    std::vector<Delivery> deliveries_;  // touched only by handlers run on this thread
};

TEST_F(MessagePipelineTest, IdsContinueFromTheLastIdInSubmissionOrderWithTheClocksTime) {
    MessagePipeline pipeline(store_, clock_, strand_, 41);
    clock_.set(1'800'000'000'000);
    pipeline.submit(post("a"), record());
    pipeline.submit(post("b"), record());
    clock_.set(1'800'000'000'500);
    pipeline.submit(post("c"), record());

    ASSERT_TRUE(run_until_delivered(3));
    ASSERT_EQ(deliveries_.size(), 3U);
    EXPECT_EQ(deliveries_[0].id, 42);
    EXPECT_EQ(deliveries_[0].text, "a");
    EXPECT_EQ(deliveries_[0].ts_ms, 1'800'000'000'000);
    EXPECT_EQ(deliveries_[1].id, 43);
    EXPECT_EQ(deliveries_[1].text, "b");
    EXPECT_EQ(deliveries_[2].id, 44);
    EXPECT_EQ(deliveries_[2].text, "c");
    EXPECT_EQ(deliveries_[2].ts_ms, 1'800'000'000'500);
    for (const auto& d : deliveries_) {
        EXPECT_TRUE(d.committed);
        EXPECT_TRUE(d.on_strand);
    }
}

TEST_F(MessagePipelineTest, AMessageIsStoredBeforeItsCompletionRuns) {
    MessagePipeline pipeline(store_, clock_, strand_, 0);
    std::vector<bool> stored_when_delivered;
    for (int i = 0; i < 20; ++i) {
        pipeline.submit(post("m" + std::to_string(i)), [&](const store::WriteOutcome* outcome) {
            ASSERT_NE(outcome, nullptr);
            const core::Message* m = &outcome->message;
            const auto page = store_.history("home", m->id + 1, 1);
            stored_when_delivered.push_back(
                page.size() == 1 && page[0].id == m->id && page[0].text == m->text
            );
        });
    }
    ASSERT_TRUE(run_until([&] { return stored_when_delivered.size() == 20; }));
    for (std::size_t i = 0; i < stored_when_delivered.size(); ++i) {
        EXPECT_TRUE(stored_when_delivered[i]) << "message " << i;
    }
}

TEST_F(MessagePipelineTest, StoresTheMessageAsSubmittedWithItsIdAndTimestamp) {
    MessagePipeline pipeline(store_, clock_, strand_, 0);
    clock_.set(1'700'000'000'123);
    pipeline.submit(post("hello", "rust"), record());
    ASSERT_TRUE(run_until_delivered(1));

    const auto stored = history("rust");
    ASSERT_EQ(stored.size(), 1U);
    EXPECT_EQ(stored[0].id, 1);
    EXPECT_EQ(stored[0].channel, "rust");
    EXPECT_EQ(stored[0].from, "alice");
    EXPECT_EQ(stored[0].text, "hello");
    EXPECT_EQ(stored[0].ts_ms, 1'700'000'000'123);
    EXPECT_TRUE(history("home").empty());
}

TEST_F(MessagePipelineTest, ADirectMessageForAnOfflineUserWaitsForTheirNextLogin) {
    MessagePipeline pipeline(store_, clock_, strand_, 0);
    store::MessageWrite dm;
    dm.message.from = "alice";
    dm.message.to = "Bob";
    dm.message.text = "psst";
    dm.pending_for = {*core::UserName::parse("bob")};
    dm.from_key = "alice";
    dm.to_key = "bob";
    dm.conversation = core::direct_conversation("alice", "bob");
    pipeline.submit(dm, record());
    ASSERT_TRUE(run_until_delivered(1));
    ASSERT_TRUE(deliveries_[0].committed);

    const auto pending = store_.pending_dms(*core::UserName::parse("bob"), 0, 100);
    ASSERT_EQ(pending.size(), 1U);
    EXPECT_EQ(pending[0].id, deliveries_[0].id);
    EXPECT_EQ(pending[0].text, "psst");
    EXPECT_TRUE(store_.pending_dms(*core::UserName::parse("alice"), 0, 100).empty());
}

TEST_F(MessagePipelineTest, WhatQueuesDuringACommitGoesInTheNextBatchTogether) {
    MessagePipeline pipeline(store_, clock_, strand_, 0);
    store_.hold_next_append();
    pipeline.submit(post("first"), record());
    ASSERT_TRUE(store_.wait_until_held());
    for (int i = 0; i < 10; ++i) pipeline.submit(post("queued"), record());
    store_.release();

    ASSERT_TRUE(run_until_delivered(11));
    EXPECT_EQ(store_.batch_sizes(), (std::vector<std::size_t>{1, 10}));
    const auto stats = pipeline.stats();
    EXPECT_EQ(stats.batches, 2U);
    EXPECT_EQ(stats.messages, 11U);
    EXPECT_EQ(stats.largest_batch, 10U);
    EXPECT_EQ(stats.failed_batches, 0U);
}

TEST_F(MessagePipelineTest, ABatchNeverHoldsMoreThanMaxBatch) {
    MessagePipeline pipeline(store_, clock_, strand_, 0, 3);
    store_.hold_next_append();
    pipeline.submit(post("first"), record());
    ASSERT_TRUE(store_.wait_until_held());
    for (int i = 0; i < 7; ++i) pipeline.submit(post("queued"), record());
    store_.release();

    ASSERT_TRUE(run_until_delivered(8));
    EXPECT_EQ(store_.batch_sizes(), (std::vector<std::size_t>{1, 3, 3, 1}));
    EXPECT_EQ(pipeline.stats().largest_batch, 3U);
    for (std::size_t i = 0; i < deliveries_.size(); ++i) {
        EXPECT_EQ(deliveries_[i].id, static_cast<core::MessageId>(i + 1));
    }
}

TEST_F(MessagePipelineTest, CongestedFromMaxInFlightUntilTheCompletionsRun) {
    MessagePipeline pipeline(store_, clock_, strand_, 0, 1024, 4);
    store_.hold_next_append();
    pipeline.submit(post("first"), record());
    ASSERT_TRUE(store_.wait_until_held());
    for (int i = 0; i < 2; ++i) pipeline.submit(post("queued"), record());
    EXPECT_FALSE(pipeline.congested());  // 3 accepted, none delivered
    pipeline.submit(post("fourth"), record());
    EXPECT_TRUE(pipeline.congested());
    store_.release();

    ASSERT_TRUE(run_until_delivered(4));
    EXPECT_FALSE(pipeline.congested());
}

TEST_F(MessagePipelineTest, BatchesCommittedWhileDeliveryWaitsAreDeliveredByOneHandler) {
    // On the bare io_context rather than a strand, so that one handler is one poll_one().
    MessagePipeline pipeline(store_, clock_, io_.get_executor(), 0);
    store_.hold_next_append();
    pipeline.submit(post("first"), record());
    ASSERT_TRUE(store_.wait_until_held());
    for (int i = 0; i < 5; ++i) pipeline.submit(post("queued"), record());
    store_.release();
    // The io_context does not run until both batches are committed.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (pipeline.stats().batches < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    ASSERT_EQ(pipeline.stats().batches, 2U);

    EXPECT_EQ(io_.poll_one(), 1U);
    ASSERT_EQ(deliveries_.size(), 6U);  // both batches, by that one handler, in id order
    for (std::size_t i = 0; i < deliveries_.size(); ++i) {
        EXPECT_EQ(deliveries_[i].id, static_cast<core::MessageId>(i + 1));
    }
}

TEST_F(MessagePipelineTest, ConcurrentSubmittersGetDistinctIdsDeliveredInIdOrder) {
    constexpr int kThreads = 4;
    constexpr int kEach = 300;
    MessagePipeline pipeline(store_, clock_, strand_, 0);

    struct Seen {
        int thread;
        int seq;
        core::MessageId id;
        bool committed;
        bool on_strand;
    };

    std::vector<Seen> seen;  // appended only on the strand
    std::vector<std::thread> submitters;
    for (int t = 0; t < kThreads; ++t) {
        submitters.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                pipeline.submit(
                    post(std::to_string(t) + ":" + std::to_string(i)),
                    [&, t, i](const store::WriteOutcome* outcome) {
                        seen.push_back(Seen{
                            t,
                            i,
                            outcome != nullptr ? outcome->message.id : 0,
                            outcome != nullptr,
                            strand_.running_in_this_thread()});
                    }
                );
            }
        });
    }
    // Deliver while the submitters run, as the server does.
    const bool all = run_until([&] { return seen.size() == kThreads * kEach; });
    for (auto& t : submitters) t.join();
    ASSERT_TRUE(all);

    std::vector<int> next_seq(kThreads, 0);
    core::MessageId last_id = 0;
    for (const auto& s : seen) {
        EXPECT_TRUE(s.committed);
        EXPECT_TRUE(s.on_strand);
        EXPECT_GT(s.id, last_id) << "completions out of id order";
        last_id = s.id;
        // One thread's submissions get increasing ids, so they are delivered in its order.
        EXPECT_EQ(s.seq, next_seq[static_cast<std::size_t>(s.thread)]++);
    }
    EXPECT_EQ(last_id, kThreads * kEach);  // no id skipped or repeated

    const auto stored = history();
    ASSERT_EQ(stored.size(), static_cast<std::size_t>(kThreads * kEach));
    for (std::size_t i = 0; i < stored.size(); ++i) {
        EXPECT_EQ(stored[i].id, static_cast<core::MessageId>(i + 1));
    }
    EXPECT_EQ(store_.max_message_id(), kThreads * kEach);
    EXPECT_EQ(pipeline.stats().messages, static_cast<std::uint64_t>(kThreads * kEach));
}

TEST_F(MessagePipelineTest, StopCommitsEverythingQueuedBeforeReturning) {
    MessagePipeline pipeline(store_, clock_, strand_, 0);
    store_.hold_next_append();
    pipeline.submit(post("first"), record());
    ASSERT_TRUE(store_.wait_until_held());
    for (int i = 0; i < 50; ++i) pipeline.submit(post("queued"), record());

    std::thread stopper([&] { pipeline.stop(); });
    store_.release();
    stopper.join();

    // Durable before any delivery handler has run.
    EXPECT_TRUE(deliveries_.empty());
    EXPECT_EQ(history().size(), 51U);
    EXPECT_EQ(store_.max_message_id(), 51);

    ASSERT_TRUE(run_until_delivered(51));
    for (const auto& d : deliveries_) EXPECT_TRUE(d.committed);
}

TEST_F(MessagePipelineTest, ASubmissionAfterStopFailsAndIsNotStored) {
    MessagePipeline pipeline(store_, clock_, strand_, 0);
    pipeline.stop();
    pipeline.submit(post("too late"), record());
    ASSERT_TRUE(run_until_delivered(1));
    EXPECT_FALSE(deliveries_[0].committed);
    EXPECT_TRUE(deliveries_[0].on_strand);
    EXPECT_TRUE(history().empty());
    pipeline.stop();  // a second stop is harmless
}

TEST_F(MessagePipelineTest, AFailedBatchCompletesEachOfItsMessagesWithNullInOrder) {
    MessagePipeline pipeline(store_, clock_, strand_, 0);
    store_.fail_appends(true);
    store_.hold_next_append();
    pipeline.submit(post("a"), record());
    ASSERT_TRUE(store_.wait_until_held());
    pipeline.submit(post("b"), record());
    pipeline.submit(post("c"), record());
    store_.release();

    ASSERT_TRUE(run_until_delivered(3));
    for (const auto& d : deliveries_) {
        EXPECT_FALSE(d.committed);
        EXPECT_TRUE(d.on_strand);
    }
    EXPECT_TRUE(history().empty());
    EXPECT_EQ(store_.max_message_id(), 0);
    const auto stats = pipeline.stats();
    EXPECT_EQ(stats.failed_batches, 2U);
    EXPECT_EQ(stats.batches, 2U);
}

TEST_F(MessagePipelineTest, ThePipelineCarriesOnAfterAFailedBatch) {
    MessagePipeline pipeline(store_, clock_, strand_, 0);
    store_.fail_appends(true);
    pipeline.submit(post("lost"), record());
    ASSERT_TRUE(run_until_delivered(1));
    EXPECT_FALSE(deliveries_[0].committed);

    store_.fail_appends(false);
    pipeline.submit(post("kept"), record());
    ASSERT_TRUE(run_until_delivered(2));
    ASSERT_TRUE(deliveries_[1].committed);
    EXPECT_GT(deliveries_[1].id, 1);  // the failed message's id is never handed out again

    const auto stored = history();
    ASSERT_EQ(stored.size(), 1U);
    EXPECT_EQ(stored[0].text, "kept");
    EXPECT_EQ(pipeline.stats().failed_batches, 1U);
}

TEST_F(MessagePipelineTest, ChangesTakeTheirRevFromTheSequenceOfIdsAndCommitInOrder) {
    MessagePipeline pipeline(store_, clock_, strand_, 0);
    pipeline.submit(post("first"), record());
    ASSERT_TRUE(run_until_delivered(1));

    std::vector<store::WriteOutcome> outcomes;
    auto keep = [&outcomes](const store::WriteOutcome* outcome) {
        ASSERT_NE(outcome, nullptr);
        outcomes.push_back(*outcome);
    };
    store::MessageChange edit;
    edit.kind = store::MessageChange::Kind::edit;
    edit.id = 1;
    edit.actor_key = "alice";
    edit.text = "first, edited";
    clock_.set(1'800'000'000'000);
    pipeline.submit(edit, keep);
    pipeline.submit(post("second"), record());
    store::MessageChange not_hers = edit;
    not_hers.actor_key = "bob";
    pipeline.submit(not_hers, keep);
    ASSERT_TRUE(run_until([&] { return outcomes.size() == 2 && deliveries_.size() == 2; }));

    EXPECT_EQ(outcomes[0].status, store::ChangeStatus::applied);
    EXPECT_EQ(outcomes[0].message.id, 1);
    EXPECT_EQ(outcomes[0].message.rev, 2);
    EXPECT_EQ(outcomes[0].message.text, "first, edited");
    EXPECT_EQ(outcomes[0].message.edited_ms, 1'800'000'000'000);
    EXPECT_EQ(deliveries_[1].id, 3);
    EXPECT_EQ(outcomes[1].status, store::ChangeStatus::forbidden);
    EXPECT_EQ(pipeline.last_id(), 4);  // a refused change leaves a gap, never a reuse
    const auto stored = history();
    ASSERT_EQ(stored.size(), 2U);
    EXPECT_EQ(stored[0].text, "first, edited");
    EXPECT_EQ(stored[0].rev, 2);
}

}  // namespace
}  // namespace salon::server
