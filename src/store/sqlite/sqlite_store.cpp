// SqliteStore: schema migrations, cached prepared statements, transactions and the reader pool.
#include "store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

#include "core/names.hpp"

namespace salon::store {
namespace {

/// One step of the schema, applied in its own transaction when user_version < version.
/// Stored in the database: never edit or renumber a released step, append a new one.
struct Migration {
    int version;
    const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE accounts (
    name_folded   TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    admin         INTEGER NOT NULL DEFAULT 0,
    created_ms    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE channels (
    name       TEXT PRIMARY KEY NOT NULL,
    topic      TEXT NOT NULL DEFAULT '',
    key        TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE bans (
    channel     TEXT NOT NULL,
    user_folded TEXT NOT NULL,
    PRIMARY KEY (channel, user_folded)
) WITHOUT ROWID;

-- joined: per-user sequence number, so memberships_of() returns channels in join order.
CREATE TABLE memberships (
    user_folded TEXT NOT NULL,
    channel     TEXT NOT NULL,
    op          INTEGER NOT NULL DEFAULT 0,
    joined      INTEGER NOT NULL,
    PRIMARY KEY (user_folded, channel)
) WITHOUT ROWID;

-- id is the server's MessageId (the rowid): appends land at the end of the table's b-tree.
-- channel is NULL for a direct message.
CREATE TABLE messages (
    id        INTEGER PRIMARY KEY,
    channel   TEXT,
    from_name TEXT NOT NULL,
    to_name   TEXT,
    text      TEXT NOT NULL,
    ts_ms     INTEGER NOT NULL
);

-- channel_history() is one range scan of this index, read backwards from (channel, upper id).
CREATE INDEX messages_by_channel ON messages (channel, id) WHERE channel IS NOT NULL;

CREATE TABLE pending_dms (
    user_folded TEXT NOT NULL,
    message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (user_folded, message_id)
) WITHOUT ROWID;
)sql"},
    {2, R"sql(
-- Version 2: conversations (channels and direct-message pairs), changes to messages (edit,
-- delete, reactions) numbered in the id sequence, mentions, read markers and search.

-- conversation: the channel, or the two parties' keys in byte order joined by a space.
-- from_key, to_key: who wrote and (direct messages) who received, by UserKey; '' for none.
-- rev: the id of the last change (== id until one). mention_names: the mentioned users' display
-- names, space-separated (user names hold no space), in order of first appearance.
ALTER TABLE messages ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN conversation TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN from_key TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN to_key TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN reply_to INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edited_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN mention_names TEXT NOT NULL DEFAULT '';

-- With the largest message id, the largest id or rev handed out (largest_message_id()): a
-- commit raises it for the revs of its changes, and a deletion of messages for the ids it
-- removes, so that the sequence survives both; a new message's id needs no write of its own.
-- Version 1 kept it as an empty "id mark" message instead; those go.
CREATE TABLE message_sequence (last INTEGER NOT NULL);
INSERT INTO message_sequence (last) SELECT COALESCE(MAX(id), 0) FROM messages;
DELETE FROM messages WHERE channel IS NULL AND to_name IS NULL;

-- Version 1 keyed users by display name; user names are ASCII, so lower() is their folding.
UPDATE messages SET
    rev = id,
    from_key = lower(from_name),
    to_key = COALESCE(lower(to_name), ''),
    conversation = CASE WHEN channel IS NOT NULL THEN channel
        ELSE min(lower(from_name), lower(to_name)) || ' ' || max(lower(from_name), lower(to_name))
    END;

-- history() reads (conversation, id) ranges backwards; conversation_stats() counts unread
-- messages from this index alone, hence from_key and deleted in it.
DROP INDEX messages_by_channel;
CREATE INDEX messages_by_conversation ON messages (conversation, id, from_key, deleted);
-- changed_after(): messages never changed have rev = id and come from the index above; the
-- changed ones from this partial index, which a new message's insert never touches.
CREATE INDEX messages_changed ON messages (conversation, rev) WHERE rev != id;

-- seq: the rev of the change that added the reaction; orders the users of an emoji, and the
-- emoji by their first use.
CREATE TABLE reactions (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    emoji      TEXT NOT NULL,
    user_key   TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (message_id, emoji, user_key)
) WITHOUT ROWID;
CREATE INDEX reactions_by_user ON reactions (user_key);

-- Who a message mentions, for counting a user's mentions in a conversation after an id. A
-- user's mention of themself is not kept: it never counts.
CREATE TABLE mentions (
    user_key     TEXT NOT NULL,
    conversation TEXT NOT NULL,
    message_id   INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (user_key, conversation, message_id)
) WITHOUT ROWID;
CREATE INDEX mentions_by_message ON mentions (message_id);

CREATE TABLE read_markers (
    user_key     TEXT NOT NULL,
    conversation TEXT NOT NULL,
    id           INTEGER NOT NULL,
    PRIMARY KEY (user_key, conversation)
) WITHOUT ROWID;
CREATE INDEX read_markers_by_conversation ON read_markers (conversation);

-- Both directions of every direct conversation, with the partner's latest display name and the
-- conversation's last id: the partners of a user without scanning messages.
CREATE TABLE direct_partners (
    user_key     TEXT NOT NULL,
    partner_key  TEXT NOT NULL,
    partner_name TEXT NOT NULL,
    conversation TEXT NOT NULL,
    last_id      INTEGER NOT NULL,
    PRIMARY KEY (user_key, partner_key)
) WITHOUT ROWID;
-- SQLite takes the bare columns of a MAX() aggregate from the row holding the maximum: the
-- partner's name as of the latest message.
INSERT INTO direct_partners (user_key, partner_key, partner_name, conversation, last_id)
SELECT user_key, partner_key, partner_name, conversation, MAX(id) FROM (
    SELECT from_key AS user_key, to_key AS partner_key, to_name AS partner_name, conversation, id
    FROM messages WHERE channel IS NULL
    UNION ALL
    SELECT to_key, from_key, from_name, conversation, id FROM messages WHERE channel IS NULL
) GROUP BY user_key, partner_key;

-- Search indexing stays off the commit: trigram insertion costs tens of microseconds per
-- message, more than the rest of a commit. The index lives in the search file (see SqliteStore),
-- kept by a background indexer that reads new messages by id; this queue holds the other text
-- changes: edits, removals, deletions, and a message committed below an id already handed out
-- (see SqliteStore::commit). A row says: for message_id, remove old_text from the index and add
-- new_text (either NULL for nothing).
--
-- seq is the rowid without AUTOINCREMENT (which costs a write per insert): the queue's pruning
-- always keeps its largest row, so that a seq is never handed out twice.
CREATE TABLE search_queue (
    seq        INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL,
    old_text   TEXT,
    new_text   TEXT
);
-- search() leaves out a message with a change not yet indexed.
CREATE INDEX search_queue_by_message ON search_queue (message_id, seq);

CREATE TRIGGER search_queue_update AFTER UPDATE OF text, deleted ON messages
WHEN NOT old.deleted OR NOT new.deleted BEGIN
    INSERT INTO search_queue (message_id, old_text, new_text) VALUES (
        new.id,
        CASE WHEN old.deleted THEN NULL ELSE old.text END,
        CASE WHEN new.deleted THEN NULL ELSE new.text END
    );
END;
CREATE TRIGGER search_queue_delete AFTER DELETE ON messages WHEN NOT old.deleted BEGIN
    INSERT INTO search_queue (message_id, old_text, new_text) VALUES (old.id, old.text, NULL);
END;
)sql"},
    {3, R"sql(
-- Version 3: session tokens. hash: the SHA-256 of the token's secret, which is never stored.
-- AUTOINCREMENT: a revoked token's id is never handed out again, so a stale id names nothing.
CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_folded  TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    label        TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    last_used_ms INTEGER,
    expires_ms   INTEGER NOT NULL
);
CREATE INDEX tokens_by_user ON tokens (user_folded, expires_ms);
)sql"},
    {4, R"sql(
-- Version 4: locked accounts (no login while set; also the first step of a deletion, which a
-- crash may interrupt) and the time of the last successful login (NULL: never).
ALTER TABLE accounts ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN last_login_ms INTEGER;
)sql"},
    {5, R"sql(
-- Version 5: the messages of guests by author, for a guest registering in place (claim_guest()).
-- Partial: a registered author's message (most of them) costs its insert nothing more.
CREATE INDEX messages_by_guest_author ON messages (from_key) WHERE from_key GLOB '*#*';
)sql"},
    {6, R"sql(
-- Version 6: a message sent as a notice (IRC's NOTICE: no automatic reply to it).
ALTER TABLE messages ADD COLUMN notice INTEGER NOT NULL DEFAULT 0;
)sql"},
    {7, R"sql(
-- Version 7: channel modes (issue 24): the flag letters that are on (a channel before this had
-- +nt, which could not be changed) and the member limit (0: none).
ALTER TABLE channels ADD COLUMN modes TEXT NOT NULL DEFAULT 'nt';
ALTER TABLE channels ADD COLUMN member_limit INTEGER NOT NULL DEFAULT 0;
)sql"},
    {8, R"sql(
-- Version 8: who set a channel's topic (a display name) and when (IRC's 333); '' and 0 for
-- topics set before.
ALTER TABLE channels ADD COLUMN topic_by TEXT NOT NULL DEFAULT '';
ALTER TABLE channels ADD COLUMN topic_ms INTEGER NOT NULL DEFAULT 0;
)sql"},
    {9, R"sql(
-- Version 9: the time a read marker stands at (IRC's draft/read-marker is by time): the read
-- message's time, or a later time MARKREAD gave.
ALTER TABLE read_markers ADD COLUMN ts_ms INTEGER NOT NULL DEFAULT 0;
UPDATE read_markers
SET ts_ms = COALESCE((SELECT ts_ms FROM messages WHERE messages.id = read_markers.id), 0);
)sql"},
    {10, R"sql(
-- Version 10: history ranges bounded by time (IRC's CHATHISTORY timestamp=) seek by time.
CREATE INDEX messages_by_time ON messages (conversation, ts_ms);
)sql"},
    {11, R"sql(
-- Version 11: a channel's exception lists (IRC's +e and +I), kept like its bans. `list` is the
-- IRC letter, 'e' (passes a ban) or 'I' (passes invite-only): stored, never change it.
CREATE TABLE channel_exceptions (
    channel     TEXT NOT NULL,
    list        TEXT NOT NULL CHECK (list IN ('e', 'I')),
    user_folded TEXT NOT NULL,
    PRIMARY KEY (channel, list, user_folded)
) WITHOUT ROWID;
)sql"},
    {12, R"sql(
-- Version 12: bans and exception lists hold IRC masks (core::UserMask: `nick!user@host`,
-- folded, with `*` and `?`), not names. A stored name `bob` becomes `bob!*@*`, the mask that
-- matches the user bob alone, as before.
UPDATE bans SET user_folded = user_folded || '!*@*';
UPDATE channel_exceptions SET user_folded = user_folded || '!*@*';
ALTER TABLE bans RENAME COLUMN user_folded TO mask;
ALTER TABLE channel_exceptions RENAME COLUMN user_folded TO mask;
)sql"},
    {13, R"sql(
-- Version 13: administrators' requests to a running server (`salond channel delete|rename|op`,
-- another process than the server): queued here, claimed by the server (state 'claimed'),
-- answered (state 'done', ok and message) and removed by the command that queued them.
CREATE TABLE admin_requests (
    id         INTEGER PRIMARY KEY,
    action     TEXT NOT NULL,
    channel    TEXT NOT NULL,
    argument   TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'claimed', 'done')),
    ok         INTEGER NOT NULL DEFAULT 0,
    message    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX admin_requests_pending ON admin_requests (id) WHERE state = 'pending';
-- A channel's memberships: counted by `salond channel list`, moved by a rename, removed by a
-- deletion, without a scan of everyone's.
CREATE INDEX memberships_by_channel ON memberships (channel);
)sql"},
    {14, R"sql(
-- Version 14: a message's places on waiting lists by message, for the foreign key's cascade when
-- messages are deleted (retention, a deleted account's DMs): without it every deleted message
-- scans the whole table.
CREATE INDEX pending_dms_by_message ON pending_dms (message_id);
)sql"},
    {15, R"sql(
-- Version 15: server-wide bans (`salond user ban`). `target` is core::ServerBanTarget::str():
-- a folded mask `nick!user@host`, or an IP address or CIDR block in canonical form.
CREATE TABLE server_bans (
    target     TEXT PRIMARY KEY NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
};

/// The schema of the search file (its own user_version). Derived data: a file with another
/// version is rebuilt, never migrated.
constexpr int kSearchSchemaVersion = 1;

// Substring search: trigrams, folded with Unicode's simple case folding. Contentless: the text
// is in messages already; a contentless index deletes by the text it indexed, which the queue
// carries as old_text. The index holds every message with an id below next_id, as of queue
// seq `seq` (see SqliteStore::index_step).
constexpr const char* kSearchSchema = R"sql(
CREATE VIRTUAL TABLE messages_text USING fts5 (text, content = '', tokenize = 'trigram');
CREATE TABLE search_state (
    next_id INTEGER NOT NULL,
    seq     INTEGER NOT NULL
);
INSERT INTO search_state (next_id, seq) VALUES (0, 0);
)sql";

static_assert(std::size(kMigrations) > 0);
static_assert(kMigrations[std::size(kMigrations) - 1].version == kSqliteSchemaVersion);

// Statement texts. Connections cache statements by the address of these literals.
constexpr const char* kBegin = "BEGIN IMMEDIATE";
// A read snapshot: the statements of one read method see one state of the file.
constexpr const char* kBeginRead = "BEGIN DEFERRED";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";
constexpr const char* kUserVersion = "PRAGMA user_version";
// A backup is checked in full before it replaces anything; the first few problems are reported.
constexpr const char* kIntegrityCheck = "PRAGMA integrity_check(5)";
constexpr const char* kTableNames =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
    "ORDER BY name";
constexpr const char* kBackupCounts =
    "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM channels), "
    "(SELECT count(*) FROM messages)";
constexpr const char* kJournalMode = "PRAGMA journal_mode";

constexpr const char* kInsertAccount =
    "INSERT INTO accounts (name_folded, name, password_hash, admin, created_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name_folded) DO NOTHING";
constexpr const char* kFindAccount =
    "SELECT name, password_hash, admin, created_ms, locked, last_login_ms FROM accounts "
    "WHERE name_folded = ?1";
constexpr const char* kSetLocked = "UPDATE accounts SET locked = ?2 WHERE name_folded = ?1";
// The server polls this: the accounts table is small next to the messages, and locks are rare.
constexpr const char* kLockedAccounts = "SELECT name_folded FROM accounts WHERE locked != 0";
constexpr const char* kCountServerBans = "SELECT count(*) FROM server_bans";
constexpr const char* kInsertServerBan =
    "INSERT INTO server_bans (target, reason, created_ms) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (target) DO NOTHING";
constexpr const char* kDeleteServerBan = "DELETE FROM server_bans WHERE target = ?1";
// The server reads this every few seconds: the table is capped (kMaxServerBans) and small.
constexpr const char* kServerBans =
    "SELECT target, reason, created_ms FROM server_bans ORDER BY created_ms, target";
constexpr const char* kRecordLogin =
    "UPDATE accounts SET last_login_ms = max(COALESCE(last_login_ms, 0), ?2) "
    "WHERE name_folded = ?1";
// A deleted account's channel messages, one window of ids at a time (see delete_account()).
constexpr const char* kAuthoredInWindow =
    "SELECT id FROM messages WHERE id > ?2 AND id <= ?3 AND from_key = ?1 "
    "AND channel IS NOT NULL ORDER BY id";
constexpr const char* kAnonymizeMessage =
    "UPDATE messages SET from_name = ?2, from_key = '', rev = ?3 WHERE id = ?1";
constexpr const char* kRaiseSequence = "UPDATE message_sequence SET last = max(last, ?1)";
constexpr const char* kMaxStoredId = "SELECT COALESCE(max(id), 0) FROM messages";
// One bounded slice of a direct conversation, so that a long one does not hold the writer.
constexpr const char* kDeleteConversationSlice =
    "DELETE FROM messages WHERE id IN "
    "(SELECT id FROM messages WHERE conversation = ?1 ORDER BY id LIMIT ?2)";
// A guest registering in place (see move_owner()). The first reads the partial index of guests'
// messages, whose condition it repeats; the second, for moving back, scans.
constexpr const char* kGuestAuthoredInChannels =
    "SELECT id FROM messages WHERE from_key = ?1 AND from_key GLOB '*#*' "
    "AND channel IS NOT NULL ORDER BY id";
constexpr const char* kAuthoredInChannels =
    "SELECT id FROM messages WHERE from_key = ?1 AND channel IS NOT NULL ORDER BY id";
constexpr const char* kReauthorMessage =
    "UPDATE messages SET from_key = ?2, from_name = ?3, rev = ?4 WHERE id = ?1";
constexpr const char* kMessagesOfConversation =
    "SELECT id FROM messages WHERE conversation = ?1 ORDER BY id";
// A direct message moves to the new conversation; whichever side was `?3` becomes `?4`, `?5`.
constexpr const char* kRekeyDirectMessage =
    "UPDATE messages SET conversation = ?2, rev = ?6, "
    "from_name = CASE WHEN from_key = ?3 THEN ?5 ELSE from_name END, "
    "to_name = CASE WHEN to_key = ?3 THEN ?5 ELSE to_name END, "
    "from_key = CASE WHEN from_key = ?3 THEN ?4 ELSE from_key END, "
    "to_key = CASE WHEN to_key = ?3 THEN ?4 ELSE to_key END "
    "WHERE id = ?1";
constexpr const char* kRekeyMentionsOfMessage =
    "UPDATE mentions SET conversation = ?2 WHERE message_id = ?1";
constexpr const char* kRekeyReadMarkersOfConversation =
    "UPDATE read_markers SET conversation = ?2 WHERE conversation = ?1";
// The partner's row about the mover, then the mover's own row.
constexpr const char* kRekeyPartnerSide =
    "UPDATE direct_partners SET partner_key = ?3, partner_name = ?4, conversation = ?5 "
    "WHERE user_key = ?1 AND partner_key = ?2";
constexpr const char* kRekeyOwnSide =
    "UPDATE direct_partners SET user_key = ?3, conversation = ?4 "
    "WHERE user_key = ?1 AND partner_key = ?2";
constexpr const char* kRekeyReadMarkersOfUser =
    "UPDATE read_markers SET user_key = ?2 WHERE user_key = ?1";
constexpr const char* kRekeyMentionsOfUser =
    "UPDATE mentions SET user_key = ?2 WHERE user_key = ?1";
constexpr const char* kReactedMessagesOfUser =
    "SELECT DISTINCT message_id FROM reactions WHERE user_key = ?1";
constexpr const char* kRekeyReactionsOfUser =
    "UPDATE reactions SET user_key = ?2, user_name = ?3 WHERE user_key = ?1";
constexpr const char* kSetPassword =
    "UPDATE accounts SET password_hash = ?2 WHERE name_folded = ?1";
constexpr const char* kDeleteAccount = "DELETE FROM accounts WHERE name_folded = ?1";
constexpr const char* kDeleteMembershipsOfUser = "DELETE FROM memberships WHERE user_folded = ?1";
constexpr const char* kDeletePendingOfUser = "DELETE FROM pending_dms WHERE user_folded = ?1";
constexpr const char* kAccountExists = "SELECT 1 FROM accounts WHERE name_folded = ?1";
constexpr const char* kInsertToken =
    "INSERT INTO tokens (user_folded, hash, label, created_ms, expires_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kDeleteExpiredTokens =
    "DELETE FROM tokens WHERE user_folded = ?1 AND expires_ms <= ?2";
// Recency: the last use, else the creation; within one millisecond a use counts as later than a
// creation, and a newer token as later than an older one. tokens_of() lists in this order.
// The account's tokens past the ?2 most recent, which the cap revokes.
constexpr const char* kTokensPastCap =
    "SELECT id FROM tokens WHERE user_folded = ?1 "
    "ORDER BY COALESCE(last_used_ms, created_ms) DESC, last_used_ms IS NOT NULL DESC, id DESC "
    "LIMIT -1 OFFSET ?2";
constexpr const char* kDeleteToken = "DELETE FROM tokens WHERE id = ?1";
constexpr const char* kFindToken =
    "SELECT id, hash, label, created_ms, expires_ms FROM tokens "
    "WHERE hash = ?1 AND user_folded = ?2";
constexpr const char* kRenewToken =
    "UPDATE tokens SET last_used_ms = ?2, expires_ms = ?3 WHERE id = ?1";
constexpr const char* kTokensOf =
    "SELECT id, hash, label, created_ms, last_used_ms, expires_ms FROM tokens "
    "WHERE user_folded = ?1 AND expires_ms > ?2 "
    "ORDER BY COALESCE(last_used_ms, created_ms) DESC, last_used_ms IS NOT NULL DESC, id DESC";
constexpr const char* kRevokeToken = "DELETE FROM tokens WHERE user_folded = ?1 AND id = ?2";
constexpr const char* kTokenIdsExcept =
    "SELECT id FROM tokens WHERE user_folded = ?1 AND id != ?2 ORDER BY id";
constexpr const char* kRevokeTokensExcept =
    "DELETE FROM tokens WHERE user_folded = ?1 AND id != ?2";
constexpr const char* kDeleteTokensOfUser = "DELETE FROM tokens WHERE user_folded = ?1";
constexpr const char* kListAccounts =
    "SELECT name, password_hash, admin, created_ms, locked, last_login_ms FROM accounts "
    "ORDER BY name_folded";

constexpr const char* kSaveChannel =
    "INSERT INTO channels (name, topic, key, created_ms, modes, member_limit, topic_by, "
    "topic_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (name) DO UPDATE SET topic = excluded.topic, key = excluded.key, "
    "created_ms = excluded.created_ms, modes = excluded.modes, "
    "member_limit = excluded.member_limit, topic_by = excluded.topic_by, "
    "topic_ms = excluded.topic_ms";
constexpr const char* kLoadChannels =
    "SELECT name, topic, key, created_ms, modes, member_limit, topic_by, topic_ms FROM channels "
    "ORDER BY name";
constexpr const char* kInsertBan =
    "INSERT INTO bans (channel, mask) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
constexpr const char* kDeleteBan = "DELETE FROM bans WHERE channel = ?1 AND mask = ?2";
constexpr const char* kBansOf = "SELECT mask FROM bans WHERE channel = ?1 ORDER BY mask";
constexpr const char* kDeleteChannel = "DELETE FROM channels WHERE name = ?1";
constexpr const char* kDeleteBansOfChannel = "DELETE FROM bans WHERE channel = ?1";
constexpr const char* kInsertException =
    "INSERT INTO channel_exceptions (channel, list, mask) VALUES (?1, ?2, ?3) "
    "ON CONFLICT DO NOTHING";
constexpr const char* kDeleteException =
    "DELETE FROM channel_exceptions WHERE channel = ?1 AND list = ?2 AND mask = ?3";
constexpr const char* kExceptionsOf =
    "SELECT list, mask FROM channel_exceptions WHERE channel = ?1 ORDER BY list, mask";
constexpr const char* kDeleteExceptionsOfChannel =
    "DELETE FROM channel_exceptions WHERE channel = ?1";
// Messages, their reactions and mentions, and their search entries (queued by trigger) go
// together.
constexpr const char* kDeleteChannelMessages =
    "DELETE FROM messages WHERE conversation = ?1 AND id <= ?2";

// An administrator's deletion or rename (see delete_channel(), rename_channel()).
constexpr const char* kDeleteMembershipsOfChannel = "DELETE FROM memberships WHERE channel = ?1";
constexpr const char* kDeleteReadMarkersOfChannel =
    "DELETE FROM read_markers WHERE conversation = ?1";
constexpr const char* kRenameChannelRecord = "UPDATE channels SET name = ?2 WHERE name = ?1";
constexpr const char* kRenameBans = "UPDATE bans SET channel = ?2 WHERE channel = ?1";
constexpr const char* kRenameExceptions =
    "UPDATE channel_exceptions SET channel = ?2 WHERE channel = ?1";
constexpr const char* kRenameMemberships = "UPDATE memberships SET channel = ?2 WHERE channel = ?1";
constexpr const char* kRenameMessages =
    "UPDATE messages SET channel = ?2, conversation = ?2 WHERE conversation = ?1";
constexpr const char* kRenameMentions =
    "UPDATE mentions SET conversation = ?2 WHERE conversation = ?1";
constexpr const char* kRenameReadMarkers =
    "UPDATE read_markers SET conversation = ?2 WHERE conversation = ?1";
// Each figure is one index range: memberships_by_channel, messages_by_conversation (at most ?3
// entries), and its last entry.
constexpr const char* kChannelSummaries =
    "SELECT name, topic, key, created_ms, modes, member_limit, topic_by, topic_ms, "
    "(SELECT count(*) FROM memberships WHERE memberships.channel = channels.name), "
    "(SELECT count(*) FROM (SELECT 1 FROM messages WHERE conversation = channels.name LIMIT ?3)), "
    "(SELECT ts_ms FROM messages WHERE conversation = channels.name ORDER BY id DESC LIMIT 1) "
    "FROM channels WHERE name > ?1 ORDER BY name LIMIT ?2";

constexpr const char* kEnqueueAdminRequest =
    "INSERT INTO admin_requests (action, channel, argument, created_ms) VALUES (?1, ?2, ?3, ?4)";
// One statement: two servers on one database (PostgreSQL one day) cannot both claim a request.
constexpr const char* kClaimAdminRequests =
    "UPDATE admin_requests SET state = 'claimed' WHERE id IN (SELECT id FROM admin_requests "
    "WHERE state = 'pending' ORDER BY id LIMIT ?1) "
    "RETURNING id, action, channel, argument, created_ms";
constexpr const char* kFinishAdminRequest =
    "UPDATE admin_requests SET state = 'done', ok = ?2, message = ?3 WHERE id = ?1";
constexpr const char* kTakeAdminOutcome =
    "DELETE FROM admin_requests WHERE id = ?1 AND state = 'done' RETURNING ok, message";
constexpr const char* kCancelAdminRequest =
    "DELETE FROM admin_requests WHERE id = ?1 AND state = 'pending'";
// Retention (prune_messages()). The conversation after ?1, one seek of messages_by_conversation:
// walking the conversations costs their count, not their messages'.
constexpr const char* kNextConversation =
    "SELECT conversation FROM messages WHERE conversation > ?1 ORDER BY conversation LIMIT 1";
// Up to ?3 of a conversation's messages written before ?2, found through messages_by_time; their
// reactions, mentions and waiting-list places follow them (foreign keys), their search entries
// too (trigger).
constexpr const char* kPruneSlice =
    "DELETE FROM messages WHERE id IN "
    "(SELECT id FROM messages WHERE conversation = ?1 AND ts_ms < ?2 LIMIT ?3)";

// An upsert on INSERT ... SELECT needs the WHERE clause, or the parser reads ON CONFLICT as a
// join constraint (SQLite "upsert" docs, parsing ambiguity).
constexpr const char* kSetMembership =
    "INSERT INTO memberships (user_folded, channel, op, joined) "
    "SELECT ?1, ?2, ?3, COALESCE(MAX(joined), 0) + 1 FROM memberships WHERE user_folded = ?1 "
    "ON CONFLICT (user_folded, channel) DO UPDATE SET op = excluded.op";
constexpr const char* kRemoveMembership =
    "DELETE FROM memberships WHERE user_folded = ?1 AND channel = ?2";
constexpr const char* kMembershipsOf =
    "SELECT channel, op FROM memberships WHERE user_folded = ?1 ORDER BY joined";

constexpr const char* kInsertMessage =
    "INSERT INTO messages (id, channel, from_name, to_name, text, ts_ms, rev, conversation, "
    "from_key, to_key, reply_to, edited_ms, deleted, mention_names, notice) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?1, ?7, ?8, ?9, ?10, 0, 0, ?11, ?12)";
constexpr const char* kQueueText =
    "INSERT INTO search_queue (message_id, old_text, new_text) VALUES (?1, NULL, ?2)";
constexpr const char* kInsertPending =
    "INSERT INTO pending_dms (user_folded, message_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
constexpr const char* kInsertMention =
    "INSERT INTO mentions (user_key, conversation, message_id) VALUES (?1, ?2, ?3) "
    "ON CONFLICT DO NOTHING";
constexpr const char* kDeleteMentionsOfMessage = "DELETE FROM mentions WHERE message_id = ?1";
// Both directions; the partner's display name is the latest one seen.
constexpr const char* kUpsertDirectPartner =
    "INSERT INTO direct_partners (user_key, partner_key, partner_name, conversation, last_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_key, partner_key) DO UPDATE SET "
    "partner_name = excluded.partner_name, last_id = excluded.last_id";
constexpr const char* kAdvanceSequence = "UPDATE message_sequence SET last = max(last, ?1)";
// Before messages are deleted: their ids may be the largest handed out.
constexpr const char* kAdvanceSequenceToMessages =
    "UPDATE message_sequence SET last = max(last, (SELECT COALESCE(max(id), 0) FROM messages))";
// Both reads are one b-tree descent (max() of a rowid).
constexpr const char* kMaxMessageId =
    "SELECT max((SELECT last FROM message_sequence), "
    "(SELECT COALESCE(max(id), 0) FROM messages))";

constexpr const char* kMessageById =
    "SELECT id, channel, from_name, to_name, text, ts_ms, rev, reply_to, edited_ms, deleted, "
    "mention_names, notice, from_key != '' AND instr(from_key, '#') = 0, conversation, from_key, "
    "to_key "
    "FROM messages WHERE id = ?1";
constexpr const char* kReactionsOf =
    "SELECT emoji, user_name FROM reactions WHERE message_id = ?1 ORDER BY seq";
constexpr const char* kEditMessage =
    "UPDATE messages SET text = ?2, edited_ms = ?3, mention_names = ?4, rev = ?5 WHERE id = ?1";
constexpr const char* kRemoveMessage =
    "UPDATE messages SET text = '', edited_ms = 0, mention_names = '', deleted = 1, rev = ?2 "
    "WHERE id = ?1";
constexpr const char* kSetRev = "UPDATE messages SET rev = ?2 WHERE id = ?1";
constexpr const char* kDeleteReactionsOfMessage = "DELETE FROM reactions WHERE message_id = ?1";
constexpr const char* kHasReaction =
    "SELECT 1 FROM reactions WHERE message_id = ?1 AND emoji = ?2 AND user_key = ?3";
constexpr const char* kHasEmoji = "SELECT 1 FROM reactions WHERE message_id = ?1 AND emoji = ?2";
constexpr const char* kCountEmoji =
    "SELECT count(DISTINCT emoji) FROM reactions WHERE message_id = ?1";
constexpr const char* kInsertReaction =
    "INSERT INTO reactions (message_id, emoji, user_key, user_name, seq) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kDeleteReaction =
    "DELETE FROM reactions WHERE message_id = ?1 AND emoji = ?2 AND user_key = ?3";

constexpr const char* kHistory =
    "SELECT id, channel, from_name, to_name, text, ts_ms, rev, reply_to, edited_ms, deleted, "
    "mention_names, notice, from_key != '' AND instr(from_key, '#') = 0 FROM messages WHERE "
    "conversation = ?1 "
    "AND id <= ?2 ORDER BY id DESC "
    "LIMIT ?3";
// The messages never changed (rev = id) and the changed ones, each arm from its own index in rev
// order and cut at the limit, merged.
constexpr const char* kChangedAfter =
    "SELECT * FROM (SELECT id, channel, from_name, to_name, text, ts_ms, rev, reply_to, "
    "edited_ms, deleted, mention_names, notice, from_key != '' AND instr(from_key, '#') = 0 FROM "
    "messages "
    "WHERE conversation = ?1 AND id > ?2 AND rev = id ORDER BY id LIMIT ?3) "
    "UNION ALL "
    "SELECT * FROM (SELECT id, channel, from_name, to_name, text, ts_ms, rev, reply_to, "
    "edited_ms, deleted, mention_names, notice, from_key != '' AND instr(from_key, '#') = 0 FROM "
    "messages "
    "WHERE conversation = ?1 AND rev > ?2 AND rev != id ORDER BY rev LIMIT ?3) "
    "ORDER BY rev LIMIT ?3";
// A range of ids, both left out, read from either end.
constexpr const char* kRangeNewest =
    "SELECT id, channel, from_name, to_name, text, ts_ms, rev, reply_to, edited_ms, deleted, "
    "mention_names, notice, from_key != '' AND instr(from_key, '#') = 0 FROM messages "
    "WHERE conversation = ?1 AND id > ?2 AND id < ?3 "
    "ORDER BY id DESC LIMIT ?4";
constexpr const char* kRangeOldest =
    "SELECT id, channel, from_name, to_name, text, ts_ms, rev, reply_to, edited_ms, deleted, "
    "mention_names, notice, from_key != '' AND instr(from_key, '#') = 0 FROM messages "
    "WHERE conversation = ?1 AND id > ?2 AND id < ?3 "
    "ORDER BY id LIMIT ?4";
// Where message times pass a time: the last message at or before it, the first at or after it.
constexpr const char* kLastIdAtOrBefore =
    "SELECT id FROM messages WHERE conversation = ?1 AND ts_ms <= ?2 ORDER BY ts_ms DESC, id DESC "
    "LIMIT 1";
constexpr const char* kFirstIdAtOrAfter =
    "SELECT id FROM messages WHERE conversation = ?1 AND ts_ms >= ?2 ORDER BY ts_ms, id LIMIT 1";
// Readers see the search file as the schema `search`.
constexpr const char* kAttachSearch = "ATTACH DATABASE ?1 AS search";
// Read first in search()'s snapshot, so that the main file's snapshot, taken after it, holds
// every queue row the index has applied.
constexpr const char* kSearchWatermark = "SELECT seq FROM search.search_state";
// CROSS JOIN keeps the index as the outer loop, read newest first, so that the LIMIT stops it
// at the first ?5 matches; the inner LIMIT (?7) bounds how many index matches one search looks
// at. No outer ORDER BY: SQLite would join every match and sort them before the LIMIT (measured
// at 1,000,000 messages: p99 22 ms instead of 1 ms); search() sorts the few rows it gets. The
// conversations come as one JSON array: one cached statement for any number of them. A guest's key
// is its folded name, '#' and a serial: `from` matches every login of the name. A message matches
// only when its current text is what the index holds (?6 the watermark): an edit or removal not yet
// indexed hides it, so that it never matches its former text.
constexpr const char* kSearch =
    "SELECT m.id, m.channel, m.from_name, m.to_name, m.text, m.ts_ms, m.rev, m.reply_to, "
    "m.edited_ms, m.deleted, m.mention_names, m.notice, m.from_key != '' AND instr(m.from_key, "
    "'#') = 0 "
    "FROM (SELECT rowid AS id FROM search.messages_text WHERE messages_text MATCH ?1 "
    "AND rowid < ?2 ORDER BY rowid DESC LIMIT ?7) c CROSS JOIN messages m ON m.id = c.id "
    "WHERE m.conversation IN (SELECT value FROM json_each(?3)) "
    "AND (?4 IS NULL OR m.from_key = ?4 OR (m.from_key > ?4 || '#' AND m.from_key < ?4 || '$')) "
    "AND NOT m.deleted "
    "AND NOT EXISTS (SELECT 1 FROM search_queue q WHERE q.message_id = m.id AND q.seq > ?6) "
    "LIMIT ?5";
// A page that came out short may have stopped at the scan bound: how far that scan went.
constexpr const char* kSearchScanned =
    "SELECT count(*), min(rowid) FROM (SELECT rowid FROM search.messages_text "
    "WHERE messages_text MATCH ?1 AND rowid < ?2 ORDER BY rowid DESC LIMIT ?3)";

// The search indexer's statements: on its reader of the main file...
constexpr const char* kQueueBounds =
    "SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM search_queue";
// The queue rows of the messages indexed already (ids below ?3); those of the others are in
// their text when the indexer reads it.
constexpr const char* kQueueBelowId =
    "SELECT seq, message_id, old_text, new_text FROM search_queue "
    "WHERE seq > ?1 AND seq <= ?2 AND message_id < ?3 ORDER BY seq LIMIT ?4";
constexpr const char* kMessagesToIndex =
    "SELECT id, text FROM messages WHERE id >= ?1 AND NOT deleted ORDER BY id LIMIT ?2";
// ...and on the search file.
constexpr const char* kSearchState = "SELECT next_id, seq FROM search_state";
constexpr const char* kSetSearchState = "UPDATE search_state SET next_id = ?1, seq = ?2";
constexpr const char* kIndexText = "INSERT INTO messages_text (rowid, text) VALUES (?1, ?2)";
constexpr const char* kUnindexText =
    "INSERT INTO messages_text (messages_text, rowid, text) VALUES ('delete', ?1, ?2)";
constexpr const char* kUnindexAll =
    "INSERT INTO messages_text (messages_text) VALUES ('delete-all')";
// The main writer drops what the indexer has applied; the row at the watermark stays, so that
// the queue's largest seq never goes (see migration 3).
constexpr const char* kPruneQueue = "DELETE FROM search_queue WHERE seq < ?1";
constexpr const char* kPendingOf =
    "SELECT m.id, m.channel, m.from_name, m.to_name, m.text, m.ts_ms, m.rev, m.reply_to, "
    "m.edited_ms, m.deleted, m.mention_names, m.notice, m.from_key != '' AND instr(m.from_key, "
    "'#') = 0 "
    "FROM pending_dms p JOIN messages m ON m.id = p.message_id "
    "WHERE p.user_folded = ?1 AND p.message_id > ?2 ORDER BY p.message_id LIMIT ?3";
constexpr const char* kForgetPending =
    "DELETE FROM pending_dms WHERE user_folded = ?1 AND message_id <= ?2";

constexpr const char* kDirectPartners =
    "SELECT partner_key, partner_name, conversation FROM direct_partners WHERE user_key = ?1 "
    "ORDER BY last_id DESC";
// A registered partner's key is the folded name itself; a guest's is the name, '#' and a serial
// ('$' follows '#'), so one range of the primary key holds every partner of that name.
constexpr const char* kDirectPartnerNamed =
    "SELECT partner_key, partner_name, conversation FROM direct_partners WHERE user_key = ?1 "
    "AND (partner_key = ?2 OR (partner_key > ?2 || '#' AND partner_key < ?2 || '$')) "
    "ORDER BY last_id DESC LIMIT 1";
constexpr const char* kDeleteDirectPartner =
    "DELETE FROM direct_partners WHERE user_key = ?1 AND partner_key = ?2";
constexpr const char* kDeleteDirectPartnersOfUser =
    "DELETE FROM direct_partners WHERE user_key = ?1";
constexpr const char* kDeleteReadMarker =
    "DELETE FROM read_markers WHERE user_key = ?1 AND conversation = ?2";
constexpr const char* kDeleteReadMarkersOfUser = "DELETE FROM read_markers WHERE user_key = ?1";
constexpr const char* kDeleteReactionsOfUser = "DELETE FROM reactions WHERE user_key = ?1";
// A slice of the messages a user reacted to, for a deletion: each gets a new rev as the
// reactions go, so that a resume by rev sees them gone.
constexpr const char* kReactedMessages =
    "SELECT DISTINCT message_id FROM reactions WHERE user_key = ?1 LIMIT ?2";
constexpr const char* kDeleteReactionsOfUserOn =
    "DELETE FROM reactions WHERE user_key = ?1 AND message_id = ?2";
constexpr const char* kDeleteMentionsOfUser = "DELETE FROM mentions WHERE user_key = ?1";

constexpr const char* kReadMarker =
    "SELECT id, ts_ms FROM read_markers WHERE user_key = ?1 AND conversation = ?2";
constexpr const char* kAdvanceReadMarker =
    "INSERT INTO read_markers (user_key, conversation, id, ts_ms) "
    "VALUES (?1, ?2, ?3, COALESCE((SELECT ts_ms FROM messages WHERE id = ?3), 0)) "
    "ON CONFLICT (user_key, conversation) DO UPDATE SET id = excluded.id, "
    "ts_ms = MAX(read_markers.ts_ms, excluded.ts_ms) WHERE excluded.id > read_markers.id";
// The newest message at or before the time: messages_by_conversation read backwards.
constexpr const char* kAdvanceReadTime =
    "INSERT INTO read_markers (user_key, conversation, id, ts_ms) "
    "VALUES (?1, ?2, COALESCE((SELECT id FROM messages WHERE conversation = ?2 AND ts_ms <= ?3 "
    "ORDER BY id DESC LIMIT 1), 0), ?3) "
    "ON CONFLICT (user_key, conversation) DO UPDATE SET id = MAX(read_markers.id, excluded.id), "
    "ts_ms = excluded.ts_ms WHERE excluded.ts_ms > read_markers.ts_ms";
constexpr const char* kLastMessage =
    "SELECT id, ts_ms FROM messages WHERE conversation = ?1 ORDER BY id DESC LIMIT 1";
// Counting over a LIMITed subquery bounds the work by the cap, however far behind the marker is.
constexpr const char* kCountUnread =
    "SELECT count(*) FROM (SELECT 1 FROM messages WHERE conversation = ?1 AND id > ?2 "
    "AND from_key != ?3 AND NOT deleted LIMIT ?4)";
constexpr const char* kCountMentions =
    "SELECT count(*) FROM (SELECT 1 FROM mentions WHERE user_key = ?1 AND conversation = ?2 "
    "AND message_id > ?3 LIMIT ?4)";

/// Creates `file` empty and private (0600, whatever the umask) unless it exists. SQLite would
/// create it 0644 less the umask, and gives its -wal and -shm files the database file's mode:
/// password hashes and every DM would be readable by any local user.
void create_private_file(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) return;
    const bool made = fd >= 0 && ::fchmod(fd, 0600) == 0;
    const int error = errno;
    if (fd >= 0) ::close(fd);
    if (!made) {
        throw StorageError("cannot create database " + file.string() + ": " + std::strerror(error));
    }
}

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
    std::string text(what);
    text += ": ";
    // sqlite3_errmsg is specific ("UNIQUE constraint failed: messages.id"); without a
    // connection the code's generic text is all there is.
    text += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    text += " (sqlite code " + std::to_string(rc) + ")";
    throw StorageError(text);
}

/// A value read back where a name belongs, quoted for an error message: at most 64 bytes, so
/// that a damaged row does not flood the log.
std::string quoted_for_error(std::string_view value) {
    constexpr std::size_t kShown = 64;
    std::string text = "'" + std::string(value.substr(0, kShown)) + "'";
    if (value.size() > kShown) text += "...";
    return text;
}

/// A ban mask read from `where` (table.column). Masks are written as UserMask::parse() leaves
/// them, so anything else means the file was edited by hand or damaged.
core::UserMask stored_mask(std::string_view text, std::string_view where) {
    auto mask = core::UserMask::parse(text);
    if (!mask || mask->str() != text) {
        throw StorageError(
            "database holds " + quoted_for_error(text) + " in " + std::string(where) +
            ", which is not a ban mask"
        );
    }
    return std::move(*mask);
}

/// A canonical channel name read from `where` (table.column); see stored_mask().
core::ChannelName stored_channel_name(std::string_view canonical, std::string_view where) {
    auto name = core::ChannelName::parse(canonical);
    if (!name || name->str() != canonical) {
        throw StorageError(
            "database holds " + quoted_for_error(canonical) + " in " + std::string(where) +
            ", which is not a canonical channel name"
        );
    }
    return std::move(*name);
}

}  // namespace

