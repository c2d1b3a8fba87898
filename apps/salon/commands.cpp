// send, tail, history, list and who over a blocking client::Session.
#include "commands.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

#include "client/session.hpp"
#include "client/timestamp.hpp"
#include "core/clock.hpp"
#include "core/names.hpp"
#include "exit_codes.hpp"

namespace salon::cli {
namespace {

using namespace std::chrono_literals;
using client::Error;
using client::ErrorKind;

constexpr auto kConnectTimeout = 5s;
constexpr auto kRequestTimeout = 10s;
/// How often `send` retries a message that got `rate_limited`, one second apart.
constexpr int kRateLimitRetries = 10;

volatile std::sig_atomic_t g_stop = 0;

void on_stop_signal(int) {
    g_stop = 1;
}

/// SIGINT/SIGTERM set a flag; without SA_RESTART, poll() returns so the loop sees it at once.
void install_stop_handlers() {
    struct sigaction sa {};

    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

int exit_code_for(const Error& e, bool during_login) {
    switch (e.kind) {
        case ErrorKind::refused:
            return during_login ? kExitLogin : kExitRefused;
        case ErrorKind::protocol:
            return kExitProtocol;
        case ErrorKind::usage:
            return kExitUsage;
        case ErrorKind::network:
        case ErrorKind::timeout:
            break;
    }
    return kExitNetwork;
}

int report(const Error& e, bool during_login = false) {
    if (e.kind == ErrorKind::refused) {
        std::cerr << "salon: " << e.code << ": " << e.message << "\n";
    } else {
        std::cerr << "salon: " << e.message << "\n";
    }
    return exit_code_for(e, during_login);
}

/// Connects and logs in with `login`; on failure prints the reason and sets `exit_code`.
std::optional<client::Session> open_and_login(
    const Settings& settings,
    const client::LoginRequest& login,
    int& exit_code,
    std::string* self = nullptr
) {
    auto session = client::Session::open(settings.endpoint, kConnectTimeout);
    if (!session) {
        exit_code = report(session.error());
        return std::nullopt;
    }
    auto logged_in = session->login(login, kRequestTimeout);
    if (!logged_in) {
        exit_code = report(logged_in.error(), true);
        explain_login_failure(settings, login, logged_in.error());
        return std::nullopt;
    }
    if (self != nullptr) *self = logged_in->user;
    return std::move(*session);
}

/// Connects and logs in (version 2, joining no channel: a registered user is still put back
/// into the channels they had not left); on failure prints the reason and sets `exit_code`.
/// `self`, when given, receives the name the server gave us.
std::optional<client::Session> connect(
    const Settings& settings,
    int& exit_code,
    std::string* self = nullptr,
    Credential credential = Credential::token_or_password
) {
    client::LoginRequest login;
    try {
        login = make_login(settings, {}, credential);
    } catch (const SettingsError& e) {
        std::cerr << "salon: " << e.message << "\n";
        exit_code = kExitUsage;
        return std::nullopt;
    }
    login.join = false;
    login.channel.clear();
    login.version = 2;
    return open_and_login(settings, login, exit_code, self);
}

/// The message for a channel that does not exist; `create_hint` for commands with --create.
int report_missing_channel(const std::string& channel, bool create_hint) {
    std::cerr << "salon: no_such_channel: there is no channel #" << channel
              << (create_hint ? " (add --create to create it)" : "") << "\n";
    return kExitRefused;
}

/// Joins `channel`. Unless `create`, a channel that does not exist is an error rather than
/// created: WHO tells first (`no_such_channel`). `home` belongs to the server and always counts
/// as existing. A channel that vanishes between the two requests is still created: the
/// protocol has no "join only if it exists".
std::optional<int> join_channel(client::Session& session, const std::string& channel, bool create) {
    if (!create && channel != "home") {
        auto who = session.call(client::requests::who(channel), kRequestTimeout);
        if (!who && who.error().code == "no_such_channel")
            return report_missing_channel(channel, true);
        if (!who) return report(who.error());
    }
    auto joined = session.call(client::requests::join(channel), kRequestTimeout);
    if (!joined) return report(joined.error());
    return std::nullopt;
}

void print_line(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);  // scripts read us through a pipe: do not sit on lines
}

/// `HH:MM:SS <nick> text`, with what version 2 adds: `(reply to ID) ` before the text,
/// `(message deleted)` for a tombstone, ` (edited)` and ` [EMOJI user,user]` after it.
std::string message_line(const core::Message& m, bool ids) {
    std::string line;
    if (ids) line.append("[").append(std::to_string(m.id)).append("] ");
    line += client::format_local_hms(m.ts_ms) + " <" + m.from + "> ";
    if (m.reply_to != 0) line += "(reply to " + std::to_string(m.reply_to) + ") ";
    if (m.deleted) return line + "(message deleted)";
    line += m.text;
    if (m.edited_ms != 0) line += " (edited)";
    for (const auto& r : m.reactions) {
        line += " [" + r.emoji + " ";
        for (std::size_t i = 0; i < r.users.size(); ++i) line += (i ? "," : "") + r.users[i];
        line += "]";
    }
    return line;
}

/// The message as the server's version 2 body, under `verb` (`MSG`, `DM` or `UPDATE`).
std::string message_json(const core::Message& m, const char* verb) {
    boost::json::object args{
        {"id", m.id},
        {"rev", m.rev},
        {"from", m.from},
        {"text", m.text},
        {"ts", core::format_timestamp(m.ts_ms)}};
    if (!m.channel.empty()) args["channel"] = m.channel;
    if (!m.to.empty()) args["to"] = m.to;
    if (m.reply_to != 0) args["reply_to"] = m.reply_to;
    if (m.edited_ms != 0) args["edited"] = core::format_timestamp(m.edited_ms);
    if (m.deleted) args["deleted"] = true;
    if (!m.reactions.empty()) {
        boost::json::array reactions;
        for (const auto& r : m.reactions) {
            boost::json::array users;
            for (const auto& u : r.users) users.emplace_back(u);
            reactions.emplace_back(boost::json::object{{"emoji", r.emoji}, {"users", users}});
        }
        args["reactions"] = std::move(reactions);
    }
    if (!m.mentions.empty()) {
        boost::json::array mentions;
        for (const auto& u : m.mentions) mentions.emplace_back(u);
        args["mentions"] = std::move(mentions);
    }
    boost::json::object frame;
    frame[verb] = std::move(args);
    return boost::json::serialize(frame);
}

void print_message(const core::Message& m, bool json, bool ids) {
    print_line(json ? message_json(m, m.is_direct() ? "DM" : "MSG") : message_line(m, ids));
}

std::string joined_words(const std::vector<std::string>& words) {
    std::string text;
    for (const auto& w : words) {
        if (!text.empty()) text.push_back(' ');
        text += w;
    }
    return text;
}

/// A request whose OK carries nothing the caller prints: 0, or the reported error's code.
int call_for_status(const client::Request& request, const Settings& settings) {
    int code = kExitOk;
    auto session = connect(settings, code);
    if (!session) return code;
    auto reply = session->call(request, kRequestTimeout);
    if (!reply) return report(reply.error());
    session->end(kRequestTimeout);
    return kExitOk;
}

}  // namespace

int run_send(const Settings& settings, const SendOptions& options) {
    std::vector<std::string> messages;
    if (!options.words.empty()) {
        messages.push_back(joined_words(options.words));
    } else {
        std::string line;
        while (std::getline(std::cin, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (!line.empty()) messages.push_back(line);
        }
        if (messages.empty()) {
            std::cerr << "salon: nothing to send (no TEXT and no lines on stdin)\n";
            return kExitUsage;
        }
    }
    int code = kExitOk;
    auto session = connect(settings, code);
    if (!session) return code;
    if (options.to.empty()) {
        if (auto failed = join_channel(*session, settings.channel, options.create)) return *failed;
    }
    for (const auto& text : messages) {
        const auto request = options.to.empty()
                                 ? client::requests::send(settings.channel, text, options.reply_to)
                                 : client::requests::dm(options.to, text, options.reply_to);
        for (int attempt = 0;; ++attempt) {
            auto reply = session->call(request, kRequestTimeout);
            if (reply) {
                if (options.print_id) {
                    auto posted = client::parse_post_result(*reply);
                    if (!posted)
                        return report(Error{ErrorKind::protocol, {}, posted.error().message});
                    print_line(std::to_string(posted->id));
                }
                break;
            }
            // A bot posting a burst should slow down, not fail.
            if (reply.error().code == "rate_limited" && attempt < kRateLimitRetries) {
                std::this_thread::sleep_for(1s);
                continue;
            }
            return report(reply.error());
        }
    }
    session->end(kRequestTimeout);
    return kExitOk;
}

int run_tail(const Settings& settings, const TailOptions& options) {
    install_stop_handlers();
    int code = kExitOk;
    auto session = connect(settings, code);
    if (!session) return code;
    const std::string& channel = settings.channel;
    if (auto failed = join_channel(*session, channel, options.create)) return *failed;
    bool replay_done = false;
    while (g_stop == 0) {
        auto frame = session->next(500ms);
        if (!frame) {
            if (g_stop != 0) break;
            return report(frame.error());
        }
        if (!*frame) continue;
        const auto& payload = (*frame)->payload;
        if (const auto* h = std::get_if<core::HistoryEvent>(&payload);
            h != nullptr && !replay_done && h->channel == channel) {
            replay_done = true;
            const auto want = static_cast<std::size_t>(std::max(options.history, 0));
            std::vector<core::Message> recent = h->messages;
            if (want > recent.size()) {
                const int limit = std::min(options.history, 200);
                auto reply =
                    session->call(client::requests::history(channel, 0, limit), kRequestTimeout);
                if (!reply) return report(reply.error());
                auto page = client::parse_history_result(*reply);
                if (!page) return report(Error{ErrorKind::protocol, {}, page.error().message});
                recent = std::move(page->messages);
            }
            const std::size_t skip = recent.size() > want ? recent.size() - want : 0;
            for (std::size_t i = skip; i < recent.size(); ++i)
                print_message(recent[i], options.json, options.ids);
            continue;
        }
        if (const auto* m = std::get_if<core::MessageEvent>(&payload);
            m != nullptr && !m->message.is_direct() && m->message.channel == channel) {
            print_message(m->message, options.json, options.ids);
            continue;
        }
        // An edit, a delete or a reaction: the message again as it is now.
        if (const auto* u = std::get_if<core::UpdateEvent>(&payload);
            u != nullptr && u->message.channel == channel) {
            print_line(
                options.json ? message_json(u->message, "UPDATE")
                             : "update: " + message_line(u->message, options.ids)
            );
            continue;
        }
        if (const auto* n = std::get_if<core::NoticeEvent>(&payload)) {
            std::cerr << "salon: server notice " << n->code
                      << (n->message.empty() ? "" : ": " + n->message) << "\n";
            // The login is over for good: as a refused login, not a lost connection.
            if (n->code == "account_deleted" || n->code == "account_locked" ||
                n->code == "session_revoked")
                return kExitLogin;
        }
    }
    session->end(2s);
    return kExitOk;
}

int run_history(const Settings& settings, const HistoryOptions& options) {
    int code = kExitOk;
    auto session = connect(settings, code);
    if (!session) return code;
    const auto conversation = options.with.empty()
                                  ? client::ConversationRef::channel(settings.channel)
                                  : client::ConversationRef::direct(options.with);
    // Only members read a channel's history. Unless the login put us in the channel already (a
    // registered user's, or one we are in on another connection), join it for the reading and
    // leave again, so that nothing stays behind; a channel that does not exist is not created.
    bool joined_to_read = false;
    std::vector<core::Message> collected;
    std::int64_t before = 0;
    int remaining = options.limit;
    // Pages of at most 200 (PROTOCOL.md), walking back with `before`, newest page first.
    while (remaining > 0) {
        const int page_size = std::min(remaining, 200);
        auto reply = session->call(
            client::requests::history_before(conversation, before, page_size), kRequestTimeout
        );
        if (!reply && reply.error().code == "no_such_channel")
            return report_missing_channel(settings.channel, false);
        if (!reply && reply.error().code == "not_in_channel" && !joined_to_read) {
            auto joined = session->call(client::requests::join(settings.channel), kRequestTimeout);
            if (!joined) return report(joined.error());
            joined_to_read = true;
            continue;
        }
        if (!reply) return report(reply.error());
        auto page = client::parse_history_result(*reply);
        if (!page) return report(Error{ErrorKind::protocol, {}, page.error().message});
        collected.insert(collected.begin(), page->messages.begin(), page->messages.end());
        remaining -= static_cast<int>(page->messages.size());
        // A short page is the end, unless the server cut it to bound the reply (`more`).
        if (page->messages.empty()) break;
        if (static_cast<int>(page->messages.size()) < page_size && !page->more) break;
        before = page->messages.front().id;
    }
    if (joined_to_read) {
        auto left = session->call(client::requests::part(settings.channel), kRequestTimeout);
        if (!left) return report(left.error());
    }
    for (const auto& m : collected) print_message(m, options.json, options.ids);
    session->end(kRequestTimeout);
    return kExitOk;
}

int run_list(const Settings& settings, bool json) {
    int code = kExitOk;
    auto session = connect(settings, code);
    if (!session) return code;
    std::vector<core::ChannelSummary> channels;
    std::string after;
    for (;;) {
        auto request = client::requests::list();
        if (!after.empty()) request.args["after"] = after;
        auto reply = session->call(request, kRequestTimeout);
        if (!reply) return report(reply.error());
        auto list = client::parse_list_result(*reply);
        if (!list) return report(Error{ErrorKind::protocol, {}, list.error().message});
        channels.insert(channels.end(), list->channels.begin(), list->channels.end());
        if (!list->more || list->channels.empty()) break;
        after = list->channels.back().name;
    }
    std::sort(channels.begin(), channels.end(), [](const auto& a, const auto& b) {
        return a.name < b.name;
    });
    for (const auto& c : channels) {
        if (json) {
            print_line(boost::json::serialize(boost::json::object{
                {"name", c.name}, {"members", c.members}, {"topic", c.topic}}));
        } else {
            std::string line = c.name;
            line.resize(std::max<std::size_t>(line.size() + 1, 20), ' ');
            line += std::to_string(c.members);
            if (!c.topic.empty()) line += "  " + c.topic;
            print_line(line);
        }
    }
    session->end(kRequestTimeout);
    return kExitOk;
}

int run_who(const Settings& settings, const std::string& channel_arg, bool json) {
    const auto channel = core::canonical_channel_name(channel_arg);
    if (!channel) {
        std::cerr << "salon: \"" << channel_arg
                  << "\" is not a valid channel name (1-50 of a-z 0-9 _ -)\n";
        return kExitUsage;
    }
    int code = kExitOk;
    auto session = connect(settings, code);
    if (!session) return code;
    auto reply = session->call(client::requests::who(*channel), kRequestTimeout);
    if (!reply && reply.error().code == "no_such_channel")
        return report_missing_channel(*channel, false);
    if (!reply) return report(reply.error());
    auto who = client::parse_who_result(*reply);
    if (!who) return report(Error{ErrorKind::protocol, {}, who.error().message});
    for (const auto& m : who->members) {
        if (json) {
            print_line(boost::json::serialize(boost::json::object{
                {"user", m.user}, {"guest", m.guest}, {"op", m.op}}));
        } else {
            std::string line = m.user;
            if (m.op) line += " [op]";
            if (m.guest) line += " [guest]";
            print_line(line);
        }
    }
    session->end(kRequestTimeout);
    return kExitOk;
}

int run_edit(const Settings& settings, const EditOptions& options) {
    return call_for_status(
        client::requests::edit(options.id, joined_words(options.words)), settings
    );
}

int run_delete(const Settings& settings, std::int64_t id) {
    return call_for_status(client::requests::delete_message(id), settings);
}

int run_react(const Settings& settings, const ReactOptions& options) {
    return call_for_status(
        client::requests::react(options.id, options.emoji, !options.remove), settings
    );
}

int run_search(const Settings& settings, const SearchOptions& options) {
    client::requests::SearchQuery query;
    query.text = joined_words(options.words);
    if (options.channel) {
        const auto channel = core::canonical_channel_name(*options.channel);
        if (!channel) {
            std::cerr << "salon: \"" << *options.channel
                      << "\" is not a valid channel name (1-50 of a-z 0-9 _ -)\n";
            return kExitUsage;
        }
        query.in = client::ConversationRef::channel(*channel);
    } else if (!options.with.empty()) {
        query.in = client::ConversationRef::direct(options.with);
    }
    query.from = options.from;
    query.limit = std::min(options.limit, 100);
    int code = kExitOk;
    std::string self;
    auto session = connect(settings, code, &self);
    if (!session) return code;
    std::vector<core::Message> found;
    // Pages of at most 100, newest first, until `limit` or the end.
    while (static_cast<int>(found.size()) < options.limit) {
        query.limit = std::min(options.limit - static_cast<int>(found.size()), 100);
        auto reply = session->call(client::requests::search(query), kRequestTimeout);
        if (!reply && reply.error().code == "no_such_channel")
            return report_missing_channel(query.in->name, false);
        if (!reply) return report(reply.error());
        auto page = client::parse_search_result(*reply);
        if (!page) return report(Error{ErrorKind::protocol, {}, page.error().message});
        found.insert(found.end(), page->messages.begin(), page->messages.end());
        if (!page->more || page->next_before == 0) break;
        query.before = page->next_before;
    }
    for (const auto& m : found) {
        if (options.json) {
            print_message(m, true, false);
        } else {
            // A DM is shown under its conversation: the other party.
            const bool own = core::fold_user_name(m.from) == core::fold_user_name(self);
            const std::string where = m.is_direct() ? "@" + (own ? m.to : m.from) : "#" + m.channel;
            print_line(
                std::to_string(m.id) + " " + client::format_local_date(m.ts_ms) + " " + where +
                " " + message_line(m, false)
            );
        }
    }
    session->end(kRequestTimeout);
    return kExitOk;
}

int run_conversations(const Settings& settings, bool json) {
    int code = kExitOk;
    auto session = connect(settings, code);
    if (!session) return code;
    auto reply = session->call(client::requests::conversations(), kRequestTimeout);
    if (!reply) return report(reply.error());
    auto list = client::parse_conversations_result(*reply);
    if (!list) return report(Error{ErrorKind::protocol, {}, list.error().message});
    for (const auto& c : list->conversations) {
        if (json) {
            boost::json::object o{{"read", c.read}, {"unread", c.unread}, {"mentions", c.mentions}};
            o[c.with.empty() ? "channel" : "with"] = c.with.empty() ? c.channel : c.with;
            if (c.last_id) o["last_id"] = *c.last_id;
            print_line(boost::json::serialize(o));
        } else {
            std::string line = c.with.empty() ? "#" + c.channel : "@" + c.with;
            line.resize(std::max<std::size_t>(line.size() + 1, 20), ' ');
            line += "unread " + std::to_string(c.unread) + "  mentions " +
                    std::to_string(c.mentions) + "  read " + std::to_string(c.read) + "  last " +
                    (c.last_id ? std::to_string(*c.last_id) : "-");
            print_line(line);
        }
    }
    session->end(kRequestTimeout);
    return kExitOk;
}

int run_read(const Settings& settings, const std::string& with, std::int64_t id) {
    const auto conversation = with.empty() ? client::ConversationRef::channel(settings.channel)
                                           : client::ConversationRef::direct(with);
    return call_for_status(client::requests::read(conversation, id), settings);
}

namespace {

/// `YYYY-MM-DD HH:MM:SS` in local time; `-` for none.
std::string local_time(std::optional<core::UnixMillis> ms) {
    if (!ms || *ms == 0) return "-";
    return client::format_local_date(*ms) + " " + client::format_local_hms(*ms);
}

/// Writes `secret` and a newline to `path`, readable and writable by the owner only, also when
/// the file already existed with a wider mode. Returns an error message, empty on success.
std::string write_secret_file(const std::string& path, const std::string& secret) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return "cannot write " + path + ": " + std::strerror(errno);
    std::string text = secret + "\n";
    bool ok = ::fchmod(fd, 0600) == 0;
    std::size_t done = 0;
    while (ok && done < text.size()) {
        const auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
    }
    const int saved = errno;
    ok = ::close(fd) == 0 && ok;
    if (!ok) return "cannot write " + path + ": " + std::strerror(saved);
    return {};
}

/// The next line of stdin without its line end; nullopt at end of input.
std::optional<std::string> stdin_line() {
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

}  // namespace

int run_token_create(const Settings& settings, const TokenCreateOptions& options) {
    if (!needs_password(settings)) {
        std::cerr << "salon: token create needs --user (a registered account)\n";
        return kExitUsage;
    }
    int code = kExitOk;
    auto session = connect(settings, code, nullptr, Credential::password);
    if (!session) return code;
    auto reply = session->call(client::requests::token(options.label), kRequestTimeout);
    if (!reply) return report(reply.error());
    auto made = client::parse_token_result(*reply);
    if (!made) return report(Error{ErrorKind::protocol, {}, made.error().message});
    session->end(2s);
    const auto expires = core::format_timestamp(made->expires_ms);
    if (!options.out.empty()) {
        if (auto failed = write_secret_file(options.out, made->token); !failed.empty()) {
            std::cerr << "salon: " << failed << " (token " << made->id
                      << " was made: revoke it with `salon token revoke " << made->id << "`)\n";
            return kExitUsage;
        }
    }
    if (options.json) {
        boost::json::object o{{"id", made->id}, {"expires", expires}};
        if (options.out.empty()) o["token"] = made->token;
        print_line(boost::json::serialize(o));
    } else if (options.out.empty()) {
        print_line(made->token);
    } else {
        print_line(std::to_string(made->id));
    }
    std::cerr << "salon: token " << made->id << " for " << settings.user << ", valid until "
              << local_time(made->expires_ms) << " (renewed by each login)"
              << (options.out.empty() ? "" : ", written to " + options.out) << "\n";
    return kExitOk;
}

int run_token_list(const Settings& settings, bool json) {
    int code = kExitOk;
    auto session = connect(settings, code);
    if (!session) return code;
    auto reply = session->call(client::requests::tokens(), kRequestTimeout);
    if (!reply) return report(reply.error());
    auto list = client::parse_tokens_result(*reply);
    if (!list) return report(Error{ErrorKind::protocol, {}, list.error().message});
    for (const auto& t : list->tokens) {
        if (json) {
            print_line(boost::json::serialize(boost::json::object{
                {"id", t.id},
                {"label", t.label},
                {"created", core::format_timestamp(t.created_ms)},
                {"last_used",
                 t.last_used_ms ? boost::json::value(core::format_timestamp(*t.last_used_ms))
                                : boost::json::value(nullptr)},
                {"expires", core::format_timestamp(t.expires_ms)},
                {"current", t.current}}));
        } else {
            // id, created, last used, expires, then the free-form label last.
            print_line(
                std::to_string(t.id) + (t.current ? "* " : "  ") + local_time(t.created_ms) + "  " +
                local_time(t.last_used_ms) + "  " + local_time(t.expires_ms) + "  " + t.label
            );
        }
    }
    session->end(2s);
    return kExitOk;
}

int run_token_revoke(const Settings& settings, std::int64_t id) {
    int code = kExitOk;
    auto session = connect(settings, code);
    if (!session) return code;
    auto reply = session->call(client::requests::revoke(id), kRequestTimeout);
    if (!reply) return report(reply.error());
    // Revoking our own token closes this connection right after the OK; end() takes either.
    session->end(2s);
    return kExitOk;
}

int run_passwd(const Settings& settings, bool from_stdin) {
    if (!needs_password(settings)) {
        std::cerr << "salon: passwd needs --user (a registered account)\n";
        return kExitUsage;
    }
    std::optional<std::string> old_password;
    std::optional<std::string> new_password;
    if (from_stdin) {
        old_password = stdin_line();
        new_password = stdin_line();
        if (!new_password) {
            std::cerr << "salon: passwd --stdin reads two lines: the current password, then the "
                         "new one\n";
            return kExitUsage;
        }
    } else {
        const auto who = settings.user + "@" + settings.endpoint.to_string();
        old_password = prompt_secret("Current password for " + who + ": ");
        if (!old_password) {
            std::cerr << "salon: no terminal to ask for the passwords on: use passwd --stdin\n";
            return kExitUsage;
        }
        new_password = prompt_secret("New password: ");
        const auto again = prompt_secret("New password again: ");
        if (!new_password || !again || *new_password != *again) {
            std::cerr << "salon: the new passwords differ; nothing changed\n";
            return kExitUsage;
        }
    }
    client::LoginRequest login;
    login.user = settings.user;
    login.join = false;
    login.version = 2;
    try {
        if (!settings.token_file.empty()) {
            login.token = read_token(settings);
        } else {
            login.password = *old_password;
        }
    } catch (const SettingsError& e) {
        std::cerr << "salon: " << e.message << "\n";
        return kExitUsage;
    }
    int code = kExitOk;
    auto session = open_and_login(settings, login, code);
    if (!session) return code;
    auto reply =
        session->call(client::requests::passwd(*old_password, *new_password), kRequestTimeout);
    if (!reply) return report(reply.error());
    session->end(2s);
    std::cerr << "salon: password changed; every other session of " << settings.user
              << " was logged out" << (login.token.empty() ? "" : " (this token stays valid)")
              << "\n";
    return kExitOk;
}

}  // namespace salon::cli

namespace salon::cli {

int run_delete_account(const Settings& settings, bool confirmed) {
    if (!needs_password(settings)) {
        std::cerr << "salon: delete-account needs --user (a registered account)\n";
        return kExitUsage;
    }
    const auto where = settings.user + "@" + settings.endpoint.to_string();
    if (!confirmed) {
        const auto typed = prompt_line(
            "This deletes the account " + where +
                " for good, with its direct messages.\nType its name to confirm: ",
            true
        );
        if (!typed) {
            std::cerr << "salon: no terminal to confirm on: add --yes\n";
            return kExitUsage;
        }
        if (core::fold_user_name(*typed) != core::fold_user_name(settings.user)) {
            std::cerr << "salon: not confirmed; nothing deleted\n";
            return kExitUsage;
        }
    }
    // The password, not a token: DELETE_ACCOUNT asks for it again anyway.
    client::LoginRequest login;
    try {
        login = make_login(settings, {}, Credential::password);
    } catch (const SettingsError& e) {
        std::cerr << "salon: " << e.message << "\n";
        return kExitUsage;
    }
    login.join = false;
    login.channel.clear();
    login.version = 2;
    int code = kExitOk;
    auto session = open_and_login(settings, login, code);
    if (!session) return code;
    auto reply = session->call(client::requests::delete_account(login.password), kRequestTimeout);
    if (!reply) return report(reply.error());
    // The server says account_deleted and closes: there is nothing to END.
    session->close();
    print_line(
        "deleted " + where +
        ": the account, its tokens, channel memberships and operator rights, its direct "
        "messages (both sides), read markers, reactions and mentions; its channel messages stay, "
        "from [deleted]"
    );
    return kExitOk;
}

}  // namespace salon::cli
