#include "app/admin.hpp"

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <optional>

#include "auth/password.hpp"
#include "core/clock.hpp"
#include "core/names.hpp"
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
    store::SqliteOptions options;
    options.sync =
        config.sync_full ? store::SqliteOptions::Sync::full : store::SqliteOptions::Sync::normal;
    auto store = store::open_sqlite_store(config.data_dir / "salon.db", options);

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

}  // namespace salon::app
