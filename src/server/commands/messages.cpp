#include "server/commands/messages.hpp"

#include "core/message.hpp"
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

}  // namespace

void submit_post(Context& ctx, core::Message message, std::vector<core::UserName> pending_for) {
    metrics::salon().messages_received.inc();
    // The reply's place is kept so that later replies wait for it. The OK is queued under the
    // hub's lock just before the fan-out: the sender sees OK, then its own MSG, and whatever
    // it does after reading the OK reaches others after the message. The reply is encoded
    // on the delivery strand (proto::Codec's contract allows it for posts).
    const auto slot = ctx.participant.outbox().reserve(expected_echo_bytes(message));
    auto done = [&hub = ctx.services.hub, sender = ctx.requester(), request = ctx.request, slot](
                    const core::Message* committed
                ) {
        const Acknowledgement ack{sender.get(), request.get(), slot};
        if (committed == nullptr) {
            sender->refuse(ack, core::Errc::internal, "the message could not be stored");
        } else if (committed->is_direct()) {
            hub.deliver_direct_message(*committed, ack);
        } else {
            hub.deliver_channel_message(*committed, ack);
        }
    };
    ctx.services.pipeline.submit(std::move(message), std::move(pending_for), std::move(done));
}

Outcome send(Context& ctx, const proto::Send& s) {
    const core::Actor& actor = ctx.actor();
    if (s.claimed_user && core::fold_user_name(*s.claimed_user) != actor.name.folded())
        return core::Failure(core::Errc::forbidden, "USER is not the name you logged in with");
    auto member = ctx.services.hub.check_member(actor, *ctx.channel);
    if (auto* failure = std::get_if<core::Failure>(&member)) return *failure;
    submit_post(ctx, core::Message{0, ctx.channel->str(), actor.name.display(), {}, s.text, 0}, {});
    return Replied{};
}

}  // namespace salon::server::commands
