// The exit statuses of `salon`, shared by every subcommand; documented in `salon --help` and
// docs/clients.md, and relied on by scripts: never renumber.
#pragma once

namespace salon::cli {

inline constexpr int kExitOk = 0;
/// The server refused a request (NO); its error code is printed on stderr.
inline constexpr int kExitRefused = 1;
/// Bad command line, bad config file, or no way to read a password.
inline constexpr int kExitUsage = 2;
/// Cannot connect (a TLS certificate that is not trusted included), connection lost, or the
/// server did not answer in time.
inline constexpr int kExitNetwork = 3;
/// The server refused the login or registration (bad_credentials, name_taken, account_locked,
/// ...), or ended the login for good (account deleted or locked, session revoked).
inline constexpr int kExitLogin = 4;
/// The server sent something this client does not understand.
inline constexpr int kExitProtocol = 5;

inline constexpr const char* kExitCodesHelp =
    "Exit codes:\n"
    "  0  success\n"
    "  1  the server refused a request (its error code is printed on stderr)\n"
    "  2  bad arguments or config file, or no password available\n"
    "  3  cannot connect (or an untrusted TLS certificate), connection lost, or no answer\n"
    "  4  login or registration refused (bad_credentials, name_taken, account_locked, ...),\n"
    "     or the login ended by the server (account deleted or locked, session revoked)\n"
    "  5  unexpected answer from the server\n";

}  // namespace salon::cli
