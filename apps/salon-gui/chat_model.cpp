// ChatModel: merging live events and history pages into ordered conversations.
#include "chat_model.hpp"

#include <QRegularExpression>
#include <algorithm>

#include "core/names.hpp"

namespace salon::gui {

namespace {

const QString kDmPrefix = QStringLiteral("@");

/// A member known only by name, from a JOIN event: not an operator, a guest by the name rule.
core::MemberInfo member_info(const QString& user) {
    auto name = user.toStdString();
    const bool guest = core::is_guest_name(name);
    return core::MemberInfo{.user = std::move(name), .guest = guest};
}

}  // namespace

qint64 Conversation::oldest_id() const {
    for (const auto& line : lines) {
        if (line.kind == ChatLine::Kind::message) return line.id;
    }
    return 0;
}

qint64 Conversation::newest_id() const {
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (it->kind == ChatLine::Kind::message) return it->id;
    }
    return 0;
}

const ChatLine* Conversation::message(qint64 id) const {
    if (id == 0 || !ids.contains(id)) return nullptr;
    for (const auto& line : lines) {
        if (line.kind == ChatLine::Kind::message && line.id == id) return &line;
    }
    return nullptr;
}

QString fold_name(const QString& name) {
    // The server folds ASCII only (core::fold_user_name); names are ASCII by PROTOCOL.md.
    return QString::fromStdString(core::fold_user_name(name.toStdString()));
}

QString action_text(const QString& text) {
    static const QString kPrefix = QStringLiteral(
        "\x01"
        "ACTION "
    );
    if (!text.startsWith(kPrefix)) return QString();
    auto words = text.mid(kPrefix.size());
    if (words.endsWith(QLatin1Char('\x01'))) words.chop(1);
    return words.isNull() ? QStringLiteral("") : words;
}

QString make_action(const QString& words) {
    return QStringLiteral(
               "\x01"
               "ACTION %1\x01"
    )
        .arg(words);
}

QColor nick_colour(const QString& name, const QColor& background) {
    // FNV-1a over the folded name: qHash is seeded per process, and the same person should
    // keep the same colour between runs.
    quint32 hash = 2166136261U;
    for (const char byte : fold_name(name).toUtf8()) {
        hash ^= static_cast<quint8>(byte);
        hash *= 16777619U;
    }
    // Hue only; dark on a light background and light on a dark one, so that either reads.
    const int lightness = background.lightness() < 128 ? 175 : 95;
    return QColor::fromHsl(static_cast<int>(hash % 360U), 170, lightness);
}

QDateTime message_time(core::UnixMillis ts_ms) {
    if (ts_ms == 0) return QDateTime::currentDateTimeUtc();
    return QDateTime::fromMSecsSinceEpoch(ts_ms, Qt::UTC);
}

ChatModel::ChatModel(QObject* parent) : QObject(parent) {}

void ChatModel::clear() {
    conversations_.clear();
    order_.clear();
    current_.clear();
    emit conversations_changed();
}

void ChatModel::set_own_name(const QString& name) {
    own_name_ = name;
}

QString ChatModel::channel_key(const QString& channel) {
    const auto canonical = core::canonical_channel_name(channel.toStdString());
    return canonical ? QString::fromStdString(*canonical) : QString();
}

QString ChatModel::dm_key(const QString& peer) {
    return kDmPrefix + fold_name(peer);
}

QString ChatModel::ensure_channel(const QString& channel) {
    const auto key = channel_key(channel);
    if (key.isEmpty() || conversations_.count(key) != 0) return key;
    Conversation conversation;
    conversation.key = key;
    conversation.title = QLatin1Char('#') + key;
    conversations_.emplace(key, std::move(conversation));
    // Channels stay above DMs in the list.
    const auto first_dm = std::find_if(order_.begin(), order_.end(), [](const QString& k) {
        return k.startsWith(kDmPrefix);
    });
    order_.insert(first_dm, key);
    emit conversations_changed();
    return key;
}

QString ChatModel::ensure_dm(const QString& peer) {
    const auto key = dm_key(peer);
    if (conversations_.count(key) != 0) return key;
    Conversation conversation;
    conversation.key = key;
    conversation.title = peer;
    conversation.dm = true;
    conversations_.emplace(key, std::move(conversation));
    order_.append(key);
    emit conversations_changed();
    return key;
}

void ChatModel::remove_conversation(const QString& key) {
    if (conversations_.erase(key) == 0) return;
    order_.removeAll(key);
    if (current_ == key) current_.clear();
    emit conversations_changed();
}

