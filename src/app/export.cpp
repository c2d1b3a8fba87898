#include "app/export.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <variant>

#include "app/admin.hpp"
#include "app/admin_store.hpp"
#include "app/data_dir_lock.hpp"
#include "core/clock.hpp"
#include "core/conversation.hpp"
#include "core/names.hpp"
#include "store/sqlite/sqlite_store.hpp"

#ifndef SALON_VERSION
#define SALON_VERSION "0.0.0"
#endif

namespace salon::app {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

/// The version of the export format, in every export's first line: a reader refuses others.
constexpr std::int64_t kExportFormat = 1;
/// Messages read from the store at a time: what bounds an export's memory.
constexpr std::size_t kMessagesPerPage = 500;
/// Writes handed to the store in one transaction by an import.
constexpr std::size_t kWritesPerCommit = 256;
/// An export line is one message with its reactions; far below this.
constexpr std::size_t kMaxLineBytes = 16 * 1024 * 1024;

/// What the command refuses to do and why (no such channel, a bad line, a conflict): nothing was
/// written.
class Refusal : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

void write_line(std::ostream& out, const json::object& line) {
    out << json::serialize(line) << '\n';
}

char exception_letter(core::ExceptionList list) {
    return list == core::ExceptionList::ban ? 'e' : 'I';
}

json::object header(std::string_view kind) {
    return {
        {"salon_export", kExportFormat},
        {"kind", kind},
        {"exported_at", core::format_timestamp(core::SystemClock().unix_now_ms())},
        {"salond_version", SALON_VERSION},
    };
}

json::array string_array(const std::vector<std::string>& strings) {
    json::array array;
    for (const auto& s : strings) array.emplace_back(s);
    return array;
}

json::object message_line(const core::Message& m) {
    json::array reactions;
    for (const auto& r : m.reactions) {
        reactions.push_back(json::object{{"emoji", r.emoji}, {"users", string_array(r.users)}});
    }
    json::object line{
        {"type", "message"},
        {"id", m.id},
        {"from", m.from},
        {"by_account", m.by_account},
        {"text", m.text},
        {"ts_ms", m.ts_ms},
        {"edited_ms", m.edited_ms},
        {"deleted", m.deleted},
        {"reply_to", m.reply_to},
        {"notice", m.notice},
        {"mentions", string_array(m.mentions)},
        {"reactions", std::move(reactions)},
    };
    if (m.is_direct()) {
        line["to"] = m.to;
    } else {
        line["channel"] = m.channel;
    }
    return line;
}

json::object read_marker_line(std::string_view who, std::string_view where, store::ReadMarker m) {
    return {{"type", "read_marker"}, {who, where}, {"id", m.id}, {"ts_ms", m.ts_ms}};
}

/// Calls `each` for every message of `conversation`, oldest first, one page at a time (each page
/// its own read snapshot: a running server's new messages may join the end).
template <class Each>
void for_each_message(store::Store& store, const std::string& conversation, Each each) {
    core::MessageId after = 0;
    for (;;) {
        const auto page = store.history_range(
            conversation,
            {.after = core::HistoryBound{.by = core::HistoryBound::By::id, .value = after},
             .before = std::nullopt,
             .limit = kMessagesPerPage,
             .oldest = true,
             .up_to = std::nullopt}
        );
        for (const auto& message : page) each(message);
        if (page.size() < kMessagesPerPage) return;
        after = page.back().id;
    }
}

int export_channel(store::Store& store, const core::ChannelName& name, std::ostream& out) {
    std::optional<store::ChannelRecord> record;
    for (auto& channel : store.load_channels()) {
        if (channel.name == name) record = std::move(channel);
    }
    if (!record) throw Refusal("no channel named '" + name.str() + "' is stored");
    const std::string conversation = core::channel_conversation(name);
    write_line(out, header("channel"));
    write_line(
        out,
        {{"type", "channel"},
         {"name", name.str()},
         {"topic", record->topic},
         {"topic_by", record->topic_by},
         {"topic_ms", record->topic_ms},
         {"key", record->key},
         {"created_ms", record->created_ms},
         {"modes", record->modes},
         {"member_limit", record->member_limit}}
    );
    // Members are the accounts with a stored membership: guests' are never stored.
    for (const auto& account : store.list_accounts()) {
        const auto user = core::UserName::parse(account.name);
        if (!user) continue;
        for (const auto& membership : store.memberships_of(*user)) {
            if (membership.channel != name) continue;
            write_line(out, {{"type", "member"}, {"user", account.name}, {"op", membership.op}});
            const auto marker = store.read_position(core::user_key(*user, 0), conversation);
            if (marker.id != 0) write_line(out, read_marker_line("user", account.name, marker));
        }
    }
    for (const auto& banned : store.bans_of(name)) {
        write_line(out, {{"type", "ban"}, {"mask", banned.str()}});
    }
    for (const auto& exception : store.exceptions_of(name)) {
        write_line(
            out,
            {{"type", "exception"},
             {"list", std::string(1, exception_letter(exception.list))},
             {"mask", exception.mask.str()}}
        );
    }
    for_each_message(store, conversation, [&](const core::Message& m) {
        write_line(out, message_line(m));
    });
    return kExitOk;
}

int export_user(store::Store& store, const core::UserName& name, std::ostream& out) {
    const auto account = store.find_account(name);
    if (!account) throw Refusal("no account named '" + name.display() + "'");
    const core::UserKey key = core::user_key(name, 0);
    write_line(out, header("user"));
    json::object account_line{
        {"type", "account"},
        {"name", account->name},
        {"admin", account->admin},
        {"created_ms", account->created_ms},
        {"locked", account->locked},
    };
    if (account->last_login_ms) account_line["last_login_ms"] = *account->last_login_ms;
    write_line(out, account_line);  // never the password hash
    const core::SystemClock clock;
    for (const auto& token : store.tokens_of(name, clock.unix_now_ms())) {
        json::object line{
            {"type", "session"},
            {"label", token.label},
            {"created_ms", token.created_ms},
            {"expires_ms", token.expires_ms},
        };
        if (token.last_used_ms) line["last_used_ms"] = *token.last_used_ms;
        write_line(out, line);  // never the token's hash
    }
    for (const auto& membership : store.memberships_of(name)) {
        write_line(
            out,
            {{"type", "membership"}, {"channel", membership.channel.str()}, {"op", membership.op}}
        );
        const auto marker =
            store.read_position(key, core::channel_conversation(membership.channel));
        if (marker.id != 0) {
            write_line(out, read_marker_line("channel", membership.channel.str(), marker));
        }
    }
    for (const auto& partner : store.direct_partners(key)) {
        write_line(out, {{"type", "direct_partner"}, {"name", partner.name}});
        const auto marker = store.read_position(key, partner.conversation);
        if (marker.id != 0) write_line(out, read_marker_line("with", partner.name, marker));
        for_each_message(store, partner.conversation, [&](const core::Message& m) {
            write_line(out, message_line(m));
        });
    }
    // Their channel messages: no index by author, so every channel is read through, a page at
    // a time. An export is rare; it costs a read of the channels' history.
    for (const auto& channel : store.load_channels()) {
        for_each_message(
            store,
            core::channel_conversation(channel.name),
            [&](const core::Message& m) {
                if (!m.by_account) return;
                const auto author = core::UserName::parse(m.from);
                if (author && *author == name) write_line(out, message_line(m));
            }
        );
    }
    return kExitOk;
}

// --- import ---

/// One line of a channel export, read and checked.
struct ChannelLine {
    store::ChannelRecord record;
};

struct MemberLine {
    core::UserName user;
    bool op = false;
};

struct BanLine {
    core::UserMask mask;
};

struct ExceptionLine {
    core::ExceptionList list = core::ExceptionList::ban;
    core::UserMask mask;
};

struct ReadMarkerLine {
    core::UserName user;
    store::ReadMarker marker;
};

struct MessageLine {
    core::Message message;
};

using Line =
    std::variant<ChannelLine, MemberLine, BanLine, ExceptionLine, ReadMarkerLine, MessageLine>;

/// Reads the fields of one JSON object, naming the line in every error.
class Fields {
public:
    Fields(const json::object& object, std::size_t line) : object_(object), line_(line) {}