/// One sqlite3 handle with its cached prepared statements. Used by one thread at a time (the
/// owner holds the writer mutex or a reader lease), so it is opened without SQLite's own mutex.
class SqliteConnection {
public:
    SqliteConnection(const std::filesystem::path& file, bool reader, const SqliteOptions& options) {
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
        const std::string name = file.string();
        const int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
        if (rc != SQLITE_OK) {
            // On failure SQLite still allocates a handle that carries the message.
            std::string what = "cannot open database " + name;
            try {
                fail(db_, rc, what);
            } catch (...) {
                sqlite3_close(db_);
                throw;
            }
        }
        try {
            sqlite3_extended_result_codes(db_, 1);
            check(
                sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout.count())),
                "busy_timeout"
            );
            // SQLite quietly falls back to read-only when the file is not writable; the server
            // would then fail on its first write, so refuse up front.
            if (sqlite3_db_readonly(db_, "main") == 1) {
                throw StorageError("database " + name + " is read-only");
            }
            // Reading the schema here turns "not a database" into an error at open time.
            exec("PRAGMA schema_version");
            if (reader) {
                exec("PRAGMA query_only = ON");
            } else {
                exec("PRAGMA journal_mode = WAL");
                exec("PRAGMA journal_size_limit = 67108864");
            }
            exec(
                options.sync == SqliteOptions::Sync::full ? "PRAGMA synchronous = FULL"
                                                          : "PRAGMA synchronous = NORMAL"
            );
            exec("PRAGMA foreign_keys = ON");
        } catch (...) {
            close();
            throw;
        }
    }

    ~SqliteConnection() { close(); }

    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

    sqlite3* db() const noexcept { return db_; }

    /// The prepared statement for `sql`, which must be a string literal (the cache key is its
    /// address).
    sqlite3_stmt* statement(const char* sql) {
        auto it = statements_.find(sql);
        if (it != statements_.end()) return it->second;
        sqlite3_stmt* stmt = nullptr;
        const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) fail(db_, rc, std::string("cannot prepare ") + sql);
        statements_.emplace(sql, stmt);
        return stmt;
    }

    /// Runs SQL without result rows (may hold several statements).
    void exec(const char* sql) {
        char* message = nullptr;
        const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
        if (rc != SQLITE_OK) {
            // Migrations are long: name only their start.
            std::string text = "cannot run " + std::string(sql).substr(0, 60) + ": ";
            text += message != nullptr ? message : sqlite3_errstr(rc);
            text += " (sqlite code " + std::to_string(rc) + ")";
            sqlite3_free(message);
            throw StorageError(text);
        }
    }

    void check(int rc, std::string_view what) {
        if (rc != SQLITE_OK) fail(db_, rc, what);
    }

