#include "server/session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "auth/password.hpp"
#include "core/names.hpp"
#include "core/utf8.hpp"
#include "metrics/salon_metrics.hpp"
#include "server/chat_server.hpp"

namespace salon::server {
namespace {

using boost::asio::awaitable;
using core::Errc;
using core::Failure;

constexpr std::string_view kDefaultChannel = core::kHomeChannel;
constexpr int kGuestNameAttempts = 50;

/// A password hash to verify against when the account does not exist, so that an unknown name
/// costs the same time as a wrong password (`bad_credentials` must not tell them apart).
const std::string& decoy_hash(const auth::PasswordParams& params) {
    static const std::string hash = auth::hash_password("salon-decoy-password", params);
    return hash;
}

std::string random_guest_name() {
    thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_int_distribution<int> digits(1000, 99999);
    return "Guest" + std::to_string(digits(rng));
}

/// What a post will add to its sender's queue: the OK and the sender's own MSG, its text
/// escaped at its worst. Counted short, a client pipelining posts of escape-heavy text would
/// have its echoes overflow the queue before backpressure held it back.
std::size_t expected_echo_bytes(const core::Message& message) {
    constexpr std::size_t kOkBytes = 256;  // ref, id, timestamp and JSON punctuation
    return kOkBytes + core::wire_size_bound(message);
}

Frame make_frame(std::string text) {
    return std::make_shared<const std::string>(std::move(text));
}

std::optional<std::string> channel_name(const std::string& raw) {
    return core::canonical_channel_name(raw);
}

/// How many of the largest direct messages the limits allow fit in one bulk reply.
std::size_t pending_page_size(const core::Limits& limits) {
    core::Message largest;
    largest.text.assign(limits.max_text_bytes, '\x01');  // every byte escaped at its worst
    return std::max<std::size_t>(1, limits.bulk_reply_bytes() / core::wire_size_bound(largest));
}

const Failure kBadChannelName{Errc::bad_name, "channel names are 1-50 of a-z 0-9 _ -"};

}  // namespace

Session::Session(
    ChatServer& server,
    std::weak_ptr<Link> link,
    std::string remote_address,
    std::unique_ptr<proto::Codec> codec
)
    : server_(server),
      link_(std::move(link)),
      remote_address_(std::move(remote_address)),
      codec_(std::move(codec)),
      outbox_(server.settings().limits.send_queue_bytes),
      requests_(
          server.settings().limits.messages_per_second,
          server.settings().limits.message_burst,
          server.clock().steady_now()
      ) {
    // The session outlives its Outbox, so the waker's context is the session itself.
    outbox_.attach(
        {[](void* self) {
             if (auto transport = static_cast<Session*>(self)->link_.lock())
                 transport->wake_writer();
         },
         this}
    );
}

// ---------------------------------------------------------------------------------------------
// Output

void Session::deliver(const SharedEvent& event) {
    if (!codec_->accepts(event->event())) return;
    metrics::salon().deliveries.inc();
    if (!outbox_.push(event->frame(*codec_), event->lazy())) {
        overflow();
        return;
    }
    // Read before the exchange: in a storm most notices find the wake-up already asked for.
    if (event->lazy() && !lazy_wake_pending_.load(std::memory_order_relaxed) &&
        !lazy_wake_pending_.exchange(true, std::memory_order_acq_rel)) {
        server_.lazy_wakes().add(weak_from_this());
    }
}

void Session::wake_for_lazy_events() {
    // Cleared first: a notice pushed from now on asks for the next wake-up.
    lazy_wake_pending_.store(false, std::memory_order_release);
    outbox_.wake();
}

void Session::queue_reply(Frame frame) {
    if (!outbox_.reply(std::move(frame))) overflow();
}

void Session::overflow() {
    const auto last_words = make_event(core::NoticeEvent{
        "send_queue_full", "you were not reading; the server dropped the connection"});
    if (outbox_.overflow(last_words->frame(*codec_))) {
        metrics::salon().send_queue_drops.inc();
        spdlog::warn(
            "{}: send queue full ({} bytes), dropping the connection",
            remote_address_,
            server_.settings().limits.send_queue_bytes
        );
        close("send queue full");
    }
}

void Session::notice(std::string_view code, std::string_view message) {
    deliver(make_event(core::NoticeEvent{std::string(code), std::string(message)}));
}

void Session::close(std::string reason) {
    if (auto link = link_.lock()) link->close_after_flush(std::move(reason));
}

void Session::reply_ok(const proto::Request& request, const core::Result& result) {
    queue_reply(make_frame(codec_->ok(request, result)));
}

void Session::reply_no(const proto::Request& request, Errc code, std::string_view message) {
    queue_reply(make_frame(codec_->no(request, code, message)));
}

// ---------------------------------------------------------------------------------------------
// Transport events

void Session::handle_oversized_frame() {
    const proto::DecodeError error{
        {}, Errc::line_too_long, std::string(core::default_message(Errc::line_too_long))};
    queue_reply(make_frame(codec_->rejected(error)));
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
    outbox_.detach();
    leave(reason);
}

void Session::leave(std::string_view reason) {
    if (!logged_in_) return;
    logged_in_ = false;
    server_.hub().detach(shared_from_this(), actor_, reason);
    spdlog::info("{}: {} left ({})", remote_address_, actor_.name, reason);
}

awaitable<void> Session::handle_frame(std::string frame) {
    auto input = codec_->decode(frame, logged_in_);
    if (auto* error = std::get_if<proto::DecodeError>(&input)) {
        queue_reply(make_frame(codec_->rejected(*error)));
        co_return;
    }
    if (auto* answered = std::get_if<proto::Codec::Answered>(&input)) {
        if (!answered->bytes.empty()) queue_reply(make_frame(std::move(answered->bytes)));
        co_return;
    }
    // Shared: a pipelined post's reply is encoded when it commits, after this returns.
    auto request = std::make_shared<proto::Request>(std::get<proto::Request>(std::move(input)));

    if (!std::holds_alternative<proto::Pong>(request->command)) {
        if (!requests_.try_take(server_.clock().steady_now())) {
            reply_no(*request, Errc::rate_limited, core::default_message(Errc::rate_limited));
            metrics::salon().rate_limited.inc();
            if (++strikes_ >= server_.settings().limits.rate_limit_strikes) {
                notice("rate_limited", "too many requests; the server closed the connection");
                close("excess flood");
            }
            co_return;
        }
        strikes_ = 0;
    }

    Outcome outcome;
    try {
        outcome = co_await run(request, request->command);
    } catch (const std::exception& e) {
        spdlog::error("{}: request failed: {}", remote_address_, e.what());
        outcome = Failure(Errc::internal);
    }
    reply(*request, outcome);
    if (std::holds_alternative<proto::End>(request->command)) {
        // Offline from the moment END is answered, not when the socket is gone: a DM sent
        // meanwhile must wait for the next login rather than go to a closing connection.
        leave("quit");
        close("quit");
    }
}

awaitable<Session::Outcome> Session::run(const RequestPtr& request, proto::Command& command) {
    // Verbs that wait (for blocking work, or for room for a bulk reply) are coroutines; the
    // rest complete at once.
    if (auto* c = std::get_if<proto::Conn>(&command)) co_return co_await on(request, *c);
    if (auto* r = std::get_if<proto::Register>(&command)) co_return co_await on(request, *r);
    if (auto* d = std::get_if<proto::Dm>(&command)) co_return co_await on(request, *d);
    if (auto* h = std::get_if<proto::History>(&command)) co_return co_await on(request, *h);
    if (auto* a = std::get_if<proto::Authenticate>(&command)) co_return co_await on(request, *a);
    if (auto* j = std::get_if<proto::Join>(&command)) co_return co_await on(request, *j);
    if (auto* j = std::get_if<proto::Joins>(&command)) co_return co_await on(request, *j);
    if (auto* p = std::get_if<proto::Parts>(&command)) co_return co_await on(request, *p);
    if (auto* w = std::get_if<proto::Who>(&command)) co_return co_await on(request, *w);
    if (auto* l = std::get_if<proto::List>(&command)) co_return co_await on(request, *l);
    co_return std::visit(
        [&](auto& c) -> Outcome {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, proto::Ping> || std::is_same_v<T, proto::End>) {
                return core::Result{core::EmptyResult{}};
            } else if constexpr (std::is_same_v<T, proto::Pong>) {
                return NoReply{};
            } else if constexpr (std::is_same_v<decltype(on(request, c)), Outcome>) {
                return on(request, c);
            } else {
                return Failure(Errc::internal);  // a coroutine handler, run above
            }
        },
        command
    );
}

