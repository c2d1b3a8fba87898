// Server-wide bans (`salond user ban`, another process): refused logins, and the connections a
// new ban closes.
#include <spdlog/spdlog.h>

#include "server/commands/handlers.hpp"

namespace salon::server::commands {
namespace {

/// A ban can meet a connection that logs in while the list changes: it checked the old list,
/// then came online after the sweep. So a change is swept on this look and the next.
constexpr int kSweepsPerChange = 2;

void close_banned(Participant& participant, const Barred& barred) {
    participant.notice(core::wire_code(core::Errc::server_banned), barred.message());
    participant.close(std::string(barred.quit_reason()));
}

}  // namespace

std::optional<Outcome> refuse_server_banned(Context& ctx, const core::UserName& name) {
    const auto barred =
        ctx.services.server_bans.check(name.folded(), ctx.participant.remote_address());
    if (!barred) return std::nullopt;
    spdlog::info(
        "{}: login as {} refused: {}",
        ctx.participant.remote_address(),
        name.display(),
        barred->quit_reason()
    );
    ctx.participant.reply_no(*ctx.request, core::Errc::server_banned, barred->message());
    ctx.participant.close(std::string(barred->quit_reason()));
    return Replied{};
}

void enforce_server_bans(Services& services, int& sweeps_left) {
    auto stored = services.store.server_bans();
    std::vector<core::ServerBanRule> rules;
    rules.reserve(stored.size());
    for (auto& ban : stored) rules.push_back({std::move(ban.target), std::move(ban.reason)});
    if (services.server_bans.replace(std::move(rules))) {
        spdlog::info("server bans: {} in force", stored.size());
        sweeps_left = kSweepsPerChange;
    }
    if (sweeps_left == 0) return;
    --sweeps_left;
    // Collected under the hub's lock, closed after it.
    std::vector<std::pair<ParticipantPtr, Barred>> banned;
    services.hub.for_each_session([&](std::string_view folded, const ParticipantPtr& session) {
        if (auto barred = services.server_bans.check(folded, session->remote_address()))
            banned.emplace_back(session, std::move(*barred));
    });
    for (const auto& [session, barred] : banned) {
        spdlog::info(
            "{}: closing a banned connection ({})", session->remote_address(), barred.quit_reason()
        );
        close_banned(*session, barred);
    }
}

}  // namespace salon::server::commands