    [[noreturn]] void fail(std::string_view what) const {
        throw Refusal(fmt::format("line {}: {}", line_, what));
    }

    const json::value& at(std::string_view key) const {
        const auto* value = object_.if_contains(key);
        if (value == nullptr) fail(fmt::format("no \"{}\"", key));
        return *value;
    }

    std::string text(std::string_view key) const {
        const auto* s = at(key).if_string();
        if (s == nullptr) fail(fmt::format("\"{}\" is not a string", key));
        return std::string(*s);
    }

    std::int64_t integer(std::string_view key) const {
        const auto* i = at(key).if_int64();
        if (i == nullptr) fail(fmt::format("\"{}\" is not an integer", key));
        return *i;
    }

    bool flag(std::string_view key) const {
        const auto* b = at(key).if_bool();
        if (b == nullptr) fail(fmt::format("\"{}\" is not true or false", key));
        return *b;
    }

    std::vector<std::string> strings(const json::value& value, std::string_view what) const {
        const auto* array = value.if_array();
        if (array == nullptr) fail(fmt::format("\"{}\" is not an array", what));
        std::vector<std::string> strings;
        for (const auto& element : *array) {
            const auto* s = element.if_string();
            if (s == nullptr) fail(fmt::format("\"{}\" holds a non-string", what));
            strings.emplace_back(*s);
        }
        return strings;
    }