void Session::reply(const proto::Request& request, const Outcome& outcome) {
    if (const auto* result = std::get_if<core::Result>(&outcome)) {
        reply_ok(request, *result);
    } else if (const auto* failure = std::get_if<Failure>(&outcome)) {
        reply_no(request, failure->code, failure->message);
    }
}

awaitable<bool> Session::room_for_bulk_reply() {
    const auto link = link_.lock();
    if (!link) co_return false;
    co_return co_await link->drained(server_.settings().limits.bulk_reply_bytes());
}

// ---------------------------------------------------------------------------------------------
// Login

awaitable<Session::Outcome> Session::on(const RequestPtr& request, proto::Conn& c) {
    if (logged_in_) co_return Failure(Errc::already_logged_in);
    const bool irc = c.style == proto::ConnStyle::irc;
    std::string channel(irc ? "" : kDefaultChannel);
    if (c.channel) {
        auto canonical = channel_name(*c.channel);
        if (!canonical) co_return kBadChannelName;
        channel = std::move(*canonical);
    }

    if (c.us.empty()) {
        // A guest with a fresh name: retry on the rare collision with an online guest.
        for (int attempt = 0; attempt < kGuestNameAttempts; ++attempt) {
            core::Actor actor{random_guest_name(), {}, true, false};
            actor.folded = core::fold_user_name(actor.name);
            auto outcome = co_await log_in(request, actor, channel, {}, irc);
            const auto* failure = std::get_if<Failure>(&outcome);
            if (failure == nullptr || failure->code != Errc::name_taken) co_return outcome;
        }
        co_return Failure(Errc::internal, "no free guest name");
    }
    if (!core::is_valid_user_name(c.us)) {
        co_return core::is_guest_name(c.us) || irc ? Failure(Errc::bad_name)
                                                   : Failure(Errc::bad_credentials);
    }
    if (core::is_guest_name(c.us)) {
        core::Actor actor{c.us, core::fold_user_name(c.us), true, false};
        co_return co_await log_in(request, actor, channel, {}, irc);
    }

    // IRC: without a password nothing is guessed, so the throttle does not apply. Otherwise
    // the attempt is paid for before the check, so that parallel guesses stay in the budget.
    const bool no_password = c.pwd.empty();
    if (!(irc && no_password) && !server_.login_throttle().try_reserve(remote_address_)) {
        metrics::salon().rate_limited.inc();
        co_return Failure(
            Errc::rate_limited, "too many failed logins from your address; wait a minute"
        );
    }

    // Three hops, so that only the argon2id check runs at idle priority: a hasher preempted
    // while holding a storage reader would stall the reads of everyone else.
    auto find = [&store = server_.store(), us = c.us] { return store.find_account(us); };
    auto account = co_await server_.blocking(find);
    if (!account && irc) {
        // IRC makes an unknown nick a guest, so there is no secret for timing to reveal.
        server_.login_throttle().give_back(remote_address_);
        core::Actor actor{c.us, core::fold_user_name(c.us), true, false};
        co_return co_await log_in(request, actor, channel, {}, irc);
    }
    if (irc && no_password) {
        co_return Failure(
            Errc::name_taken, "that nick is a registered account: log in with SASL or PASS"
        );
    }
    const bool verified = co_await password_matches(account, c.pwd);
    if (!verified) {
        metrics::salon().failed_logins.inc();
        spdlog::info("{}: failed login", remote_address_);
        co_return Failure(Errc::bad_credentials);
    }
    server_.login_throttle().give_back(remote_address_);
    auto remembered = [&store = server_.store(), us = c.us] { return store.memberships_of(us); };
    auto memberships = co_await server_.blocking(remembered);
    core::Actor actor{account->name, core::fold_user_name(account->name), false, account->admin};
    co_return co_await log_in(request, actor, channel, std::move(memberships), irc);
}

