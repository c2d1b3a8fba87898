// A real store with faults a unit test can inject (tests/unit/server).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "store/store.hpp"

namespace salon::server {

/// A real SqliteStore behind a door the test controls: commits can be made to throw
/// StorageError, or the next one held inside commit() until released, so that the
/// test knows what the pipeline's writer is doing; the account watch's read can be made to
/// throw too. Every other method is forwarded as is.
class FaultyStore final : public store::Store {
public:
    explicit FaultyStore(std::unique_ptr<store::Store> inner) : inner_(std::move(inner)) {}

    void fail_appends(bool fail) { fail_appends_.store(fail); }

    /// locked_accounts() (the periodic account watch) throws StorageError while set.
    void fail_reads(bool fail) { fail_reads_.store(fail); }

    /// The next commit() call waits inside, before writing, until release().
    void hold_next_append() {
        std::lock_guard lock(mutex_);
        hold_next_ = true;
        released_ = false;
    }

    /// True once an append is being held (bounded wait).
    bool wait_until_held() {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(10), [this] { return holding_; });
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

    std::vector<std::string> locked_accounts() override {
        if (fail_reads_.load()) throw store::StorageError("disk I/O error (injected)");
        return inner_->locked_accounts();
    }

    store::BanAdded add_server_ban(const store::ServerBan& ban, std::size_t max_bans) override {
        return inner_->add_server_ban(ban, max_bans);
    }

    bool remove_server_ban(const core::ServerBanTarget& target) override {
        return inner_->remove_server_ban(target);
    }

    std::vector<store::ServerBan> server_bans() override { return inner_->server_bans(); }

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

    void delete_channel(const core::ChannelName& channel, core::MessageId up_to) override {
        inner_->delete_channel(channel, up_to);
    }

    void rename_channel(const core::ChannelName& from, const core::ChannelName& to) override {
        inner_->rename_channel(from, to);
    }

    std::vector<store::ChannelSummary> channel_summaries(
        const std::optional<core::ChannelName>& after, std::size_t limit, std::size_t count_cap
    ) override {
        return inner_->channel_summaries(after, limit, count_cap);
    }

    std::int64_t enqueue_admin_request(const store::AdminRequest& request) override {
        return inner_->enqueue_admin_request(request);
    }

    std::vector<store::AdminRequest> claim_admin_requests(std::size_t limit) override {
        return inner_->claim_admin_requests(limit);
    }

    void finish_admin_request(std::int64_t id, const store::AdminOutcome& outcome) override {
        inner_->finish_admin_request(id, outcome);
    }

    std::optional<store::AdminOutcome> take_admin_outcome(std::int64_t id) override {
        return inner_->take_admin_outcome(id);
    }

    bool cancel_admin_request(std::int64_t id) override { return inner_->cancel_admin_request(id); }

    void set_membership(const core::UserName& user, const store::Membership& membership) override {
        inner_->set_membership(user, membership);
    }

    void remove_membership(const core::UserName& user, const core::ChannelName& channel) override {
        inner_->remove_membership(user, channel);
    }

    std::vector<store::Membership> memberships_of(const core::UserName& user) override {
        return inner_->memberships_of(user);
    }

    void back_up_to(const std::filesystem::path& destination) override {
        inner_->back_up_to(destination);
    }

    std::vector<store::WriteOutcome> commit(std::span<const store::Write> batch) override {
        {
            std::unique_lock lock(mutex_);
            batch_sizes_.push_back(batch.size());
            if (hold_next_) {
                hold_next_ = false;
                holding_ = true;
                changed_.notify_all();
                changed_.wait_for(lock, std::chrono::seconds(10), [this] { return released_; });
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

    std::size_t prune_messages(
        const store::PruneCutoffs& cutoffs, std::size_t batch_limit, std::stop_token stop
    ) override {
        return inner_->prune_messages(cutoffs, batch_limit, stop);
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
    std::atomic<bool> fail_reads_{false};
    std::unique_ptr<store::Store> inner_;
    std::atomic<bool> fail_appends_{false};
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool hold_next_ = false;
    bool holding_ = false;
    bool released_ = false;
    std::vector<std::size_t> batch_sizes_;
};

}  // namespace salon::server