    core::UserName user(std::string_view key) const {
        auto name = core::UserName::parse(text(key));
        if (!name) fail(fmt::format("\"{}\" is not a valid user name", key));
        return std::move(*name);
    }

    core::UserMask mask(std::string_view key) const {
        auto mask = core::UserMask::parse(text(key));
        if (!mask) fail(fmt::format("\"{}\" is not a valid mask", key));
        return std::move(*mask);
    }

private:
    const json::object& object_;
    std::size_t line_;
};

Line parse_line(const json::object& object, std::size_t number) {
    const Fields f(object, number);
    const std::string type = f.text("type");
    if (type == "channel") {
        auto name = core::ChannelName::parse(f.text("name"));
        if (!name) f.fail("\"name\" is not a valid channel name");
        const auto limit = f.integer("member_limit");
        if (limit < 0) f.fail("\"member_limit\" is negative");
        return ChannelLine{store::ChannelRecord{
            .name = std::move(*name),
            .topic = f.text("topic"),
            .key = f.text("key"),
            .created_ms = f.integer("created_ms"),
            .modes = f.text("modes"),
            .member_limit = static_cast<std::size_t>(limit),
            .topic_by = f.text("topic_by"),
            .topic_ms = f.integer("topic_ms")}};
    }
    if (type == "member") return MemberLine{.user = f.user("user"), .op = f.flag("op")};
    if (type == "ban") return BanLine{.mask = f.mask("mask")};
    if (type == "exception") {
        const std::string list = f.text("list");
        if (list != "e" && list != "I") f.fail("\"list\" is neither \"e\" nor \"I\"");
        return ExceptionLine{
            .list = list == "e" ? core::ExceptionList::ban : core::ExceptionList::invite,
            .mask = f.mask("mask")};
    }
    if (type == "read_marker") {
        return ReadMarkerLine{
            .user = f.user("user"), .marker = {.id = f.integer("id"), .ts_ms = f.integer("ts_ms")}};
    }
    if (type == "message") {
        core::Message m{
            .id = f.integer("id"),
            .channel = f.text("channel"),
            .from = f.text("from"),
            .to = {},
            .text = f.text("text"),
            .ts_ms = f.integer("ts_ms"),
            .rev = 0,
            .reply_to = f.integer("reply_to"),
            .edited_ms = f.integer("edited_ms"),
            .deleted = f.flag("deleted"),
            .reactions = {},
            .mentions = f.strings(f.at("mentions"), "mentions"),
            .notice = f.flag("notice"),
            .by_account = f.flag("by_account")};
        const auto* reactions = f.at("reactions").if_array();
        if (reactions == nullptr) f.fail("\"reactions\" is not an array");
        for (const auto& reaction : *reactions) {
            const auto* r = reaction.if_object();
            if (r == nullptr) f.fail("a reaction is not an object");
            const Fields rf(*r, number);
            m.reactions.push_back(
                {.emoji = rf.text("emoji"), .users = rf.strings(rf.at("users"), "users")}
            );
        }
        return MessageLine{std::move(m)};
    }
    f.fail("\"type\" " + type + " has no place in a channel export");
}

/// Reads `file` line by line, checks the header, and calls `each` with every other line.
template <class Each>
void read_export(const fs::path& file, Each each) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Refusal("cannot open " + file.string());
    std::string text;
    std::size_t number = 0;
    while (std::getline(in, text)) {
        ++number;
        if (text.size() > kMaxLineBytes) throw Refusal(fmt::format("line {} is too long", number));
        if (text.empty()) continue;
        boost::system::error_code ec;
        const json::value value = json::parse(text, ec);
        if (ec || !value.is_object()) {
            throw Refusal(fmt::format("line {} is not a JSON object", number));
        }
        const auto& object = value.as_object();
        if (number == 1) {
            const Fields f(object, number);
            if (!object.contains("salon_export"))
                f.fail("not a Salon export (no \"salon_export\")");
            if (f.integer("salon_export") != kExportFormat) {
                f.fail("an export format this salond does not know");
            }
            if (f.text("kind") != "channel") {
                f.fail("a " + f.text("kind") + " export: only a channel's can be imported");
            }
            continue;
        }
        each(parse_line(object, number), number);
    }
    if (number == 0) throw Refusal(file.string() + " is empty");
}

