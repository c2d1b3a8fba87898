// What the operator chose for the chat service, as the server and its commands read it.
#pragma once

#include <cstdint>
#include <string>

#include "auth/password.hpp"
#include "core/limits.hpp"

namespace salon::server {

/// Where a login may send a password or token in plain text (`--plaintext-logins`).
enum class PlaintextLogins : std::uint8_t {
    allow,     ///< anywhere
    loopback,  ///< only from this machine (127.0.0.0/8, ::1); elsewhere only over TLS
    deny,      ///< only over TLS
};

struct ServerSettings {
    core::Limits limits;
    bool registration_open = true;
    auth::PasswordParams password;
    std::string name = "salond";
    std::string version;
    PlaintextLogins plaintext_logins = PlaintextLogins::allow;
};

}  // namespace salon::server
