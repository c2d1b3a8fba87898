#include <algorithm>
#include <iterator>

#include "core/conversation.hpp"
#include "core/message.hpp"
#include "core/utf8.hpp"
#include "server/commands/handlers.hpp"

namespace salon::server::commands {
namespace {

using core::Errc;
using core::Failure;

/// SEARCH's page bound and the shortest query (a trigram index cannot look up less).
constexpr std::size_t kSearchPageMax = 100;
constexpr std::size_t kSearchPageDefault = 20;
constexpr std::size_t kShortestQuery = 3;

/// `bound` moved back by one, so that a range starting after it takes in what it names.
core::HistoryBound including(core::HistoryBound bound) {
    --bound.value;
    return bound;
}

}  // namespace

Waits<Outcome> history(Context& ctx, const proto::History& h) {
    const auto& limits = ctx.limits();
    const std::size_t limit = h.limit.value_or(limits.history_on_join);
    if (limit > limits.history_page_max) {
        co_return Failure(Errc::bad_request, "limit is larger than the page maximum");
    }
    auto named = co_await conversation_named(ctx, h.channel, h.with);
    if (auto* failure = std::get_if<Failure>(&named)) co_return *failure;
    const ConversationRef& ref = std::get<ConversationRef>(named);

    store::Store& store = ctx.services.store;
    core::HistoryResult result{ref.channel, {}, false, ref.with};
    if (!co_await ctx.room_for_bulk_reply()) co_return Replied{};
    if (h.after) {
        // Forwards by rev: one more than the page says whether a later page exists.
        auto page = [&store, &ref, after = *h.after, limit] {
            return store.changed_after(ref.conversation, after, limit + 1);
        };
        result.messages = co_await ctx.services.work.blocking(page);
        result.more = result.messages.size() > limit;
        if (result.more) result.messages.resize(limit);
        result.more |= core::keep_front_within(result.messages, limits.bulk_reply_bytes());
    } else {
        // A channel's page stops at the newest message delivered, so it never shows what the
        // client is still about to receive as MSG.
        std::optional<core::MessageId> up_to;
        if (!ref.channel.empty()) up_to = ref.up_to;
        auto page = [&store, &ref, before = h.before, limit, up_to] {
            return store.history(ref.conversation, before, limit, up_to);
        };
        result.messages = co_await ctx.services.work.blocking(page);
        result.more = core::keep_newest_within(result.messages, limits.bulk_reply_bytes());
    }
    std::erase_if(result.messages, [&ref](const auto& m) { return m.id <= ref.floor; });
    co_return core::Result{std::move(result)};
}

Waits<Outcome> chathistory(Context& ctx, const proto::ChatHistory& c) {
    const auto& limits = ctx.limits();
    const std::size_t limit = std::min(c.limit, limits.history_page_max);
    auto named = co_await conversation_named(ctx, c.channel, c.with);
    if (auto* failure = std::get_if<Failure>(&named)) co_return *failure;
    const ConversationRef& ref = std::get<ConversationRef>(named);

    // As HISTORY: a channel's page stops at the newest message delivered.
    std::optional<core::MessageId> up_to;
    if (!ref.channel.empty()) up_to = ref.up_to;
    // One range; AROUND reads two: the older half before the bound, the rest from it on.
    using Kind = proto::ChatHistory::Kind;
    store::HistoryRange first{.limit = limit, .up_to = up_to};
    std::optional<store::HistoryRange> second;
    switch (c.kind) {
        case Kind::latest:
            first.after = c.from;
            break;
        case Kind::before:
            first.before = c.from;
            break;
        case Kind::after:
            first.after = c.from;
            first.oldest = true;
            break;
        case Kind::between: {
            // Either order; an id and a time cannot be compared, and read forwards.
            const bool forwards = c.from->by != c.to->by || c.from->value <= c.to->value;
            first.after = forwards ? c.from : c.to;
            first.before = forwards ? c.to : c.from;
            first.oldest = forwards;
            break;
        }
        case Kind::around:
            first.before = c.from;
            first.limit = limit / 2;
            second = store::HistoryRange{
                .after = including(*c.from),
                .limit = limit - limit / 2,
                .oldest = true,
                .up_to = up_to};
            break;
    }
    store::Store& store = ctx.services.store;
    if (!co_await ctx.room_for_bulk_reply()) co_return Replied{};
    auto read = [&store, &ref, &first, &second] {
        auto messages = store.history_range(ref.conversation, first);
        if (second) {
            auto later = store.history_range(ref.conversation, *second);
            messages.insert(
                messages.end(),
                std::make_move_iterator(later.begin()),
                std::make_move_iterator(later.end())
            );
        }
        return messages;
    };
    auto messages = co_await ctx.services.work.blocking(read);
    core::HistoryResult result{ref.channel, std::move(messages), false, ref.with};
    std::erase_if(result.messages, [&ref](const auto& m) { return m.id <= ref.floor; });
    // What does not fit the reply goes from the far end of the page.
    result.more = first.oldest
                      ? core::keep_front_within(result.messages, limits.bulk_reply_bytes())
                      : core::keep_newest_within(result.messages, limits.bulk_reply_bytes());
    co_return core::Result{std::move(result)};
}

Waits<Outcome> search(Context& ctx, const proto::Search& s) {
    if (core::code_points(s.query) < kShortestQuery)
        co_return Failure(Errc::bad_request, "a search needs at least 3 characters");
    const std::size_t limit = s.limit.value_or(kSearchPageDefault);
    if (limit == 0 || limit > kSearchPageMax)
        co_return Failure(Errc::bad_request, "limit is 1 to 100");

    const core::Actor& me = ctx.actor();
    store::SearchQuery query;
    query.text = s.query;
    query.before = s.before;
    query.limit = limit;
    if (!s.from.empty()) {
        auto from = core::UserName::parse(s.from);
        if (!from) co_return Failure(Errc::no_such_user);
        query.from_folded = from->folded();
    }
    store::Store& store = ctx.services.store;
    if (!s.channel.empty() || !s.with.empty()) {
        auto named = co_await conversation_named(ctx, s.channel, s.with);
        if (auto* failure = std::get_if<Failure>(&named)) co_return *failure;
        query.conversations.push_back(std::get<ConversationRef>(named).conversation);
    } else {
        // Only channels the requester is in now, and their own DMs.
        for (const auto& channel : ctx.services.hub.channels_of(me.name))
            query.conversations.push_back(core::channel_conversation(channel));
    }
    const bool own_dms = s.channel.empty() && s.with.empty();
    if (!co_await ctx.room_for_bulk_reply()) co_return Replied{};
    auto find = [&store, &me, &query, own_dms] {
        if (own_dms) {
            auto partners = store.direct_partners(me.key);
            if (partners.size() > kMaxDirectConversations) partners.resize(kMaxDirectConversations);
            for (auto& partner : partners)
                query.conversations.push_back(std::move(partner.conversation));
        }
        return store.search(query);
    };
    auto found = co_await ctx.services.work.blocking(find);
    core::SearchResult result;
    result.messages = std::move(found.messages);
    result.more = result.messages.size() > limit;
    if (result.more) result.messages.resize(limit);
    // Newest first: what does not fit the reply is the older end, which `before` reaches.
    result.more |= core::keep_front_within(result.messages, ctx.limits().bulk_reply_bytes());
    if (result.more) {
        result.next_before = result.messages.back().id;
    } else if (found.stopped_at) {
        result.more = true;
        result.next_before = *found.stopped_at;
    }
    co_return core::Result{std::move(result)};
}

}  // namespace salon::server::commands
