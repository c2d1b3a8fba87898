#include "core/errc.hpp"

#include <array>

namespace salon::core {
namespace {

struct Entry {
    Errc errc;
    std::string_view code;
    std::string_view message;
};

constexpr std::array kCatalog{
    Entry{Errc::bad_json, "bad_json", "the frame is not valid JSON"},
    Entry{Errc::bad_request, "bad_request", "the request has a missing or malformed field"},
    Entry{Errc::unknown_verb, "unknown_verb", "no such verb"},
    Entry{Errc::line_too_long, "line_too_long", "the frame is longer than the limit"},
    Entry{Errc::bad_utf8, "bad_utf8", "the frame is not valid UTF-8"},
    Entry{Errc::not_logged_in, "not_logged_in", "log in first with CONN or REGISTER"},
    Entry{Errc::already_logged_in, "already_logged_in", "this connection is already logged in"},
    Entry{Errc::bad_credentials, "bad_credentials", "wrong user name or password"},
    Entry{Errc::name_taken, "name_taken", "that name is taken"},
    Entry{Errc::bad_name, "bad_name", "that name is not allowed"},
    Entry{Errc::weak_password, "weak_password", "the password must have at least 8 characters"},
    Entry{Errc::registration_closed, "registration_closed", "registration is closed"},
    Entry{Errc::not_in_channel, "not_in_channel", "you are not in that channel"},
    Entry{Errc::no_such_channel, "no_such_channel", "no such channel"},
    Entry{Errc::no_such_user, "no_such_user", "no such user"},
    Entry{Errc::forbidden, "forbidden", "you may not do that"},
    Entry{Errc::banned, "banned", "you are banned from that channel"},
    Entry{Errc::bad_key, "bad_key", "wrong channel key"},
    Entry{Errc::too_many_channels, "too_many_channels", "you are in too many channels"},
    Entry{Errc::rate_limited, "rate_limited", "slow down"},
    Entry{Errc::internal, "internal", "internal server error"},
    Entry{Errc::no_such_message, "no_such_message", "no such message"},
    Entry{Errc::too_many_reactions, "too_many_reactions", "that message has too many reactions"},
    Entry{Errc::no_such_token, "no_such_token", "you have no session token with that id"},
    Entry{
        Errc::tls_required,
        "tls_required",
        "this server accepts passwords only over TLS: use its TLS port"},
    Entry{Errc::account_locked, "account_locked", "this account is locked by the administrator"},
    Entry{
        Errc::moderated,
        "moderated",
        "the channel is moderated: only its operators and voiced members may post"},
    Entry{Errc::invite_only, "invite_only", "the channel is invite-only: ask for an invitation"},
    Entry{Errc::channel_full, "channel_full", "the channel is full"},
    Entry{Errc::already_in_channel, "already_in_channel", "that user is already in the channel"},
    Entry{Errc::list_full, "list_full", "the channel's list holds at most 500 masks"},
    Entry{Errc::server_banned, "server_banned", "you are banned from this server"},
};

const Entry& entry(Errc errc) noexcept {
    return kCatalog.at(static_cast<std::size_t>(errc));
}

}  // namespace

std::string_view wire_code(Errc errc) noexcept {
    return entry(errc).code;
}

std::string_view default_message(Errc errc) noexcept {
    return entry(errc).message;
}

std::optional<Errc> errc_from_wire(std::string_view code) noexcept {
    for (const auto& e : kCatalog) {
        if (e.code == code) return e.errc;
    }
    return std::nullopt;
}

}  // namespace salon::core
