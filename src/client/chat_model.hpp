// What an interactive client knows about the conversation: one buffer per channel or direct
// conversation plus a status buffer, with their lines, members, unread counts and mentions.
// Fed with decoded events and replies; drawn by a view. No I/O, no terminal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/codec.hpp"
#include "core/clock.hpp"

namespace salon::client {

enum class LineKind {
    message,  ///< a channel message or a direct message
    join,     ///< `[+]nick`
    part,     ///< `[-]nick`, also kicks and quits
    info,     ///< the client talking to the user
    error,    ///< a refused request or a lost connection
};

struct Line {
    LineKind kind = LineKind::info;
    std::int64_t id = 0;  ///< message id for LineKind::message, else 0
    core::UnixMillis ts_ms = 0;
    std::string nick{};  ///< sender for messages, subject for join/part
    std::string text{};
    bool mention = false;       ///< the message names the local user
    bool own = false;           ///< sent by the local user
    std::int64_t reply_to = 0;  ///< the message answered; 0 for none
    bool edited = false;
    bool deleted = false;  ///< a tombstone: drawn as "message deleted"
    bool action = false;   ///< `/me`: `text` is the action, drawn as `* nick text`
    bool pending = false;  ///< typed while offline; sent (and replaced by the echo) on reconnect
    std::vector<core::Reaction> reactions{};
    std::string where{};  ///< search results: `#channel` or `@user`, the conversation
};

/// `search` holds the results of /search: message lines from many conversations.
enum class BufferKind { status, channel, direct, search };

struct Buffer {
    BufferKind kind = BufferKind::status;
    std::string name{};  ///< canonical channel name, the DM peer's name, or "salon"
    bool joined = false;
    bool rejoin = false;  ///< was joined when the connection dropped
    std::string topic{};
    std::vector<core::MemberInfo> members{};  ///< operators first, then by name
    std::vector<Line> lines{};                ///< oldest first
    int unread = 0;                ///< messages that arrived while another buffer was shown
    bool mentioned = false;        ///< one of them named the user, or it was a DM
    bool at_beginning = false;     ///< HISTORY found nothing older
    bool history_pending = false;  ///< a scroll-back HISTORY request is in flight
    std::size_t scroll = 0;        ///< rows scrolled up from the bottom; 0 follows new lines
    /// The highest `rev` received live, by the join's replay or by a resume: a reconnect asks
    /// for everything after it (HISTORY `after`), so nothing missed offline is left out.
    std::int64_t max_rev = 0;
    bool resuming = false;       ///< a resume is under way: the join's replay is not needed
    std::int64_t read_id = 0;    ///< the server's read marker
    std::int64_t read_sent = 0;  ///< the highest READ this client sent
    /// "new messages" goes after this id (the read marker as the window was shown); -1: none.
    std::int64_t marker_id = -1;
    std::int64_t highlight_id = 0;  ///< a message jumped to (/goto), drawn highlighted
    bool history_loaded = false;    ///< DMs: the newest page was asked for
    /// Who is typing, with when their `active` runs out (Unix ms).
    std::vector<std::pair<std::string, core::UnixMillis>> typing{};

    /// `home`, `@bob`, or `salon` for the status buffer.
    std::string label() const;
    /// The conversation, for the version 2 verbs; only for channel and direct buffers.
    ConversationRef conversation() const;
    /// The line of message `id`, or nullptr.
    const Line* message(std::int64_t id) const;
    /// The oldest message id held, 0 when there is none.
    std::int64_t oldest_id() const noexcept;
    std::int64_t newest_id() const noexcept;
};

/// A stable colour slot for a nick: the same name (in any case) gets the same slot in every
/// session and on every machine, because it is a fixed hash rather than std::hash.
int nick_colour(std::string_view nick, int palette_size) noexcept;

/// Not thread-safe. Buffer 0 is always the status buffer; the others keep their creation order,
/// which is what `/switch N` and Alt+N count (1-based, status = 1).
class ChatModel {
public:
    explicit ChatModel(const core::Clock& clock, std::size_t max_lines_per_buffer = 5000);

    void set_self(std::string nick) { self_ = std::move(nick); }