awaitable<Session::Outcome> Session::on(const RequestPtr& request, proto::Register& r) {
    if (logged_in_) co_return Failure(Errc::already_logged_in);
    if (!server_.settings().registration_open) co_return Failure(Errc::registration_closed);
    if (!core::is_valid_user_name(r.us) || core::is_guest_name(r.us)) {
        co_return Failure(
            Errc::bad_name, "names are 1-32 of A-Z a-z 0-9 _ - . and may not start with Guest"
        );
    }
    if (!auth::check_password_strength(r.pwd)) co_return Failure(Errc::weak_password);
    // An IRC guest may hold any free name; it cannot become someone's account under them.
    if (server_.hub().online_name(core::fold_user_name(r.us))) co_return Failure(Errc::name_taken);

    auto hash = [params = server_.settings().password, pwd = std::move(r.pwd)] {
        return auth::hash_password(pwd, params);
    };
    auto password_hash = co_await server_.hashing(hash);
    auto create = [&server = server_, us = r.us, &password_hash] {
        return server.store().create_account(store::Account{
            us, std::move(password_hash), false, server.clock().unix_now_ms()});
    };
    const bool created = co_await server_.blocking(create);
    if (!created) co_return Failure(Errc::name_taken);
    spdlog::info("{}: registered {}", remote_address_, r.us);
    core::Actor actor{r.us, core::fold_user_name(r.us), false, false};
    co_return co_await log_in(request, actor, std::string(kDefaultChannel), {});
}

