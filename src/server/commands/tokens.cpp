// Session tokens (TOKEN, TOKENS, REVOKE) and password changes (PASSWD): registered users only.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "auth/password.hpp"
#include "auth/session_token.hpp"
#include "core/utf8.hpp"
#include "metrics/salon_metrics.hpp"
#include "server/commands/handlers.hpp"

namespace salon::server::commands {
namespace {

using core::Errc;
using core::Failure;

std::optional<Failure> guest_refusal(const Context& ctx) {
    if (ctx.actor().guest) return Failure(Errc::forbidden, "guests have no account to do that for");
    return std::nullopt;
}

/// Closes every connection that logged in with one of `revoked`.
void close_token_sessions(Services& services, const std::vector<std::int64_t>& revoked) {
    for (const std::int64_t id : revoked) {
        for (const auto& session : services.token_sessions.revoke(id)) close_revoked(*session);
    }
}

/// TOKEN's work on the workers: the reply, and the tokens the cap revoked.
struct MadeToken {
    core::TokenResult result = {};
    std::vector<std::int64_t> revoked = {};
};

}  // namespace

Waits<Outcome> token(Context& ctx, const proto::Token& t) {
    if (auto refusal = guest_refusal(ctx)) co_return *refusal;
    // Frames are valid UTF-8 already; the check keeps the rule in one place should that change.
    if (t.label.size() > kMaxTokenLabelBytes || !core::is_valid_utf8(t.label))
        co_return Failure(Errc::bad_request, "the label must be 0-64 bytes of UTF-8");
    const core::Actor& me = ctx.actor();
    auto make = [&services = ctx.services, &me, &label = t.label] {
        auto secret = auth::make_session_token();
        store::SessionToken record;
        record.user = me.name.folded();
        record.hash = std::move(secret.hash);
        record.label = label;
        record.created_ms = services.clock.unix_now_ms();
        record.expires_ms = token_expiry(services, record.created_ms);
        auto created = services.store.create_token(record, kMaxTokensPerAccount);
        MadeToken made;
        if (created) {
            made.result = {created->id, std::move(secret.token), record.expires_ms};
            made.revoked = std::move(created->revoked);
        }
        return made;
    };
    auto made = co_await ctx.services.work.blocking(make);
    // The account went away meanwhile (salond user del).
    if (made.result.id == 0) co_return Failure(Errc::forbidden, "this account no longer exists");
    spdlog::info(
        "{}: {} made session token {}{}",
        ctx.participant.remote_address(),
        me.name.display(),
        made.result.id,
        made.revoked.empty() ? "" : ", revoking the least recently used"
    );
    ctx.participant.reply_ok(*ctx.request, std::move(made.result));
    // Tokens the cap revoked are revoked like any other: their connections close.
    close_token_sessions(ctx.services, made.revoked);
    co_return Replied{};
}

Waits<Outcome> tokens(Context& ctx, const proto::Tokens&) {
    if (auto refusal = guest_refusal(ctx)) co_return *refusal;
    const core::Actor& me = ctx.actor();
    auto list = [&services = ctx.services, &me] {
        return services.store.tokens_of(me.name, services.clock.unix_now_ms());
    };
    const auto stored = co_await ctx.services.work.blocking(list);
    core::TokensResult result;
    result.tokens.reserve(stored.size());
    for (const auto& token : stored) {
        result.tokens.push_back(core::TokenInfo{
            token.id,
            token.label,
            token.created_ms,
            token.last_used_ms,
            token.expires_ms,
            ctx.connection.token == token.id});
    }
    co_return core::Result{std::move(result)};
}

Waits<Outcome> revoke(Context& ctx, const proto::Revoke& r) {
    if (auto refusal = guest_refusal(ctx)) co_return *refusal;
    const core::Actor& me = ctx.actor();
    auto remove = [&store = ctx.services.store, &me, id = r.id] {
        return store.revoke_token(me.name, id);
    };
    if (!co_await ctx.services.work.blocking(remove)) co_return Failure(Errc::no_such_token);
    spdlog::info(
        "{}: {} revoked session token {}", ctx.participant.remote_address(), me.name.display(), r.id
    );
    // The OK first: revoking this connection's own token closes it too.
    ctx.participant.reply_ok(*ctx.request, core::EmptyResult{});
    close_token_sessions(ctx.services, {r.id});
    co_return Replied{};
}

Waits<Outcome> passwd(Context& ctx, const proto::Passwd& p) {
    if (auto refusal = guest_refusal(ctx)) co_return *refusal;
    if (!auth::check_password_strength(p.new_password)) co_return Failure(Errc::weak_password);
    auto refused = co_await confirm_own_password(ctx, p.old_password, "password change");
    if (refused) co_return *refused;
    const core::Actor& me = ctx.actor();
    const std::string& address = ctx.participant.remote_address();

    auto hash = [params = ctx.services.settings().password, &pwd = p.new_password] {
        return auth::hash_password(pwd, params);
    };
    auto password_hash = co_await ctx.services.work.hashing(hash);
    auto change = [&store = ctx.services.store, &me, &password_hash, keep = ctx.connection.token] {
        return store.change_password(me.name, password_hash, keep);
    };
    auto revoked = co_await ctx.services.work.blocking(change);
    if (!revoked) co_return Failure(Errc::forbidden, "this account no longer exists");
    spdlog::info(
        "{}: {} changed the password; {} other session tokens revoked",
        address,
        me.name.display(),
        revoked->size()
    );
    ctx.participant.reply_ok(*ctx.request, core::EmptyResult{});
    // Every other connection of the user goes, whatever it logged in with; a login with a revoked
    // token still on its way finds the revocation in TokenSessions.
    for (const auto& session : ctx.services.hub.sessions_of(me.name)) {
        if (session.get() != &ctx.participant) close_revoked(*session);
    }
    close_token_sessions(ctx.services, *revoked);
    co_return Replied{};
}

}  // namespace salon::server::commands