    const std::string& self() const noexcept { return self_; }

    bool is_self(std::string_view nick) const;

    const std::vector<Buffer>& buffers() const noexcept { return buffers_; }

    Buffer& buffer(std::size_t index) { return buffers_.at(index); }

    std::size_t active() const noexcept { return active_; }

    Buffer& active_buffer() { return buffers_[active_]; }

    /// Shows buffer `index` and clears its unread count and mention mark.
    void switch_to(std::size_t index);

    std::optional<std::size_t> find(BufferKind kind, std::string_view name) const;

    /// Finds or creates; channel names should already be canonical.
    std::size_t open(BufferKind kind, std::string_view name);

    /// Drops a buffer (after the user's own /part); the status buffer stays.
    void close(std::size_t index);

    // ---- server input ------------------------------------------------------------------------

    /// Applies one event; replies go through the on_*_result calls instead.
    void apply(const Payload& payload);

    void on_msg(const core::Message& message);
    void on_dm(const core::Message& message);
    void on_join(const core::JoinEvent& event);
    void on_part(const core::PartEvent& event);
    void on_quit(const core::QuitEvent& event);
    /// The HISTORY event after a join: merged by id, so a rejoin does not duplicate lines.
    void on_history_event(const core::HistoryEvent& event);
    /// A scroll-back page: prepended; fewer than `requested` messages means the start is reached,
    /// unless the page says `more`.
    void on_history_page(const core::HistoryResult& page, int requested);
    void on_topic(const core::TopicEvent& event);
    /// UPDATE: the message with that id is replaced, if held.
    void on_update(const core::Message& message);
    /// A page of HISTORY `after`: new messages go in by id, changed ones are replaced, and
    /// messages older than the oldest held are left out (scroll-back fetches them whole).
    void on_resume_page(const core::HistoryResult& page);
    void on_read(const core::ReadEvent& event);
    /// TYPING; an `active` lasts 6 s unless renewed.
    void on_typing(const core::TypingEvent& event);
    /// RENAME (a guest registered in place): the member lists, the DM window with that name
    /// and who is typing follow the new name, each shared channel says "OLD is now NEW", and
    /// when it is us, self() changes. Lines already written keep the name they had.
    void on_rename(const core::RenameEvent& event);
    /// CONVERSATIONS at login: opens the DM windows and takes unread counts and read markers.
    void on_conversations(const core::ConversationsResult& result);
    /// Shows /search results in the search window (created on first use) and returns its index.
    std::size_t show_search(const std::string& query, const std::vector<core::Message>& found);
    /// Names typing in buffer `index` now.
    std::vector<std::string> typing_now(std::size_t index) const;
    /// Finds the channel or DM buffer of a message.
    std::optional<std::size_t> find_conversation(const core::Message& message) const;
    /// Text typed while offline, kept as a pending line until it can be sent.
    void add_pending(std::size_t index, std::string text);
    /// Removes and returns buffer `index`'s pending texts, oldest first.
    std::vector<std::string> take_pending(std::size_t index);
    void on_join_result(const core::JoinResult& result);
    void on_who_result(const core::WhoResult& result);

    // ---- client notes ------------------------------------------------------------------------

    void info(std::size_t index, std::string text);
    void error(std::size_t index, std::string text);

    /// After the connection is lost: every channel is marked not joined, but kept, so that the
    /// reconnect can rejoin them and the user's lines stay on screen.
    void mark_disconnected();

    /// Channels that were joined (or marked by mark_disconnected) and should be rejoined.
    std::vector<std::string> channels_to_rejoin() const;

private:
    void add_line(std::size_t index, Line line, bool counts_as_unread);
    void add_message(std::size_t index, const core::Message& m);
    Line make_line(const core::Message& m, bool live) const;
    /// Puts `m` in id order (or replaces the line with its id); true when it was new.
    bool place(std::size_t index, const core::Message& m, bool live);
    void trim(Buffer& b) const;

    const core::Clock& clock_;
    std::size_t max_lines_;
    std::string self_;
    std::vector<Buffer> buffers_;
    std::size_t active_ = 0;
};

}  // namespace salon::client