awaitable<bool> Session::password_matches(
    const std::optional<store::Account>& account, const std::string& password
) {
    // An unknown name is checked against a decoy, so that it costs what a wrong password does.
    auto check = [&account, &password, params = server_.settings().password] {
        const bool matches =
            auth::verify_password(account ? account->password_hash : decoy_hash(params), password);
        return matches && account.has_value();
    };
    co_return co_await server_.hashing(check);
}

awaitable<Session::Outcome> Session::log_in(
    const RequestPtr& request,
    core::Actor actor,
    std::string channel,
    std::vector<store::Membership> remembered,
    bool announce_joins
) {
    const auto& settings = server_.settings();
    core::LoginResult result{
        actor.name,
        actor.guest,
        {settings.name, settings.version},
        settings.limits.max_frame_bytes,
        settings.limits.max_text_bytes,
        settings.limits.max_channels_per_user,
        settings.limits.messages_per_second,
        settings.limits.history_page_max};
    auto failure =
        server_.hub().attach(shared_from_this(), actor, [&] { reply_ok(*request, result); });
    if (failure) co_return *failure;
    logged_in_ = true;
    actor_ = std::move(actor);
    spdlog::info(
        "{}: {} logged in{}", remote_address_, actor_.name, actor_.guest ? " as a guest" : ""
    );

    // The requested channel first, then every channel kept from before, then the channels the
    // user is in on other connections. A join that fails here is told as a NOTICE: the login
    // itself has succeeded. Each join's HISTORY waits for room, so that however many channels
    // and however large their messages, the login never overflows its own queue.
    struct LoginJoin {
        std::string channel;
        JoinMode mode;
        bool op;
    };

    std::vector<LoginJoin> joins;
    if (!channel.empty()) joins.push_back({channel, JoinMode::request, false});
    for (const auto& membership : remembered) {
        if (membership.channel != channel)
            joins.push_back({membership.channel, JoinMode::rejoin, membership.op});
    }
    for (auto& name : server_.hub().channels_of(actor_.folded)) {
        const bool seen =
            std::ranges::any_of(joins, [&](const auto& j) { return j.channel == name; });
        if (!seen) joins.push_back({std::move(name), JoinMode::rejoin, false});
    }
    for (const auto& [name, mode, op] : joins) {
        if (!co_await room_for_bulk_reply()) co_return Replied{};
        auto refused = server_.hub().join(
            shared_from_this(),
            actor_,
            name,
            "",
            mode,
            op,
            announce_joins
                ? std::function<void(const core::JoinResult&)>([&](const core::JoinResult& r) {
                      reply_ok(proto::Request{{}, proto::Join{r.channel, ""}}, r);
                  })
                : nullptr
        );
        if (refused)
            notice(core::wire_code(refused->code), std::string(refused->message) + ": " + name);
    }

    if (!actor_.guest) co_await deliver_pending_dms();
    co_return Replied{};
}

