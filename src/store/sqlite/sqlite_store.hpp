// The SQLite 3 implementation of Store: one file, WAL mode, one writer and a pool of readers,
// and a search index beside it kept by a background indexer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <semaphore>
#include <stop_token>
#include <thread>
#include <vector>

#include "store/store.hpp"

struct sqlite3;

namespace salon::store {

/// How SqliteStore opens its file.
struct SqliteOptions {
    /// What a committed write survives. `normal` (synchronous=NORMAL in WAL mode): the commit
    /// is in the WAL in the OS page cache when the call returns, so it survives kill -9 of the
    /// process but the last commits may be lost on power loss. `full` (synchronous=FULL): the
    /// WAL is fsynced at every commit, so it survives power loss too, at the price of one fsync
    /// per transaction (commit() batches amortise it).
    enum class Sync { normal, full };
    Sync sync = Sync::normal;
    /// Read-only connections used by the read methods; WAL lets them run beside the writer.
    std::size_t reader_connections = 4;
    /// How long a connection waits for a lock held by another process before StorageError.
    std::chrono::milliseconds busy_timeout{5000};
    /// WAL size, in pages, past which a commit wakes the checkpointer (SQLite's own default).
    int checkpoint_pages = 1000;
    /// Whether this store runs the search indexer. Off for a command that opens the data dir for
    /// a moment beside a running salond (backup, export, import): the server's indexer keeps the
    /// index, and two indexers would contend for the search file. Off, new messages are indexed
    /// by the next store that runs one.
    bool index_search = true;
};

/// The schema version this build writes (PRAGMA user_version). Stored in the database: a file
/// with a larger version was written by a newer salond and is refused.
inline constexpr int kSqliteSchemaVersion = 15;

class SqliteConnection;

/// Store on one SQLite file.
///
/// Thread safety: every method may be called from any thread at once. Writes go through one
/// connection guarded by a mutex (SQLite allows one writer at a time anyway); reads take a
/// connection from a pool of `reader_connections` and block while all are busy.
/// Every failure throws StorageError carrying SQLite's message; writes run in a transaction,
/// so a failed call leaves the database as it was. Every name in the file parses as a UserName
/// or ChannelName: create_account() refuses an invalid name, and a name read back that does not
/// parse (a file edited by hand or damaged) throws StorageError naming the table and the value.
///
/// Checkpoints run on a thread of their own. SQLite's automatic checkpoint runs inside the
/// commit that crosses its threshold, so that commit, and every write queued behind it, would
/// wait for the WAL and the database file to be copied and synced. The checkpointer copies
/// while the writer goes on, then takes the writer's lock only to copy what was committed
/// meanwhile, so that the WAL can start over from its beginning.
///
/// Search is indexed off the commit path: trigram indexing costs more than the rest of a commit.
/// The FTS5 index lives in a second file beside the database, `<stem>-search<extension>`
/// (salon.db: salon-search.db), derived data that is rebuilt from the messages when missing,
/// unreadable or of another schema (backups may skip it). An indexer thread of its own, at idle
/// CPU priority, reads new messages by id, and applies a queue in the database of the other text
/// changes (edits, removals, deletions), recording how far it got in both (the next id and the
/// watermark). A new message's commit thus writes nothing for search. search() leaves out any
/// message with a change past the watermark, so a deleted message never matches, an edited one
/// never matches its former text, and a new one matches once indexed: within a second while the
/// CPU has any idle time.
class SqliteStore final : public Store {
public:
    /// Opens (creating the file and its parent directory if missing) and migrates the schema.
    /// @throws StorageError when the file cannot be opened or written, is not a database, or
    ///         has a schema newer than kSqliteSchemaVersion.
    SqliteStore(const std::filesystem::path& file, SqliteOptions options);
    ~SqliteStore() override;

    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    bool create_account(const Account& account) override;
    std::optional<Account> find_account(const core::UserName& name) override;
    bool set_password(const core::UserName& name, std::string_view password_hash) override;
    bool delete_account(const core::UserName& name, const ReserveRevs& reserve_revs) override;
    std::optional<std::vector<Revised>> claim_guest(
        const Account& account, const core::UserKey& guest_key, const ReserveRevs& reserve_revs
    ) override;
    bool unclaim_guest(
        const core::UserName& account,
        const core::UserKey& guest_key,
        std::string_view guest_name,
        const ReserveRevs& reserve_revs
    ) override;
    bool set_locked(const core::UserName& name, bool locked) override;
    std::vector<std::string> locked_accounts() override;
    void record_login(const core::UserName& name, core::UnixMillis when) override;
    std::vector<Account> list_accounts() override;