private:
    void close() noexcept {
        for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
        statements_.clear();
        // Every statement is finalized, so close cannot report SQLITE_BUSY.
        sqlite3_close(db_);
        db_ = nullptr;
    }

    sqlite3* db_ = nullptr;
    std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

namespace {

/// One use of a cached statement: bind, step, read columns; reset and unbound on scope exit so
/// that the statement releases its read snapshot and the next use starts clean.
class Query {
public:
    Query(SqliteConnection& connection, const char* sql)
        : connection_(connection), sql_(sql), stmt_(connection.statement(sql)) {}

    ~Query() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;

    Query& bind(int index, std::int64_t value) {
        check(sqlite3_bind_int64(stmt_, index, value));
        return *this;
    }

    // Not an overload of bind(): a string literal would convert to bool before string_view.
    Query& bind_flag(int index, bool value) { return bind(index, std::int64_t{value ? 1 : 0}); }

    /// Binds text; an empty view is '' (a null data pointer would bind NULL).
    Query& bind(int index, std::string_view value) {
        const char* data = value.data() != nullptr ? value.data() : "";
        check(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
        return *this;
    }

    /// Binds bytes as a BLOB (hashes: not text).
    Query& bind_blob(int index, std::string_view value) {
        const char* data = value.data() != nullptr ? value.data() : "";
        check(sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_TRANSIENT));
        return *this;
    }