awaitable<void> Session::deliver_pending_dms() {
    // A page is at most a bulk reply's worth of the largest messages, so together with the
    // backlog room_for_bulk_reply() leaves it always fits the queue.
    const std::size_t page_size = pending_page_size(server_.settings().limits);
    core::MessageId delivered = 0;
    for (;;) {
        if (!co_await room_for_bulk_reply()) co_return;
        auto read = [&store = server_.store(), folded = actor_.folded, delivered, page_size] {
            return store.pending_dms(folded, delivered, page_size);
        };
        auto page = co_await server_.blocking(read);
        if (page.empty()) co_return;
        const core::MessageId last = page.back().id;
        for (auto& message : page) deliver(make_event(core::MessageEvent{std::move(message)}));
        // Off the waiting list only once written: a connection lost meanwhile leaves them for
        // the next login (which may then show a few of them twice, never none).
        const auto link = link_.lock();
        if (!link || !co_await link->drained(0)) co_return;
        auto forget = [&store = server_.store(), folded = actor_.folded, last] {
            store.forget_pending_dms(folded, last);
        };
        co_await server_.blocking(forget);
        delivered = last;
    }
}

// ---------------------------------------------------------------------------------------------
// Channels

awaitable<Session::Outcome> Session::on(const RequestPtr& request, const proto::Join& j) {
    auto channel = channel_name(j.channel);
    if (!channel) co_return kBadChannelName;
    if (!co_await room_for_bulk_reply()) co_return Replied{};
    auto failure = server_.hub().join(
        shared_from_this(),
        actor_,
        *channel,
        j.key,
        JoinMode::request,
        false,
        [&](const core::JoinResult& r) { reply_ok(*request, r); }
    );
    if (failure) co_return *failure;
    co_return Replied{};
}

Session::Outcome Session::on(const RequestPtr& request, const proto::Part& p) {
    auto channel = channel_name(p.channel);
    if (!channel) return kBadChannelName;
    auto failure =
        server_.hub().part(actor_, *channel, [&] { reply_ok(*request, core::EmptyResult{}); });
    if (failure) return *failure;
    return Replied{};
}

void Session::submit_post(
    RequestPtr request, core::Message message, std::vector<std::string> pending_for
) {
    metrics::salon().messages_received.inc();
    // The reply's place is kept so that later replies wait for it. The OK is queued under the
    // hub's lock just before the fan-out: the sender sees OK, then its own MSG, and whatever
    // it does after reading the OK reaches others after the message. The reply is encoded
    // on the delivery strand (proto::Codec's contract allows it for posts).
    const auto slot = outbox_.reserve(expected_echo_bytes(message));
    auto done = [self = shared_from_this(),
                 slot,
                 request = std::move(request)](const core::Message* committed) {
        if (committed == nullptr) {
            if (!self->outbox_.fulfil(
                    slot,
                    make_frame(self->codec_->no(
                        *request, Errc::internal, "the message could not be stored"
                    ))
                ))
                self->overflow();
            return;
        }
        auto acknowledge = [&] {
            if (!self->outbox_.fulfil(
                    slot,
                    make_frame(self->codec_->ok(
                        *request, core::PostResult{committed->id, committed->ts_ms}
                    ))
                )) {
                self->overflow();
            }
        };
        if (committed->is_direct()) {
            self->server_.hub().deliver_direct_message(*committed, self.get(), acknowledge);
        } else {
            self->server_.hub().deliver_channel_message(*committed, acknowledge);
        }
    };
    server_.pipeline().submit(std::move(message), std::move(pending_for), std::move(done));
}

std::optional<Failure> Session::check_text(std::string_view text) const {
    if (text.empty()) return Failure(Errc::bad_request, "text may not be empty");
    if (text.size() > server_.settings().limits.max_text_bytes)
        return Failure(Errc::bad_request, "text is longer than the limit");
    if (!core::is_valid_utf8(text)) return Failure(Errc::bad_utf8);
    return std::nullopt;
}

Session::Outcome Session::on(const RequestPtr& request, const proto::Send& s) {
    if (s.claimed_user && core::fold_user_name(*s.claimed_user) != actor_.folded) {
        return Failure(Errc::forbidden, "USER is not the name you logged in with");
    }
    auto channel = channel_name(s.channel);
    if (!channel) return kBadChannelName;
    if (auto bad = check_text(s.text)) return *bad;
    auto member = server_.hub().check_member(actor_, *channel);
    if (auto* failure = std::get_if<Failure>(&member)) return *failure;

    submit_post(request, core::Message{0, std::move(*channel), actor_.name, {}, s.text, 0}, {});
    return Replied{};
}

