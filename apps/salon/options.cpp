// Settings resolution, the config file and password sources.
#include "options.hpp"

#include <fcntl.h>
#include <termios.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "core/names.hpp"

namespace salon::cli {
namespace {

struct FileSettings {
    std::optional<std::string> server;
    std::optional<std::string> user;
    std::optional<std::string> channel;
    std::optional<std::string> password_file;
    std::optional<std::string> token_file;
    std::optional<std::string> ca_file;
};

FileSettings load_config(const std::filesystem::path& path) {
    toml::table table;
    try {
        table = toml::parse_file(path.string());
    } catch (const toml::parse_error& e) {
        throw SettingsError{
            path.string() + ":" + std::to_string(e.source().begin.line) + ": " +
            std::string(e.description())};
    }
    FileSettings s;
    for (const auto& [key, node] : table) {
        const std::string_view k = key.str();
        std::optional<std::string>* slot = nullptr;
        if (k == "server") {
            slot = &s.server;
        } else if (k == "user") {
            slot = &s.user;
        } else if (k == "channel") {
            slot = &s.channel;
        } else if (k == "password_file") {
            slot = &s.password_file;
        } else if (k == "token_file") {
            slot = &s.token_file;
        } else if (k == "ca_file") {
            slot = &s.ca_file;
        } else {
            throw SettingsError{
                path.string() + ": unknown key \"" + std::string(k) +
                "\" (known: server, user, channel, password_file, token_file, ca_file)"};
        }
        const auto* str = node.as_string();
        if (str == nullptr) {
            throw SettingsError{path.string() + ": \"" + std::string(k) + "\" must be a string"};
        }
        *slot = str->get();
    }
    return s;
}

std::string first_line(std::istream& in) {
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

}  // namespace

std::optional<std::string> prompt_secret(const std::string& prompt) {
    return prompt_line(prompt, false);
}

/// Restores the terminal's mode after reading.
std::optional<std::string> prompt_line(const std::string& prompt, bool echo) {
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    termios saved{};
    const bool is_tty = ::tcgetattr(fd, &saved) == 0;
    if (!is_tty) {
        ::close(fd);
        return std::nullopt;
    }
    termios mode = saved;
    if (echo) {
        mode.c_lflag |= ECHO;
    } else {
        mode.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    }
    mode.c_lflag |= ICANON;
    ::tcsetattr(fd, TCSAFLUSH, &mode);
    (void)!::write(fd, prompt.data(), prompt.size());
    std::string line;
    char c = 0;
    while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
    ::tcsetattr(fd, TCSAFLUSH, &saved);
    if (!echo) (void)!::write(fd, "\n", 1);  // the typed one was not shown
    ::close(fd);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

std::filesystem::path default_config_path() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
        return std::filesystem::path(xdg) / "salon" / "config.toml";
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
        return std::filesystem::path(home) / ".config" / "salon" / "config.toml";
    }
    return {};
}

Settings resolve_settings(const CommandLine& cli) {
    FileSettings file;
    if (cli.config) {
        if (!std::filesystem::exists(*cli.config)) {
            throw SettingsError{"config file " + *cli.config + " does not exist"};
        }
        file = load_config(*cli.config);
    } else if (const auto path = default_config_path();
               !path.empty() && std::filesystem::exists(path)) {
        file = load_config(path);
    }
    Settings s;
    const std::string server = cli.server.value_or(file.server.value_or("localhost:5000"));
    auto endpoint = client::parse_endpoint(server, cli.tls);
    if (!endpoint) throw SettingsError{"--server: " + endpoint.error().message};
    s.endpoint = *endpoint;
    s.endpoint.tls.ca_file = cli.ca_file.value_or(file.ca_file.value_or(""));
    s.endpoint.tls.insecure = cli.insecure;
    if (!s.endpoint.tls.enabled && (cli.ca_file || cli.insecure)) {
        throw SettingsError{
            "--ca and --insecure are for TLS: add --tls, or use salons://HOST:PORT"};
    }
    s.user = cli.user.value_or(file.user.value_or(""));
    if (!s.user.empty() && !core::is_valid_user_name(s.user)) {
        throw SettingsError{
            "--user: \"" + s.user + "\" is not a valid name (1-32 of A-Z a-z 0-9 _ - .)"};
    }
    const std::string channel = cli.channel.value_or(file.channel.value_or("home"));
    const auto canonical = core::canonical_channel_name(channel);
    if (!canonical) {
        throw SettingsError{
            "--channel: \"" + channel + "\" is not a valid channel name (1-50 of a-z 0-9 _ -)"};
    }
    s.channel = *canonical;
    s.password_file = cli.password_file.value_or(file.password_file.value_or(""));
    if (cli.token_file) {
        s.token_file = *cli.token_file;
    } else if (const char* env = std::getenv("SALON_TOKEN_FILE"); env != nullptr && *env != '\0') {
        s.token_file = env;
    } else {
        s.token_file = file.token_file.value_or("");
    }
    s.register_account = cli.register_account;
    if (s.register_account && (s.user.empty() || core::is_guest_name(s.user))) {
        throw SettingsError{"--register needs --user with a name that does not start with Guest"};
    }
    return s;
}

bool needs_password(const Settings& settings) {
    return !settings.user.empty() && !core::is_guest_name(settings.user);
}

std::string read_password(const Settings& settings) {
    if (const char* env = std::getenv("SALON_PASSWORD"); env != nullptr) return env;
    if (!settings.password_file.empty()) {
        std::ifstream in(settings.password_file);
        if (!in) throw SettingsError{"cannot read password file " + settings.password_file};
        return first_line(in);
    }
    const std::string prompt = (settings.register_account ? "New password for " : "Password for ") +
                               settings.user + "@" + settings.endpoint.to_string() + ": ";
    if (auto typed = prompt_secret(prompt)) return *typed;
    throw SettingsError{
        "no password for " + settings.user +
        ": set SALON_PASSWORD or use --password-file (there is no terminal to ask on)"};
}

std::string read_token(const Settings& settings) {
    std::ifstream in(settings.token_file);
    if (!in) throw SettingsError{"cannot read token file " + settings.token_file};
    // Like ssh with a private key, but only a warning: the token is still the user's to use.
    std::error_code ec;
    const auto perms = std::filesystem::status(settings.token_file, ec).permissions();
    using std::filesystem::perms;
    if (!ec && (perms & (perms::group_all | perms::others_all)) != perms::none) {
        std::cerr << "salon: warning: token file " << settings.token_file
                  << " can be read by other users: chmod 600 " << settings.token_file << "\n";
    }
    auto token = first_line(in);
    if (token.empty()) throw SettingsError{"token file " + settings.token_file + " is empty"};
    return token;
}

void explain_login_failure(
    const Settings& settings, const client::LoginRequest& login, const client::Error& error
) {
    if (!login.token.empty() && error.code == "bad_credentials") {
        std::cerr << "salon: the token in " << settings.token_file
                  << " was revoked or has expired; make a new one with `salon token create --out "
                  << settings.token_file << "`\n";
    }
    // A TLS port closes on a plain CONN without a word (it waited for a ClientHello).
    if (!settings.endpoint.tls.enabled && error.kind == client::ErrorKind::network &&
        error.message.find("closed") != std::string::npos) {
        std::cerr << "salon: if " << settings.endpoint.to_string()
                  << " is a TLS port, add --tls or use salons://" << settings.endpoint.to_string()
                  << "\n";
    }
}

client::LoginRequest make_login(
    const Settings& settings, std::string_view channel_override, Credential credential
) {
    client::LoginRequest login;
    login.user = settings.user;
    login.channel = channel_override.empty() ? settings.channel : std::string(channel_override);
    login.register_account = settings.register_account;
    if (!needs_password(settings)) return login;
    if (credential == Credential::token_or_password && !settings.token_file.empty() &&
        !settings.register_account) {
        login.token = read_token(settings);
    } else {
        login.password = read_password(settings);
    }
    return login;
}

}  // namespace salon::cli
