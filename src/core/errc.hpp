// The catalog of failures a request can end in: one enum, its wire code and its human message.
#pragma once

#include <optional>
#include <string_view>

namespace salon::core {

/// Why a request failed. Each value is sent on the wire as its name (PROTOCOL.md "Error codes");
/// the names are a contract with every client: never rename or remove one.
enum class Errc {
    bad_json,
    bad_request,
    unknown_verb,
    line_too_long,
    bad_utf8,
    not_logged_in,
    already_logged_in,
    bad_credentials,
    name_taken,
    bad_name,
    weak_password,
    registration_closed,
    not_in_channel,
    no_such_channel,
    no_such_user,
    forbidden,
    banned,
    bad_key,
    too_many_channels,
    rate_limited,
    internal,
    no_such_message,
    too_many_reactions,
    no_such_token,
    tls_required,
    account_locked,
    moderated,
    invite_only,
    channel_full,
    already_in_channel,
    list_full,
    server_banned,
};

/// The wire code, e.g. "bad_json".
std::string_view wire_code(Errc errc) noexcept;

/// A default human-readable sentence for the code.
std::string_view default_message(Errc errc) noexcept;

/// The inverse of wire_code(); nullopt for a code this build does not know.
std::optional<Errc> errc_from_wire(std::string_view code) noexcept;

/// A failure with its code and the message a person reads.
struct Failure {
    Errc code;
    std::string_view message;  // points at static text

    Failure(Errc c) : code(c), message(default_message(c)) {}  // NOLINT: implicit on purpose

    Failure(Errc c, std::string_view m) : code(c), message(m) {}
};

}  // namespace salon::core
