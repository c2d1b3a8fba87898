// send, tail, history, list and who over a blocking client::Session.
#include "commands.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
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

/// What a command's login joins.
enum class LoginJoins {
    channel,  ///< the command's channel, for commands that post or follow it
    nothing,  ///< no channel: commands that only look must not create one, nor a membership
};

/// Connects and logs in; on failure prints the reason and sets `exit_code`.
std::optional<client::Session> connect(
    const Settings& settings, const std::string& channel, LoginJoins joins, int& exit_code
) {
    client::LoginRequest login;
    try {
        login = make_login(settings, channel);
    } catch (const SettingsError& e) {
        std::cerr << "salon: " << e.message << "\n";
        exit_code = kExitUsage;
        return std::nullopt;
    }
    if (joins == LoginJoins::nothing) {
        login.join = false;
        login.channel.clear();
    }
    auto session = client::Session::open(settings.endpoint, kConnectTimeout);
    if (!session) {
        exit_code = report(session.error());
        return std::nullopt;
    }
    auto logged_in = session->login(login, kRequestTimeout);
    if (!logged_in) {
        exit_code = report(logged_in.error(), true);
        return std::nullopt;
    }
    // REGISTER cannot name a channel, so join it separately.
    if (joins == LoginJoins::channel && settings.register_account && !channel.empty() &&
        channel != "home") {
        if (auto joined = session->call(client::requests::join(channel), kRequestTimeout);
            !joined) {
            exit_code = report(joined.error());
            return std::nullopt;
        }
    }
    return std::move(*session);
}

void print_line(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);  // scripts read us through a pipe: do not sit on lines
}

std::string message_line(const core::Message& m) {
    return client::format_local_hms(m.ts_ms) + " <" + m.from + "> " + m.text;
}

std::string message_json(const core::Message& m, const char* verb) {
    boost::json::object args{
        {"id", m.id}, {"from", m.from}, {"text", m.text}, {"ts", core::format_timestamp(m.ts_ms)}};
    if (!m.channel.empty()) args["channel"] = m.channel;
    if (!m.to.empty()) args["to"] = m.to;
    boost::json::object frame;
    frame[verb] = std::move(args);
    return boost::json::serialize(frame);
}

void print_message(const core::Message& m, bool json) {
    print_line(json ? message_json(m, "MSG") : message_line(m));
}

}  // namespace

int run_send(const Settings& settings, const SendOptions& options) {
    std::vector<std::string> messages;
    if (!options.words.empty()) {
        std::string text;
        for (const auto& w : options.words) {
            if (!text.empty()) text.push_back(' ');
            text += w;
        }
        messages.push_back(std::move(text));
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
    auto session =
        connect(settings, options.to.empty() ? settings.channel : "", LoginJoins::channel, code);
    if (!session) return code;
    for (const auto& text : messages) {
        const auto request = options.to.empty() ? client::requests::send(settings.channel, text)
                                                : client::requests::dm(options.to, text);
        for (int attempt = 0;; ++attempt) {
            auto reply = session->call(request, kRequestTimeout);
            if (reply) break;
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
    auto session = connect(settings, settings.channel, LoginJoins::channel, code);
    if (!session) return code;
    const std::string& channel = settings.channel;
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
                print_message(recent[i], options.json);
            continue;
        }
        if (const auto* m = std::get_if<core::MessageEvent>(&payload);
            m != nullptr && !m->message.is_direct() && m->message.channel == channel) {
            print_message(m->message, options.json);
            continue;
        }
        if (const auto* n = std::get_if<core::NoticeEvent>(&payload)) {
            std::cerr << "salon: server notice " << n->code
                      << (n->message.empty() ? "" : ": " + n->message) << "\n";
        }
    }
    session->end(2s);
    return kExitOk;
}

int run_history(const Settings& settings, const HistoryOptions& options) {
    int code = kExitOk;
    auto session = connect(settings, "", LoginJoins::nothing, code);
    if (!session) return code;
    const std::string& channel = settings.channel;
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
        auto reply =
            session->call(client::requests::history(channel, before, page_size), kRequestTimeout);
        if (!reply && reply.error().code == "not_in_channel" && !joined_to_read) {
            auto joined = session->call(client::requests::join(channel), kRequestTimeout);
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
        auto left = session->call(client::requests::part(channel), kRequestTimeout);
        if (!left) return report(left.error());
    }
    for (const auto& m : collected) print_message(m, options.json);
    session->end(kRequestTimeout);
    return kExitOk;
}

int run_list(const Settings& settings, bool json) {
    int code = kExitOk;
    auto session = connect(settings, "", LoginJoins::nothing, code);
    if (!session) return code;
    auto reply = session->call(client::requests::list(), kRequestTimeout);
    if (!reply) return report(reply.error());
    auto list = client::parse_list_result(*reply);
    if (!list) return report(Error{ErrorKind::protocol, {}, list.error().message});
    auto& channels = list->channels;
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
    auto session = connect(settings, "", LoginJoins::nothing, code);
    if (!session) return code;
    auto reply = session->call(client::requests::who(*channel), kRequestTimeout);
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

}  // namespace salon::cli
