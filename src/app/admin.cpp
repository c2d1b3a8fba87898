#include "app/admin.hpp"

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "app/admin_store.hpp"
#include "app/data_dir_lock.hpp"
#include "auth/password.hpp"
#include "core/clock.hpp"
#include "core/names.hpp"
#include "server/admin_requests.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace salon::app {
namespace {

/// Reads a line from the terminal without echoing it.
std::string prompt_hidden(const char* prompt, std::istream& in, std::ostream& err) {
    err << prompt << std::flush;
    termios saved{};
    const bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    std::getline(in, line);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        err << '\n';
    }
    return line;
}

/// The new password: prompted twice on a terminal, else the first line of input.
std::optional<std::string> read_new_password(std::istream& in, std::ostream& err) {
    if (&in == &std::cin && isatty(STDIN_FILENO)) {
        auto first = prompt_hidden("New password: ", in, err);
        auto second = prompt_hidden("Repeat it: ", in, err);
        if (first != second) {
            err << "salond: the passwords differ\n";
            return std::nullopt;
        }
        return first;
    }
    std::string line;
    if (!std::getline(in, line)) {
        err << "salond: no password on standard input\n";
        return std::nullopt;
    }
    if (line.ends_with('\r')) line.pop_back();
    return line;
}

/// `salond channel list`: one line per stored channel, a page of them at a time.
int list_channels(const Config& config, std::ostream& out) {
    // Per page and per channel, so that neither memory nor a channel's history makes it slow.
    constexpr std::size_t kPage = 500;
    constexpr std::size_t kCountedMessages = 100'000;
    auto store = open_admin_store(config);
    std::optional<core::ChannelName> after;
    for (;;) {
        const auto page = store->channel_summaries(after, kPage, kCountedMessages);
        for (const auto& channel : page) {
            const auto& record = channel.record;
            std::string modes = "+" + record.modes;
            if (!record.key.empty()) modes += 'k';
            out << fmt::format(
                "{}\t{}\t{}\t{}{}\t{}\t{}\n",
                record.name.str(),
                channel.members,
                modes,
                channel.messages,
                channel.messages >= kCountedMessages ? "+" : "",
                channel.last_message_ms ? core::format_timestamp(*channel.last_message_ms) : "-",
                record.topic
            );
        }
        if (page.size() < kPage) return kExitOk;
        after = page.back().record.name;
    }
}

/// Hands the request to the salond holding the data dir and waits for its answer.
store::AdminOutcome ask_running_server(store::Store& store, const store::AdminRequest& request) {
    constexpr auto kPoll = std::chrono::milliseconds(50);
    const auto id = store.enqueue_admin_request(request);
    const auto deadline = std::chrono::steady_clock::now() + kChannelCommandWait;
    while (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(kPoll);
        if (auto outcome = store.take_admin_outcome(id)) return *outcome;
    }
    // Withdrawn unless taken meanwhile: a change applied long after the command gave up would
    // surprise whoever ran it.
    if (store.cancel_admin_request(id)) {
        return {
            .ok = false,
            .message =
                "the running salond did not take the request in time; "
                "nothing changed"};
    }
    if (auto outcome = store.take_admin_outcome(id)) return *outcome;
    return {
        .ok = false,
        .message =
            "the running salond took the request but has not answered; "
            "see its log"};
}

}  // namespace