const Conversation* ChatModel::find(const QString& key) const {
    const auto it = conversations_.find(key);
    return it == conversations_.end() ? nullptr : &it->second;
}

Conversation* ChatModel::find_mutable(const QString& key) {
    const auto it = conversations_.find(key);
    return it == conversations_.end() ? nullptr : &it->second;
}

void ChatModel::set_current(const QString& key) {
    current_ = key;
}

bool ChatModel::mark_read(const QString& key, qint64 id) {
    auto* conversation = find_mutable(key);
    if (conversation == nullptr || id <= conversation->read_id) return false;
    conversation->read_id = id;
    if (id >= conversation->newest_id() &&
        (conversation->unread != 0 || conversation->mentions != 0)) {
        conversation->unread = 0;
        conversation->mentions = 0;
        emit conversation_updated(key);
    }
    return true;
}

void ChatModel::set_counts(const QString& key, int unread, int mentions, qint64 read_id) {
    auto* conversation = find_mutable(key);
    if (conversation == nullptr) return;
    conversation->read_id = std::max<qint64>(conversation->read_id, read_id);
    conversation->unread = unread;
    conversation->mentions = mentions;
    emit conversation_updated(key);
}

void ChatModel::set_parted(const QString& key, bool parted) {
    auto* conversation = find_mutable(key);
    if (conversation == nullptr || conversation->parted == parted) return;
    conversation->parted = parted;
    if (parted) conversation->members.clear();
    emit members_changed(key);
    emit conversation_updated(key);
}

void ChatModel::set_typing(const QString& key, const QString& user, bool active) {
    auto* conversation = find_mutable(key);
    if (conversation == nullptr) return;
    constexpr int kActiveMs = 6000;  // PROTOCOL.md: `active` is repeated every 3 s at most
    if (active) {
        conversation->typing.insert(user, QDateTime::currentDateTimeUtc().addMSecs(kActiveMs));
    } else if (conversation->typing.remove(user) == 0) {
        return;
    }
    emit conversation_updated(key);
}

void ChatModel::set_members(const QString& channel, const std::vector<core::MemberInfo>& members) {
    auto* conversation = find_mutable(ensure_channel(channel));
    if (conversation == nullptr) return;
    conversation->members.clear();
    for (const auto& member : members) {
        if (member.user.empty()) continue;
        conversation->members.insert(
            QString::fromStdString(core::fold_user_name(member.user)), member
        );
    }
    emit members_changed(conversation->key);
}

void ChatModel::set_member_present(const QString& channel, const QString& user, bool present) {
    auto* conversation = find_mutable(channel_key(channel));
    if (conversation == nullptr) return;
    const auto folded = fold_name(user);
    if (present == conversation->members.contains(folded)) return;
    if (present) {
        conversation->members.insert(folded, member_info(user));
    } else {
        conversation->members.remove(folded);
    }
    emit members_changed(conversation->key);
}

void ChatModel::set_topic(const QString& channel, const QString& topic) {
    auto* conversation = find_mutable(channel_key(channel));
    if (conversation == nullptr || conversation->topic == topic) return;
    conversation->topic = topic;
    emit conversation_updated(conversation->key);
}

bool ChatModel::mentions(const QString& text, const QString& name) {
    if (name.isEmpty()) return false;
    // Name characters are A-Z a-z 0-9 _ - . (PROTOCOL.md); a trailing '.' still counts as
    // the end of the word, so "thanks alice." mentions alice.
    const QRegularExpression pattern(
        QStringLiteral("(?<![A-Za-z0-9_.-])") + QRegularExpression::escape(name) +
            QStringLiteral("(?![A-Za-z0-9_-])"),
        QRegularExpression::CaseInsensitiveOption
    );
    return pattern.match(text).hasMatch();
}

ChatLine ChatModel::message_line(const core::Message& message) const {
    ChatLine line;
    line.kind = ChatLine::Kind::message;
    line.id = message.id;
    line.rev = message.rev != 0 ? message.rev : message.id;
    line.reply_to = message.reply_to;
    line.time = message_time(message.ts_ms);
    if (message.edited_ms != 0) line.edited = message_time(message.edited_ms);
    line.from = QString::fromStdString(message.from);
    line.text = QString::fromStdString(message.text);
    line.deleted = message.deleted;
    if (const auto action = action_text(line.text); !action.isNull()) {
        line.action = true;
        line.text = action;
    }
    for (const auto& reaction : message.reactions) {
        LineReaction shown{QString::fromStdString(reaction.emoji), {}};
        for (const auto& user : reaction.users) shown.users.append(QString::fromStdString(user));
        line.reactions.append(std::move(shown));
    }
    line.own = fold_name(line.from) == fold_name(own_name_);
    const auto folded_own = fold_name(own_name_);
    const bool named =
        std::any_of(message.mentions.begin(), message.mentions.end(), [&](const std::string& user) {
            return fold_name(QString::fromStdString(user)) == folded_own;
        });
    line.mention = !line.own && !line.deleted && (named || mentions(line.text, own_name_));
    return line;
}

