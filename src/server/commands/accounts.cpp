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
    if (d.password.size() > ctx.limits().max_text_bytes)
        co_return Failure(Errc::bad_request, "the password is longer than the limit");
    const core::Actor& me = ctx.actor();
    const std::string& address = ctx.participant.remote_address();
    LoginThrottle& throttle = ctx.services.login_throttle;
    if (auto refusal = throttle.try_reserve(me.name, address))
        co_return too_many_failed_logins(*refusal);
    auto account = co_await find_account(ctx, me.name);
    if (!co_await password_matches(ctx, account, d.password)) {
        metrics::salon().failed_logins.inc();
        spdlog::info("{}: failed account deletion for {}", address, me.name.display());
        co_return Failure(Errc::bad_credentials, "wrong password");
    }
    throttle.give_back(me.name, address);

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
    spdlog::info("{}: {} deleted their account", address, me.name.display());
    ctx.services.hub.forget_author(me.name);
    ctx.participant.reply_ok(*ctx.request, core::EmptyResult{});
    // Every connection of the user goes, this one after its OK; their channels see QUIT.
    for (const auto& session : ctx.services.hub.sessions_of(me.name)) close_deleted(*session);
    co_return Replied{};
}

}  // namespace salon::server::commands