    BanAdded add_server_ban(const ServerBan& ban, std::size_t max_bans) override;
    bool remove_server_ban(const core::ServerBanTarget& target) override;
    std::vector<ServerBan> server_bans() override;

    std::optional<CreatedToken> create_token(const SessionToken& token, std::size_t max_per_account)
        override;
    std::optional<SessionToken> use_token(
        const core::UserName& user,
        std::string_view hash,
        core::UnixMillis now,
        core::UnixMillis expires_ms
    ) override;
    std::vector<SessionToken> tokens_of(const core::UserName& user, core::UnixMillis now) override;
    bool revoke_token(const core::UserName& user, std::int64_t id) override;
    std::optional<std::vector<std::int64_t>> change_password(
        const core::UserName& name, std::string_view password_hash, std::optional<std::int64_t> keep
    ) override;

    void save_channel(const ChannelRecord& channel) override;
    std::vector<ChannelRecord> load_channels() override;
    void set_ban(const core::ChannelName& channel, const core::UserMask& mask, bool banned)
        override;
    std::vector<core::UserMask> bans_of(const core::ChannelName& channel) override;
    void set_exception(
        const core::ChannelName& channel,
        core::ExceptionList list,
        const core::UserMask& mask,
        bool on
    ) override;
    std::vector<ChannelException> exceptions_of(const core::ChannelName& channel) override;
    void forget_channel(const core::ChannelName& channel, core::MessageId up_to) override;

    void delete_channel(const core::ChannelName& channel, core::MessageId up_to) override;
    void rename_channel(const core::ChannelName& from, const core::ChannelName& to) override;
    std::vector<ChannelSummary> channel_summaries(
        const std::optional<core::ChannelName>& after, std::size_t limit, std::size_t count_cap
    ) override;

    void set_membership(const core::UserName& user, const Membership& membership) override;
    void remove_membership(const core::UserName& user, const core::ChannelName& channel) override;
    std::vector<Membership> memberships_of(const core::UserName& user) override;

    std::int64_t enqueue_admin_request(const AdminRequest& request) override;
    std::vector<AdminRequest> claim_admin_requests(std::size_t limit) override;
    void finish_admin_request(std::int64_t id, const AdminOutcome& outcome) override;
    std::optional<AdminOutcome> take_admin_outcome(std::int64_t id) override;
    bool cancel_admin_request(std::int64_t id) override;

    /// SQLite's online backup API, in one step: one read snapshot for the whole copy, which in
    /// WAL mode never holds up the writer (copying page ranges in several steps would start over
    /// at every write of another process, and never end beside a busy server). The WAL grows
    /// while the copy runs; the copy is then switched to a rollback journal, so that it is one
    /// self-contained file. The search index is not copied: it is rebuilt from the messages.
    void back_up_to(const std::filesystem::path& destination) override;

    std::vector<WriteOutcome> commit(std::span<const Write> batch) override;
    std::optional<StoredMessage> find_message(core::MessageId id) override;
    std::vector<core::Message> history(
        std::string_view conversation,
        std::optional<core::MessageId> before,
        std::size_t limit,
        std::optional<core::MessageId> up_to = std::nullopt
    ) override;
    std::vector<core::Message> history_range(
        std::string_view conversation, const HistoryRange& range
    ) override;
    std::vector<core::Message> changed_after(
        std::string_view conversation, core::MessageId after_rev, std::size_t limit
    ) override;
    SearchPage search(const SearchQuery& query) override;
    /// Goes conversation by conversation, in name order, in transactions of its own on the
    /// writer.
    std::size_t prune_messages(
        const PruneCutoffs& cutoffs, std::size_t batch_limit, std::stop_token stop = {}
    ) override;
    core::MessageId max_message_id() override;
    std::vector<core::Message> pending_dms(
        const core::UserName& user, core::MessageId after, std::size_t limit
    ) override;
    void forget_pending_dms(const core::UserName& user, core::MessageId up_to) override;

    std::vector<DirectPartner> direct_partners(const core::UserKey& user) override;
    std::optional<DirectPartner> direct_partner_named(
        const core::UserKey& user, const core::UserName& partner
    ) override;
    core::MessageId read_marker(const core::UserKey& user, std::string_view conversation) override;
    ReadMarker read_position(const core::UserKey& user, std::string_view conversation) override;
    bool advance_read_marker(
        const core::UserKey& user, std::string_view conversation, core::MessageId id
    ) override;
    bool advance_read_time(
        const core::UserKey& user, std::string_view conversation, core::UnixMillis ts_ms
    ) override;
    std::vector<ConversationStats> conversation_stats(
        const core::UserKey& user, std::span<const std::string> conversations, std::size_t count_cap
    ) override;