bool ChatModel::insert_message(Conversation& conversation, ChatLine line, bool& appended) {
    appended = false;
    conversation.max_rev = std::max<qint64>(conversation.max_rev, line.rev);
    if (line.id != 0 && conversation.ids.contains(line.id)) {
        for (auto& held : conversation.lines) {
            if (held.kind != ChatLine::Kind::message || held.id != line.id) continue;
            if (line.rev <= held.rev) return false;
            held = std::move(line);
            return true;
        }
        return false;
    }
    conversation.ids.insert(line.id);
    // Messages keep id order (the server's order); notices stay where they arrived.
    auto position = conversation.lines.end();
    for (auto it = conversation.lines.begin(); it != conversation.lines.end(); ++it) {
        if (it->kind == ChatLine::Kind::message && it->id > line.id) {
            position = it;
            break;
        }
    }
    appended = position == conversation.lines.end();
    conversation.lines.insert(position, std::move(line));
    return true;
}

void ChatModel::count_live(Conversation& conversation, const ChatLine& line) {
    if (line.own) return;
    const bool wants_attention = line.mention || conversation.dm;
    if (line.id > conversation.read_id) {
        ++conversation.unread;
        if (line.mention) ++conversation.mentions;
        emit conversation_updated(conversation.key);
    }
    if (wants_attention) emit attention(conversation.key, line.from, line.text);
}

void ChatModel::add_message(const core::Message& msg, bool live) {
    auto* conversation = find_mutable(ensure_channel(QString::fromStdString(msg.channel)));
    if (conversation == nullptr) return;
    auto line = message_line(msg);
    bool appended = false;
    const ChatLine copy = line;
    const bool known = conversation->ids.contains(copy.id);
    if (!insert_message(*conversation, std::move(line), appended)) return;
    if (appended) {
        emit line_appended(conversation->key);
    } else {
        emit lines_reset(conversation->key);
    }
    if (live && !known) count_live(*conversation, copy);
}

void ChatModel::add_dm(const core::Message& dm, bool live) {
    const auto from = QString::fromStdString(dm.from);
    const auto to = QString::fromStdString(dm.to);
    const bool own = fold_name(from) == fold_name(own_name_);
    auto* conversation = find_mutable(ensure_dm(own ? to : from));
    if (conversation == nullptr) return;
    auto line = message_line(dm);
    // In a DM every message is addressed to us; a mention adds nothing.
    line.mention = false;
    bool appended = false;
    const ChatLine copy = line;
    const bool known = conversation->ids.contains(copy.id);
    if (!insert_message(*conversation, std::move(line), appended)) return;
    if (appended) {
        emit line_appended(conversation->key);
    } else {
        emit lines_reset(conversation->key);
    }
    if (live && !known) count_live(*conversation, copy);
}

int ChatModel::add_history(const QString& channel, const std::vector<core::Message>& messages) {
    return merge_messages(ensure_channel(channel), messages);
}

int ChatModel::merge_messages(const QString& key, const std::vector<core::Message>& messages) {
    auto* conversation = find_mutable(key);
    if (conversation == nullptr) return 0;
    int changed = 0;
    for (const auto& message : messages) {
        bool appended = false;
        auto line = message_line(message);
        if (conversation->dm) line.mention = false;
        if (insert_message(*conversation, std::move(line), appended)) ++changed;
    }
    if (changed > 0) {
        // One redraw for the whole page rather than one per message.
        emit lines_reset(conversation->key);
    }
    return changed;
}

QString ChatModel::key_of(const core::Message& message) const {
    if (!message.is_direct()) return channel_key(QString::fromStdString(message.channel));
    const auto from = QString::fromStdString(message.from);
    const bool own = fold_name(from) == fold_name(own_name_);
    return dm_key(own ? QString::fromStdString(message.to) : from);
}

void ChatModel::apply_update(const core::Message& message) {
    auto* conversation = find_mutable(key_of(message));
    if (conversation == nullptr) return;
    conversation->max_rev = std::max<qint64>(conversation->max_rev, message.rev);
    // A change to a message older than what we hold changes nothing on screen.
    if (!conversation->ids.contains(message.id)) return;
    merge_messages(conversation->key, {message});
}