    /// Binds text, or NULL when empty.
    Query& bind_or_null(int index, std::string_view value) {
        if (value.empty()) {
            check(sqlite3_bind_null(stmt_, index));
            return *this;
        }
        return bind(index, value);
    }

    /// True with a row to read, false when done.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail(connection_.db(), rc, std::string("cannot run ") + sql_);
    }

    /// Runs a statement that returns no rows; the number of rows it changed.
    int run() {
        while (step()) {
        }
        return sqlite3_changes(connection_.db());
    }

    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

    bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

    std::string blob(int column) const {
        const void* data = sqlite3_column_blob(stmt_, column);
        if (data == nullptr) return {};
        const int size = sqlite3_column_bytes(stmt_, column);
        return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
    }

    std::string text(int column) const {
        const auto* data = sqlite3_column_text(stmt_, column);
        if (data == nullptr) return {};
        const int size = sqlite3_column_bytes(stmt_, column);
        return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
    }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) fail(connection_.db(), rc, std::string("cannot bind ") + sql_);
    }

    SqliteConnection& connection_;
    const char* sql_;
    sqlite3_stmt* stmt_;
};

/// BEGIN IMMEDIATE (take the write lock now, so that a busy database waits in busy_timeout at
/// the start instead of failing at the first write), or `begin` (kBeginRead for a reader), then
/// COMMIT, or ROLLBACK when destroyed without commit().
class Transaction {
public:
    explicit Transaction(SqliteConnection& connection, const char* begin = kBegin)
        : connection_(connection) {
        Query(connection_, begin).run();
    }

    ~Transaction() {
        // A failed COMMIT may leave the transaction open; an I/O error may already have rolled
        // it back, in which case SQLite is back in autocommit and there is nothing to undo.
        if (!committed_ && sqlite3_get_autocommit(connection_.db()) == 0) {
            sqlite3_stmt* stmt = nullptr;
            try {
                stmt = connection_.statement(kRollback);
            } catch (const StorageError&) {
                return;
            }
            sqlite3_step(stmt);
            sqlite3_reset(stmt);
        }
    }

    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit() {
        Query(connection_, kCommit).run();
        committed_ = true;
    }

private:
    SqliteConnection& connection_;
    bool committed_ = false;
};

/// A channels row, as kLoadChannels and kChannelSummaries start.
ChannelRecord read_channel_record(const Query& q) {
    return ChannelRecord{
        .name = stored_channel_name(q.text(0), "channels.name"),
        .topic = q.text(1),
        .key = q.text(2),
        .created_ms = q.integer(3),
        .modes = q.text(4),
        .member_limit = static_cast<std::size_t>(std::max<std::int64_t>(q.integer(5), 0)),
        .topic_by = q.text(6),
        .topic_ms = q.integer(7),
    };
}

Account read_account(const Query& q) {
    return Account{
        .name = q.text(0),
        .password_hash = q.text(1),
        .admin = q.integer(2) != 0,
        .created_ms = q.integer(3),
        .locked = q.integer(4) != 0,
        .last_login_ms = q.is_null(5) ? std::nullopt : std::optional(q.integer(5)),
    };
}

/// Mentioned users' display names are stored space-separated: user names hold no space.
std::string joined_names(const std::vector<std::string>& names) {
    std::string joined;
    for (const std::string& name : names) {
        if (!joined.empty()) joined += ' ';
        joined += name;
    }
    return joined;
}

std::vector<std::string> split_names(std::string_view joined) {
    std::vector<std::string> names;
    while (!joined.empty()) {
        const auto space = joined.find(' ');
        names.emplace_back(joined.substr(0, space));
        if (space == std::string_view::npos) break;
        joined.remove_prefix(space + 1);
    }
    return names;
}

/// The body in columns 0-12 of kHistory's order, without reactions (see load_reactions()). An
/// author is an account when their key has no guest serial (a deleted account's has no key).
core::Message read_message(const Query& q) {
    return core::Message{
        .id = q.integer(0),
        .channel = q.text(1),
        .from = q.text(2),
        .to = q.text(3),
        .text = q.text(4),
        .ts_ms = q.integer(5),
        .rev = q.integer(6),
        .reply_to = q.integer(7),
        .edited_ms = q.integer(8),
        .deleted = q.integer(9) != 0,
        .reactions = {},
        .mentions = split_names(q.text(10)),
        .notice = q.integer(11) != 0,
        .by_account = q.integer(12) != 0,
    };
}

/// Fills in the message's reactions: emoji in the order of their first use, each with its users
/// in the order they reacted.
void load_reactions(SqliteConnection& connection, core::Message& message) {
    Query q(connection, kReactionsOf);
    q.bind(1, message.id);
    while (q.step()) {
        std::string emoji = q.text(0);
        auto it = std::find_if(message.reactions.begin(), message.reactions.end(), [&](auto& r) {
            return r.emoji == emoji;
        });
        if (it == message.reactions.end()) {
            it = message.reactions.insert(message.reactions.end(), {std::move(emoji), {}});
        }
        it->users.push_back(q.text(1));
    }
}

/// Runs a query of read_message() rows and returns the messages with their reactions.
std::vector<core::Message> read_messages(SqliteConnection& connection, Query& q) {
    std::vector<core::Message> messages;
    while (q.step()) messages.push_back(read_message(q));
    for (core::Message& message : messages) load_reactions(connection, message);
    return messages;
}

std::optional<StoredMessage> find_stored_message(SqliteConnection& connection, core::MessageId id) {
    StoredMessage stored;
    {
        Query q(connection, kMessageById);
        q.bind(1, id);
        if (!q.step()) return std::nullopt;
        stored.message = read_message(q);
        stored.conversation = q.text(13);
        stored.from_key = q.text(14);
        stored.to_key = q.text(15);
    }
    load_reactions(connection, stored.message);
    return stored;
}

/// The limit as SQLite's signed LIMIT operand, with room for one more row.
std::int64_t sql_limit(std::size_t limit) {
    const auto max_limit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max() - 1);
    return static_cast<std::int64_t>(std::min(limit, max_limit));
}

/// `strings` as a JSON array of strings, for json_each().
std::string json_array(std::span<const std::string> strings) {
    std::string json = "[";
    for (const std::string& value : strings) {
        if (json.size() > 1) json += ',';
        json += '"';
        for (const char c : value) {
            const auto byte = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                json += '\\';
                json += c;
            } else if (byte < 0x20) {
                constexpr char kHex[] = "0123456789abcdef";
                json += "\\u00";
                json += kHex[byte >> 4];
                json += kHex[byte & 0xF];
            } else {
                json += c;
            }
        }
        json += '"';
    }
    json += ']';
    return json;
}

/// The text as one FTS5 phrase: every character literal (quotes doubled), so that `"`, `*`,
/// `OR`, `NEAR(` and the like are searched for, not obeyed.
std::string fts_phrase(std::string_view text) {
    std::string phrase = "\"";
    for (const char c : text) {
        if (c == '"') phrase += '"';
        phrase += c;
    }
    phrase += '"';
    return phrase;
}

core::MessageId largest_message_id(SqliteConnection& connection) {
    Query q(connection, kMaxMessageId);
    if (!q.step()) return 0;
    return q.integer(0);
}

/// Inserts the account in the caller's transaction on the writer; false when the name is
/// registered already.
bool insert_account(SqliteConnection& db, const Account& account) {
    // Every stored name parses when read back: an invalid one is refused here, not there.
    const auto name = core::UserName::parse(account.name);
    if (!name) {
        throw StorageError(
            "cannot create account " + quoted_for_error(account.name) + ": not a valid user name"
        );
    }
    const bool created = Query(db, kInsertAccount)
                             .bind(1, name->folded())
                             .bind(2, name->display())
                             .bind(3, account.password_hash)
                             .bind_flag(4, account.admin)
                             .bind(5, account.created_ms)
                             .run() == 1;
    if (!created) return false;
    if (account.locked) Query(db, kSetLocked).bind(1, name->folded()).bind_flag(2, true).run();
    if (account.last_login_ms)
        Query(db, kRecordLogin).bind(1, name->folded()).bind(2, *account.last_login_ms).run();
    return true;
}

/// Gives what the user key `from` stored to `to`, shown as `to_name`, in the caller's
/// transaction on the writer: its direct conversations (re-keyed, with the partners' rows and
/// markers), its channel messages' authorship, reactions, read markers and mentions. Every
/// message that shows another name takes a new rev, so that a resume by rev sees it. Returns the
/// channel messages re-authored. `authored_query`: how the channel messages of `from` are found.
std::vector<Revised> move_owner(
    SqliteConnection& db,
    const std::string& from,
    const std::string& to,
    std::string_view to_name,
    const char* authored_query,
    const ReserveRevs& reserve_revs
) {
    auto reserve = [&](std::size_t count) {
        const core::MessageId first =
            reserve_revs ? reserve_revs(count) : largest_message_id(db) + 1;
        Query(db, kRaiseSequence).bind(1, first + static_cast<core::MessageId>(count) - 1).run();
        return first;
    };
    auto ids_of = [&db](const char* query, std::string_view key) {
        std::vector<core::MessageId> ids;
        Query q(db, query);
        q.bind(1, key);
        while (q.step()) ids.push_back(q.integer(0));
        return ids;
    };

    std::vector<DirectPartner> partners;
    {
        Query q(db, kDirectPartners);
        q.bind(1, from);
        while (q.step()) partners.push_back({q.text(0), q.text(1), q.text(2)});
    }
    for (const DirectPartner& partner : partners) {
        // A conversation with oneself has the mover on both sides.
        const std::string partner_after = partner.key == from ? to : partner.key;
        const std::string conversation = core::direct_conversation(to, partner_after);
        const auto ids = ids_of(kMessagesOfConversation, partner.conversation);
        core::MessageId rev = ids.empty() ? 0 : reserve(ids.size());
        for (const core::MessageId id : ids) {
            Query(db, kRekeyDirectMessage)
                .bind(1, id)
                .bind(2, conversation)
                .bind(3, from)
                .bind(4, to)
                .bind(5, to_name)
                .bind(6, rev++)
                .run();
            Query(db, kRekeyMentionsOfMessage).bind(1, id).bind(2, conversation).run();
        }
        Query(db, kRekeyReadMarkersOfConversation)
            .bind(1, partner.conversation)
            .bind(2, conversation)
            .run();
        Query(db, kRekeyPartnerSide)
            .bind(1, partner.key)
            .bind(2, from)
            .bind(3, to)
            .bind(4, to_name)
            .bind(5, conversation)
            .run();
        Query(db, kRekeyOwnSide)
            .bind(1, from)
            .bind(2, partner_after)
            .bind(3, to)
            .bind(4, conversation)
            .run();
    }

    std::vector<Revised> reauthored;
    const auto authored = ids_of(authored_query, from);
    core::MessageId rev = authored.empty() ? 0 : reserve(authored.size());
    for (const core::MessageId id : authored) {
        Query(db, kReauthorMessage).bind(1, id).bind(2, to).bind(3, to_name).bind(4, rev).run();
        reauthored.push_back({id, rev++});
    }
    // A reaction lists its users by name: the messages reacted to change too.
    const auto reacted = ids_of(kReactedMessagesOfUser, from);
    rev = reacted.empty() ? 0 : reserve(reacted.size());
    for (const core::MessageId id : reacted) Query(db, kSetRev).bind(1, id).bind(2, rev++).run();
    Query(db, kRekeyReactionsOfUser).bind(1, from).bind(2, to).bind(3, to_name).run();
    Query(db, kRekeyReadMarkersOfUser).bind(1, from).bind(2, to).run();
    Query(db, kRekeyMentionsOfUser).bind(1, from).bind(2, to).run();
    return reauthored;
}

int read_user_version(SqliteConnection& connection) {
    Query q(connection, kUserVersion);
    if (!q.step()) throw StorageError("PRAGMA user_version returned nothing");
    return static_cast<int>(q.integer(0));
}

void migrate(SqliteConnection& connection, const std::filesystem::path& file) {
    for (const Migration& migration : kMigrations) {
        if (read_user_version(connection) >= migration.version) continue;
        Transaction tx(connection);
        // Read again under the write lock: another process may have migrated meanwhile.
        if (read_user_version(connection) >= migration.version) continue;
        connection.exec(migration.sql);
        // PRAGMA takes no parameters; the version is a compile-time integer.
        const std::string set_version =
            "PRAGMA user_version = " + std::to_string(migration.version);
        connection.exec(set_version.c_str());
        tx.commit();
    }
    const int version = read_user_version(connection);
    if (version > kSqliteSchemaVersion) {
        throw StorageError(
            "database " + file.string() + " has schema version " + std::to_string(version) +
            ", newer than the " + std::to_string(kSqliteSchemaVersion) +
            " this salond understands: it was written by a newer release; upgrade salond"
        );
    }
}

/// Copies the database of `source` into the file `destination` (existing, empty) as one
/// self-contained file: a rollback journal instead of the WAL that the copy's header inherits.
void copy_database(SqliteConnection& source, const std::filesystem::path& destination) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(
        destination.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr
    );
    const std::unique_ptr<sqlite3, int (*)(sqlite3*)> target(raw, &sqlite3_close);
    if (rc != SQLITE_OK) fail(raw, rc, "cannot open " + destination.string());
    sqlite3_backup* backup = sqlite3_backup_init(raw, "main", source.db(), "main");
    if (backup == nullptr) fail(raw, sqlite3_errcode(raw), "cannot start the backup");
    // -1: every page in one step, under one read snapshot of the source.
    const int stepped = sqlite3_backup_step(backup, -1);
    const int finished = sqlite3_backup_finish(backup);
    if (finished != SQLITE_OK) fail(raw, finished, "backup to " + destination.string());
    if (stepped != SQLITE_DONE) fail(nullptr, stepped, "backup to " + destination.string());
    char* message = nullptr;
    if (const int mode =
            sqlite3_exec(raw, "PRAGMA journal_mode = DELETE", nullptr, nullptr, &message);
        mode != SQLITE_OK) {
        const std::string text = message != nullptr ? message : sqlite3_errstr(mode);
        sqlite3_free(message);
        throw StorageError("backup to " + destination.string() + ": " + text);
    }
}

/// The tables of a database, by name.
std::set<std::string> table_names(SqliteConnection& db) {
    std::set<std::string> names;
    Query q(db, kTableNames);
    while (q.step()) names.insert(q.text(0));
    return names;
}

/// The tables a database of schema `version` has: the migrations up to it, run on an empty
/// database in memory, so that no list kept by hand can drift from the schema.
std::set<std::string> tables_at_version(int version) {
    SqliteConnection scratch(":memory:", false, SqliteOptions{});
    for (const Migration& migration : kMigrations) {
        if (migration.version <= version) scratch.exec(migration.sql);
    }
    return table_names(scratch);
}

