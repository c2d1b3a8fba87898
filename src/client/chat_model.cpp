// ChatModel: event-to-buffer bookkeeping for the terminal client (and any other interactive one).
#include "client/chat_model.hpp"

#include <algorithm>

#include "client/text.hpp"
#include "core/names.hpp"

namespace salon::client {

std::string Buffer::label() const {
    switch (kind) {
        case BufferKind::direct:
            return "@" + name;
        case BufferKind::search:
            return "search";
        case BufferKind::channel:
        case BufferKind::status:
            break;
    }
    return name;
}

ConversationRef Buffer::conversation() const {
    return kind == BufferKind::direct ? ConversationRef::direct(name)
                                      : ConversationRef::channel(name);
}

const Line* Buffer::message(std::int64_t id) const {
    for (const auto& l : lines) {
        if (l.id == id && l.kind == LineKind::message) return &l;
    }
    return nullptr;
}

std::int64_t Buffer::oldest_id() const noexcept {
    for (const auto& l : lines) {
        if (l.id != 0) return l.id;
    }
    return 0;
}

std::int64_t Buffer::newest_id() const noexcept {
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (it->id != 0) return it->id;
    }
    return 0;
}

int nick_colour(std::string_view nick, int palette_size) noexcept {
    if (palette_size <= 0) return 0;
    // FNV-1a, 32 bit: fixed across runs and platforms, unlike std::hash.
    std::uint32_t h = 2166136261u;
    for (char c : nick) {
        const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        h ^= static_cast<unsigned char>(lower);
        h *= 16777619u;
    }
    return static_cast<int>(h % static_cast<std::uint32_t>(palette_size));
}

ChatModel::ChatModel(const core::Clock& clock, std::size_t max_lines_per_buffer)
    : clock_(clock), max_lines_(max_lines_per_buffer) {
    buffers_.push_back(Buffer{.kind = BufferKind::status, .name = "salon"});
}

bool ChatModel::is_self(std::string_view nick) const {
    return !self_.empty() && core::fold_user_name(nick) == core::fold_user_name(self_);
}

void ChatModel::switch_to(std::size_t index) {
    if (index >= buffers_.size()) return;
    active_ = index;
    Buffer& b = buffers_[index];
    // "new messages" marks where the reader left off, until the next switch.
    b.marker_id = b.unread > 0 ? b.read_id : -1;
    b.unread = 0;
    b.mentioned = false;
}

std::optional<std::size_t> ChatModel::find(BufferKind kind, std::string_view name) const {
    const std::string folded = core::fold_user_name(name);
    for (std::size_t i = 0; i < buffers_.size(); ++i) {
        if (buffers_[i].kind == kind && core::fold_user_name(buffers_[i].name) == folded) return i;
    }
    return std::nullopt;
}

std::size_t ChatModel::open(BufferKind kind, std::string_view name) {
    if (auto i = find(kind, name)) return *i;
    buffers_.push_back(Buffer{.kind = kind, .name = std::string(name)});
    return buffers_.size() - 1;
}

void ChatModel::close(std::size_t index) {
    if (index == 0 || index >= buffers_.size()) return;
    buffers_.erase(buffers_.begin() + static_cast<std::ptrdiff_t>(index));
    if (active_ >= index && active_ > 0) --active_;
}

void ChatModel::trim(Buffer& b) const {
    if (b.lines.size() <= max_lines_) return;
    b.lines.erase(
        b.lines.begin(), b.lines.begin() + static_cast<std::ptrdiff_t>(b.lines.size() - max_lines_)
    );
    b.at_beginning = false;  // what was dropped can be fetched again
}

void ChatModel::add_line(std::size_t index, Line line, bool counts_as_unread) {
    Buffer& b = buffers_[index];
    if (index != active_ && counts_as_unread) {
        ++b.unread;
        if (line.mention || b.kind == BufferKind::direct) b.mentioned = true;
    }
    // Keep the reader's place when scrolled up: the new row pushes the view by one.
    if (b.scroll > 0) ++b.scroll;
    b.lines.push_back(std::move(line));
    trim(b);
}

namespace {

/// DM windows opened at login from CONVERSATIONS, besides those with unread messages.
constexpr std::size_t kDirectWindowsAtLogin = 10;

/// IRC's CTCP ACTION (`/me`), as IRC clients send it and the bridge passes it on.
constexpr std::string_view kActionPrefix =
    "\x01"
    "ACTION ";

}  // namespace

