#include <algorithm>

#include "server/commands/handlers.hpp"

namespace salon::server::commands {

Outcome whois(Context& ctx, const proto::Whois&) {
    auto info = ctx.services.hub.whois(ctx.actor(), *ctx.user);
    if (!info) return core::Failure(core::Errc::no_such_user);
    return core::Result{std::move(*info)};
}

Outcome who_mask(Context& ctx, const proto::WhoMask& w) {
    return core::Result{
        ctx.services.hub.who_matching(w.mask, w.operators, kMaxWhoMatches, ctx.actor().name)};
}

Outcome userhost(Context& ctx, const proto::Userhost& u) {
    core::WhoResult result;
    for (std::size_t i = 0; i < u.users.size() && i < kMaxUserhostNicks; ++i) {
        const auto name = core::UserName::parse(u.users[i]);
        auto info = name ? ctx.services.hub.member_info(*name) : std::nullopt;
        if (info) result.members.push_back(std::move(*info));
    }
    return core::Result{std::move(result)};
}

Outcome whowas(Context& ctx, const proto::Whowas& w) {
    const std::size_t max = w.count > 0
                                ? std::min(static_cast<std::size_t>(w.count), kMaxWhowasReplies)
                                : kMaxWhowasReplies;
    auto result = ctx.services.hub.whowas(*ctx.user, max);
    if (result.members.empty()) return core::Failure(core::Errc::no_such_user);
    return core::Result{std::move(result)};
}

Outcome invisible(Context& ctx, const proto::Invisible& i) {
    ctx.services.hub.set_invisible(ctx.actor().name, i.on);
    return core::Result{core::EmptyResult{}};
}

Outcome away(Context& ctx, const proto::Away& a) {
    ctx.services.hub.set_away(ctx.actor().name, a.message);
    return core::Result{core::EmptyResult{}};
}

}  // namespace salon::server::commands