/// What is wrong with a backup's database, or what it holds; see check_sqlite_backup().
BackupSummary check_backup_database(const std::filesystem::path& file) {
    SqliteConnection db(file, true, SqliteOptions{});
    {
        Query q(db, kIntegrityCheck);
        std::string problems;
        while (q.step()) {
            const std::string row = q.text(0);
            if (row == "ok") continue;
            if (!problems.empty()) problems += "; ";
            problems += row;
        }
        if (!problems.empty()) throw StorageError("it fails SQLite's integrity check: " + problems);
    }
    const int version = read_user_version(db);
    if (version < 1) throw StorageError("it holds no Salon schema (user_version 0)");
    if (version > kSqliteSchemaVersion) {
        throw StorageError(
            "its schema version is " + std::to_string(version) + ", newer than the " +
            std::to_string(kSqliteSchemaVersion) +
            " this salond understands: it was taken by a newer release; restore it with that "
            "release or a later one"
        );
    }
    const std::set<std::string> present = table_names(db);
    std::string missing;
    for (const std::string& table : tables_at_version(version)) {
        if (present.contains(table)) continue;
        if (!missing.empty()) missing += ", ";
        missing += table;
    }
    if (!missing.empty()) {
        throw StorageError(
            "it lacks tables that schema version " + std::to_string(version) + " has: " + missing
        );
    }
    Query q(db, kBackupCounts);
    if (!q.step()) throw StorageError("it cannot be counted");
    return {
        .schema_version = version,
        .accounts = q.integer(0),
        .channels = q.integer(1),
        .messages = q.integer(2)};
}

/// salon.db: salon-search.db, beside it.
std::filesystem::path search_file_of(const std::filesystem::path& file) {
    return file.parent_path() / (file.stem().string() + "-search" + file.extension().string());
}

/// Opens the search file for writing: the existing one when it has the current schema, or a new
/// empty one in its place (derived data; the indexer fills it).
std::unique_ptr<SqliteConnection> open_search_file(
    const std::filesystem::path& file, SqliteOptions options
) {
    // Losing the last index commits to a power cut is repaired like a missing file (see
    // SqliteStore::check_search_file), so the index never waits for an fsync.
    options.sync = SqliteOptions::Sync::normal;
    if (std::filesystem::exists(file)) {
        try {
            auto connection = std::make_unique<SqliteConnection>(file, false, options);
            const int version = read_user_version(*connection);
            if (version == kSearchSchemaVersion) return connection;
            spdlog::warn(
                "search index {} has schema version {}, not {}: rebuilding it",
                file.string(),
                version,
                kSearchSchemaVersion
            );
        } catch (const StorageError& e) {
            spdlog::warn("search index {} is unusable, rebuilding it: {}", file.string(), e.what());
        }
    }
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::error_code ignored;
        std::filesystem::remove(file.string() + suffix, ignored);
    }
    create_private_file(file);
    auto connection = std::make_unique<SqliteConnection>(file, false, options);
    Transaction tx(*connection);
    connection->exec(kSearchSchema);
    const std::string set_version = "PRAGMA user_version = " + std::to_string(kSearchSchemaVersion);
    connection->exec(set_version.c_str());
    tx.commit();
    return connection;
}

int set_policy(pthread_t thread, int policy) {
    const sched_param param{};
    return pthread_setschedparam(thread, policy, &param);
}

/// Lowers the calling thread to SCHED_IDLE: it runs only when a CPU has nothing else to do.
void run_at_idle_priority(const char* thread) {
    if (const int rc = set_policy(pthread_self(), SCHED_IDLE); rc != 0) {
        spdlog::warn(
            "{}: cannot run at idle CPU priority, running at normal priority: {}",
            thread,
            std::strerror(rc)
        );
    }
}

// How many messages, and how many queue rows, one index transaction takes: enough to amortise
// its commit, few enough that a reader of the search file sees progress often.
constexpr std::int64_t kIndexBatch = 4096;
// How often the indexer looks at the queue without being woken (another process's commits).
constexpr auto kIndexPeriod = std::chrono::milliseconds(500);
// The shortest time between two passes: a busy server's commits of that time then go into the
// index as one FTS5 transaction, far cheaper per row than one small one per commit (22,000 rows/s
// in transactions of 256, 32,000 in transactions of 4,096; docs/benchmarks.md), and the chat
// keeps the CPU. Search still finds a message well within PROTOCOL.md's 5 s.
constexpr auto kIndexGap = std::chrono::milliseconds(500);
// How long the indexer may be due without starting a pass before it is lifted to normal
// priority: a pass starts within about kIndexGap of a commit whenever a CPU has idle time.
constexpr auto kIndexerStarvation = std::chrono::seconds(2);

std::int64_t steady_now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch()
    )
        .count();
}

// How many commits the writer lets pass between two prunings of the queue.
constexpr int kCommitsPerPrune = 64;

}  // namespace

/// Exclusive use of one reader connection, handed back to the pool on destruction.
class SqliteStore::ReaderLease {
public:
    ReaderLease(SqliteStore& store, SqliteConnection* connection)
        : store_(store), connection_(connection) {}

    ~ReaderLease() {
        {
            std::lock_guard lock(store_.readers_mutex_);
            store_.free_readers_.push_back(connection_);
        }
        store_.reader_freed_.notify_one();
    }

    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;

    SqliteConnection& operator*() const noexcept { return *connection_; }

private:
    SqliteStore& store_;
    SqliteConnection* connection_;
};

SqliteStore::SqliteStore(const std::filesystem::path& file, SqliteOptions options)
    : checkpoint_pages_(std::max(1, options.checkpoint_pages)) {
    if (file.has_parent_path()) {
        std::error_code ec;
        // Private, like the database in it (an existing directory keeps its mode).
        if (std::filesystem::create_directories(file.parent_path(), ec)) {
            std::filesystem::permissions(file.parent_path(), std::filesystem::perms::owner_all, ec);
        }
        if (ec) {
            throw StorageError(
                "cannot create directory " + file.parent_path().string() + ": " + ec.message()
            );
        }
    }
    create_private_file(file);
    writer_ = std::make_unique<SqliteConnection>(file, false, options);
    {
        // Switching to WAL can quietly keep the old mode (a filesystem without shared memory);
        // the durability and concurrency promises rest on WAL, so refuse to run without it.
        Query q(*writer_, kJournalMode);
        if (!q.step() || q.text(0) != "wal") {
            throw StorageError("database " + file.string() + " could not be put in WAL mode");
        }
    }
    migrate(*writer_, file);
    const std::filesystem::path search_file = search_file_of(file);
    search_writer_ = open_search_file(search_file, options);
    // Readers open after the migration so that they find WAL mode and the full schema.
    const std::size_t reader_count = std::max<std::size_t>(1, options.reader_connections);
    readers_.reserve(reader_count);
    for (std::size_t i = 0; i < reader_count; ++i) {
        readers_.push_back(std::make_unique<SqliteConnection>(file, true, options));
        Query(*readers_.back(), kAttachSearch).bind(1, search_file.string()).run();
        free_readers_.push_back(readers_.back().get());
    }
    indexer_reader_ = std::make_unique<SqliteConnection>(file, true, options);
    checkpointer_connection_ = std::make_unique<SqliteConnection>(file, false, options);
    // Replaces SQLite's automatic checkpoint, which would run inside the writer's commit.
    sqlite3_wal_hook(writer_->db(), &SqliteStore::on_wal_commit, this);
    checkpointer_ = std::jthread([this](std::stop_token stop) { checkpoint_when_due(stop); });
    if (options.index_search) {
        indexer_ = std::jthread([this](std::stop_token stop) { index_when_due(stop); });
    }
}

SqliteStore::~SqliteStore() {
    if (indexer_.joinable()) {
        indexer_.request_stop();
        indexer_wake_.release();
        indexer_.join();
    }
    checkpointer_.request_stop();
    checkpointer_.join();
    sqlite3_wal_hook(writer_->db(), nullptr, nullptr);
}

void SqliteStore::wake_indexer() noexcept {
    // An atomic exchange when the indexer is already due: no syscall on the commit path.
    if (!index_wanted_.exchange(true, std::memory_order_acq_rel)) {
        indexer_seen_ns_.store(steady_now_ns(), std::memory_order_release);
        indexer_wake_.release();
        return;
    }
    lift_indexer_if_starved();
}

void SqliteStore::lift_indexer_if_starved() noexcept {
    // Due: a commit is waiting for a pass, or a pass is under way (a starved pass may have
    // cleared index_wanted_ and then got no CPU).
    const bool due = index_wanted_.load(std::memory_order_acquire) ||
                     indexer_busy_.load(std::memory_order_acquire);
    if (!due || !indexer_.joinable() || indexer_lifted_.load(std::memory_order_relaxed)) return;
    const std::int64_t idle_ns = steady_now_ns() - indexer_seen_ns_.load(std::memory_order_acquire);
    if (idle_ns < std::chrono::nanoseconds(kIndexerStarvation).count()) return;
    if (indexer_lifted_.exchange(true, std::memory_order_acq_rel)) return;
    set_policy(indexer_.native_handle(), SCHED_OTHER);
}

void SqliteStore::index_when_due(std::stop_token stop) {
    run_at_idle_priority("search indexer");
    indexer_busy_.store(true, std::memory_order_release);
    bool checked = false;
    bool failing = false;
    // Said only when the index starts far behind the messages (a new or upgraded search file
    // over a large database): a new database has nothing to announce.
    std::optional<std::chrono::steady_clock::time_point> catching_up_since;
    std::size_t caught_up_from = 0;
    while (!stop.stop_requested()) {
        const auto pass_started = std::chrono::steady_clock::now();
        try {
            if (!checked) {
                const IndexProgress progress = check_search_file();
                checked = true;
                if (progress.sequence - progress.next_id > kIndexBatch) {
                    spdlog::info(
                        "search index: indexing the stored messages in the background; until it "
                        "is done, search finds only the messages already indexed"
                    );
                    catching_up_since = pass_started;
                    caught_up_from = static_cast<std::size_t>(progress.next_id);
                }
            }
            // Batch after batch while a full one comes back.
            indexer_seen_ns_.store(steady_now_ns(), std::memory_order_release);
            while (!stop.stop_requested() && index_step()) {
                indexer_seen_ns_.store(steady_now_ns(), std::memory_order_release);
            }
            // Caught up: back to idle priority if a starved wait lifted it.
            indexer_busy_.store(false, std::memory_order_release);
            if (indexer_lifted_.exchange(false, std::memory_order_acq_rel)) {
                set_policy(pthread_self(), SCHED_IDLE);
            }
            if (catching_up_since && !stop.stop_requested()) {
                spdlog::info(
                    "search index: messages up to id {} indexed in {:.1f} s (from id {})",
                    indexed_next_id_.load(std::memory_order_acquire) - 1,
                    std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - *catching_up_since
                    )
                        .count(),
                    caught_up_from
                );
                catching_up_since.reset();
            }
            failing = false;
        } catch (const StorageError& e) {
            // Retried at the next wake; said once per run of failures, not every 500 ms.
            if (!failing) spdlog::error("search indexer: {}", e.what());
            failing = true;
            indexer_busy_.store(false, std::memory_order_release);
        }
        (void)indexer_wake_.try_acquire_for(kIndexPeriod);
        // Woken early by a commit: let the commits of the rest of the gap join this pass.
        const auto next_pass = pass_started + kIndexGap;
        while (!stop.stop_requested() && std::chrono::steady_clock::now() < next_pass) {
            (void)indexer_wake_.try_acquire_until(next_pass);
        }
        indexer_busy_.store(true, std::memory_order_release);
        index_wanted_.store(false, std::memory_order_release);
    }
}

namespace {

/// One row of search_queue, copied out of the database's snapshot so that the index work, the
/// slow part, does not hold it (a reader holding a snapshot keeps the WAL from restarting).
struct QueuedText {
    std::int64_t seq;
    core::MessageId id;
    std::optional<std::string> old_text;
    std::optional<std::string> new_text;
};

std::vector<QueuedText> read_queue(Query& q) {
    std::vector<QueuedText> rows;
    while (q.step()) {
        rows.push_back({
            .seq = q.integer(0),
            .id = q.integer(1),
            .old_text = q.is_null(2) ? std::nullopt : std::optional(q.text(2)),
            .new_text = q.is_null(3) ? std::nullopt : std::optional(q.text(3)),
        });
    }
    return rows;
}

void apply_queue(SqliteConnection& search, const std::vector<QueuedText>& rows) {
    for (const QueuedText& row : rows) {
        // In queue order, a row's old text is what the row before it indexed: the text a
        // contentless index needs to delete an entry.
        if (row.old_text) Query(search, kUnindexText).bind(1, row.id).bind(2, *row.old_text).run();
        if (row.new_text) Query(search, kIndexText).bind(1, row.id).bind(2, *row.new_text).run();
    }
}

struct SearchState {
    core::MessageId next_id;
    std::int64_t seq;
};

/// What the indexer has to reach, read in the caller's snapshot of the database: the queue's
/// oldest and newest seq (0 and 0 when empty), and the largest id or rev handed out.
struct IndexTarget {
    std::int64_t first_seq;
    std::int64_t last_seq;
    core::MessageId sequence;
};

IndexTarget read_index_target(SqliteConnection& db) {
    Query q(db, kQueueBounds);
    q.step();
    return {
        .first_seq = q.integer(0), .last_seq = q.integer(1), .sequence = largest_message_id(db)};
}

SearchState read_search_state(SqliteConnection& search) {
    Query q(search, kSearchState);
    if (!q.step()) throw StorageError("the search index has no state row");
    return {.next_id = q.integer(0), .seq = q.integer(1)};
}

}  // namespace

SqliteStore::IndexProgress SqliteStore::check_search_file() {
    // Under the search file's write lock: two stores on one database (two processes) see and
    // change one state.
    Transaction tx(*search_writer_);
    const SearchState state = read_search_state(*search_writer_);
    IndexTarget target{};
    {
        Transaction snapshot(*indexer_reader_, kBeginRead);
        target = read_index_target(*indexer_reader_);
    }
    const auto [first, last, sequence] = target;
    // The queue holds every seq from `first` to `last` (pruning takes only its oldest rows and
    // keeps the newest), so the index is in step when its seq lies in [first - 1, last] and it
    // has not indexed ids the database never handed out. It is not after losing its last
    // commits while the database kept its own (a power cut; the rows after its seq may be
    // pruned), nor when the file belongs to another database (a restored backup): then it
    // starts over.
    const bool fresh = state.next_id == 0;
    const bool queue_in_step = first == 0 ? state.seq == 0 : first <= state.seq + 1;
    const bool in_step = state.seq <= last && queue_in_step && state.next_id <= sequence + 1;
    if (!fresh && !in_step) {
        Query(*search_writer_, kUnindexAll).run();
        Query(*search_writer_, kSetSearchState).bind(1, 0).bind(2, 0).run();
        tx.commit();
        return {.next_id = 0, .sequence = sequence};
    }
    tx.commit();
    publish_indexed(state.seq, state.next_id);
    return {.next_id = state.next_id, .sequence = sequence};
}