Line ChatModel::make_line(const core::Message& m, bool live) const {
    const bool own = is_self(m.from);
    Line line{
        .kind = LineKind::message,
        .id = m.id,
        .ts_ms = m.ts_ms != 0 ? m.ts_ms : clock_.unix_now_ms(),
        .nick = m.from,
        .text = m.text,
        .mention = false,
        .own = own,
        .reply_to = m.reply_to,
        .edited = m.edited_ms != 0,
        .deleted = m.deleted,
        .action = false,
        .pending = false,
        .reactions = m.reactions};
    if (line.text.starts_with(kActionPrefix)) {
        line.action = true;
        line.text.erase(0, kActionPrefix.size());
        if (!line.text.empty() && line.text.back() == '\x01') line.text.pop_back();
    }
    if (live && !own && !m.deleted) {
        // The server's reading of `@name` when it sent one; the nick as a word otherwise.
        line.mention =
            std::any_of(
                m.mentions.begin(), m.mentions.end(), [&](const auto& u) { return is_self(u); }
            ) ||
            mentions(m.text, self_);
    }
    return line;
}

bool ChatModel::place(std::size_t index, const core::Message& m, bool live) {
    Buffer& b = buffers_[index];
    b.max_rev = std::max(b.max_rev, std::max(m.rev, m.id));
    for (auto& l : b.lines) {
        if (l.kind != LineKind::message || l.id != m.id || m.id == 0) continue;
        // Known: take the newer state (an edit, delete or reaction), keep the highlight.
        const bool mention = l.mention;
        l = make_line(m, false);
        l.mention = mention && !m.deleted;
        return false;
    }
    Line line = make_line(m, live);
    const bool counts = live && !line.own && !m.deleted;
    // In id order: after the last message line with a smaller id.
    auto pos = b.lines.end();
    for (auto it = b.lines.begin(); it != b.lines.end(); ++it) {
        if (it->kind == LineKind::message && !it->pending && it->id > m.id) {
            pos = it;
            break;
        }
    }
    if (pos == b.lines.end()) {
        // Pending lines stay the newest until sent.
        while (pos != b.lines.begin() && std::prev(pos)->pending) --pos;
        if (pos == b.lines.end()) {
            add_line(index, std::move(line), counts);
            return true;
        }
    }
    if (index != active_ && counts) {
        ++b.unread;
        if (line.mention || b.kind == BufferKind::direct) b.mentioned = true;
    }
    b.lines.insert(pos, std::move(line));
    trim(b);
    return true;
}

void ChatModel::add_message(std::size_t index, const core::Message& m) {
    place(index, m, true);
}

void ChatModel::apply(const Payload& payload) {
    if (const auto* e = std::get_if<core::MessageEvent>(&payload)) {
        return e->message.is_direct() ? on_dm(e->message) : on_msg(e->message);
    }
    if (const auto* e = std::get_if<core::JoinEvent>(&payload)) return on_join(*e);
    if (const auto* e = std::get_if<core::PartEvent>(&payload)) return on_part(*e);
    if (const auto* e = std::get_if<core::QuitEvent>(&payload)) return on_quit(*e);
    if (const auto* e = std::get_if<core::HistoryEvent>(&payload)) return on_history_event(*e);
    if (const auto* e = std::get_if<core::TopicEvent>(&payload)) return on_topic(*e);
    if (const auto* e = std::get_if<core::UpdateEvent>(&payload)) return on_update(e->message);
    if (const auto* e = std::get_if<core::ReadEvent>(&payload)) return on_read(*e);
    if (const auto* e = std::get_if<core::TypingEvent>(&payload)) return on_typing(*e);
    if (const auto* e = std::get_if<core::RenameEvent>(&payload)) return on_rename(*e);
    if (const auto* e = std::get_if<core::NoticeEvent>(&payload)) {
        info(0, "server notice " + e->code + (e->message.empty() ? "" : ": " + e->message));
    }
}

void ChatModel::on_msg(const core::Message& message) {
    add_message(open(BufferKind::channel, message.channel), message);
}

void ChatModel::on_dm(const core::Message& message) {
    const std::string& peer = is_self(message.from) ? message.to : message.from;
    add_message(open(BufferKind::direct, peer), message);
}

