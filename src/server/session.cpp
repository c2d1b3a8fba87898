#include "server/session.hpp"

#include "server/commands/dispatch.hpp"
#include "server/commands/handlers.hpp"

namespace salon::server {

Session::Session(
    commands::Services& services,
    LazyWakes& lazy_wakes,
    std::weak_ptr<Link> link,
    std::string remote_address,
    std::unique_ptr<proto::Codec> codec
)
    : Participant(
          lazy_wakes,
          std::move(link),
          std::move(remote_address),
          std::move(codec),
          services.settings().limits.send_queue_bytes
      ),
      services_(services),
      connection_{
          std::nullopt,
          core::TokenBucket(
              services.settings().limits.messages_per_second,
              services.settings().limits.message_burst,
              services.clock.steady_now()
          )} {}

boost::asio::awaitable<void> Session::handle_frame(std::string frame) {
    auto input = codec().decode(frame, logged_in());
    if (auto* error = std::get_if<proto::DecodeError>(&input)) {
        queue_reply(make_frame(codec().rejected(*error)));
        co_return;
    }
    if (auto* answered = std::get_if<proto::Codec::Answered>(&input)) {
        if (!answered->bytes.empty()) queue_reply(make_frame(std::move(answered->bytes)));
        co_return;
    }
    // Shared: a pipelined post's reply is encoded when it commits, after this returns.
    commands::Context ctx{
        services_,
        *this,
        connection_,
        std::make_shared<const proto::Request>(std::get<proto::Request>(std::move(input)))};
    co_await commands::dispatch(ctx);
    if (auto end = codec().finished(*ctx.request); !end.empty())
        queue_reply(make_frame(std::move(end)));
}

void Session::handle_oversized_frame() {
    const proto::DecodeError error{
        {},
        core::Errc::line_too_long,
        std::string(core::default_message(core::Errc::line_too_long))};
    queue_reply(make_frame(codec().rejected(error)));
    close("frame too long");
}

void Session::handle_idle() {
    // One event for every connection, encoded once per format: connections that logged in
    // together fall idle together, and a PING each would be a burst of allocations.
    static const SharedEvent ping = make_event(core::PingEvent{});
    deliver(ping);
}

void Session::handle_disconnect(std::string_view reason) {
    if (disconnected_) return;
    disconnected_ = true;
    detach_link();
    commands::leave(services_, *this, connection_, reason);
}

}  // namespace salon::server
