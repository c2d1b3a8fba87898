#include "server/commands/handlers.hpp"

namespace salon::server::commands {
namespace {

/// The hub's answer to a moderation request: its OK was queued, or it failed.
Outcome done(const std::optional<core::Failure>& failure) {
    if (failure) return *failure;
    return Replied{};
}

}  // namespace

Outcome topic(Context& ctx, const proto::Topic& t) {
    return done(ctx.services.hub.set_topic(ctx.actor(), *ctx.channel, t.topic, ctx.ack()));
}

Outcome kick(Context& ctx, const proto::Kick& k) {
    return done(ctx.services.hub.kick(ctx.actor(), *ctx.channel, *ctx.user, k.reason, ctx.ack()));
}

Outcome ban(Context& ctx, const proto::Ban&) {
    return done(ctx.services.hub.set_ban(ctx.actor(), *ctx.channel, *ctx.user, true, ctx.ack()));
}

Outcome unban(Context& ctx, const proto::Unban&) {
    return done(ctx.services.hub.set_ban(ctx.actor(), *ctx.channel, *ctx.user, false, ctx.ack()));
}

Outcome op(Context& ctx, const proto::Op&) {
    return done(ctx.services.hub.grant_op(ctx.actor(), *ctx.channel, *ctx.user, ctx.ack()));
}

Outcome key(Context& ctx, const proto::Key& k) {
    return done(ctx.services.hub.set_key(ctx.actor(), *ctx.channel, k.key, ctx.ack()));
}

}  // namespace salon::server::commands