namespace {

void sort_members(std::vector<core::MemberInfo>& members) {
    std::sort(
        members.begin(),
        members.end(),
        [](const core::MemberInfo& a, const core::MemberInfo& b) {
            if (a.op != b.op) return a.op;
            return core::fold_user_name(a.user) < core::fold_user_name(b.user);
        }
    );
}

bool remove_member(std::vector<core::MemberInfo>& members, std::string_view user) {
    const std::string folded = core::fold_user_name(user);
    const auto it = std::find_if(members.begin(), members.end(), [&](const core::MemberInfo& m) {
        return core::fold_user_name(m.user) == folded;
    });
    if (it == members.end()) return false;
    members.erase(it);
    return true;
}

}  // namespace

void ChatModel::on_join(const core::JoinEvent& event) {
    const std::size_t index = open(BufferKind::channel, event.channel);
    Buffer& b = buffers_[index];
    if (is_self(event.user)) {
        b.joined = true;
        b.rejoin = false;
    }
    remove_member(b.members, event.user);
    b.members.push_back(core::MemberInfo{
        .user = event.user, .guest = core::is_guest_name(event.user), .op = event.op});
    sort_members(b.members);
    add_line(
        index,
        Line{.kind = LineKind::join, .ts_ms = clock_.unix_now_ms(), .nick = event.user},
        false
    );
}

void ChatModel::on_part(const core::PartEvent& event) {
    const auto index = find(BufferKind::channel, event.channel);
    if (!index) return;
    Buffer& b = buffers_[*index];
    remove_member(b.members, event.user);
    std::string text;
    if (!event.by.empty()) {
        text = "kicked by " + event.by + (event.reason.empty() ? "" : ": " + event.reason);
    }
    if (is_self(event.user)) {
        b.joined = false;
        b.rejoin = false;
        b.members.clear();
    }
    add_line(
        *index,
        Line{
            .kind = LineKind::part,
            .ts_ms = clock_.unix_now_ms(),
            .nick = event.user,
            .text = text},
        false
    );
}

void ChatModel::on_quit(const core::QuitEvent& event) {
    for (std::size_t i = 0; i < buffers_.size(); ++i) {
        if (buffers_[i].kind != BufferKind::channel) continue;
        if (!remove_member(buffers_[i].members, event.user)) continue;
        add_line(
            i,
            Line{
                .kind = LineKind::part,
                .ts_ms = clock_.unix_now_ms(),
                .nick = event.user,
                .text = (event.reason.empty() || event.reason == "quit") ? "quit"
                                                                         : "quit: " + event.reason},
            false
        );
    }
}

void ChatModel::on_history_event(const core::HistoryEvent& event) {
    const std::size_t index = open(BufferKind::channel, event.channel);
    Buffer& b = buffers_[index];
    if (b.resuming) return;  // HISTORY `after` brings all of it, without a hole
    const std::int64_t oldest = b.oldest_id();
    const std::int64_t newest = b.newest_id();
    // The replay happened before the join that triggered it: it goes above the `[+]` lines.
    auto pos = b.lines.size();
    while (pos > 0 && (b.lines[pos - 1].kind == LineKind::join || b.lines[pos - 1].pending)) --pos;
    std::vector<Line> older;
    std::vector<Line> newer;
    for (const auto& m : event.messages) {
        b.max_rev = std::max(b.max_rev, std::max(m.rev, m.id));
        // A replay is old news: no highlight, not unread.
        Line line = make_line(m, false);
        if (oldest != 0 && m.id < oldest) {
            older.push_back(std::move(line));
        } else if (m.id > newest) {
            newer.push_back(std::move(line));
        } else {
            place(index, m, false);  // already held: take its current state
        }
    }
    auto& lines = b.lines;
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(pos), newer.begin(), newer.end());
    lines.insert(lines.begin(), older.begin(), older.end());
    // The server replays its newest 50 (history_on_join): fewer, without `more`, is all there is.
    if (!event.more && event.messages.size() < 50 && oldest == 0) b.at_beginning = true;
    trim(b);
}