bool SqliteStore::index_step() {
    Transaction tx(*search_writer_);
    const SearchState state = read_search_state(*search_writer_);
    std::vector<QueuedText> rows;
    std::vector<std::pair<core::MessageId, std::string>> messages;
    IndexTarget target{};
    {
        // One snapshot for both reads, so that each id's text and the queue agree: the queue
        // rows of the ids below next_id are applied; the ids from next_id on are read as they
        // are now, every queued change of theirs included.
        Transaction snapshot(*indexer_reader_, kBeginRead);
        target = read_index_target(*indexer_reader_);
        {
            Query q(*indexer_reader_, kQueueBelowId);
            q.bind(1, state.seq)
                .bind(2, target.last_seq)
                .bind(3, state.next_id)
                .bind(4, kIndexBatch);
            rows = read_queue(q);
        }
        // A long queue (a channel's messages deleted) goes first, a batch at a time: the new
        // messages are read only in a step that reaches the snapshot's end of the queue.
        if (rows.size() < static_cast<std::size_t>(kIndexBatch)) {
            Query q(*indexer_reader_, kMessagesToIndex);
            q.bind(1, state.next_id).bind(2, kIndexBatch);
            while (q.step()) messages.emplace_back(q.integer(0), q.text(1));
        }
    }
    apply_queue(*search_writer_, rows);
    for (const auto& [id, text] : messages) {
        Query(*search_writer_, kIndexText).bind(1, id).bind(2, text).run();
    }
    const bool queue_full = rows.size() == static_cast<std::size_t>(kIndexBatch);
    const bool messages_full = messages.size() == static_cast<std::size_t>(kIndexBatch);
    SearchState next = state;
    if (queue_full) {
        next.seq = rows.back().seq;
    } else {
        next.seq = target.last_seq;
        next.next_id = messages_full ? messages.back().first + 1
                                     : std::max(state.next_id, target.sequence + 1);
    }
    Query(*search_writer_, kSetSearchState).bind(1, next.next_id).bind(2, next.seq).run();
    tx.commit();
    publish_indexed(next.seq, next.next_id);
    return queue_full || messages_full;
}

int SqliteStore::on_wal_commit(void* self, sqlite3*, const char*, int pages) {
    auto& store = *static_cast<SqliteStore*>(self);
    if (pages >= store.checkpoint_pages_) {
        {
            std::lock_guard lock(store.checkpoint_mutex_);
            store.checkpoint_due_ = true;
        }
        store.checkpoint_wanted_.notify_one();
    }
    return SQLITE_OK;
}

