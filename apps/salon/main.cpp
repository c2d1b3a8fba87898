// salon: the terminal client of Salon. Parses the command line and runs the interactive
// client or one scriptable subcommand.
#include <langinfo.h>

#include <CLI/CLI.hpp>
#include <clocale>
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "tui.hpp"

namespace {

using namespace salon::cli;
using namespace std::chrono_literals;

/// ncursesw draws multi-byte text only under a UTF-8 LC_CTYPE; prefer the user's, else C.UTF-8.
void use_utf8_locale() {
    std::setlocale(LC_ALL, "");
    const std::string codeset = nl_langinfo(CODESET);
    if (codeset != "UTF-8") std::setlocale(LC_CTYPE, "C.UTF-8");
}

int run_interactive(const Settings& settings) {
    salon::client::LoginRequest login;
    try {
        login = make_login(settings);
    } catch (const SettingsError& e) {
        std::cerr << "salon: " << e.message << "\n";
        return kExitUsage;
    }
    login.version = 2;
    auto session = salon::client::Session::open(settings.endpoint, 5s);
    if (!session) {
        std::cerr << "salon: " << session.error().message << "\n";
        return session.error().kind == salon::client::ErrorKind::usage ? kExitUsage : kExitNetwork;
    }
    auto welcome = session->login(login, 10s);
    if (!welcome) {
        const auto& e = welcome.error();
        if (e.kind == salon::client::ErrorKind::refused) {
            std::cerr << "salon: " << e.code << ": " << e.message << "\n";
            explain_login_failure(settings, login, e);
            return kExitLogin;
        }
        std::cerr << "salon: " << e.message << "\n";
        explain_login_failure(settings, login, e);
        return e.kind == salon::client::ErrorKind::protocol ? kExitProtocol : kExitNetwork;
    }
    return run_tui(settings, std::move(login), std::move(*session), *welcome);
}

}  // namespace

