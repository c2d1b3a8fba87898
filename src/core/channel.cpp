#include "core/channel.hpp"

#include <algorithm>
#include <charconv>

namespace salon::core {

Channel::Channel(
    ChannelName name,
    std::string topic,
    std::string key,
    std::size_t recent_capacity,
    Lifetime lifetime,
    UnixMillis created_ms
)
    : name_(std::move(name)),
      topic_(std::move(topic)),
      key_(std::move(key)),
      created_ms_(created_ms),
      recent_capacity_(recent_capacity),
      lifetime_(lifetime) {}

std::optional<Errc> Channel::join_refusal(const Actor& actor, std::string_view key) const {
    if (actor.admin) return std::nullopt;
    const std::string& folded = actor.name.folded();
    if (shuts_out(folded)) return Errc::banned;
    const bool invited = invited_.contains(folded);
    if (modes_.invite_only && !invited && !is_excepted(ExceptionList::invite, folded))
        return Errc::invite_only;
    if (modes_.limit != 0 && members_.size() >= modes_.limit && !invited) return Errc::channel_full;
    if (!key_.empty() && key != key_) return Errc::bad_key;
    return std::nullopt;
}

void Channel::invite(const std::string& folded) {
    // Invitations are few and short-lived; a flood of them must not grow without bound.
    constexpr std::size_t kMaxInvited = 1000;
    if (invited_.size() >= kMaxInvited) invited_.clear();
    invited_.insert(folded);
}

bool Channel::add_member(const Actor& actor, bool op) {
    const bool added =
        members_.try_emplace(actor.name.folded(), Member{actor.name.display(), actor.guest, op})
            .second;
    if (!added) return false;
    invited_.erase(actor.name.folded());
    ++membership_version_;
    if (op && !actor.guest) lifetime_ = Lifetime::persistent;
    return true;
}

bool Channel::remove_member(std::string_view folded) {
    const auto it = members_.find(folded);
    if (it == members_.end()) return false;
    members_.erase(it);
    ++membership_version_;
    return true;
}

bool Channel::rename_member(std::string_view folded, const UserName& to) {
    const auto it = members_.find(folded);
    if (it == members_.end()) return false;
    auto node = members_.extract(it);
    node.key() = to.folded();
    node.mapped().name = to.display();
    members_.insert(std::move(node));
    ++membership_version_;
    return true;
}

bool Channel::is_member(std::string_view folded) const {
    return members_.contains(folded);
}

bool Channel::is_op(std::string_view folded) const {
    const auto it = members_.find(folded);
    return it != members_.end() && it->second.op;
}

bool Channel::may_moderate(const Actor& actor) const {
    return actor.admin || is_op(actor.name.folded());
}

bool Channel::grant_op(std::string_view folded) {
    const auto it = members_.find(folded);
    if (it == members_.end()) return false;
    it->second.op = true;
    if (!it->second.guest) lifetime_ = Lifetime::persistent;
    return true;
}

bool Channel::revoke_op(std::string_view folded) {
    const auto it = members_.find(folded);
    if (it == members_.end()) return false;
    it->second.op = false;
    return true;
}

bool Channel::set_voice(std::string_view folded, bool voice) {
    const auto it = members_.find(folded);
    if (it == members_.end()) return false;
    it->second.voice = voice;
    return true;
}

std::optional<Errc> Channel::post_refusal(const Actor& actor) const {
    if (actor.admin) return std::nullopt;
    const auto it = members_.find(actor.name.folded());
    if (it == members_.end()) {
        if (modes_.no_external) return Errc::not_in_channel;
        if (modes_.moderated) return Errc::moderated;
        return std::nullopt;
    }
    if (modes_.moderated && !it->second.op && !it->second.voice) return Errc::moderated;
    return std::nullopt;
}

namespace {

/// Adds or removes `mask`; false when that changes nothing.
bool set_listed(std::set<UserMask>& list, const UserMask& mask, bool on) {
    if (on) return list.insert(mask).second;
    return list.erase(mask) != 0;
}

bool any_matches(const std::set<UserMask>& list, std::string_view folded) {
    return std::ranges::any_of(list, [folded](const UserMask& m) { return m.matches(folded); });
}

}  // namespace

bool Channel::set_ban(const UserMask& mask, bool banned) {
    return set_listed(bans_, mask, banned);
}

bool Channel::is_banned(std::string_view folded) const {
    return any_matches(bans_, folded);
}

bool Channel::set_exception(ExceptionList list, const UserMask& mask, bool on) {
    return set_listed(list == ExceptionList::ban ? ban_exceptions_ : invite_exceptions_, mask, on);
}

bool Channel::is_excepted(ExceptionList list, std::string_view folded) const {
    return any_matches(exceptions(list), folded);
}

bool Channel::shuts_out(std::string_view folded) const {
    return is_banned(folded) && !is_excepted(ExceptionList::ban, folded);
}

std::vector<MemberInfo> Channel::member_infos() const {
    std::vector<MemberInfo> out;
    out.reserve(members_.size());
    for (const auto& [folded, m] : members_)
        out.push_back(MemberInfo{.user = m.name, .guest = m.guest, .op = m.op, .voice = m.voice});
    return out;
}

void Channel::rename(ChannelName to) {
    name_ = std::move(to);
    for (Message& message : recent_) message.channel = name_.str();
}

void Channel::remember(const Message& message) {
    last_message_id_ = message.id;
    if (recent_capacity_ == 0) return;
    recent_.push_back(message);
    while (recent_.size() > recent_capacity_) recent_.pop_front();
}

std::vector<Message> Channel::recent() const {
    return {recent_.begin(), recent_.end()};
}

void Channel::replace_recent(const Message& message) {
    const auto it = std::ranges::lower_bound(recent_, message.id, {}, &Message::id);
    if (it != recent_.end() && it->id == message.id) *it = message;
}

void Channel::forget_recent_before(UnixMillis cutoff) {
    // By time, not by position: ids and times rise together but for clock steps.
    std::erase_if(recent_, [cutoff](const Message& message) { return message.ts_ms < cutoff; });
}

}  // namespace salon::core