/// The key a name's messages and reactions get: the account's, else a guest's of that name.
core::UserKey key_of(std::string_view name, const std::set<std::string>& accounts) {
    const auto user = core::UserName::parse(name);
    if (!user) return {};  // "[deleted]": no key, as delete_account() leaves it
    return core::user_key(*user, accounts.contains(user->folded()) ? 0 : 1);
}

}  // namespace

int run_export(
    const Config& config, const ExportRequest& request, std::ostream& out, std::ostream& err
) {
    if (!fs::exists(config.data_dir / "salon.db")) {
        err << "salond: export: no database in " << config.data_dir.string() << '\n';
        return kExitFailure;
    }
    // What the store logs (a search file it rebuilds) must not land in JSON on standard output.
    spdlog::set_default_logger(spdlog::stderr_color_mt("salond"));
    const fs::path partial = request.output.string() + ".partial";
    try {
        auto store = open_admin_store(config);
        std::ofstream file;
        if (!request.output.empty()) {
            file.open(partial, std::ios::binary | std::ios::trunc);
            if (!file) throw Refusal("cannot create " + partial.string());
            fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write);
        }
        std::ostream& target = request.output.empty() ? out : file;
        if (!request.channel.empty()) {
            const auto name = core::ChannelName::parse(request.channel);
            if (!name) throw Refusal("'" + request.channel + "' is not a channel name");
            export_channel(*store, *name, target);
        } else {
            const auto name = core::UserName::parse(request.user);
            if (!name) throw Refusal("'" + request.user + "' is not a user name");
            export_user(*store, *name, target);
        }
        target.flush();
        if (!target) throw Refusal("cannot write the export");
        if (!request.output.empty()) {
            file.close();
            fs::rename(partial, request.output);
        }
    } catch (const std::exception& e) {
        std::error_code ignored;
        if (!request.output.empty()) fs::remove(partial, ignored);
        err << "salond: export failed: " << e.what() << '\n';
        return kExitFailure;
    }
    return kExitOk;
}