    /// The schema version of the open file (kSqliteSchemaVersion once opened).
    int schema_version();

    /// Waits until every message and change committed before the call is indexed for search;
    /// false when `timeout` passed first. For tests and benchmarks: the server relies on the
    /// indexer being prompt.
    bool wait_until_indexed(std::chrono::milliseconds timeout);

private:
    class ReaderLease;

    ReaderLease lease_reader();

    // Declared before the readers so that it is closed last: the last connection to close
    // checkpoints the WAL into the main file.
    std::mutex writer_mutex_;
    std::unique_ptr<SqliteConnection> writer_;

    std::mutex readers_mutex_;
    std::condition_variable reader_freed_;
    std::vector<std::unique_ptr<SqliteConnection>> readers_;
    std::vector<SqliteConnection*> free_readers_;

    static int on_wal_commit(void* self, sqlite3* db, const char* schema, int pages);
    void checkpoint_when_due(std::stop_token stop);

    int checkpoint_pages_;
    std::unique_ptr<SqliteConnection> checkpointer_connection_;
    std::mutex checkpoint_mutex_;
    std::condition_variable_any checkpoint_wanted_;
    bool checkpoint_due_ = false;

    void wake_indexer() noexcept;
    // Lifts the indexer to normal priority when it has been due for kIndexerStarvation without
    // making progress: at idle priority a CPU busy with other work (a build, a backup) would
    // never run it, and search would fall behind without bound.
    void lift_indexer_if_starved() noexcept;
    void index_when_due(std::stop_token stop);

    /// Where the index stands against the database: the first id it has not read, and the
    /// largest id or rev handed out.
    struct IndexProgress {
        core::MessageId next_id;
        core::MessageId sequence;
    };

    // Keeps the search file when it is in step with the database, empties it otherwise.
    IndexProgress check_search_file();
    // One index transaction: queued changes, then new messages. True when there is more to do.
    bool index_step();
    void publish_indexed(std::int64_t seq, core::MessageId next_id);

    // The indexer's own connections: a reader of the database and the search file's only writer
    // in this process.
    std::unique_ptr<SqliteConnection> indexer_reader_;
    std::unique_ptr<SqliteConnection> search_writer_;
    // Set by commits, cleared by the indexer when it wakes: only the commit that sets it wakes
    // the indexer, with no lock the indexer could hold (it runs at idle priority).
    std::atomic<bool> index_wanted_{false};
    // The later of when index_wanted_ was last set and when the indexer last got on (steady
    // clock, nanoseconds); and whether it runs lifted to normal priority until it has caught up.
    std::atomic<std::int64_t> indexer_seen_ns_{0};
    std::atomic<bool> indexer_lifted_{false};
    // From the end of a wait to the end of the pass after it (set before index_wanted_ clears).
    std::atomic<bool> indexer_busy_{false};
    std::counting_semaphore<> indexer_wake_{0};
    // The watermark the indexer last committed; -1 until it has checked the search file. The
    // writer prunes the queue below it.
    std::atomic<std::int64_t> published_watermark_{-1};
    // The first message id the index has not read.
    std::atomic<core::MessageId> indexed_next_id_{0};
    std::mutex indexed_mutex_;
    std::condition_variable indexed_;
    // Writer state (under writer_mutex_): commits since the last pruning, and its bound.
    int commits_since_prune_ = 0;
    std::int64_t pruned_below_ = 0;

    // Last, so that they stop before anything they use is destroyed.
    std::jthread checkpointer_;
    std::jthread indexer_;
};

/// Checks a database file before it replaces a data dir's (salond restore), without changing
/// it: SQLite's integrity check, a schema version this build knows (1 to kSqliteSchemaVersion),
/// and every table that version has. Returns what it holds.
/// @throws StorageError saying what is wrong: not a database, damaged, truncated, from a newer
///         salond, or missing tables.
BackupSummary check_sqlite_backup(const std::filesystem::path& file);

/// Puts `incoming`, a backup's database that check_sqlite_backup() passed, in place of
/// `database`, which no store may have open (salond restore holds the data dir's lock). The
/// database there moves to `kept` with its WAL (`kept`-wal: commits not yet in the file), so
/// that opening `kept` shows it as it was; the search index, derived from it, is removed and
/// rebuilt at the next start. When the last step fails, the old database is put back.
/// @throws StorageError naming the file that could not be moved
void install_sqlite_backup(
    const std::filesystem::path& incoming,
    const std::filesystem::path& database,
    const std::filesystem::path& kept
);

/// Opens the SQLite store at `file`; see SqliteStore.
std::unique_ptr<Store> open_sqlite_store(
    const std::filesystem::path& file, SqliteOptions options = {}
);

}  // namespace salon::store
