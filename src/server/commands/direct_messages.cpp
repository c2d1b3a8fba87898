#include <algorithm>

#include "core/message.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/messages.hpp"

namespace salon::server::commands {
namespace {

/// How many of the largest direct messages the limits allow fit in one bulk reply.
std::size_t pending_page_size(const core::Limits& limits) {
    core::Message largest;
    largest.text.assign(limits.max_text_bytes, '\x01');  // every byte escaped at its worst
    return std::max<std::size_t>(1, limits.bulk_reply_bytes() / core::wire_size_bound(largest));
}

}  // namespace

Waits<Outcome> dm(Context& ctx, const proto::Dm& d) {
    const core::UserName& to = *ctx.user;
    const core::Actor& me = ctx.actor();
    store::MessageWrite write;
    if (auto online = ctx.services.hub.online(to)) {
        write.message.to = std::move(online->name);
        write.to_key = std::move(online->key);
    } else if (!to.is_guest()) {
        auto account = co_await find_account(ctx, to);
        if (!account) co_return core::Failure(core::Errc::no_such_user);
        write.message.to = account->name;
        write.to_key = to.folded();
        write.pending_for.push_back(to);
    } else {
        co_return core::Failure(core::Errc::no_such_user);
    }
    write.message.from = me.name.display();
    write.message.by_account = !me.guest;
    write.message.text = d.text;
    write.message.reply_to = d.reply_to;
    write.message.notice = d.notice;
    write.from_key = me.key;
    write.conversation = core::direct_conversation(write.from_key, write.to_key);
    if (auto refusal = co_await prepare_post(ctx, write, d.lenient_reply)) co_return *refusal;
    submit_post(ctx, std::move(write));
    co_return Replied{};
}

Waits<void> deliver_pending_dms(Context& ctx) {
    // A page is at most a bulk reply's worth of the largest messages, so together with the
    // backlog room_for_bulk_reply() leaves it always fits the queue.
    const std::size_t page_size = pending_page_size(ctx.limits());
    const core::UserName& me = ctx.actor().name;
    store::Store& store = ctx.services.store;
    core::MessageId delivered = 0;
    for (;;) {
        if (!co_await ctx.room_for_bulk_reply()) co_return;
        auto read = [&store, &me, delivered, page_size] {
            return store.pending_dms(me, delivered, page_size);
        };
        auto page = co_await ctx.services.work.blocking(read);
        if (page.empty()) co_return;
        const core::MessageId last = page.back().id;
        for (auto& message : page)
            ctx.participant.deliver(make_event(core::MessageEvent{std::move(message)}));
        // Off the waiting list only once written: a connection lost meanwhile leaves them for
        // the next login (which may then show a few of them twice, never none).
        if (!co_await ctx.participant.room_for(0)) co_return;
        auto forget = [&store, &me, last] { store.forget_pending_dms(me, last); };
        co_await ctx.services.work.blocking(forget);
        delivered = last;
    }
}

}  // namespace salon::server::commands
