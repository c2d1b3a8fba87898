// Account deletion (DELETE_ACCOUNT) and locked accounts: registered users only.
#include <spdlog/spdlog.h>

#include "metrics/salon_metrics.hpp"
#include "server/commands/handlers.hpp"

namespace salon::server::commands {

using core::Errc;
using core::Failure;

void close_locked(Participant& participant) {
    participant.notice("account_locked", "the administrator locked this account");
    participant.close("account locked");
}

namespace {

void close_deleted(Participant& participant) {
    participant.notice("account_deleted", "this account was deleted");
    participant.close("account deleted");
}

}  // namespace

void close_barred_sessions(Services& services) {
    for (const auto& folded : services.store.locked_accounts()) {
        const auto name = core::UserName::parse(folded);
        if (!name || services.hub.deleting(*name)) continue;
        const auto sessions = services.hub.sessions_of(*name);
        if (sessions.empty()) continue;
        spdlog::info("{} is locked: closing its {} connections", name->display(), sessions.size());
        for (const auto& session : sessions) close_locked(*session);
    }
    // One key lookup per registered user online (a few microseconds each): a deletion by
    // `salond user del` reaches the connections within the watch interval.
    for (const auto& name : services.hub.registered_online()) {
        if (services.store.find_account(name)) continue;
        const auto sessions = services.hub.sessions_of(name);
        if (sessions.empty()) continue;
        spdlog::info("{} was deleted: closing its {} connections", name.display(), sessions.size());
        services.hub.forget_author(name);
        for (const auto& session : sessions) close_deleted(*session);
    }
}

Waits<Outcome> delete_account(Context& ctx, const proto::DeleteAccount& d) {
    if (ctx.actor().guest) co_return Failure(Errc::forbidden, "guests have no account to delete");
    auto refused = co_await confirm_own_password(ctx, d.password, "account deletion");
    if (refused) co_return *refused;
    const core::Actor& me = ctx.actor();

    // The kept channel messages take their new revs from the server's own sequence.
    auto remove = [&services = ctx.services, &me] {
        MessagePipeline& pipeline = services.pipeline;
        return services.store.delete_account(me.name, [&pipeline](std::size_t count) {
            return pipeline.reserve(count);
        });
    };
    // The deletion locks the account first and may run for seconds: the watch must not close
    // this connection before its OK.
    ctx.services.hub.set_deleting(me.name, true);
    bool deleted = false;
    try {
        deleted = co_await ctx.services.work.blocking(remove);
    } catch (...) {
        ctx.services.hub.set_deleting(me.name, false);
        throw;
    }
    ctx.services.hub.set_deleting(me.name, false);
    if (!deleted) co_return Failure(Errc::forbidden, "this account no longer exists");
    spdlog::info(
        "{}: {} deleted their account", ctx.participant.remote_address(), me.name.display()
    );
    ctx.services.hub.forget_author(me.name);
    ctx.participant.reply_ok(*ctx.request, core::EmptyResult{});
    // Every connection of the user goes, this one after its OK; their channels see QUIT.
    for (const auto& session : ctx.services.hub.sessions_of(me.name)) close_deleted(*session);
    co_return Replied{};
}

}  // namespace salon::server::commands