int main(int argc, char** argv) {
    use_utf8_locale();
    CLI::App app{
        "salon: the Salon chat client.\n"
        "With no subcommand, a full-screen chat client (/help inside lists its commands)."};
    app.footer(
        std::string(
            "\nRegistered users log in with a session token when one is configured (--token-file,\n"
            "$SALON_TOKEN_FILE, or token_file in the config; make one with `salon token create\n"
            "--out FILE`), else with the password: $SALON_PASSWORD, --password-file, or a\n"
            "prompt with echo off; never from the command line.\n"
            "Defaults may be set in ~/.config/salon/config.toml (server, user, channel,\n"
            "password_file, token_file).\n\n"
        ) +
        kExitCodesHelp
    );
    app.fallthrough();
    app.require_subcommand(0, 1);

    CommandLine cli;
    app.add_option(
        "-s,--server",
        cli.server,
        "HOST:PORT of the server (default localhost:5000); salons://HOST[:PORT] for TLS"
    );
    app.add_flag(
        "--tls", cli.tls, "connect with TLS (default port 5443), checking the server's certificate"
    );
    app.add_option(
        "--ca", cli.ca_file, "with TLS: trust the certificate authorities in this PEM FILE"
    );
    app.add_flag(
        "--insecure",
        cli.insecure,
        "with TLS: accept any certificate (a self-signed test server; no protection against "
        "interception)"
    );
    app.add_option("-u,--user", cli.user, "account name (none: log in as a guest)");
    app.add_option("-c,--channel", cli.channel, "channel to join / act on (default home)");
    app.add_option(
        "--password-file", cli.password_file, "read the password from the first line of FILE"
    );
    app.add_option(
        "--token-file",
        cli.token_file,
        "log in with the session token on the first line of FILE (see `salon token`)"
    );
    app.add_option("--config", cli.config, "config file (default ~/.config/salon/config.toml)");
    app.add_flag("--register", cli.register_account, "create the account --user first");

    SendOptions send;
    auto* send_cmd = app.add_subcommand(
        "send",
        "post TEXT (words joined by spaces) to --channel, or DM it with --to; without TEXT, "
        "post each line of stdin. Exits 0 once every message is acknowledged. A channel that "
        "does not exist is an error (exit 1) unless --create."
    );
    send_cmd->add_option("--to", send.to, "send a direct message to NICK instead");
    send_cmd->add_option("--reply-to", send.reply_to, "answer the message ID (same conversation)")
        ->check(CLI::PositiveNumber);
    send_cmd->add_flag("--create", send.create, "create --channel if it does not exist");
    send_cmd->add_flag("--print-id", send.print_id, "print each posted message's ID on stdout");
    send_cmd->add_option("text", send.words, "the message")->expected(0, -1);

    TailOptions tail;
    auto* tail_cmd = app.add_subcommand(
        "tail",
        "print --channel's messages as HH:MM:SS <nick> text until interrupted; edits, deletes "
        "and reactions print the message again after `update: `"
    );
    tail_cmd
        ->add_option("-n,--history", tail.history, "recent messages to print first (default 10)")
        ->check(CLI::Range(0, 200));
    tail_cmd->add_flag(
        "--json", tail.json, "print each message as a JSON MSG (or UPDATE) frame, version 2 body"
    );
    tail_cmd->add_flag("--ids", tail.ids, "start each line with [ID]");
    tail_cmd->add_flag("--create", tail.create, "create --channel if it does not exist");

    HistoryOptions history;
    auto* history_cmd = app.add_subcommand(
        "history", "print the last messages of --channel, or of the DMs with --with USER"
    );
    history_cmd->add_option("-l,--limit", history.limit, "how many (default 50)")
        ->check(CLI::Range(1, 10000));
    history_cmd->add_option("--with", history.with, "the direct messages with USER instead");
    history_cmd->add_flag(
        "--json", history.json, "print each message as a JSON MSG (DM) frame, version 2 body"
    );
    history_cmd->add_flag("--ids", history.ids, "start each line with [ID]");

    bool list_json = false;
    auto* list_cmd = app.add_subcommand("list", "list the channels: name, member count, topic");
    list_cmd->add_flag("--json", list_json, "one JSON object per channel");

    std::string who_channel;
    bool who_json = false;
    auto* who_cmd = app.add_subcommand("who", "list the members of CHANNEL");
    who_cmd->add_option("channel", who_channel, "the channel")->required();
    who_cmd->add_flag("--json", who_json, "one JSON object per member");

    EditOptions edit;
    auto* edit_cmd = app.add_subcommand("edit", "replace the text of your message ID with TEXT");
    edit_cmd->add_option("id", edit.id, "the message")->required()->check(CLI::PositiveNumber);
    edit_cmd->add_option("text", edit.words, "the new text")->required()->expected(1, -1);

    std::int64_t delete_id = 0;
    auto* delete_cmd =
        app.add_subcommand("delete", "delete message ID (yours; or any in a channel you operate)");
    delete_cmd->add_option("id", delete_id, "the message")->required()->check(CLI::PositiveNumber);

    ReactOptions react;
    auto* react_cmd = app.add_subcommand("react", "add EMOJI to message ID (or --remove it)");
    react_cmd->add_option("id", react.id, "the message")->required()->check(CLI::PositiveNumber);
    react_cmd->add_option("emoji", react.emoji, "the reaction")->required();
    react_cmd->add_flag("--remove", react.remove, "take your EMOJI back");

    SearchOptions search;
    auto* search_cmd = app.add_subcommand(
        "search",
        "find messages containing QUERY (3 characters or more, any case), newest first: "
        "ID YYYY-MM-DD #channel|@user HH:MM:SS <nick> text"
    );
    search_cmd->add_option("query", search.words, "the words, as one substring")
        ->required()
        ->expected(1, -1);
    auto* search_channel =
        search_cmd->add_option("--channel", search.channel, "only in this channel");
    search_cmd->add_option("--with", search.with, "only in the DMs with USER")
        ->excludes(search_channel);
    search_cmd->add_option("--from", search.from, "only messages by USER");
    search_cmd->add_option("-l,--limit", search.limit, "how many at most (default 20)")
        ->check(CLI::Range(1, 1000));
    search_cmd->add_flag("--json", search.json, "one JSON MSG or DM frame per message");

    bool conversations_json = false;
    auto* conversations_cmd = app.add_subcommand(
        "conversations",
        "list your channels and DM partners, newest activity first: unread and mention counts, "
        "read marker, last message id"
    );
    conversations_cmd->add_flag("--json", conversations_json, "one JSON object per conversation");

    std::int64_t read_id = 0;
    std::string read_with;
    auto* read_cmd = app.add_subcommand(
        "read", "move your read marker in --channel (or the DMs with --with USER) up to ID"
    );
    read_cmd->add_option("id", read_id, "the last message read")
        ->required()
        ->check(CLI::PositiveNumber);
    read_cmd->add_option("--with", read_with, "the DMs with USER instead of --channel");

    auto* token_cmd = app.add_subcommand(
        "token", "session tokens: log in without keeping the password (scripts, other machines)"
    );
    token_cmd->require_subcommand(1);
    TokenCreateOptions token_create;
    auto* token_create_cmd = token_cmd->add_subcommand(
        "create",
        "log in with the password and make a token: its secret is printed on stdout (or written "
        "to --out FILE, readable by you only), shown this once"
    );
    token_create_cmd->add_option("--label", token_create.label, "a name for it (0-64 bytes)");
    token_create_cmd->add_option("--out", token_create.out, "write the secret to FILE (mode 0600)");
    token_create_cmd->add_flag("--json", token_create.json, "print {id, token, expires} as JSON");
    bool token_list_json = false;
    auto* token_list_cmd = token_cmd->add_subcommand(
        "list",
        "your tokens, most recently used first: ID (* this login) created last-used expires label"
    );
    token_list_cmd->add_flag("--json", token_list_json, "one JSON object per token");
    std::int64_t revoke_id = 0;
    auto* token_revoke_cmd = token_cmd->add_subcommand(
        "revoke", "end token ID: every connection that logged in with it is closed"
    );
    token_revoke_cmd->add_option("id", revoke_id, "the token")
        ->required()
        ->check(CLI::PositiveNumber);

    bool passwd_stdin = false;
    auto* passwd_cmd = app.add_subcommand(
        "passwd",
        "change your password (asked with echo off); every other session and token is logged out"
    );
    passwd_cmd->add_flag(
        "--stdin", passwd_stdin, "read the current and the new password as two lines of stdin"
    );

    bool delete_confirmed = false;
    auto* delete_account_cmd = app.add_subcommand(
        "delete-account",
        "delete your account --user for good: its tokens, memberships, direct messages (both "
        "sides), read markers and reactions; its channel messages stay, from [deleted]. Asks "
        "you to type the account's name (or --yes), then the password (as a login does), and "
        "prints what was removed"
    );
    delete_account_cmd->add_flag(
        "--yes", delete_confirmed, "do not ask to type the account's name to confirm"
    );

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitUsage;
    }

    Settings settings;
    try {
        settings = resolve_settings(cli);
    } catch (const SettingsError& e) {
        std::cerr << "salon: " << e.message << "\n";
        return kExitUsage;
    }

    if (*token_create_cmd) return run_token_create(settings, token_create);
    if (*token_list_cmd) return run_token_list(settings, token_list_json);
    if (*token_revoke_cmd) return run_token_revoke(settings, revoke_id);
    if (*passwd_cmd) return run_passwd(settings, passwd_stdin);
    if (*delete_account_cmd) return run_delete_account(settings, delete_confirmed);
    if (*send_cmd) return run_send(settings, send);
    if (*tail_cmd) return run_tail(settings, tail);
    if (*history_cmd) return run_history(settings, history);
    if (*list_cmd) return run_list(settings, list_json);
    if (*who_cmd) return run_who(settings, who_channel, who_json);
    if (*edit_cmd) return run_edit(settings, edit);
    if (*delete_cmd) return run_delete(settings, delete_id);
    if (*react_cmd) return run_react(settings, react);
    if (*conversations_cmd) return run_conversations(settings, conversations_json);
    if (*read_cmd) return run_read(settings, read_with, read_id);
    if (*search_cmd) {
        // `salon --channel C search Q` scopes the search too; the config file's channel does not.
        if (!search.channel && search.with.empty() && cli.channel) search.channel = cli.channel;
        return run_search(settings, search);
    }
    return run_interactive(settings);
}
