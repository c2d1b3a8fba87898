// Server operators: administrators, and connections that proved an administrator's password
// with OPER. They may KILL and send WALLOPS; LUSERS counts them.
#include <spdlog/spdlog.h>

#include "server/commands/handlers.hpp"

namespace salon::server::commands {

using core::Errc;
using core::Failure;

namespace {

Failure not_an_operator() {
    return Failure(Errc::forbidden, "only administrators and operators may do that");
}

}  // namespace

Waits<Outcome> oper(Context& ctx, const proto::Oper& o) {
    auto checked = co_await check_password(ctx, *ctx.user, o.password, "OPER");
    if (auto* failure = std::get_if<Failure>(&checked)) co_return std::move(*failure);
    if (!std::get<store::Account>(checked).admin)
        co_return Failure(Errc::forbidden, "that account is not an administrator");
    // The connection, not the login, becomes an administrator: a guest who OPERs stays a guest.
    ctx.connection.actor->admin = true;
    ctx.services.hub.set_operator(ctx.actor().name);
    spdlog::info(
        "{}: {} is an operator as {}",
        ctx.participant.remote_address(),
        ctx.actor().name.display(),
        ctx.user->display()
    );
    co_return core::Result{core::EmptyResult{}};
}

Outcome kill(Context& ctx, const proto::Kill& k) {
    if (!ctx.actor().admin) return not_an_operator();
    auto sessions = ctx.services.hub.connections_of(*ctx.user);
    if (sessions.empty()) return Failure(Errc::no_such_user);
    const std::string by = ctx.actor().name.display();
    const std::string reason = k.reason.empty() ? by : k.reason;
    spdlog::info(
        "{}: {} killed {} ({})", ctx.participant.remote_address(), by, ctx.user->display(), reason
    );
    // The OK first: the operator may be killing their own connection.
    ctx.participant.reply_ok(*ctx.request, core::EmptyResult{});
    const std::string quit = "Killed (" + by + " (" + reason + "))";
    for (const auto& session : sessions) {
        session->notice("killed", quit);
        session->close(quit);
    }
    return Replied{};
}

Outcome wallops(Context& ctx, const proto::Wallops& w) {
    if (!ctx.actor().admin) return not_an_operator();
    ctx.services.hub.broadcast(core::WallopsEvent{ctx.actor().name.display(), w.text});
    return core::Result{core::EmptyResult{}};
}

Outcome lusers(Context& ctx, const proto::Lusers&) {
    const auto counts = ctx.services.hub.counts();
    return core::Result{core::LusersResult{
        counts.users, counts.max_users, counts.operators, counts.invisible, counts.channels}};
}

}  // namespace salon::server::commands