void SqliteStore::checkpoint_when_due(std::stop_token stop) {
    sqlite3* db = checkpointer_connection_->db();
    for (;;) {
        {
            std::unique_lock lock(checkpoint_mutex_);
            if (!checkpoint_wanted_.wait(lock, stop, [this] { return checkpoint_due_; })) return;
            checkpoint_due_ = false;
        }
        // A failed checkpoint loses nothing (the pages stay in the WAL), and the next commit
        // past the threshold asks again, so the result codes are not checked. The first pass
        // copies beside the writer; the second, under the writer's lock, copies what was
        // committed meanwhile, which lets the next write restart the WAL from its beginning.
        sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        std::lock_guard writer_lock(writer_mutex_);
        sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
}

SqliteStore::ReaderLease SqliteStore::lease_reader() {
    std::unique_lock lock(readers_mutex_);
    reader_freed_.wait(lock, [this] { return !free_readers_.empty(); });
    SqliteConnection* connection = free_readers_.back();
    free_readers_.pop_back();
    return ReaderLease(*this, connection);
}

bool SqliteStore::create_account(const Account& account) {
    std::lock_guard lock(writer_mutex_);
    Transaction tx(*writer_);
    if (!insert_account(*writer_, account)) return false;
    tx.commit();
    return true;
}

std::optional<Account> SqliteStore::find_account(const core::UserName& name) {
    auto reader = lease_reader();
    Query q(*reader, kFindAccount);
    q.bind(1, name.folded());
    if (!q.step()) return std::nullopt;
    return read_account(q);
}

bool SqliteStore::set_password(const core::UserName& name, std::string_view password_hash) {
    std::lock_guard lock(writer_mutex_);
    return Query(*writer_, kSetPassword).bind(1, name.folded()).bind(2, password_hash).run() == 1;
}

bool SqliteStore::delete_account(const core::UserName& name, const ReserveRevs& reserve_revs) {
    // A registered user's key is the folded name.
    const std::string& key = name.folded();
    // Each transaction below holds the writer for a bounded time (a slice of rows or a window
    // of ids), so that the group commit of everyone else's messages goes on in between.
    constexpr std::int64_t kSliceRows = 2000;
    constexpr core::MessageId kIdWindow = 5000;

    // 1. Lock the account (no login from here on, and a crash leaves it locked for a second
    // call to finish), and drop what is small and the user's alone.
    std::vector<DirectPartner> partners;
    {
        std::lock_guard lock(writer_mutex_);
        Transaction tx(*writer_);
        if (Query(*writer_, kSetLocked).bind(1, key).bind_flag(2, true).run() == 0) return false;
        Query(*writer_, kDeleteMembershipsOfUser).bind(1, key).run();
        Query(*writer_, kDeleteTokensOfUser).bind(1, key).run();
        Query(*writer_, kDeletePendingOfUser).bind(1, key).run();
        Query q(*writer_, kDirectPartners);
        q.bind(1, key);
        while (q.step()) partners.push_back({q.text(0), q.text(1), q.text(2)});
        tx.commit();
    }
    // 2. Each direct conversation goes with its messages (their reactions, mentions and search
    // entries follow them) and with the partner's side of it: a later account of the same name
    // starts with none of it.
    for (const DirectPartner& partner : partners) {
        for (;;) {
            std::lock_guard lock(writer_mutex_);
            Transaction tx(*writer_);
            Query(*writer_, kAdvanceSequenceToMessages).run();
            const int removed = Query(*writer_, kDeleteConversationSlice)
                                    .bind(1, partner.conversation)
                                    .bind(2, kSliceRows)
                                    .run();
            if (removed == 0) {
                Query(*writer_, kDeleteDirectPartner).bind(1, partner.key).bind(2, key).run();
                Query(*writer_, kDeleteReadMarker)
                    .bind(1, partner.key)
                    .bind(2, partner.conversation)
                    .run();
            }
            tx.commit();
            wake_indexer();
            if (removed == 0) break;
        }
    }
    // 3. Channel messages stay, for the others' conversation, under the deleted author. Each
    // gets a new rev, so that a client resuming with HISTORY after sees the change.
    core::MessageId newest = 0;
    {
        std::lock_guard lock(writer_mutex_);
        Query q(*writer_, kMaxStoredId);
        if (q.step()) newest = q.integer(0);
    }
    // Re-authors the user's channel messages with ids in (low, high]; the caller holds the
    // writer and a transaction.
    auto reauthor = [&](core::MessageId low, core::MessageId high) {
        std::vector<core::MessageId> ids;
        {
            Query q(*writer_, kAuthoredInWindow);
            q.bind(1, key).bind(2, low).bind(3, high);
            while (q.step()) ids.push_back(q.integer(0));
        }
        if (ids.empty()) return;
        core::MessageId rev =
            reserve_revs ? reserve_revs(ids.size()) : largest_message_id(*writer_) + 1;
        for (const core::MessageId id : ids) {
            Query(*writer_, kAnonymizeMessage)
                .bind(1, id)
                .bind(2, kDeletedAuthor)
                .bind(3, rev)
                .run();
            ++rev;
        }
        Query(*writer_, kRaiseSequence).bind(1, rev - 1).run();
    };
    for (core::MessageId low = 0; low < newest; low += kIdWindow) {
        std::lock_guard lock(writer_mutex_);
        Transaction tx(*writer_);
        reauthor(low, low + kIdWindow);
        tx.commit();
    }
    // The user's reactions go a slice of messages at a time, each message with a new rev.
    for (;;) {
        std::lock_guard lock(writer_mutex_);
        Transaction tx(*writer_);
        std::vector<core::MessageId> ids;
        {
            Query q(*writer_, kReactedMessages);
            q.bind(1, key).bind(2, kSliceRows);
            while (q.step()) ids.push_back(q.integer(0));
        }
        if (ids.empty()) break;
        core::MessageId rev =
            reserve_revs ? reserve_revs(ids.size()) : largest_message_id(*writer_) + 1;
        for (const core::MessageId id : ids) {
            Query(*writer_, kDeleteReactionsOfUserOn).bind(1, key).bind(2, id).run();
            Query(*writer_, kSetRev).bind(1, id).bind(2, rev).run();
            ++rev;
        }
        Query(*writer_, kRaiseSequence).bind(1, rev - 1).run();
        tx.commit();
    }
    // 4. What remains of the user's, then the account itself.
    std::lock_guard lock(writer_mutex_);
    Transaction tx(*writer_);
    Query(*writer_, kDeleteDirectPartnersOfUser).bind(1, key).run();
    Query(*writer_, kDeleteReadMarkersOfUser).bind(1, key).run();
    Query(*writer_, kDeleteReactionsOfUser).bind(1, key).run();
    Query(*writer_, kDeleteMentionsOfUser).bind(1, key).run();
    // A login's memberships or tokens written while the steps above ran go too.
    Query(*writer_, kDeleteMembershipsOfUser).bind(1, key).run();
    Query(*writer_, kDeleteTokensOfUser).bind(1, key).run();
    // Messages the user's other connections posted while the steps above ran.
    reauthor(newest, std::numeric_limits<core::MessageId>::max());
    const bool deleted = Query(*writer_, kDeleteAccount).bind(1, key).run() == 1;
    tx.commit();
    wake_indexer();
    return deleted;
}

std::optional<std::vector<Revised>> SqliteStore::claim_guest(
    const Account& account, const core::UserKey& guest_key, const ReserveRevs& reserve_revs
) {
    std::lock_guard lock(writer_mutex_);
    Transaction tx(*writer_);
    if (!insert_account(*writer_, account)) return std::nullopt;
    const auto name = core::UserName::parse(account.name);
    auto reauthored = move_owner(
        *writer_, guest_key, name->folded(), name->display(), kGuestAuthoredInChannels, reserve_revs
    );
    tx.commit();
    return reauthored;
}

bool SqliteStore::unclaim_guest(
    const core::UserName& account,
    const core::UserKey& guest_key,
    std::string_view guest_name,
    const ReserveRevs& reserve_revs
) {
    std::lock_guard lock(writer_mutex_);
    Transaction tx(*writer_);
    move_owner(
        *writer_, account.folded(), guest_key, guest_name, kAuthoredInChannels, reserve_revs
    );
    Query(*writer_, kDeleteMembershipsOfUser).bind(1, account.folded()).run();
    Query(*writer_, kDeleteTokensOfUser).bind(1, account.folded()).run();
    const bool deleted = Query(*writer_, kDeleteAccount).bind(1, account.folded()).run() == 1;
    tx.commit();
    return deleted;
}

bool SqliteStore::set_locked(const core::UserName& name, bool locked) {
    std::lock_guard lock(writer_mutex_);
    return Query(*writer_, kSetLocked).bind(1, name.folded()).bind_flag(2, locked).run() == 1;
}

std::vector<std::string> SqliteStore::locked_accounts() {
    auto reader = lease_reader();
    Query q(*reader, kLockedAccounts);
    std::vector<std::string> names;
    while (q.step()) names.push_back(q.text(0));
    return names;
}

BanAdded SqliteStore::add_server_ban(const ServerBan& ban, std::size_t max_bans) {
    std::lock_guard lock(writer_mutex_);
    Transaction tx(*writer_);
    {
        Query count(*writer_, kCountServerBans);
        count.step();
        if (static_cast<std::size_t>(count.integer(0)) >= max_bans) return BanAdded::full;
    }
    const bool inserted = Query(*writer_, kInsertServerBan)
                              .bind(1, ban.target.str())
                              .bind(2, ban.reason)
                              .bind(3, ban.created_ms)
                              .run() == 1;
    if (!inserted) return BanAdded::exists;
    tx.commit();
    return BanAdded::added;
}

bool SqliteStore::remove_server_ban(const core::ServerBanTarget& target) {
    std::lock_guard lock(writer_mutex_);
    return Query(*writer_, kDeleteServerBan).bind(1, target.str()).run() == 1;
}

std::vector<ServerBan> SqliteStore::server_bans() {
    auto reader = lease_reader();
    Query q(*reader, kServerBans);
    std::vector<ServerBan> bans;
    while (q.step()) {
        const std::string text = q.text(0);
        auto target = core::ServerBanTarget::parse(text);
        if (!target || target->str() != text) {
            throw StorageError(
                "database holds " + quoted_for_error(text) +
                " in server_bans.target, which is not a ban target"
            );
        }
        bans.push_back(
            {.target = std::move(*target), .reason = q.text(1), .created_ms = q.integer(2)}
        );
    }
    return bans;
}

void SqliteStore::record_login(const core::UserName& name, core::UnixMillis when) {
    std::lock_guard lock(writer_mutex_);
    Query(*writer_, kRecordLogin).bind(1, name.folded()).bind(2, when).run();
}

std::vector<Account> SqliteStore::list_accounts() {
    auto reader = lease_reader();
    Query q(*reader, kListAccounts);
    std::vector<Account> accounts;
    while (q.step()) accounts.push_back(read_account(q));
    return accounts;
}

std::optional<CreatedToken> SqliteStore::create_token(
    const SessionToken& token, std::size_t max_per_account
) {
    std::lock_guard lock(writer_mutex_);
    Transaction tx(*writer_);
    {
        Query exists(*writer_, kAccountExists);
        exists.bind(1, token.user);
        if (!exists.step()) return std::nullopt;
    }
    Query(*writer_, kDeleteExpiredTokens).bind(1, token.user).bind(2, token.created_ms).run();
    Query(*writer_, kInsertToken)
        .bind(1, token.user)
        .bind_blob(2, token.hash)
        .bind(3, token.label)
        .bind(4, token.created_ms)
        .bind(5, token.expires_ms)
        .run();
    CreatedToken created{sqlite3_last_insert_rowid(writer_->db())};
    {
        Query q(*writer_, kTokensPastCap);
        q.bind(1, token.user)
            .bind(2, static_cast<std::int64_t>(std::max<std::size_t>(max_per_account, 1)));
        while (q.step()) created.revoked.push_back(q.integer(0));
    }
    for (const std::int64_t id : created.revoked) Query(*writer_, kDeleteToken).bind(1, id).run();
    tx.commit();
    return created;
}

std::optional<SessionToken> SqliteStore::use_token(
    const core::UserName& user,
    std::string_view hash,
    core::UnixMillis now,
    core::UnixMillis expires_ms
) {
    std::lock_guard lock(writer_mutex_);
    Transaction tx(*writer_);
    SessionToken token;
    {
        Query q(*writer_, kFindToken);
        q.bind_blob(1, hash).bind(2, user.folded());
        if (!q.step()) return std::nullopt;
        if (q.integer(4) <= now) return std::nullopt;
        token.id = q.integer(0);
        token.user = user.folded();
        token.hash = q.blob(1);
        token.label = q.text(2);
        token.created_ms = q.integer(3);
    }
    Query(*writer_, kRenewToken).bind(1, token.id).bind(2, now).bind(3, expires_ms).run();
    tx.commit();
    token.last_used_ms = now;
    token.expires_ms = expires_ms;
    return token;
}

std::vector<SessionToken> SqliteStore::tokens_of(const core::UserName& user, core::UnixMillis now) {
    auto reader = lease_reader();
    Query q(*reader, kTokensOf);
    q.bind(1, user.folded()).bind(2, now);
    std::vector<SessionToken> tokens;
    while (q.step()) {
        SessionToken token;
        token.id = q.integer(0);
        token.user = user.folded();
        token.hash = q.blob(1);
        token.label = q.text(2);
        token.created_ms = q.integer(3);
        if (!q.is_null(4)) token.last_used_ms = q.integer(4);
        token.expires_ms = q.integer(5);
        tokens.push_back(std::move(token));
    }
    return tokens;
}

bool SqliteStore::revoke_token(const core::UserName& user, std::int64_t id) {
    std::lock_guard lock(writer_mutex_);
    return Query(*writer_, kRevokeToken).bind(1, user.folded()).bind(2, id).run() == 1;
}

std::optional<std::vector<std::int64_t>> SqliteStore::change_password(
    const core::UserName& name, std::string_view password_hash, std::optional<std::int64_t> keep
) {
    // Ids start at 1: 0 keeps none.
    const std::int64_t kept = keep.value_or(0);
    std::lock_guard lock(writer_mutex_);
    Transaction tx(*writer_);
    if (Query(*writer_, kSetPassword).bind(1, name.folded()).bind(2, password_hash).run() != 1)
        return std::nullopt;
    std::vector<std::int64_t> revoked;
    {
        Query q(*writer_, kTokenIdsExcept);
        q.bind(1, name.folded()).bind(2, kept);
        while (q.step()) revoked.push_back(q.integer(0));
    }
    Query(*writer_, kRevokeTokensExcept).bind(1, name.folded()).bind(2, kept).run();
    tx.commit();
    return revoked;
}

void SqliteStore::save_channel(const ChannelRecord& channel) {
    std::lock_guard lock(writer_mutex_);
    Query(*writer_, kSaveChannel)
        .bind(1, channel.name.str())
        .bind(2, channel.topic)
        .bind(3, channel.key)
        .bind(4, channel.created_ms)
        .bind(5, channel.modes)
        .bind(6, static_cast<std::int64_t>(channel.member_limit))
        .bind(7, channel.topic_by)
        .bind(8, channel.topic_ms)
        .run();
}

std::vector<ChannelRecord> SqliteStore::load_channels() {
    auto reader = lease_reader();
    Query q(*reader, kLoadChannels);
    std::vector<ChannelRecord> channels;
    while (q.step()) channels.push_back(read_channel_record(q));
    return channels;
}

std::vector<ChannelSummary> SqliteStore::channel_summaries(
    const std::optional<core::ChannelName>& after, std::size_t limit, std::size_t count_cap
) {
    auto reader = lease_reader();
    Query q(*reader, kChannelSummaries);
    q.bind(1, after ? after->str() : std::string())
        .bind(2, static_cast<std::int64_t>(limit))
        .bind(3, static_cast<std::int64_t>(count_cap));
    std::vector<ChannelSummary> summaries;
    while (q.step()) {
        summaries.push_back(ChannelSummary{
            .record = read_channel_record(q),
            .members = static_cast<std::size_t>(q.integer(8)),
            .messages = static_cast<std::size_t>(q.integer(9)),
            .last_message_ms = q.is_null(10) ? std::nullopt : std::optional(q.integer(10)),
        });
    }
    return summaries;
}

void SqliteStore::set_ban(
    const core::ChannelName& channel, const core::UserMask& mask, bool banned
) {
    std::lock_guard lock(writer_mutex_);
    Query(*writer_, banned ? kInsertBan : kDeleteBan)
        .bind(1, channel.str())
        .bind(2, mask.str())
        .run();
}

std::vector<core::UserMask> SqliteStore::bans_of(const core::ChannelName& channel) {
    auto reader = lease_reader();
    Query q(*reader, kBansOf);
    q.bind(1, channel.str());
    std::vector<core::UserMask> masks;
    while (q.step()) masks.push_back(stored_mask(q.text(0), "bans.mask"));
    return masks;
}

namespace {

/// The letter a list is stored under (IRC's).
std::string_view stored_list(core::ExceptionList list) {
    return list == core::ExceptionList::ban ? "e" : "I";
}

}  // namespace

void SqliteStore::set_exception(
    const core::ChannelName& channel, core::ExceptionList list, const core::UserMask& mask, bool on
) {
    std::lock_guard lock(writer_mutex_);
    Query(*writer_, on ? kInsertException : kDeleteException)
        .bind(1, channel.str())
        .bind(2, stored_list(list))
        .bind(3, mask.str())
        .run();
}

std::vector<ChannelException> SqliteStore::exceptions_of(const core::ChannelName& channel) {
    auto reader = lease_reader();
    Query q(*reader, kExceptionsOf);
    q.bind(1, channel.str());
    std::vector<ChannelException> exceptions;
    while (q.step()) {
        exceptions.push_back(ChannelException{
            .list = q.text(0) == "e" ? core::ExceptionList::ban : core::ExceptionList::invite,
            .mask = stored_mask(q.text(1), "channel_exceptions.mask"),
        });
    }
    return exceptions;
}

namespace {

/// forget_channel()'s writes, inside the caller's transaction.
void forget_channel_rows(SqliteConnection& db, const std::string& channel, core::MessageId up_to) {
    Query(db, kDeleteChannel).bind(1, channel).run();
    Query(db, kDeleteBansOfChannel).bind(1, channel).run();
    Query(db, kDeleteExceptionsOfChannel).bind(1, channel).run();
    Query(db, kAdvanceSequenceToMessages).run();
    Query(db, kDeleteChannelMessages).bind(1, channel).bind(2, up_to).run();
}

}  // namespace

void SqliteStore::forget_channel(const core::ChannelName& channel, core::MessageId up_to) {
    std::lock_guard lock(writer_mutex_);
    Transaction tx(*writer_);
    forget_channel_rows(*writer_, channel.str(), up_to);
    tx.commit();
    wake_indexer();
}

void SqliteStore::delete_channel(const core::ChannelName& channel, core::MessageId up_to) {
    std::lock_guard lock(writer_mutex_);
    Transaction tx(*writer_);
    forget_channel_rows(*writer_, channel.str(), up_to);
    Query(*writer_, kDeleteMembershipsOfChannel).bind(1, channel.str()).run();
    Query(*writer_, kDeleteReadMarkersOfChannel).bind(1, channel.str()).run();
    tx.commit();
    wake_indexer();
}

void SqliteStore::rename_channel(const core::ChannelName& from, const core::ChannelName& to) {
    std::lock_guard lock(writer_mutex_);
    Transaction tx(*writer_);
    // Whatever an earlier channel called `to` left behind would mix with the renamed one's.
    forget_channel_rows(*writer_, to.str(), std::numeric_limits<core::MessageId>::max());
    Query(*writer_, kDeleteMembershipsOfChannel).bind(1, to.str()).run();
    Query(*writer_, kDeleteReadMarkersOfChannel).bind(1, to.str()).run();
    for (const char* sql :
         {kRenameChannelRecord,
          kRenameBans,
          kRenameExceptions,
          kRenameMemberships,
          kRenameMessages,
          kRenameMentions,
          kRenameReadMarkers}) {
        Query(*writer_, sql).bind(1, from.str()).bind(2, to.str()).run();
    }
    tx.commit();
    wake_indexer();
}

void SqliteStore::set_membership(const core::UserName& user, const Membership& membership) {
    std::lock_guard lock(writer_mutex_);
    Query(*writer_, kSetMembership)
        .bind(1, user.folded())
        .bind(2, membership.channel.str())
        .bind_flag(3, membership.op)
        .run();
}

void SqliteStore::remove_membership(const core::UserName& user, const core::ChannelName& channel) {
    std::lock_guard lock(writer_mutex_);
    Query(*writer_, kRemoveMembership).bind(1, user.folded()).bind(2, channel.str()).run();
}

std::vector<Membership> SqliteStore::memberships_of(const core::UserName& user) {
    auto reader = lease_reader();
    Query q(*reader, kMembershipsOf);
    q.bind(1, user.folded());
    std::vector<Membership> memberships;
    while (q.step()) {
        memberships.push_back(Membership{
            .channel = stored_channel_name(q.text(0), "memberships.channel"),
            .op = q.integer(1) != 0,
        });
    }
    return memberships;
}

namespace {

WriteOutcome write_message(SqliteConnection& db, const MessageWrite& write) {
    const core::Message& m = write.message;
    Query(db, kInsertMessage)
        .bind(1, m.id)
        .bind_or_null(2, m.channel)
        .bind(3, m.from)
        .bind_or_null(4, m.to)
        .bind(5, m.text)
        .bind(6, m.ts_ms)
        .bind(7, write.conversation)
        .bind(8, write.from_key)
        .bind(9, write.to_key)
        .bind(10, m.reply_to)
        .bind(11, joined_names(m.mentions))
        .bind_flag(12, m.notice)
        .run();
    for (const core::UserName& user : write.pending_for) {
        Query(db, kInsertPending).bind(1, user.folded()).bind(2, m.id).run();
    }
    for (const core::UserKey& mentioned : write.mention_keys) {
        if (mentioned == write.from_key) continue;
        Query(db, kInsertMention)
            .bind(1, mentioned)
            .bind(2, write.conversation)
            .bind(3, m.id)
            .run();
    }
    if (m.is_direct()) {
        Query(db, kUpsertDirectPartner)
            .bind(1, write.from_key)
            .bind(2, write.to_key)
            .bind(3, m.to)
            .bind(4, write.conversation)
            .bind(5, m.id)
            .run();
        Query(db, kUpsertDirectPartner)
            .bind(1, write.to_key)
            .bind(2, write.from_key)
            .bind(3, m.from)
            .bind(4, write.conversation)
            .bind(5, m.id)
            .run();
    }
    WriteOutcome outcome{.status = ChangeStatus::applied, .message = m};
    outcome.message.rev = m.id;
    return outcome;
}

void write_mentions(
    SqliteConnection& db, const StoredMessage& stored, const std::vector<core::UserKey>& keys
) {
    for (const core::UserKey& mentioned : keys) {
        if (mentioned == stored.from_key) continue;
        Query(db, kInsertMention)
            .bind(1, mentioned)
            .bind(2, stored.conversation)
            .bind(3, stored.message.id)
            .run();
    }
}

/// Checks and applies one change; the status says which check failed, if any.
ChangeStatus apply_change(SqliteConnection& db, const MessageChange& change) {
    const auto stored = find_stored_message(db, change.id);
    if (!stored || stored->message.deleted) return ChangeStatus::no_such_message;
    switch (change.kind) {
        case MessageChange::Kind::edit:
            if (change.actor_key != stored->from_key) return ChangeStatus::forbidden;
            Query(db, kEditMessage)
                .bind(1, change.id)
                .bind(2, change.text)
                .bind(3, change.ts_ms)
                .bind(4, joined_names(change.mentions))
                .bind(5, change.rev)
                .run();
            Query(db, kDeleteMentionsOfMessage).bind(1, change.id).run();
            write_mentions(db, *stored, change.mention_keys);
            return ChangeStatus::applied;
        case MessageChange::Kind::remove:
            if (change.actor_key != stored->from_key && !change.may_remove_others) {
                return ChangeStatus::forbidden;
            }
            Query(db, kRemoveMessage).bind(1, change.id).bind(2, change.rev).run();
            Query(db, kDeleteMentionsOfMessage).bind(1, change.id).run();
            Query(db, kDeleteReactionsOfMessage).bind(1, change.id).run();
            return ChangeStatus::applied;
        case MessageChange::Kind::react: {
            if (Query(db, kHasReaction)
                    .bind(1, change.id)
                    .bind(2, change.emoji)
                    .bind(3, change.actor_key)
                    .step()) {
                return ChangeStatus::unchanged;
            }
            // Joining an emoji already there never adds one to the count.
            if (!Query(db, kHasEmoji).bind(1, change.id).bind(2, change.emoji).step()) {
                Query count(db, kCountEmoji);
                count.bind(1, change.id).step();
                if (static_cast<std::size_t>(count.integer(0)) >= change.max_reactions) {
                    return ChangeStatus::too_many_reactions;
                }
            }
            Query(db, kInsertReaction)
                .bind(1, change.id)
                .bind(2, change.emoji)
                .bind(3, change.actor_key)
                .bind(4, change.actor_name)
                .bind(5, change.rev)
                .run();
            Query(db, kSetRev).bind(1, change.id).bind(2, change.rev).run();
            return ChangeStatus::applied;
        }
        case MessageChange::Kind::unreact:
            if (Query(db, kDeleteReaction)
                    .bind(1, change.id)
                    .bind(2, change.emoji)
                    .bind(3, change.actor_key)
                    .run() == 0) {
                return ChangeStatus::unchanged;
            }
            Query(db, kSetRev).bind(1, change.id).bind(2, change.rev).run();
            return ChangeStatus::applied;
    }
    throw StorageError("unknown kind of message change");
}

WriteOutcome write_change(SqliteConnection& db, const MessageChange& change) {
    const ChangeStatus status = apply_change(db, change);
    if (status == ChangeStatus::no_such_message) return {.status = status, .message = {}};
    // The body as it is now: after the change when applied, as it was otherwise.
    auto stored = find_stored_message(db, change.id);
    return {.status = status, .message = std::move(stored.value().message)};
}

}  // namespace

std::vector<WriteOutcome> SqliteStore::commit(std::span<const Write> batch) {
    if (batch.empty()) return {};
    std::vector<WriteOutcome> outcomes;
    outcomes.reserve(batch.size());
    // Every id and rev in the batch was taken from the sequence, applied or not: none may be
    // handed out again after a restart. A message's row keeps its id; a change's rev goes into
    // message_sequence (the change may not apply, or a later one may take the row's rev on).
    core::MessageId largest_rev = 0;
    std::lock_guard lock(writer_mutex_);
    Transaction tx(*writer_);
    // The indexer reads new messages in id order, past the last id it read: a message below an
    // id already handed out (a caller committing out of order) would be skipped, so it is
    // queued as a change instead.
    const core::MessageId handed_out = largest_message_id(*writer_);
    for (const Write& write : batch) {
        if (const auto* message = std::get_if<MessageWrite>(&write)) {
            outcomes.push_back(write_message(*writer_, *message));
            if (message->message.id <= handed_out) {
                Query(*writer_, kQueueText)
                    .bind(1, message->message.id)
                    .bind(2, message->message.text)
                    .run();
            }
        } else {
            const auto& change = std::get<MessageChange>(write);
            outcomes.push_back(write_change(*writer_, change));
            largest_rev = std::max(largest_rev, change.rev);
        }
    }
    if (largest_rev > 0) Query(*writer_, kAdvanceSequence).bind(1, largest_rev).run();
    // Now and then, not per commit: one range delete of many rows costs less than many small.
    std::int64_t prune_below = 0;
    if (++commits_since_prune_ >= kCommitsPerPrune) {
        commits_since_prune_ = 0;
        prune_below = published_watermark_.load(std::memory_order_acquire);
        if (prune_below > pruned_below_) {
            Query(*writer_, kPruneQueue).bind(1, prune_below).run();
        }
    }
    tx.commit();
    pruned_below_ = std::max(pruned_below_, prune_below);
    wake_indexer();
    return outcomes;
}

std::optional<StoredMessage> SqliteStore::find_message(core::MessageId id) {
    auto reader = lease_reader();
    Transaction snapshot(*reader, kBeginRead);
    auto stored = find_stored_message(*reader, id);
    snapshot.commit();
    return stored;
}

std::vector<core::Message> SqliteStore::history(
    std::string_view conversation,
    std::optional<core::MessageId> before,
    std::size_t limit,
    std::optional<core::MessageId> up_to
) {
    if (limit == 0) return {};
    // Both bounds fold into one inclusive upper id, so the query is a single index range.
    core::MessageId upper = std::numeric_limits<core::MessageId>::max();
    if (before) {
        if (*before <= std::numeric_limits<core::MessageId>::min()) return {};
        upper = *before - 1;
    }
    if (up_to) upper = std::min(upper, *up_to);

    std::vector<core::Message> messages;
    {
        auto reader = lease_reader();
        Transaction snapshot(*reader, kBeginRead);
        Query q(*reader, kHistory);
        q.bind(1, conversation).bind(2, upper).bind(3, sql_limit(limit));
        messages = read_messages(*reader, q);
        snapshot.commit();
    }
    std::reverse(messages.begin(), messages.end());
    return messages;
}

std::vector<core::Message> SqliteStore::changed_after(
    std::string_view conversation, core::MessageId after_rev, std::size_t limit
) {
    if (limit == 0) return {};
    auto reader = lease_reader();
    Transaction snapshot(*reader, kBeginRead);
    Query q(*reader, kChangedAfter);
    q.bind(1, conversation).bind(2, after_rev).bind(3, sql_limit(limit));
    auto messages = read_messages(*reader, q);
    snapshot.commit();
    return messages;
}

std::vector<core::Message> SqliteStore::history_range(
    std::string_view conversation, const HistoryRange& range
) {
    if (range.limit == 0) return {};
    constexpr core::MessageId kLowest = std::numeric_limits<core::MessageId>::min();
    constexpr core::MessageId kHighest = std::numeric_limits<core::MessageId>::max();
    auto reader = lease_reader();
    Transaction snapshot(*reader, kBeginRead);
    // Each bound becomes an id left out of the range: a time the message where times pass it,
    // found by one index seek.
    auto id_at = [&](const core::HistoryBound& bound, bool lower) {
        if (bound.by == core::HistoryBound::By::id) return bound.value;
        Query q(*reader, lower ? kLastIdAtOrBefore : kFirstIdAtOrAfter);
        q.bind(1, conversation).bind(2, bound.value);
        return q.step() ? q.integer(0) : (lower ? kLowest : kHighest);
    };
    const core::MessageId above = range.after ? id_at(*range.after, true) : kLowest;
    core::MessageId below = range.before ? id_at(*range.before, false) : kHighest;
    if (range.up_to && *range.up_to < kHighest) below = std::min(below, *range.up_to + 1);
    std::vector<core::Message> messages;
    {
        Query q(*reader, range.oldest ? kRangeOldest : kRangeNewest);
        q.bind(1, conversation).bind(2, above).bind(3, below).bind(4, sql_limit(range.limit));
        messages = read_messages(*reader, q);
    }
    snapshot.commit();
    if (!range.oldest) std::reverse(messages.begin(), messages.end());
    return messages;
}

SearchPage SqliteStore::search(const SearchQuery& query) {
    if (query.conversations.empty()) return {};
    lift_indexer_if_starved();
    auto reader = lease_reader();
    Transaction snapshot(*reader, kBeginRead);
    std::int64_t watermark = -1;
    {
        Query q(*reader, kSearchWatermark);
        if (q.step()) watermark = q.integer(0);
    }
    const std::string phrase = fts_phrase(query.text);
    const core::MessageId before =
        query.before.value_or(std::numeric_limits<core::MessageId>::max());
    SearchPage page;
    {
        Query q(*reader, kSearch);
        q.bind(1, phrase)
            .bind(2, before)
            .bind(3, json_array(query.conversations))
            .bind_or_null(4, query.from_folded.value_or(""))
            .bind(5, sql_limit(query.limit) + 1)
            .bind(6, watermark)
            .bind(7, sql_limit(query.max_scanned));
        page.messages = read_messages(*reader, q);
        std::sort(page.messages.begin(), page.messages.end(), [](const auto& a, const auto& b) {
            return a.id > b.id;
        });
    }
    if (page.messages.size() <= query.limit) {
        Query q(*reader, kSearchScanned);
        q.bind(1, phrase).bind(2, before).bind(3, sql_limit(query.max_scanned));
        if (q.step() && static_cast<std::size_t>(q.integer(0)) >= query.max_scanned)
            page.stopped_at = q.integer(1);
    }
    snapshot.commit();
    return page;
}

std::size_t SqliteStore::prune_messages(
    const PruneCutoffs& cutoffs, std::size_t batch_limit, std::stop_token stop
) {
    if (cutoffs.keep_all()) return 0;
    // Each transaction does at most `budget` steps, a step being a message removed or a
    // conversation looked at: the writer is never held for long, even where nothing is due.
    const auto budget = static_cast<std::int64_t>(std::max<std::size_t>(1, batch_limit));
    std::size_t removed = 0;
    std::optional<std::string> conversation;  // the one being pruned
    std::string passed;                       // the last one looked at (no conversation is "")
    for (bool done = false; !done && !stop.stop_requested();) {
        std::int64_t removed_now = 0;
        const auto batch_start = std::chrono::steady_clock::now();
        {
            std::lock_guard lock(writer_mutex_);
            Transaction tx(*writer_);
            // Before messages are deleted: their ids may be the largest handed out.
            Query(*writer_, kAdvanceSequenceToMessages).run();
            for (std::int64_t steps = 0; steps < budget;) {
                if (!conversation) {
                    Query next(*writer_, kNextConversation);
                    next.bind(1, passed);
                    if (!next.step()) {
                        done = true;
                        break;
                    }
                    conversation = next.text(0);
                    passed = *conversation;
                    ++steps;
                }
                const auto cutoff = cutoffs.of(*conversation);
                if (!cutoff) {
                    conversation.reset();
                    continue;
                }
                const std::int64_t room = budget - steps;
                const std::int64_t slice = Query(*writer_, kPruneSlice)
                                               .bind(1, *conversation)
                                               .bind(2, *cutoff)
                                               .bind(3, room)
                                               .run();
                removed_now += slice;
                steps += slice;
                if (slice < room) conversation.reset();  // nothing more is due in it
            }
            tx.commit();
        }
        if (removed_now > 0) wake_indexer();
        removed += static_cast<std::size_t>(removed_now);
        // Pruning takes at most half of the writer's time, and the commits that waited for it
        // take it before the next batch: the mutex is not fair, and a yield alone let the
        // pruner take it back first, again and again, on a busy machine (seconds of waiting).
        if (!done) std::this_thread::sleep_for(std::chrono::steady_clock::now() - batch_start);
    }
    return removed;
}

core::MessageId SqliteStore::max_message_id() {
    auto reader = lease_reader();
    return largest_message_id(*reader);
}

std::vector<core::Message> SqliteStore::pending_dms(
    const core::UserName& user, core::MessageId after, std::size_t limit
) {
    auto reader = lease_reader();
    Transaction snapshot(*reader, kBeginRead);
    Query q(*reader, kPendingOf);
    q.bind(1, user.folded()).bind(2, after).bind(3, sql_limit(limit));
    auto messages = read_messages(*reader, q);
    snapshot.commit();
    return messages;
}

void SqliteStore::forget_pending_dms(const core::UserName& user, core::MessageId up_to) {
    std::lock_guard lock(writer_mutex_);
    Query(*writer_, kForgetPending).bind(1, user.folded()).bind(2, up_to).run();
}

std::vector<DirectPartner> SqliteStore::direct_partners(const core::UserKey& user) {
    auto reader = lease_reader();
    Query q(*reader, kDirectPartners);
    q.bind(1, user);
    std::vector<DirectPartner> partners;
    while (q.step()) partners.push_back({q.text(0), q.text(1), q.text(2)});
    return partners;
}

std::optional<DirectPartner> SqliteStore::direct_partner_named(
    const core::UserKey& user, const core::UserName& partner
) {
    auto reader = lease_reader();
    Query q(*reader, kDirectPartnerNamed);
    q.bind(1, user).bind(2, partner.folded());
    if (!q.step()) return std::nullopt;
    return DirectPartner{q.text(0), q.text(1), q.text(2)};
}

namespace {

ReadMarker read_marker_of(
    SqliteConnection& connection, const core::UserKey& user, std::string_view conversation
) {
    Query q(connection, kReadMarker);
    q.bind(1, user).bind(2, conversation);
    if (!q.step()) return {};
    return ReadMarker{.id = q.integer(0), .ts_ms = q.integer(1)};
}

}  // namespace

core::MessageId SqliteStore::read_marker(const core::UserKey& user, std::string_view conversation) {
    return read_position(user, conversation).id;
}

ReadMarker SqliteStore::read_position(const core::UserKey& user, std::string_view conversation) {
    auto reader = lease_reader();
    return read_marker_of(*reader, user, conversation);
}

bool SqliteStore::advance_read_time(
    const core::UserKey& user, std::string_view conversation, core::UnixMillis ts_ms
) {
    std::lock_guard lock(writer_mutex_);
    return Query(*writer_, kAdvanceReadTime)
               .bind(1, user)
               .bind(2, conversation)
               .bind(3, ts_ms)
               .run() == 1;
}

bool SqliteStore::advance_read_marker(
    const core::UserKey& user, std::string_view conversation, core::MessageId id
) {
    std::lock_guard lock(writer_mutex_);
    return Query(*writer_, kAdvanceReadMarker)
               .bind(1, user)
               .bind(2, conversation)
               .bind(3, id)
               .run() == 1;
}

std::vector<ConversationStats> SqliteStore::conversation_stats(
    const core::UserKey& user, std::span<const std::string> conversations, std::size_t count_cap
) {
    const std::int64_t cap = sql_limit(count_cap);
    std::vector<ConversationStats> figures;
    figures.reserve(conversations.size());
    auto reader = lease_reader();
    Transaction snapshot(*reader, kBeginRead);
    for (const std::string& conversation : conversations) {
        ConversationStats& stats = figures.emplace_back();
        stats.conversation = conversation;
        {
            Query q(*reader, kLastMessage);
            q.bind(1, conversation);
            if (q.step()) {
                stats.last_id = q.integer(0);
                stats.last_ts = q.integer(1);
            }
        }
        stats.read = read_marker_of(*reader, user, conversation).id;
        if (!stats.last_id) continue;
        {
            Query q(*reader, kCountUnread);
            q.bind(1, conversation).bind(2, stats.read).bind(3, user).bind(4, cap).step();
            stats.unread = static_cast<std::size_t>(q.integer(0));
        }
        // Mentions counted are a subset of the unread: mentions of deleted messages and of oneself
        // are not stored.
        if (stats.unread == 0) continue;
        Query q(*reader, kCountMentions);
        q.bind(1, user).bind(2, conversation).bind(3, stats.read).bind(4, cap).step();
        stats.mentions = static_cast<std::size_t>(q.integer(0));
    }
    snapshot.commit();
    return figures;
}

int SqliteStore::schema_version() {
    auto reader = lease_reader();
    return read_user_version(*reader);
}

void SqliteStore::publish_indexed(std::int64_t seq, core::MessageId next_id) {
    {
        std::lock_guard lock(indexed_mutex_);
        published_watermark_.store(seq, std::memory_order_release);
        indexed_next_id_.store(next_id, std::memory_order_release);
    }
    indexed_.notify_all();
}

void SqliteStore::back_up_to(const std::filesystem::path& destination) {
    // O_EXCL: a backup never overwrites a file, a former backup least of all.
    const int fd = ::open(destination.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw StorageError("cannot create " + destination.string() + ": " + std::strerror(errno));
    }
    ::close(fd);
    try {
        auto reader = lease_reader();
        copy_database(*reader, destination);
    } catch (...) {
        for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
            std::error_code ignored;
            std::filesystem::remove(destination.string() + suffix, ignored);
        }
        throw;
    }
}