awaitable<Session::Outcome> Session::on(const RequestPtr& request, const proto::Dm& d) {
    if (!core::is_valid_user_name(d.to)) co_return Failure(Errc::no_such_user);
    if (auto bad = check_text(d.text)) co_return *bad;
    const std::string folded = core::fold_user_name(d.to);

    std::string recipient;
    std::vector<std::string> pending_for;
    if (auto online = server_.hub().online_name(folded)) {
        recipient = std::move(*online);
    } else if (!core::is_guest_name(d.to)) {
        auto find = [&store = server_.store(), folded] { return store.find_account(folded); };
        auto account = co_await server_.blocking(find);
        if (!account) co_return Failure(Errc::no_such_user);
        recipient = account->name;
        pending_for.push_back(folded);
    } else {
        co_return Failure(Errc::no_such_user);
    }

    submit_post(
        request,
        core::Message{0, {}, actor_.name, std::move(recipient), d.text, 0},
        std::move(pending_for)
    );
    co_return Replied{};
}

awaitable<Session::Outcome> Session::on(const RequestPtr& request, const proto::Who& w) {
    auto channel = channel_name(w.channel);
    if (!channel) co_return kBadChannelName;
    if (!co_await room_for_bulk_reply()) co_return Replied{};
    auto failure =
        server_.hub().who(*channel, [&](const core::WhoResult& r) { reply_ok(*request, r); });
    if (failure) co_return *failure;
    co_return Replied{};
}

awaitable<Session::Outcome> Session::on(const RequestPtr& request, const proto::List& l) {
    std::optional<std::string> after = l.after;
    for (;;) {
        if (!co_await room_for_bulk_reply()) co_return Replied{};
        bool more = false;
        server_.hub().list(after, [&](const core::ListResult& page) {
            reply_ok(*request, page);
            more = page.more;
            if (more) after = page.channels.back().name;
        });
        if (!more || !l.all_pages) co_return Replied{};
    }
}

awaitable<Session::Outcome> Session::on(const RequestPtr&, const proto::History& h) {
    auto channel = channel_name(h.channel);
    if (!channel) co_return kBadChannelName;
    const auto& limits = server_.settings().limits;
    const std::size_t limit = h.limit.value_or(limits.history_on_join);
    if (limit > limits.history_page_max)
        co_return Failure(Errc::bad_request, "limit is larger than the page maximum");
    auto member = server_.hub().check_member(actor_, *channel);
    if (auto* failure = std::get_if<Failure>(&member)) co_return *failure;
    // Stop at the newest message delivered, so a page never shows what the client is still
    // about to receive as MSG.
    const core::MessageId up_to = std::get<core::MessageId>(member);
    auto page = [&store = server_.store(), name = *channel, before = h.before, limit, up_to] {
        return store.channel_history(name, before, limit, up_to);
    };
    if (!co_await room_for_bulk_reply()) co_return Replied{};
    auto messages = co_await server_.blocking(page);
    core::HistoryResult result{std::move(*channel), std::move(messages)};
    result.more = core::keep_newest_within(result.messages, limits.bulk_reply_bytes());
    co_return core::Result{std::move(result)};
}

// ---------------------------------------------------------------------------------------------
// IRC: SASL, multi-target joins and parts, WHOIS, AWAY

awaitable<Session::Outcome> Session::on(const RequestPtr&, proto::Authenticate& a) {
    if (logged_in_) co_return Failure(Errc::already_logged_in);
    if (!core::is_valid_user_name(a.us) || core::is_guest_name(a.us))
        co_return Failure(Errc::bad_credentials);
    if (!server_.login_throttle().try_reserve(remote_address_)) {
        co_return Failure(
            Errc::rate_limited, "too many failed logins from your address; wait a minute"
        );
    }
    auto find = [&store = server_.store(), us = a.us] { return store.find_account(us); };
    auto account = co_await server_.blocking(find);
    const bool verified = co_await password_matches(account, a.pwd);
    if (!verified) {
        spdlog::info("{}: failed SASL authentication", remote_address_);
        co_return Failure(Errc::bad_credentials);
    }
    server_.login_throttle().give_back(remote_address_);
    co_return core::Result{core::AccountResult{std::move(account->name)}};
}

awaitable<void> Session::run_part(const RequestPtr& request, proto::Command command) {
    const auto part =
        std::make_shared<proto::Request>(proto::Request{request->ref, std::move(command)});
    Outcome outcome = Failure(Errc::internal);
    if (const auto* join = std::get_if<proto::Join>(&part->command)) {
        outcome = co_await on(part, *join);
    } else if (const auto* leave = std::get_if<proto::Part>(&part->command)) {
        outcome = on(part, *leave);
    }
    reply(*part, outcome);
}

