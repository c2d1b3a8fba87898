// The scriptable subcommands of `salon`: each connects, does one job and returns an exit code
// from exit_codes.hpp, printing errors on stderr as `salon: ...`. Their arguments and output
// are relied on by scripts and by the other clients' cross-client tests: keep them stable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "options.hpp"

namespace salon::cli {

struct SendOptions {
    std::string to;                  ///< DM recipient; empty: post to the channel
    std::vector<std::string> words;  ///< joined by spaces into one message; empty: stdin lines
    std::int64_t reply_to = 0;       ///< the message answered; 0 for none
    bool create = false;             ///< join (and so create) a channel that does not exist
    bool print_id = false;           ///< print each acknowledged message's id on stdout
};

struct TailOptions {
    int history = 10;  ///< recent messages printed before following
    bool json = false;
    bool ids = false;     ///< prefix text lines with `[ID] `
    bool create = false;  ///< as SendOptions::create
};

struct HistoryOptions {
    int limit = 50;
    bool json = false;
    bool ids = false;
    std::string with{};  ///< DM history with this user instead of --channel's
};

struct EditOptions {
    std::int64_t id = 0;
    std::vector<std::string> words{};
};

struct ReactOptions {
    std::int64_t id = 0;
    std::string emoji{};
    bool remove = false;
};

struct SearchOptions {
    std::vector<std::string> words{};
    std::optional<std::string> channel{};  ///< only this channel
    std::string with{};                    ///< only the DMs with this user
    std::string from{};
    int limit = 20;
    bool json = false;
};

struct TokenCreateOptions {
    std::string label{};
    std::string out{};  ///< write the secret to this file (mode 0600) instead of stdout
    bool json = false;  ///< print {id, token, expires} (or {id, expires} with `out`)
};

int run_send(const Settings& settings, const SendOptions& options);
int run_tail(const Settings& settings, const TailOptions& options);
int run_history(const Settings& settings, const HistoryOptions& options);
int run_list(const Settings& settings, bool json);
int run_who(const Settings& settings, const std::string& channel, bool json);
int run_edit(const Settings& settings, const EditOptions& options);
int run_delete(const Settings& settings, std::int64_t id);
int run_react(const Settings& settings, const ReactOptions& options);
int run_search(const Settings& settings, const SearchOptions& options);
/// CONVERSATIONS: one line per channel or DM partner, newest activity first.
int run_conversations(const Settings& settings, bool json);
/// READ: moves the read marker of --channel, or of the DMs with `with`, to `id`.
int run_read(const Settings& settings, const std::string& with, std::int64_t id);

/// TOKEN, logged in with the password: prints the secret (or writes it to `out`).
int run_token_create(const Settings& settings, const TokenCreateOptions& options);
/// TOKENS: one line per live token: id, created, last used, expires, label, `*` for current.
int run_token_list(const Settings& settings, bool json);
/// REVOKE id.
int run_token_revoke(const Settings& settings, std::int64_t id);
/// PASSWD: the current and the new password from the terminal (echo off, the new one twice),
/// or with `from_stdin` as the first two lines of stdin. Logs in with the token when one is
/// configured (that token stays valid), else with the current password.
int run_passwd(const Settings& settings, bool from_stdin);
/// DELETE_ACCOUNT, logged in with the password (SALON_PASSWORD, --password-file or a prompt).
/// Unless `confirmed` (--yes), the user types the account's name on the terminal first.
/// Prints what was removed.
int run_delete_account(const Settings& settings, bool confirmed);

}  // namespace salon::cli
