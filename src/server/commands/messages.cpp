#include "server/commands/messages.hpp"

#include <map>

#include "core/mentions.hpp"
#include "core/message.hpp"
#include "core/utf8.hpp"
#include "metrics/salon_metrics.hpp"
#include "server/commands/handlers.hpp"

namespace salon::server::commands {
namespace {

/// What a post will add to its sender's queue: the OK and the sender's own MSG, its text
/// escaped at its worst. Counted short, a client pipelining posts of escape-heavy text would
/// have its echoes overflow the queue before backpressure held it back.
std::size_t expected_echo_bytes(const core::Message& message) {
    constexpr std::size_t kOkBytes = 256;  // ref, id, timestamp and JSON punctuation
    return kOkBytes + core::wire_size_bound(message);
}

store::MessageWrite channel_post(const Context& ctx, const proto::Send& s) {
    const core::Actor& actor = ctx.actor();
    store::MessageWrite write;
    write.message.channel = ctx.channel->str();
    write.message.from = actor.name.display();
    write.message.by_account = !actor.guest;
    write.message.text = s.text;
    write.message.reply_to = s.reply_to;
    write.message.notice = s.notice;
    write.conversation = core::channel_conversation(*ctx.channel);
    write.from_key = actor.key;
    return write;
}

/// SEND when it must wait: for the message it answers, or for the accounts it mentions.
/// `s` lives in the request, which the context holds.
Waits<Outcome> send_after_lookups(Context& ctx, const proto::Send& s) {
    store::MessageWrite write = channel_post(ctx, s);
    if (auto refusal = co_await prepare_post(ctx, write, s.lenient_reply)) co_return *refusal;
    // The lookups took time: the sender may have left the channel meanwhile.
    if (auto refusal = ctx.services.hub.post_refusal(ctx.actor(), *ctx.channel)) co_return *refusal;
    submit_post(ctx, std::move(write));
    co_return Replied{};
}

/// What a reply to `answered` carries of it for the clients that quote it.
core::ReplyQuote quote_of(const core::Message& answered) {
    return core::ReplyQuote{
        .from = answered.from,
        .text = std::string(core::utf8_prefix(answered.text, core::kReplyQuoteBytes)),
    };
}

}  // namespace

bool may_mention(std::string_view text) noexcept {
    return text.find('@') != std::string_view::npos;
}

Waits<Mentions> mentions_in(Context& ctx, const std::string& text) {
    // First pass: every name the rule would try, in its order (nothing resolves).
    std::vector<std::string> asked;
    core::resolve_mentions(text, [&asked](std::string_view folded) -> std::optional<std::string> {
        if (asked.size() < kMaxMentionLookups) asked.emplace_back(folded);
        return std::nullopt;
    });

    std::map<std::string, Hub::OnlineIdentity, std::less<>> known;  // by folded name
    std::vector<core::UserName> offline;
    for (const std::string& folded : asked) {
        auto name = core::UserName::parse(folded);
        if (!name || known.contains(folded)) continue;
        if (auto online = ctx.services.hub.online(*name)) {
            known.emplace(folded, std::move(*online));
        } else if (!name->is_guest()) {
            offline.push_back(std::move(*name));
        }
    }
    if (!offline.empty()) {
        auto read = [&store = ctx.services.store, &offline] {
            std::vector<std::optional<store::Account>> accounts;
            accounts.reserve(offline.size());
            for (const auto& name : offline) accounts.push_back(store.find_account(name));
            return accounts;
        };
        const auto accounts = co_await ctx.services.work.blocking(read);
        for (std::size_t i = 0; i < offline.size(); ++i) {
            if (accounts[i])
                known.emplace(
                    offline[i].folded(), Hub::OnlineIdentity{accounts[i]->name, offline[i].folded()}
                );
        }
    }

    Mentions mentions;
    mentions.names = core::resolve_mentions(
        text,
        [&known](std::string_view folded) -> std::optional<std::string> {
            const auto it = known.find(folded);
            if (it == known.end()) return std::nullopt;
            return it->second.name;
        }
    );
    for (const std::string& name : mentions.names)
        mentions.keys.push_back(known.find(core::fold_user_name(name))->second.key);
    co_return mentions;
}

Waits<std::optional<core::Failure>> prepare_post(
    Context& ctx, store::MessageWrite& write, bool lenient_reply
) {
    if (const core::MessageId reply_to = write.message.reply_to; reply_to != 0) {
        auto find = [&store = ctx.services.store, reply_to] {
            return store.find_message(reply_to);
        };
        const auto answered = co_await ctx.services.work.blocking(find);
        if (!answered || answered->conversation != write.conversation) {
            if (!lenient_reply) {
                co_return core::Failure(
                    core::Errc::no_such_message, "reply_to is not a message of this conversation"
                );
            }
            write.message.reply_to = 0;
        } else {
            write.message.reply_quote = quote_of(answered->message);
        }
    }
    if (may_mention(write.message.text)) {
        Mentions mentions = co_await mentions_in(ctx, write.message.text);
        write.message.mentions = std::move(mentions.names);
        write.mention_keys = std::move(mentions.keys);
    }
    co_return std::nullopt;
}

void submit_post(Context& ctx, store::MessageWrite write) {
    metrics::salon().messages_received.inc();
    // The reply's place is kept so that later replies wait for it. The OK is queued under the
    // hub's lock just before the fan-out: the sender sees OK, then its own MSG, and whatever
    // it does after reading the OK reaches others after the message. The reply is encoded
    // on the delivery strand (proto::Codec's contract allows it for posts).
    const auto slot = ctx.participant.outbox().reserve(expected_echo_bytes(write.message));
    auto done = [&hub = ctx.services.hub, sender = ctx.requester(), request = ctx.request, slot](
                    const store::WriteOutcome* committed
                ) {
        const Outbox::Settling settling(sender->outbox(), slot);
        const Acknowledgement ack{sender.get(), request.get(), slot};
        if (committed == nullptr) {
            sender->refuse(ack, core::Errc::internal, "the message could not be stored");
        } else if (committed->message.is_direct()) {
            hub.deliver_direct_message(committed->message, ack);
        } else {
            hub.deliver_channel_message(committed->message, ack);
        }
    };
    ctx.services.pipeline.submit(std::move(write), std::move(done));
}

Outcome send(Context& ctx, const proto::Send& s) {
    const core::Actor& actor = ctx.actor();
    if (s.claimed_user && core::fold_user_name(*s.claimed_user) != actor.name.folded())
        return core::Failure(core::Errc::forbidden, "USER is not the name you logged in with");
    if (auto refusal = ctx.services.hub.post_refusal(actor, *ctx.channel)) return *refusal;
    if (s.reply_to != 0 || may_mention(s.text)) return Deferred{send_after_lookups(ctx, s)};
    submit_post(ctx, channel_post(ctx, s));
    return Replied{};
}

}  // namespace salon::server::commands