namespace salon::core {

std::string ChannelModes::letters() const {
    std::string out;
    if (invite_only) out += 'i';
    if (limit != 0) out += 'l';
    if (moderated) out += 'm';
    if (no_external) out += 'n';
    if (secret) out += 's';
    if (topic_ops) out += 't';
    return out;
}

ChannelModes ChannelModes::from_letters(std::string_view letters, std::size_t limit) {
    ChannelModes modes;
    for (const char letter : std::string_view("imnst"))
        *modes.flag(letter) = letters.find(letter) != std::string_view::npos;
    modes.limit = limit;
    return modes;
}

bool* ChannelModes::flag(char letter) noexcept {
    switch (letter) {
        case 'i':
            return &invite_only;
        case 'm':
            return &moderated;
        case 'n':
            return &no_external;
        case 's':
            return &secret;
        case 't':
            return &topic_ops;
        default:
            return nullptr;
    }
}

bool mode_event_has_argument(char letter, bool on) noexcept {
    return std::string_view("beIkov").find(letter) != std::string_view::npos ||
           (letter == 'l' && on);
}

namespace {

bool valid_key(std::string_view key) {
    constexpr std::size_t kMaxKeyBytes = 23;  // RFC 2812's key
    if (key.empty() || key.size() > kMaxKeyBytes) return false;
    return std::ranges::none_of(key, [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= ' ' || c == ',' || u == 0x7f;
    });
}

std::optional<std::size_t> valid_limit(std::string_view text) {
    std::size_t limit = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || end != text.data() + text.size() || limit == 0 ||
        limit > kMaxMemberLimit)
        return std::nullopt;
    return limit;
}

}  // namespace

std::variant<std::vector<ModeChange>, ModeError> parse_mode_changes(
    std::string_view modes, const std::vector<std::string>& args
) {
    std::vector<ModeChange> changes;
    bool on = true;
    std::size_t next_arg = 0;
    for (const char letter : modes) {
        if (letter == '+' || letter == '-') {
            on = letter == '+';
            continue;
        }
        if (kChannelModeLetters.find(letter) == std::string_view::npos)
            return ModeError{ModeError::Kind::unknown_mode, letter, {}};
        ModeChange change{on, letter, {}};
        const bool takes_arg = letter == 'o' || letter == 'v' ||
                               kListModeLetters.find(letter) != std::string_view::npos ||
                               ((letter == 'k' || letter == 'l') && on);
        if (takes_arg) {
            if (next_arg >= args.size())
                return ModeError{ModeError::Kind::missing_argument, letter, {}};
            if (next_arg >= kMaxModeArguments)
                return ModeError{ModeError::Kind::too_many, letter, {}};
            change.arg = args[next_arg++];
            const bool bad = (letter == 'k' && !valid_key(change.arg)) ||
                             (letter == 'l' && !valid_limit(change.arg));
            if (bad) return ModeError{ModeError::Kind::bad_argument, letter, change.arg};
            if (letter == 'l') change.limit = *valid_limit(change.arg);
        }
        changes.push_back(std::move(change));
    }
    return changes;
}

}  // namespace salon::core
