// What the operator chose for the chat service, as the server and its commands read it.
#pragma once

#include <string>

#include "auth/password.hpp"
#include "core/limits.hpp"

namespace salon::server {

struct ServerSettings {
    core::Limits limits;
    bool registration_open = true;
    auth::PasswordParams password;
    std::string name = "salond";
    std::string version;
};

}  // namespace salon::server