int run_import(const Config& config, const fs::path& file, std::ostream& out, std::ostream& err) {
    try {
        // First pass: the whole file is checked before anything is written.
        std::optional<core::ChannelName> channel;
        std::size_t messages = 0;
        core::MessageId last_id = 0;
        read_export(file, [&](const Line& line, std::size_t number) {
            if (const auto* c = std::get_if<ChannelLine>(&line)) {
                if (channel) throw Refusal(fmt::format("line {}: a second channel", number));
                channel = c->record.name;
            } else if (!channel) {
                throw Refusal(fmt::format("line {}: comes before the channel line", number));
            }
            if (const auto* m = std::get_if<MessageLine>(&line)) {
                if (m->message.id <= last_id || m->message.channel != channel->str()) {
                    throw Refusal(fmt::format(
                        "line {}: a message out of order, or of another channel", number
                    ));
                }
                last_id = m->message.id;
                ++messages;
            }
        });
        if (!channel) throw Refusal(file.string() + " holds no channel");

        // The messages take ids from the data dir's sequence: no server may hand out any meanwhile.
        std::optional<DataDirLock> lock;
        try {
            lock.emplace(config.data_dir);
        } catch (const std::runtime_error& e) {
            throw Refusal(e.what());
        }
        auto store = open_admin_store(config);
        for (const auto& existing : store->load_channels()) {
            if (existing.name == *channel) {
                throw Refusal(
                    "channel '" + channel->str() + "' exists in " + config.data_dir.string() +
                    "; import only adds channels that are not there"
                );
            }
        }
        std::set<std::string> accounts;
        for (const auto& account : store->list_accounts()) {
            accounts.insert(core::UserName::parse(account.name)->folded());
        }

        const std::string conversation = core::channel_conversation(*channel);
        core::MessageId next = store->max_message_id();
        const core::MessageId first_id = next + 1;
        // Old id -> new id, appended in increasing order of both (the file's ids increase): a
        // sorted vector, 16 bytes a message, searched by halving.
        std::vector<std::pair<core::MessageId, core::MessageId>> new_ids;
        auto first_above = [&](core::MessageId old_id) {
            return std::upper_bound(
                new_ids.begin(),
                new_ids.end(),
                old_id,
                [](core::MessageId id, const auto& entry) { return id < entry.first; }
            );
        };
        std::vector<ReadMarkerLine> markers;
        std::size_t members = 0;
        std::size_t skipped = 0;
        std::vector<store::Write> batch;
        auto flush = [&] {
            if (!batch.empty()) store->commit(batch);
            batch.clear();
        };
        read_export(file, [&](const Line& line, std::size_t) {
            if (const auto* c = std::get_if<ChannelLine>(&line)) {
                store->save_channel(c->record);
            } else if (const auto* member = std::get_if<MemberLine>(&line)) {
                if (!accounts.contains(member->user.folded())) {
                    ++skipped;
                    return;
                }
                store->set_membership(member->user, {.channel = *channel, .op = member->op});
                ++members;
            } else if (const auto* ban = std::get_if<BanLine>(&line)) {
                store->set_ban(*channel, ban->mask, true);
            } else if (const auto* exception = std::get_if<ExceptionLine>(&line)) {
                store->set_exception(*channel, exception->list, exception->mask, true);
            } else if (const auto* marker = std::get_if<ReadMarkerLine>(&line)) {
                if (accounts.contains(marker->user.folded())) markers.push_back(*marker);
            } else if (const auto* m = std::get_if<MessageLine>(&line)) {
                const core::Message& old = m->message;
                core::Message message = old;
                message.id = message.rev = ++next;
                // A reply to a message of the file: its new id (the file is in id order).
                const auto replied = first_above(old.reply_to);
                message.reply_to =
                    replied != new_ids.begin() && std::prev(replied)->first == old.reply_to
                        ? std::prev(replied)->second
                        : 0;
                new_ids.emplace_back(old.id, message.id);
                message.edited_ms = 0;
                message.deleted = false;
                message.reactions.clear();
                const core::UserKey author =
                    old.by_account ? key_of(old.from, accounts) : key_of(old.from, {});
                std::vector<core::UserKey> mention_keys;
                for (const auto& mentioned : old.mentions) {
                    if (auto key = key_of(mentioned, accounts); !key.empty())
                        mention_keys.push_back(key);
                }
                batch.push_back(store::MessageWrite{
                    .message = message,
                    .pending_for = {},
                    .conversation = conversation,
                    .from_key = author,
                    .to_key = {},
                    .mention_keys = mention_keys});
                auto change = [&](store::MessageChange::Kind kind) {
                    return store::MessageChange{
                        .kind = kind,
                        .id = message.id,
                        .rev = ++next,
                        .ts_ms = old.edited_ms,
                        .actor_key = author,
                        .actor_name = old.from,
                        .may_remove_others = true,
                        .text = old.text,
                        .mentions = old.mentions,
                        .mention_keys = mention_keys,
                        .emoji = {},
                        .max_reactions = old.reactions.size()};
                };
                if (old.edited_ms != 0) batch.push_back(change(store::MessageChange::Kind::edit));
                for (const auto& reaction : old.reactions) {
                    for (const auto& user : reaction.users) {
                        auto react = change(store::MessageChange::Kind::react);
                        react.actor_key = key_of(user, accounts);
                        react.actor_name = user;
                        react.emoji = reaction.emoji;
                        batch.push_back(std::move(react));
                    }
                }
                if (old.deleted) batch.push_back(change(store::MessageChange::Kind::remove));
                if (batch.size() >= kWritesPerCommit) flush();
            }
        });
        flush();
        for (const auto& [user, marker] : markers) {
            // The newest imported message at or below the marker's.
            const auto at = first_above(marker.id);
            if (at == new_ids.begin()) continue;
            const core::UserKey key = core::user_key(user, 0);
            store->advance_read_marker(key, conversation, std::prev(at)->second);
            store->advance_read_time(key, conversation, marker.ts_ms);
        }
        out << fmt::format(
            "imported channel {} into {}: {} messages{}, {} members{}\n",
            channel->str(),
            config.data_dir.string(),
            messages,
            messages == 0 ? std::string() : fmt::format(" (new ids from {})", first_id),
            members,
            skipped == 0 ? std::string()
                         : fmt::format(" ({} left out: no such account here)", skipped)
        );
    } catch (const Refusal& e) {
        err << "salond: import refused, nothing was changed: " << e.what() << '\n';
        return kExitFailure;
    } catch (const std::exception& e) {
        err << "salond: import failed: " << e.what() << '\n';
        return kExitFailure;
    }
    return kExitOk;
}

}  // namespace salon::app
