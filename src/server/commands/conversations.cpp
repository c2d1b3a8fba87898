#include <algorithm>

#include "core/conversation.hpp"
#include "server/commands/dispatch.hpp"
#include "server/commands/handlers.hpp"

namespace salon::server::commands {
namespace {

using core::Errc;
using core::Failure;

/// Unread and mention counts stop here: counting costs a read per message, and a sidebar
/// shows "999+" rather than an exact figure past it.
constexpr std::size_t kUnreadCountCap = 1000;

core::ConversationSummary summary_of(
    const store::ConversationStats& stats, std::string channel, std::string with
) {
    return core::ConversationSummary{
        std::move(channel),
        std::move(with),
        stats.last_id,
        stats.last_ts,
        stats.read,
        stats.unread,
        stats.mentions};
}

/// The requester's conversations with their figures: the channels they are in, then the DMs
/// with their most recently active partners. nullopt when the connection is going away.
Waits<std::optional<std::vector<core::ConversationSummary>>> summaries(Context& ctx) {
    const core::Actor& me = ctx.actor();
    const auto channels = ctx.services.hub.channels_of(me.name);
    store::Store& store = ctx.services.store;
    auto figures = [&store, &me, &channels] {
        std::vector<std::string> keys;
        for (const auto& channel : channels) keys.push_back(core::channel_conversation(channel));
        auto partners = store.direct_partners(me.key);
        if (partners.size() > kMaxDirectConversations) partners.resize(kMaxDirectConversations);
        for (const auto& partner : partners) keys.push_back(partner.conversation);
        return std::pair{
            store.conversation_stats(me.key, keys, kUnreadCountCap), std::move(partners)};
    };
    if (!co_await ctx.room_for_bulk_reply()) co_return std::nullopt;
    auto [stats, partners] = co_await ctx.services.work.blocking(figures);

    std::vector<core::ConversationSummary> all;
    all.reserve(stats.size());
    for (std::size_t i = 0; i < stats.size(); ++i) {
        if (i < channels.size()) {
            all.push_back(summary_of(stats[i], channels[i].str(), {}));
        } else {
            all.push_back(summary_of(stats[i], {}, std::move(partners[i - channels.size()].name)));
        }
    }
    co_return all;
}

}  // namespace

Waits<std::variant<Failure, ConversationRef>> conversation_named(
    Context& ctx, const std::string& channel, const std::string& with
) {
    const core::Actor& me = ctx.actor();
    ConversationRef ref;
    if (!channel.empty()) {
        auto named = channel_named(channel);
        if (auto* failure = std::get_if<Failure>(&named)) co_return *failure;
        const auto& name = std::get<core::ChannelName>(named);
        auto member = ctx.services.hub.check_member(me, name);
        if (auto* failure = std::get_if<Failure>(&member)) co_return *failure;
        ref.channel = name.str();
        ref.conversation = core::channel_conversation(name);
        const auto& bounds = std::get<Hub::ReadBounds>(member);
        ref.floor = bounds.floor;
        ref.up_to = bounds.up_to;
        co_return ref;
    }
    auto partner = core::UserName::parse(with);
    if (!partner) co_return Failure(Errc::no_such_user);
    if (auto online = ctx.services.hub.online(*partner)) {
        ref.with = std::move(online->name);
        ref.partner_key = std::move(online->key);
    } else {
        // A partner who left: the one of that name the requester wrote with last (guest names
        // are reused), else the account of that name.
        auto find = [&store = ctx.services.store, &me, &partner](
                    ) -> std::optional<std::pair<std::string, core::UserKey>> {
            if (auto known = store.direct_partner_named(me.key, *partner))
                return std::pair{std::move(known->name), std::move(known->key)};
            if (partner->is_guest()) return std::nullopt;
            if (auto account = store.find_account(*partner))
                return std::pair{std::move(account->name), partner->folded()};
            return std::nullopt;
        };
        auto found = co_await ctx.services.work.blocking(find);
        if (!found) co_return Failure(Errc::no_such_user);
        ref.with = std::move(found->first);
        ref.partner_key = std::move(found->second);
    }
    ref.conversation = core::direct_conversation(me.key, ref.partner_key);
    co_return ref;
}

Waits<Outcome> read(Context& ctx, const proto::Read& r) {
    auto named = co_await conversation_named(ctx, r.channel, r.with);
    if (auto* failure = std::get_if<Failure>(&named)) co_return *failure;
    const ConversationRef& ref = std::get<ConversationRef>(named);
    const core::Actor& me = ctx.actor();
    store::Store& store = ctx.services.store;
    if (r.ts_ms || r.id == 0) {
        // By time (IRC's MARKREAD), or only asking: the answer says where the marker stands.
        auto advance = [&store, &me, &ref, ts = r.ts_ms] {
            const bool moved = ts && store.advance_read_time(me.key, ref.conversation, *ts);
            return std::pair{moved, store.read_position(me.key, ref.conversation)};
        };
        const auto [moved, marker] = co_await ctx.services.work.blocking(advance);
        const core::ReadResult result{ref.channel, ref.with, marker.id, marker.ts_ms, moved};
        if (!moved) co_return core::Result{result};
        ctx.services.hub.tell_read(
            me, core::ReadEvent{ref.channel, ref.with, marker.id, marker.ts_ms}, result, ctx.ack()
        );
        co_return Replied{};
    }
    const core::MessageId id = r.id;

    // Markers only move forward; the message is checked only when it would move one. Nothing
    // when it does not move; else where it stands now (its time may be later than the message's).
    struct Advance {
        bool found = true;
        std::optional<store::ReadMarker> moved_to = {};
    };

    auto advance = [&store, &me, &ref, id]() -> Advance {
        if (id <= store.read_marker(me.key, ref.conversation)) return {};
        const auto message = store.find_message(id);
        if (!message || message->conversation != ref.conversation) return {.found = false};
        if (!store.advance_read_marker(me.key, ref.conversation, id)) return {};
        return {.moved_to = store.read_position(me.key, ref.conversation)};
    };
    const Advance outcome = co_await ctx.services.work.blocking(advance);
    if (!outcome.found)
        co_return Failure(Errc::no_such_message, "that message is not in this conversation");
    if (!outcome.moved_to) co_return core::Result{core::EmptyResult{}};
    ctx.services.hub.tell_read(
        me,
        core::ReadEvent{ref.channel, ref.with, id, outcome.moved_to->ts_ms},
        core::EmptyResult{},
        ctx.ack()
    );
    co_return Replied{};
}

Waits<Outcome> conversations(Context& ctx, const proto::Conversations&) {
    auto all = co_await summaries(ctx);
    if (!all) co_return Replied{};
    core::ConversationsResult result{std::move(*all)};
    // Newest activity first; conversations without messages last.
    std::ranges::stable_sort(result.conversations, [](const auto& a, const auto& b) {
        return a.last_id.value_or(0) > b.last_id.value_or(0);
    });
    co_return core::Result{std::move(result)};
}

Waits<Outcome> history_targets(Context& ctx, const proto::HistoryTargets& t) {
    auto all = co_await summaries(ctx);
    if (!all) co_return Replied{};
    core::ConversationsResult result;
    for (auto& summary : *all) {
        if (summary.last_id && summary.last_ts > t.after && summary.last_ts < t.before)
            result.conversations.push_back(std::move(summary));
    }
    std::ranges::stable_sort(result.conversations, {}, &core::ConversationSummary::last_ts);
    if (result.conversations.size() > t.limit) result.conversations.resize(t.limit);
    co_return core::Result{std::move(result)};
}

Outcome typing(Context& ctx, const proto::Typing& t) {
    core::TypingEvent event{.channel = t.channel, .with = t.with, .user = {}, .state = t.state};
    if (!t.channel.empty()) {
        auto named = channel_named(t.channel);
        if (auto* failure = std::get_if<Failure>(&named)) return *failure;
        event.channel = std::get<core::ChannelName>(named).str();
    } else if (!core::UserName::parse(t.with)) {
        return Failure(Errc::no_such_user);
    }
    if (auto failure = ctx.services.hub.relay_typing(ctx.actor(), std::move(event)))
        return *failure;
    return core::Result{core::EmptyResult{}};
}

}  // namespace salon::server::commands