awaitable<Session::Outcome> Session::on(const RequestPtr& request, const proto::Joins& j) {
    // Each channel after the first costs a request of its own: one line must not buy a
    // hundred joins, each with its member list and history.
    bool first = true;
    for (const auto& join : j.joins) {
        if (!first && !requests_.try_take(server_.clock().steady_now())) {
            metrics::salon().rate_limited.inc();
            reply_no(
                proto::Request{request->ref, join},
                Errc::rate_limited,
                core::default_message(Errc::rate_limited)
            );
            continue;
        }
        first = false;
        co_await run_part(request, join);
    }
    co_return Replied{};
}

awaitable<Session::Outcome> Session::on(const RequestPtr& request, const proto::Parts& p) {
    for (const auto& part : p.parts) co_await run_part(request, part);
    co_return Replied{};
}

Session::Outcome Session::on(const RequestPtr&, const proto::Whois& w) {
    if (!core::is_valid_user_name(w.user)) return Failure(Errc::no_such_user);
    auto info = server_.hub().whois(core::fold_user_name(w.user));
    if (!info) return Failure(Errc::no_such_user);
    return core::Result{std::move(*info)};
}

Session::Outcome Session::on(const RequestPtr&, const proto::Away& a) {
    if (a.message.size() > server_.settings().limits.max_text_bytes)
        return Failure(Errc::bad_request, "the away message is longer than the limit");
    if (!core::is_valid_utf8(a.message)) return Failure(Errc::bad_utf8);
    server_.hub().set_away(actor_.folded, a.message);
    return core::Result{core::EmptyResult{}};
}

// ---------------------------------------------------------------------------------------------
// Moderation

Session::Outcome Session::on(const RequestPtr& request, const proto::Topic& t) {
    auto channel = channel_name(t.channel);
    if (!channel) return kBadChannelName;
    if (t.topic.size() > server_.settings().limits.max_text_bytes)
        return Failure(Errc::bad_request, "topic is longer than the limit");
    auto failure = server_.hub().set_topic(actor_, *channel, t.topic, [&] {
        reply_ok(*request, core::TopicResult{*channel, t.topic});
    });
    if (failure) return *failure;
    return Replied{};
}

Session::Outcome Session::on(const RequestPtr& request, const proto::Kick& k) {
    auto channel = channel_name(k.channel);
    if (!channel) return kBadChannelName;
    auto failure = server_.hub().kick(actor_, *channel, k.user, k.reason, [&] {
        reply_ok(*request, core::EmptyResult{});
    });
    if (failure) return *failure;
    return Replied{};
}

Session::Outcome Session::on(const RequestPtr& request, const proto::Ban& b) {
    auto channel = channel_name(b.channel);
    if (!channel) return kBadChannelName;
    auto failure = server_.hub().set_ban(actor_, *channel, b.user, true, [&] {
        reply_ok(*request, core::EmptyResult{});
    });
    if (failure) return *failure;
    return Replied{};
}

Session::Outcome Session::on(const RequestPtr& request, const proto::Unban& u) {
    auto channel = channel_name(u.channel);
    if (!channel) return kBadChannelName;
    auto failure = server_.hub().set_ban(actor_, *channel, u.user, false, [&] {
        reply_ok(*request, core::EmptyResult{});
    });
    if (failure) return *failure;
    return Replied{};
}

Session::Outcome Session::on(const RequestPtr& request, const proto::Op& o) {
    auto channel = channel_name(o.channel);
    if (!channel) return kBadChannelName;
    auto failure = server_.hub().grant_op(actor_, *channel, o.user, [&] {
        reply_ok(*request, core::EmptyResult{});
    });
    if (failure) return *failure;
    return Replied{};
}

Session::Outcome Session::on(const RequestPtr& request, const proto::Key& k) {
    auto channel = channel_name(k.channel);
    if (!channel) return kBadChannelName;
    auto failure = server_.hub().set_key(actor_, *channel, k.key, [&] {
        reply_ok(*request, core::EmptyResult{});
    });
    if (failure) return *failure;
    return Replied{};
}

}  // namespace salon::server
