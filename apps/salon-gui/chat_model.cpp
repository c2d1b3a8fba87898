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

QString fold_name(const QString& name) {
    // The server folds ASCII only (core::fold_user_name); names are ASCII by PROTOCOL.md.
    return QString::fromStdString(core::fold_user_name(name.toStdString()));
}

QColor nick_colour(const QString& name) {
    // FNV-1a over the folded name: qHash is seeded per process, and the same person should
    // keep the same colour between runs.
    quint32 hash = 2166136261U;
    for (const char byte : fold_name(name).toUtf8()) {
        hash ^= static_cast<quint8>(byte);
        hash *= 16777619U;
    }
    // Hue only, with fixed saturation and lightness that read well on a white background.
    return QColor::fromHsl(static_cast<int>(hash % 360U), 170, 95);
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
    conversation.history_exhausted = true;  // PROTOCOL.md has no HISTORY for DMs
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
    auto* conversation = find_mutable(key);
    if (conversation == nullptr) return;
    if (conversation->unread != 0 || conversation->mentioned) {
        conversation->unread = 0;
        conversation->mentioned = false;
        emit conversation_updated(key);
    }
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
    line.time = message_time(message.ts_ms);
    line.from = QString::fromStdString(message.from);
    line.text = QString::fromStdString(message.text);
    line.own = fold_name(line.from) == fold_name(own_name_);
    line.mention = !line.own && mentions(line.text, own_name_);
    return line;
}

bool ChatModel::insert_message(Conversation& conversation, ChatLine line, bool& appended) {
    if (line.id != 0 && conversation.ids.contains(line.id)) return false;
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
    if (conversation.key != current_) {
        ++conversation.unread;
        if (line.mention) conversation.mentioned = true;
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
    if (!insert_message(*conversation, std::move(line), appended)) return;
    if (appended) {
        emit line_appended(conversation->key);
    } else {
        emit lines_reset(conversation->key);
    }
    if (live) count_live(*conversation, copy);
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
    if (!insert_message(*conversation, std::move(line), appended)) return;
    if (appended) {
        emit line_appended(conversation->key);
    } else {
        emit lines_reset(conversation->key);
    }
    if (live) count_live(*conversation, copy);
}

int ChatModel::add_history(const QString& channel, const std::vector<core::Message>& messages) {
    auto* conversation = find_mutable(ensure_channel(channel));
    if (conversation == nullptr) return 0;
    int added = 0;
    for (const auto& message : messages) {
        bool appended = false;
        if (insert_message(*conversation, message_line(message), appended)) ++added;
    }
    if (added > 0) {
        // One redraw for the whole page rather than one per message.
        emit lines_reset(conversation->key);
    }
    return added;
}

void ChatModel::set_history_state(const QString& key, bool loading, bool exhausted) {
    auto* conversation = find_mutable(key);
    if (conversation == nullptr) return;
    conversation->history_loading = loading;
    conversation->history_exhausted = exhausted;
}

void ChatModel::member_joined(const QString& channel, const QString& user) {
    auto* conversation = find_mutable(ensure_channel(channel));
    if (conversation == nullptr) return;
    const auto folded = fold_name(user);
    // A JOIN for someone already listed is a rejoin (after REGISTER, or a registered user's
    // automatic rejoin after a reconnect): not news, so no [+] line.
    if (conversation->members.contains(folded)) return;
    conversation->members.insert(folded, member_info(user));
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

}  // namespace salon::gui
