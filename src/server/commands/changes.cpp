// EDIT, DELETE and REACT: changes to stored messages, committed through the pipeline like the
// messages themselves, so that their UPDATEs reach everyone in rev order and survive a crash.
#include "core/emoji.hpp"
#include "metrics/salon_metrics.hpp"
#include "server/commands/dispatch.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/messages.hpp"

namespace salon::server::commands {
namespace {

using core::Errc;
using core::Failure;

/// The most distinct emoji a message carries (PROTOCOL.md's REACT).
constexpr std::size_t kMaxReactions = 20;

Failure no_such_message() {
    return Failure(Errc::no_such_message, "no such message, or it was deleted");
}

/// The message `id`, if the requester can see it: a message of a channel they are in now, or
/// of their own DMs. Any other is `no_such_message`, so that ids reveal nothing.
Waits<std::variant<Failure, store::StoredMessage>> visible_message(
    Context& ctx, core::MessageId id
) {
    auto find = [&store = ctx.services.store, id] { return store.find_message(id); };
    auto found = co_await ctx.services.work.blocking(find);
    if (!found) co_return no_such_message();
    const core::Actor& me = ctx.actor();
    if (found->message.is_direct()) {
        if (core::direct_partner(found->conversation, me.key).empty()) co_return no_such_message();
    } else {
        auto channel = core::ChannelName::parse(found->message.channel);
        if (!channel ||
            std::holds_alternative<Failure>(ctx.services.hub.check_member(me, *channel)))
            co_return no_such_message();
    }
    co_return std::move(*found);
}

Failure refusal_of(store::ChangeStatus status) {
    switch (status) {
        case store::ChangeStatus::forbidden:
            return Failure(Errc::forbidden, "only its author may do that to a message");
        case store::ChangeStatus::too_many_reactions:
            return Failure(Errc::too_many_reactions);
        default:
            return no_such_message();
    }
}

core::ChangeKind change_kind(store::MessageChange::Kind kind) {
    switch (kind) {
        case store::MessageChange::Kind::edit:
            return core::ChangeKind::edit;
        case store::MessageChange::Kind::remove:
            return core::ChangeKind::remove;
        case store::MessageChange::Kind::react:
            return core::ChangeKind::react;
        case store::MessageChange::Kind::unreact:
            return core::ChangeKind::unreact;
    }
    return core::ChangeKind::edit;
}

/// Commits the change; its OK comes when it has committed, queued by the hub just before the
/// UPDATE reaches anyone. A change that changes nothing (a reaction already there) is an OK
/// without UPDATE.
void submit_change(
    Context& ctx, store::MessageChange change, std::string conversation, std::string reason = {}
) {
    // The OK and this connection's own UPDATE: the message as it may become, at its largest.
    constexpr std::size_t kReplyBytes = 256;
    core::Message bound;
    bound.text.assign(ctx.limits().max_text_bytes, '\x01');
    const auto slot = ctx.participant.outbox().reserve(kReplyBytes + core::wire_size_bound(bound));
    // What the UPDATE says of the change, for formats that show it (IRC).
    core::UpdateEvent update{
        .message = {},
        .change = change_kind(change.kind),
        .by = change.actor_name,
        .emoji = change.emoji,
        .reason = std::move(reason)};
    auto done = [&hub = ctx.services.hub,
                 sender = ctx.requester(),
                 request = ctx.request,
                 slot,
                 conversation = std::move(conversation),
                 update = std::move(update)](const store::WriteOutcome* outcome) mutable {
        const Outbox::Settling settling(sender->outbox(), slot);
        const Acknowledgement ack{sender.get(), request.get(), slot};
        if (outcome == nullptr) {
            sender->refuse(ack, Errc::internal, "the change could not be stored");
            return;
        }
        const core::ChangeResult result{outcome->message.id, outcome->message.rev};
        switch (outcome->status) {
            case store::ChangeStatus::applied:
                update.message = outcome->message;
                hub.deliver_update(std::move(update), conversation, result, ack);
                break;
            case store::ChangeStatus::unchanged:
                sender->acknowledge(ack, result);
                break;
            default: {
                const Failure failure = refusal_of(outcome->status);
                sender->refuse(ack, failure.code, failure.message);
            }
        }
    };
    ctx.services.pipeline.submit(std::move(change), std::move(done));
}

/// A TAGMSG's reaction relayed as its client-only tags to the conversation it named: OK
/// without a ChangeResult, since nothing was stored.
Outcome relay_reaction(Context& ctx, const proto::React& r) {
    core::TagsEvent event{.channel = {}, .with = r.with, .user = {}, .tags = r.tags};
    if (!r.channel.empty()) {
        auto named = channel_named(r.channel);
        if (auto* failure = std::get_if<Failure>(&named)) return *failure;
        event.channel = std::get<core::ChannelName>(named).str();
    } else if (!core::UserName::parse(r.with)) {
        return Failure(Errc::no_such_user);
    }
    if (auto failure = ctx.services.hub.relay_tags(ctx.actor(), std::move(event))) return *failure;
    return core::Result{core::EmptyResult{}};
}

store::MessageChange change_by(
    const Context& ctx, store::MessageChange::Kind kind, core::MessageId id
) {
    store::MessageChange change;
    change.kind = kind;
    change.id = id;
    change.actor_key = ctx.actor().key;
    change.actor_name = ctx.actor().name.display();
    return change;
}

}  // namespace

Waits<Outcome> edit(Context& ctx, const proto::Edit& e) {
    auto visible = co_await visible_message(ctx, e.id);
    if (auto* failure = std::get_if<Failure>(&visible)) co_return *failure;
    auto& stored = std::get<store::StoredMessage>(visible);
    if (stored.message.deleted) co_return no_such_message();
    if (stored.from_key != ctx.actor().key) co_return refusal_of(store::ChangeStatus::forbidden);

    store::MessageChange change = change_by(ctx, store::MessageChange::Kind::edit, e.id);
    change.text = e.text;
    if (may_mention(e.text)) {
        Mentions mentions = co_await mentions_in(ctx, e.text);
        change.mentions = std::move(mentions.names);
        change.mention_keys = std::move(mentions.keys);
    }
    submit_change(ctx, std::move(change), std::move(stored.conversation));
    co_return Replied{};
}

Waits<Outcome> remove(Context& ctx, const proto::Delete& d) {
    // A conversation named with the id (IRC's REDACT target) must be one the user may read,
    // and the message must be in it.
    std::optional<std::string> named_conversation;
    if (!d.channel.empty() || !d.with.empty()) {
        auto named = co_await conversation_named(ctx, d.channel, d.with);
        if (auto* failure = std::get_if<Failure>(&named)) co_return *failure;
        named_conversation = std::move(std::get<ConversationRef>(named).conversation);
    }
    auto visible = co_await visible_message(ctx, d.id);
    if (auto* failure = std::get_if<Failure>(&visible)) co_return *failure;
    auto& stored = std::get<store::StoredMessage>(visible);
    if (stored.message.deleted) co_return no_such_message();
    if (named_conversation && *named_conversation != stored.conversation)
        co_return no_such_message();

    store::MessageChange change = change_by(ctx, store::MessageChange::Kind::remove, d.id);
    const core::Actor& me = ctx.actor();
    change.may_remove_others = me.admin;
    if (!stored.message.is_direct()) {
        const auto channel = core::ChannelName::parse(stored.message.channel);
        change.may_remove_others |= ctx.services.hub.may_moderate(me, *channel);
    }
    if (stored.from_key != me.key && !change.may_remove_others)
        co_return Failure(Errc::forbidden, "only its author or an operator may delete a message");
    submit_change(ctx, std::move(change), std::move(stored.conversation), d.reason);
    co_return Replied{};
}

Waits<Outcome> react(Context& ctx, const proto::React& r) {
    if (!core::is_valid_emoji(r.emoji))
        co_return Failure(Errc::bad_request, "an emoji is 1-32 bytes without spaces or controls");
    auto visible = co_await visible_message(ctx, r.id);
    auto* found = std::get_if<store::StoredMessage>(&visible);
    if (found == nullptr || found->message.deleted) {
        // IRC's TAGMSG: a reaction to a message this server does not have (or to one gone) goes
        // on live as the tags it came with, as IRC servers relay client-only tags.
        if (!r.tags.empty()) co_return relay_reaction(ctx, r);
        if (found == nullptr) co_return std::get<Failure>(visible);
        co_return no_such_message();
    }
    auto& stored = *found;

    const auto kind =
        r.on ? store::MessageChange::Kind::react : store::MessageChange::Kind::unreact;
    store::MessageChange change = change_by(ctx, kind, r.id);
    change.emoji = r.emoji;
    change.max_reactions = kMaxReactions;
    submit_change(ctx, std::move(change), std::move(stored.conversation));
    co_return Replied{};
}

}  // namespace salon::server::commands
