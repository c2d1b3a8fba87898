// salond's settings: embedded defaults, then a TOML file (--config), then command-line flags.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "auth/password.hpp"
#include "core/limits.hpp"
#include "core/retention.hpp"

namespace salon::app {

/// TLS on every listener (docs/security.md, "TLS"). The TLS listeners run only when a
/// certificate is configured; then each is on unless its port is 0.
struct TlsConfig {
    std::filesystem::path certificate;  ///< PEM, the full chain, leaf first; empty: no TLS
    std::filesystem::path key;          ///< PEM private key of the certificate
    std::uint16_t port = 5443;          ///< native protocol over TLS
    std::uint16_t irc_port = 6697;      ///< IRC over TLS (the IRC convention)
    std::uint16_t https_port = 8443;    ///< web client and wss:// on /ws
    /// Where logins may send a password in plain text: "allow", "loopback", "deny"; empty: the
    /// default, "loopback" with a certificate and "allow" without.
    std::string plaintext_logins;

    bool enabled() const { return !certificate.empty(); }
};

/// The host name, with ".local" added when it has no dot: IRC tells a server from a nick by
/// the dot in its name. "salond.local" when the host has no name.
std::string default_server_name();

struct Config {
    /// The source of IRC server lines, and the server's name in the native OK of CONN.
    std::string server_name = default_server_name();
    /// What IRC shows as the server's info (WHOIS, LINKS): 1-100 bytes.
    std::string server_description = "Salon chat server";
    std::string bind = "0.0.0.0";    ///< all interfaces, as the classroom server
    std::uint16_t port = 5000;       ///< native protocol over TCP; 0 turns it off
    std::uint16_t http_port = 8080;  ///< web client, /ws, /healthz, /metrics; 0 turns it off
    std::uint16_t irc_port = 6667;   ///< IRC clients (docs/irc.md); 0 turns it off
    /// Origins whose pages may open /ws; empty: only the page's own origin (Origin = Host).
    std::vector<std::string> allowed_origins;
    std::filesystem::path data_dir = "salon-data";
    unsigned threads = 0;  ///< I/O threads; 0 = one per hardware core
    std::string log_level = "info";
    bool registration_open = true;
    bool sync_full = false;  ///< storage: survive power loss, not only a crash of salond
    core::Limits limits;
    auth::PasswordParams password;
    TlsConfig tls;
    core::Retention retention;
};

/// A configuration file or value that cannot be used; the message says which and why.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Applies the settings of a TOML file over `config`. Unknown keys are errors, so that a typo
/// does not silently leave a default in place. @throws ConfigError
void apply_config_file(Config& config, const std::filesystem::path& file);

/// The same for TOML text; `source` names it in error messages. @throws ConfigError
void apply_config_text(Config& config, std::string_view toml, std::string_view source);

/// Checks every limit against its range (app/limit_table.hpp) and the values that no single
/// option can check alone. @throws ConfigError
void validate(const Config& config);

}  // namespace salon::app