bool SqliteStore::wait_until_indexed(std::chrono::milliseconds timeout) {
    IndexTarget target{};
    {
        auto reader = lease_reader();
        Transaction snapshot(*reader, kBeginRead);
        target = read_index_target(*reader);
    }
    wake_indexer();
    std::unique_lock lock(indexed_mutex_);
    return indexed_.wait_for(lock, timeout, [&] {
        return published_watermark_.load(std::memory_order_acquire) >= target.last_seq &&
               indexed_next_id_.load(std::memory_order_acquire) > target.sequence;
    });
}

BackupSummary check_sqlite_backup(const std::filesystem::path& file) {
    // SQLite would create a missing file; a directory fails to open with a vaguer message.
    if (!std::filesystem::is_regular_file(file)) {
        throw StorageError(file.string() + " is not a database: not a regular file");
    }
    try {
        return check_backup_database(file);
    } catch (const StorageError& e) {
        throw StorageError(file.string() + " is not a usable Salon database: " + e.what());
    }
}

void install_sqlite_backup(
    const std::filesystem::path& incoming,
    const std::filesystem::path& database,
    const std::filesystem::path& kept
) {
    namespace fs = std::filesystem;
    auto move = [](const fs::path& from, const fs::path& to) {
        std::error_code ec;
        fs::rename(from, to, ec);
        if (ec) {
            throw StorageError(
                "cannot move " + from.string() + " to " + to.string() + ": " + ec.message()
            );
        }
    };
    const fs::path wal = database.string() + "-wal";
    const bool had_database = fs::exists(database);
    const bool had_wal = fs::exists(wal);
    std::error_code ignored;
    bool moved_database = false;
    bool moved_wal = false;
    try {
        if (had_database) {
            move(database, kept);
            moved_database = true;
        }
        if (had_wal && had_database) {
            move(wal, kept.string() + "-wal");
            moved_wal = true;
        }
        // A WAL without its database belongs to nothing, and must not be applied to the new one.
        if (had_wal && !had_database) fs::remove(wal, ignored);
        // The shared-memory index of the WAL is rebuilt from the WAL by whoever opens it next.
        fs::remove(database.string() + "-shm", ignored);
        move(incoming, database);
    } catch (const StorageError&) {
        if (moved_wal) fs::rename(kept.string() + "-wal", wal, ignored);
        if (moved_database) fs::rename(kept, database, ignored);
        throw;
    }
    const fs::path search = search_file_of(database);
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(search.string() + suffix, ignored);
}

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& file, SqliteOptions options) {
    return std::make_unique<SqliteStore>(file, options);
}

namespace {

/// How an AdminRequest's action is stored.
std::string_view stored_action(AdminRequest::Action action) {
    switch (action) {
        case AdminRequest::Action::delete_channel:
            return "delete";
        case AdminRequest::Action::rename_channel:
            return "rename";
        case AdminRequest::Action::op:
            return "op";
    }
    return "delete";
}

AdminRequest::Action stored_action(std::string_view text) {
    if (text == "delete") return AdminRequest::Action::delete_channel;
    if (text == "rename") return AdminRequest::Action::rename_channel;
    if (text == "op") return AdminRequest::Action::op;
    throw StorageError("admin_requests.action holds '" + std::string(text) + "'");
}

}  // namespace

std::int64_t SqliteStore::enqueue_admin_request(const AdminRequest& request) {
    std::lock_guard lock(writer_mutex_);
    Query(*writer_, kEnqueueAdminRequest)
        .bind(1, stored_action(request.action))
        .bind(2, request.channel)
        .bind(3, request.argument)
        .bind(4, request.created_ms)
        .run();
    return sqlite3_last_insert_rowid(writer_->db());
}

std::vector<AdminRequest> SqliteStore::claim_admin_requests(std::size_t limit) {
    std::lock_guard lock(writer_mutex_);
    Query q(*writer_, kClaimAdminRequests);
    q.bind(1, static_cast<std::int64_t>(limit));
    std::vector<AdminRequest> claimed;
    while (q.step()) {
        claimed.push_back(AdminRequest{
            .id = q.integer(0),
            .action = stored_action(q.text(1)),
            .channel = q.text(2),
            .argument = q.text(3),
            .created_ms = q.integer(4),
        });
    }
    // RETURNING gives no order.
    std::ranges::sort(claimed, {}, &AdminRequest::id);
    return claimed;
}

void SqliteStore::finish_admin_request(std::int64_t id, const AdminOutcome& outcome) {
    std::lock_guard lock(writer_mutex_);
    Query(*writer_, kFinishAdminRequest)
        .bind(1, id)
        .bind_flag(2, outcome.ok)
        .bind(3, outcome.message)
        .run();
}

std::optional<AdminOutcome> SqliteStore::take_admin_outcome(std::int64_t id) {
    std::lock_guard lock(writer_mutex_);
    Query q(*writer_, kTakeAdminOutcome);
    q.bind(1, id);
    std::optional<AdminOutcome> outcome;
    while (q.step()) outcome = AdminOutcome{.ok = q.integer(0) != 0, .message = q.text(1)};
    return outcome;
}

bool SqliteStore::cancel_admin_request(std::int64_t id) {
    std::lock_guard lock(writer_mutex_);
    return Query(*writer_, kCancelAdminRequest).bind(1, id).run() == 1;
}

}  // namespace salon::store
