#include "core/conversation.hpp"
#include "core/message.hpp"
#include "server/commands/dispatch.hpp"
#include "server/commands/handlers.hpp"

namespace salon::server::commands {
namespace {

using core::Errc;
using core::Failure;

/// One part of a multi-target request, as a request of its own with its own reply.
Context part_of(const Context& ctx, proto::Command command) {
    return Context{
        ctx.services,
        ctx.participant,
        ctx.connection,
        std::make_shared<const proto::Request>(proto::Request{ctx.request->ref, std::move(command)}
        )};
}

/// Runs each part of a multi-target request as a request of its own. When `charged`, each after
/// the first costs a request of the rate limit: one line must not buy a hundred joins (each with
/// its member list and history), kicks (each an event to every member) or member lists.
template <typename Command>
Waits<Outcome> run_each(Context& ctx, const std::vector<Command>& commands, bool charged) {
    bool first = true;
    for (const auto& command : commands) {
        Context part = part_of(ctx, command);
        if (charged && !first && !take_rate(part, 1.0)) continue;
        first = false;
        co_await run_admitted(part);
    }
    co_return Replied{};
}

}  // namespace

Waits<Outcome> join(Context& ctx, const proto::Join& j) {
    if (!co_await ctx.room_for_bulk_reply()) co_return Replied{};
    std::optional<core::UnixMillis> read_ts;
    if (j.read_marker) {
        auto marker_time = [&store = ctx.services.store,
                            &me = ctx.actor(),
                            conversation = core::channel_conversation(*ctx.channel)] {
            return store.read_position(me.key, conversation).ts_ms;
        };
        read_ts = co_await ctx.services.work.blocking(marker_time);
    }
    auto failure = ctx.services.hub.join(
        ctx.requester(),
        ctx.actor(),
        *ctx.channel,
        j.key,
        JoinMode::request,
        false,
        ctx.ack(),
        read_ts
    );
    if (failure) co_return *failure;
    co_return Replied{};
}

Outcome part(Context& ctx, const proto::Part& p) {
    if (auto failure = ctx.services.hub.part(ctx.actor(), *ctx.channel, p.reason, ctx.ack()))
        return *failure;
    return Replied{};
}

Waits<Outcome> joins(Context& ctx, const proto::Joins& j) {
    return run_each(ctx, j.joins, true);
}

Waits<Outcome> parts(Context& ctx, const proto::Parts& p) {
    return run_each(ctx, p.parts, false);
}

Waits<Outcome> kicks(Context& ctx, const proto::Kicks& k) {
    return run_each(ctx, k.kicks, true);
}

Waits<Outcome> names(Context& ctx, const proto::Names& n) {
    return run_each(ctx, n.channels, true);
}

Waits<Outcome> list(Context& ctx, const proto::List& l) {
    std::optional<std::string> after = l.after;
    do {
        if (!co_await ctx.room_for_bulk_reply()) co_return Replied{};
        after = ctx.services.hub.list(ctx.actor(), after, ctx.ack());
    } while (after && l.all_pages);
    co_return Replied{};
}

Waits<Outcome> who(Context& ctx, const proto::Who&) {
    if (!co_await ctx.room_for_bulk_reply()) co_return Replied{};
    if (auto failure = ctx.services.hub.who(*ctx.channel, ctx.ack())) co_return *failure;
    co_return Replied{};
}

}  // namespace salon::server::commands
