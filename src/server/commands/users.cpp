#include <algorithm>

#include "core/conversation.hpp"
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

Waits<Outcome> rename(Context& ctx, const proto::Rename&) {
    const core::Actor actor = ctx.actor();
    const core::UserName to = *ctx.user;
    if (to.folded() != actor.name.folded()) {
        // An account is its name: another would be someone else's, or nobody's to log in as.
        if (!actor.guest) {
            co_return core::Failure(
                core::Errc::name_taken, "a registered user may change the case of their name only"
            );
        }
        // A guest may not take a name that a server ban bars, as a login may not.
        if (ctx.services.server_bans.check(to.folded(), ctx.participant.remote_address())) {
            co_return core::Failure(core::Errc::bad_name, "that name is banned on this server");
        }
        if (co_await find_account(ctx, to)) {
            co_return core::Failure(
                core::Errc::name_taken, "that name is a registered account: log in to use it"
            );
        }
    }
    if (auto failure = ctx.services.hub.rename(actor, to, ctx.ack())) co_return *failure;
    // What this login stores from now on is keyed by the new name (a guest's serial stays).
    ctx.connection.actor->name = to;
    ctx.connection.actor->key = core::user_key(to, core::guest_serial(actor.key));
    co_return Replied{};
}

Outcome away(Context& ctx, const proto::Away& a) {
    ctx.services.hub.set_away(ctx.actor().name, a.message);
    return core::Result{core::EmptyResult{}};
}

}  // namespace salon::server::commands