void ChatModel::set_history_state(const QString& key, bool loading, bool exhausted) {
    auto* conversation = find_mutable(key);
    if (conversation == nullptr) return;
    conversation->history_loading = loading;
    conversation->history_exhausted = exhausted;
}

void ChatModel::member_joined(const QString& channel, const QString& user, bool op) {
    auto* conversation = find_mutable(ensure_channel(channel));
    if (conversation == nullptr) return;
    const auto folded = fold_name(user);
    if (folded == fold_name(own_name_)) set_parted(conversation->key, false);
    // A JOIN for someone already listed is a rejoin (after REGISTER, or a registered user's
    // automatic rejoin after a reconnect): not news, so no [+] line; the operator flag it
    // carries is kept.
    if (const auto it = conversation->members.find(folded); it != conversation->members.end()) {
        if (it->op != op) {
            it->op = op;
            emit members_changed(conversation->key);
        }
        return;
    }
    auto info = member_info(user);
    info.op = op;
    conversation->members.insert(folded, info);
    emit members_changed(conversation->key);
    ChatLine line;
    line.kind = ChatLine::Kind::join;
    line.time = QDateTime::currentDateTimeUtc();
    line.from = user;
    conversation->lines.push_back(std::move(line));
    emit line_appended(conversation->key);
}

void ChatModel::member_parted(const QString& channel, const QString& user, const QString& reason) {
    auto* conversation = find_mutable(channel_key(channel));
    if (conversation == nullptr) return;
    if (conversation->members.remove(fold_name(user)) != 0) emit members_changed(conversation->key);
    ChatLine line;
    line.kind = ChatLine::Kind::part;
    line.time = QDateTime::currentDateTimeUtc();
    line.from = user;
    line.text = reason;
    conversation->lines.push_back(std::move(line));
    emit line_appended(conversation->key);
}

void ChatModel::user_quit(const QString& user, const QString& reason) {
    const auto folded = fold_name(user);
    for (const auto& key : order_) {
        auto* conversation = find_mutable(key);
        if (conversation == nullptr || conversation->members.remove(folded) == 0) continue;
        emit members_changed(key);
        ChatLine line;
        line.kind = ChatLine::Kind::quit;
        line.time = QDateTime::currentDateTimeUtc();
        line.from = user;
        line.text = reason;
        conversation->lines.push_back(std::move(line));
        emit line_appended(key);
    }
}

void ChatModel::rename_user(const QString& user, const QString& to) {
    const auto folded = fold_name(user);
    const auto folded_to = fold_name(to);
    if (folded == fold_name(own_name_)) own_name_ = to;
    const auto text = tr("%1 is now %2").arg(user, to);
    for (const auto& key : order_) {
        auto* conversation = find_mutable(key);
        if (conversation == nullptr || conversation->dm) continue;
        const auto it = conversation->members.find(folded);
        if (it == conversation->members.end()) continue;
        auto info = *it;
        info.user = to.toStdString();
        info.guest = false;
        conversation->members.erase(it);
        conversation->members.insert(folded_to, info);
        conversation->typing.remove(user);
        emit members_changed(key);
        add_info(key, text);
    }
    const auto old_key = dm_key(user);
    const auto new_key = dm_key(to);
    const auto thread = conversations_.find(old_key);
    // A thread with the new name already held keeps its own lines rather than lose either.
    if (thread == conversations_.end() || conversations_.count(new_key) != 0) return;
    auto moved = std::move(thread->second);
    conversations_.erase(thread);
    moved.key = new_key;
    moved.title = to;
    moved.typing.clear();
    conversations_.emplace(new_key, std::move(moved));
    order_.replace(order_.indexOf(old_key), new_key);
    if (current_ == old_key) current_ = new_key;
    emit conversations_changed();
}

void ChatModel::add_info(const QString& key, const QString& text) {
    auto* conversation = find_mutable(key);
    if (conversation == nullptr) return;
    ChatLine line;
    line.kind = ChatLine::Kind::info;
    line.time = QDateTime::currentDateTimeUtc();
    line.text = text;
    conversation->lines.push_back(std::move(line));
    emit line_appended(key);
}

void ChatModel::set_status(const QString& key, const QString& text) {
    auto* conversation = find_mutable(key);
    if (conversation == nullptr) return;
    if (!conversation->lines.empty() && conversation->lines.back().status) {
        auto& last = conversation->lines.back();
        last.time = QDateTime::currentDateTimeUtc();
        last.text = text;
        emit lines_reset(key);
        return;
    }
    add_info(key, text);
    conversation->lines.back().status = true;
}

}  // namespace salon::gui