void ChatModel::on_history_page(const core::HistoryResult& page, int requested) {
    const auto index = page.with.empty() ? find(BufferKind::channel, page.channel)
                                         : find(BufferKind::direct, page.with);
    if (!index) return;
    Buffer& b = buffers_[*index];
    b.history_pending = false;
    const std::int64_t oldest = b.oldest_id();
    std::vector<Line> older;
    for (const auto& m : page.messages) {
        if (oldest != 0 && m.id >= oldest) {
            place(*index, m, false);
            continue;
        }
        older.push_back(make_line(m, false));
        if (oldest == 0) b.max_rev = std::max(b.max_rev, std::max(m.rev, m.id));
    }
    b.lines.insert(b.lines.begin(), older.begin(), older.end());
    // A short page is the start, unless the server cut it to bound the reply (`more`).
    if (static_cast<int>(page.messages.size()) < requested && !page.more) b.at_beginning = true;
}

void ChatModel::on_update(const core::Message& message) {
    const auto index = find_conversation(message);
    if (!index) return;
    Buffer& b = buffers_[*index];
    b.max_rev = std::max(b.max_rev, message.rev);
    if (b.message(message.id) != nullptr) place(*index, message, false);
}

void ChatModel::on_resume_page(const core::HistoryResult& page) {
    const auto index = page.with.empty() ? find(BufferKind::channel, page.channel)
                                         : find(BufferKind::direct, page.with);
    if (!index) return;
    Buffer& b = buffers_[*index];
    for (const auto& m : page.messages) {
        const std::int64_t oldest = b.oldest_id();
        if (oldest != 0 && m.id < oldest && b.message(m.id) == nullptr) {
            b.max_rev = std::max(b.max_rev, m.rev);  // a change to a message not held
            continue;
        }
        place(*index, m, true);
    }
    if (!page.more) b.resuming = false;
}

void ChatModel::on_read(const core::ReadEvent& event) {
    const auto index = event.with.empty() ? find(BufferKind::channel, event.channel)
                                          : find(BufferKind::direct, event.with);
    if (!index) return;
    Buffer& b = buffers_[*index];
    b.read_id = std::max(b.read_id, event.id);
    b.read_sent = std::max(b.read_sent, event.id);
    // Read on another device: nothing here is unread any more.
    if (b.read_id >= b.newest_id()) {
        b.unread = 0;
        b.mentioned = false;
    }
}

void ChatModel::on_typing(const core::TypingEvent& event) {
    const auto index = event.with.empty() ? find(BufferKind::channel, event.channel)
                                          : find(BufferKind::direct, event.with);
    if (!index || is_self(event.user)) return;
    auto& typing = buffers_[*index].typing;
    std::erase_if(typing, [&](const auto& t) {
        return core::fold_user_name(t.first) == core::fold_user_name(event.user);
    });
    if (event.state == core::TypingState::active)
        typing.emplace_back(event.user, clock_.unix_now_ms() + 6000);
}

void ChatModel::on_rename(const core::RenameEvent& event) {
    const std::string old_folded = core::fold_user_name(event.user);
    const bool self = is_self(event.user);
    for (std::size_t i = 0; i < buffers_.size(); ++i) {
        Buffer& b = buffers_[i];
        for (auto& [user, until] : b.typing) {
            if (core::fold_user_name(user) == old_folded) user = event.to;
        }
        if (b.kind != BufferKind::channel) continue;
        const auto it = std::find_if(b.members.begin(), b.members.end(), [&](const auto& m) {
            return core::fold_user_name(m.user) == old_folded;
        });
        if (it == b.members.end()) continue;
        it->user = event.to;
        it->guest = core::is_guest_name(event.to);
        sort_members(b.members);
        info(i, event.user + " is now " + event.to);
    }
    // The conversation with them goes on under the new name, unless one by that name exists.
    if (const auto dm = find(BufferKind::direct, event.user);
        dm && !find(BufferKind::direct, event.to)) {
        buffers_[*dm].name = event.to;
    }
    if (self) {
        self_ = event.to;
        info(0, "you are now " + event.to);
    }
}

std::vector<std::string> ChatModel::typing_now(std::size_t index) const {
    std::vector<std::string> out;
    if (index >= buffers_.size()) return out;
    const auto now = clock_.unix_now_ms();
    for (const auto& [user, until] : buffers_[index].typing) {
        if (until > now) out.push_back(user);
    }
    return out;
}

