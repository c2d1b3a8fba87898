#include "server/commands/handlers.hpp"

namespace salon::server::commands {

Outcome whois(Context& ctx, const proto::Whois&) {
    auto info = ctx.services.hub.whois(ctx.actor(), *ctx.user);
    if (!info) return core::Failure(core::Errc::no_such_user);
    return core::Result{std::move(*info)};
}

Outcome away(Context& ctx, const proto::Away& a) {
    ctx.services.hub.set_away(ctx.actor().name, a.message);
    return core::Result{core::EmptyResult{}};
}

}  // namespace salon::server::commands