int run_user_command(
    const Config& config,
    UserAction action,
    const std::string& name,
    bool admin,
    std::istream& in,
    std::ostream& out,
    std::ostream& err
) {
    // Checked before the database is opened: a typo creates no data directory.
    std::optional<core::UserName> user;
    if (action != UserAction::list) {
        user = core::UserName::parse(name);
        if (!user) {
            err << fmt::format(
                "salond: '{}' is not a valid account name (1-32 of A-Z a-z 0-9 _ - .)\n", name
            );
            return kExitUsage;
        }
        if (user->is_guest()) {
            err << fmt::format(
                "salond: '{}' cannot be an account: names starting with Guest belong to guests\n",
                name
            );
            return kExitUsage;
        }
    }
    auto store = open_admin_store(config);

    switch (action) {
        case UserAction::add:
        case UserAction::passwd: {
            if (action == UserAction::passwd && !store->find_account(*user)) {
                err << fmt::format("salond: no account named '{}'\n", name);
                return kExitFailure;
            }
            auto password = read_new_password(in, err);
            if (!password) return kExitFailure;
            if (!auth::check_password_strength(*password)) {
                err << "salond: the password must have at least 8 characters\n";
                return kExitFailure;
            }
            const auto hash = auth::hash_password(*password, config.password);
            if (action == UserAction::passwd) {
                // A reset by the administrator logs every device out: no session token survives.
                const auto revoked = store->change_password(*user, hash, std::nullopt);
                out << fmt::format(
                    "password of {} changed; {} session tokens revoked\n",
                    name,
                    revoked ? revoked->size() : 0
                );
                return kExitOk;
            }
            const core::SystemClock clock;
            const store::Account account{
                .name = user->display(),
                .password_hash = hash,
                .admin = admin,
                .created_ms = clock.unix_now_ms()};
            if (!store->create_account(account)) {
                err << fmt::format("salond: the name '{}' is taken\n", name);
                return kExitFailure;
            }
            out << fmt::format("account {} created{}\n", name, admin ? " (administrator)" : "");
            return kExitOk;
        }
        case UserAction::del:
            // The same path as DELETE_ACCOUNT; revs come from the file's sequence (no server
            // to ask), and a running salond closes the sessions at its next lock check, the
            // account being locked from the deletion's first step.
            if (!store->delete_account(*user, {})) {
                err << fmt::format("salond: no account named '{}'\n", name);
                return kExitFailure;
            }
            out << fmt::format("account {} deleted\n", name);
            return kExitOk;
        case UserAction::lock:
        case UserAction::unlock: {
            const bool locking = action == UserAction::lock;
            if (!store->set_locked(*user, locking)) {
                err << fmt::format("salond: no account named '{}'\n", name);
                return kExitFailure;
            }
            out << fmt::format(
                "account {} {}\n",
                name,
                locking ? "locked; a running salond closes its sessions within seconds" : "unlocked"
            );
            return kExitOk;
        }
        case UserAction::list:
            // name, role, created, last login ("-" for never), "locked" when locked.
            for (const auto& account : store->list_accounts()) {
                out << fmt::format(
                    "{}\t{}\t{}\t{}\t{}\n",
                    account.name,
                    account.admin ? "admin" : "user",
                    core::format_timestamp(account.created_ms),
                    account.last_login_ms ? core::format_timestamp(*account.last_login_ms) : "-",
                    account.locked ? "locked" : "active"
                );
            }
            return kExitOk;
    }
    return kExitFailure;
}

int run_channel_command(
    const Config& config,
    ChannelAction action,
    const std::string& channel,
    const std::string& argument,
    std::ostream& out,
    std::ostream& err
) {
    if (action == ChannelAction::list) return list_channels(config, out);
    const core::SystemClock clock;
    const store::AdminRequest request{
        .action = action == ChannelAction::del      ? store::AdminRequest::Action::delete_channel
                  : action == ChannelAction::rename ? store::AdminRequest::Action::rename_channel
                                                    : store::AdminRequest::Action::op,
        .channel = channel,
        .argument = argument,
        .created_ms = clock.unix_now_ms()};
    store::AdminOutcome outcome;
    try {
        // No server: the change is made here, the lock keeping one from starting meanwhile.
        const DataDirLock lock(config.data_dir);
        outcome = server::apply_admin_request_stored(*open_admin_store(config), request);
    } catch (const DataDirInUse&) {
        outcome = ask_running_server(*open_admin_store(config), request);
    }
    if (!outcome.ok) {
        err << "salond: " << outcome.message << '\n';
        return kExitFailure;
    }
    out << outcome.message << '\n';
    return kExitOk;
}

}  // namespace salon::app