void ChatModel::on_conversations(const core::ConversationsResult& result) {
    std::size_t direct = 0;
    for (const auto& c : result.conversations) {
        // The newest DM conversations get a window, and any with unread messages; the rest
        // wait for /msg (the server lists up to 500).
        if (!c.with.empty() && !find(BufferKind::direct, c.with) && c.unread == 0 &&
            direct >= kDirectWindowsAtLogin)
            continue;
        if (!c.with.empty()) ++direct;
        const std::size_t index = c.with.empty() ? open(BufferKind::channel, c.channel)
                                                 : open(BufferKind::direct, c.with);
        Buffer& b = buffers_[index];
        b.read_id = std::max(b.read_id, c.read);
        b.read_sent = std::max(b.read_sent, c.read);
        if (index == active_) {
            if (c.unread > 0) b.marker_id = c.read;
            continue;
        }
        b.unread = static_cast<int>(c.unread);
        b.mentioned = c.mentions > 0 || (b.kind == BufferKind::direct && c.unread > 0);
    }
}

std::size_t ChatModel::show_search(
    const std::string& query, const std::vector<core::Message>& found
) {
    const std::size_t index = open(BufferKind::search, "search");
    Buffer& b = buffers_[index];
    b.lines.clear();
    b.scroll = 0;
    info(
        index,
        std::to_string(found.size()) + " found for \"" + query +
            "\", newest first: /goto ID shows one in its conversation"
    );
    // Newest first, as the server ranks them; each says where it is.
    for (const auto& m : found) {
        Line line = make_line(m, false);
        const std::string where =
            m.is_direct() ? "@" + (is_self(m.from) ? m.to : m.from) : "#" + m.channel;
        line.where = where;
        b.lines.push_back(std::move(line));
    }
    return index;
}

std::optional<std::size_t> ChatModel::find_conversation(const core::Message& message) const {
    if (!message.is_direct()) return find(BufferKind::channel, message.channel);
    return find(BufferKind::direct, is_self(message.from) ? message.to : message.from);
}

void ChatModel::add_pending(std::size_t index, std::string text) {
    add_line(
        index,
        Line{
            .kind = LineKind::message,
            .ts_ms = clock_.unix_now_ms(),
            .nick = self_,
            .text = std::move(text),
            .own = true,
            .pending = true},
        false
    );
}

std::vector<std::string> ChatModel::take_pending(std::size_t index) {
    std::vector<std::string> out;
    auto& lines = buffers_.at(index).lines;
    for (const auto& l : lines) {
        if (l.pending) out.push_back(l.text);
    }
    std::erase_if(lines, [](const Line& l) { return l.pending; });
    return out;
}

void ChatModel::on_topic(const core::TopicEvent& event) {
    const auto index = find(BufferKind::channel, event.channel);
    if (!index) return;
    buffers_[*index].topic = event.topic;
    info(*index, (event.by.empty() ? "topic" : event.by + " set the topic") + ": " + event.topic);
}

void ChatModel::on_join_result(const core::JoinResult& result) {
    const std::size_t index = open(BufferKind::channel, result.channel);
    Buffer& b = buffers_[index];
    b.joined = true;
    b.rejoin = false;
    b.topic = result.topic;
    b.members = result.members;
    sort_members(b.members);
}

void ChatModel::on_who_result(const core::WhoResult& result) {
    const auto index = find(BufferKind::channel, result.channel);
    if (!index) return;
    buffers_[*index].members = result.members;
    sort_members(buffers_[*index].members);
}

void ChatModel::info(std::size_t index, std::string text) {
    if (index >= buffers_.size()) index = 0;
    add_line(
        index,
        Line{.kind = LineKind::info, .ts_ms = clock_.unix_now_ms(), .text = std::move(text)},
        false
    );
}

void ChatModel::error(std::size_t index, std::string text) {
    if (index >= buffers_.size()) index = 0;
    add_line(
        index,
        Line{.kind = LineKind::error, .ts_ms = clock_.unix_now_ms(), .text = std::move(text)},
        false
    );
}

void ChatModel::mark_disconnected() {
    for (auto& b : buffers_) {
        if (b.kind != BufferKind::channel) continue;
        if (b.joined) b.rejoin = true;
        b.joined = false;
        b.members.clear();
        b.history_pending = false;
        b.typing.clear();
    }
}

std::vector<std::string> ChatModel::channels_to_rejoin() const {
    std::vector<std::string> out;
    for (const auto& b : buffers_) {
        if (b.kind == BufferKind::channel && (b.joined || b.rejoin)) out.push_back(b.name);
    }
    return out;
}

}  // namespace salon::client
