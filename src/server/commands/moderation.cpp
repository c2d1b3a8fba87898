#include "server/commands/handlers.hpp"

namespace salon::server::commands {
namespace {

/// The hub's answer to a moderation request: its OK was queued, or it failed.
Outcome done(const std::optional<core::Failure>& failure) {
    if (failure) return *failure;
    return Replied{};
}

Outcome change(Context& ctx, const std::vector<core::ModeChange>& changes) {
    return done(ctx.services.hub.change_modes(ctx.actor(), *ctx.channel, changes, ctx.ack()));
}

}  // namespace

Outcome topic(Context& ctx, const proto::Topic& t) {
    return done(ctx.services.hub.set_topic(ctx.actor(), *ctx.channel, t.topic, ctx.ack()));
}

Outcome kick(Context& ctx, const proto::Kick& k) {
    return done(ctx.services.hub.kick(ctx.actor(), *ctx.channel, *ctx.user, k.reason, ctx.ack()));
}

Outcome ban(Context& ctx, const proto::Ban&) {
    return change(ctx, {core::ModeChange{true, 'b', ctx.user->display()}});
}

Outcome unban(Context& ctx, const proto::Unban&) {
    return change(ctx, {core::ModeChange{false, 'b', ctx.user->display()}});
}

Outcome op(Context& ctx, const proto::Op&) {
    return change(ctx, {core::ModeChange{true, 'o', ctx.user->display()}});
}

Outcome key(Context& ctx, const proto::Key& k) {
    if (k.key.empty()) return change(ctx, {core::ModeChange{false, 'k', ""}});
    return mode(ctx, proto::Mode{k.channel, "+k", {k.key}});
}

Outcome mode(Context& ctx, const proto::Mode& m) {
    if (!m.modes) return done(ctx.services.hub.modes(ctx.actor(), *ctx.channel, ctx.ack()));
    auto parsed = core::parse_mode_changes(*m.modes, m.args);
    if (const auto* error = std::get_if<core::ModeError>(&parsed)) {
        using Kind = core::ModeError::Kind;
        switch (error->kind) {
            case Kind::unknown_mode:
                return core::Failure(core::Errc::bad_request, "unknown mode letter");
            case Kind::missing_argument:
                return core::Failure(core::Errc::bad_request, "a mode lacks its argument");
            case Kind::too_many:
                return core::Failure(
                    core::Errc::bad_request, "at most 4 modes with arguments in one request"
                );
            case Kind::bad_argument:
                return core::Failure(
                    core::Errc::bad_request,
                    "a key is 1 to 23 bytes without spaces, commas or control characters; a "
                    "limit a whole number from 1 to 1000000"
                );
        }
    }
    return change(ctx, std::get<std::vector<core::ModeChange>>(parsed));
}

Outcome invite(Context& ctx, const proto::Invite&) {
    return done(ctx.services.hub.invite(ctx.actor(), *ctx.channel, *ctx.user, ctx.ack()));
}

Outcome invitations(Context& ctx, const proto::Invitations&) {
    core::ListResult result;
    for (auto& name : ctx.services.hub.invitations(ctx.actor(), kMaxListedInvitations))
        result.channels.push_back(core::ChannelSummary{
            .name = std::move(name), .members = 0, .topic = {}});
    return core::Result{std::move(result)};
}

}  // namespace salon::server::commands
