#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <optional>
#include <random>

#include "auth/password.hpp"
#include "auth/session_token.hpp"
#include "metrics/salon_metrics.hpp"
#include "server/commands/dispatch.hpp"
#include "server/commands/handlers.hpp"

namespace salon::server::commands {
namespace {

using core::Errc;
using core::Failure;

constexpr int kGuestNameAttempts = 50;

/// A password hash to verify against when the account does not exist, so that an unknown name
/// costs the same time as a wrong password (`bad_credentials` must not tell them apart).
const std::string& decoy_hash(const auth::PasswordParams& params) {
    static const std::string hash = auth::hash_password("salon-decoy-password", params);
    return hash;
}

core::UserName random_guest_name() {
    thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_int_distribution<int> digits(1000, 99999);
    return *core::UserName::parse("Guest" + std::to_string(digits(rng)));
}

/// A guest's key names this login alone (guest names are reused): the serials grow with the
/// clock, so they stay unique across restarts too.
core::Actor guest_actor(const core::UserName& name) {
    static std::atomic<std::uint64_t> last_serial{0};
    const auto now =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::system_clock::now().time_since_epoch()
        )
                                       .count());
    std::uint64_t serial = last_serial.load();
    std::uint64_t next = 0;
    do {
        next = std::max(now, serial + 1);
    } while (!last_serial.compare_exchange_weak(serial, next));
    return core::Actor{name, true, false, core::user_key(name, next)};
}

core::Actor registered_actor(const core::UserName& name, bool admin) {
    return core::Actor{name, false, admin, core::user_key(name, 0)};
}

}  // namespace

Failure too_many_failed_logins(LoginThrottle::Refusal refusal) {
    metrics::salon().rate_limited.inc();
    if (refusal == LoginThrottle::Refusal::account) {
        return Failure(
            Errc::rate_limited, "too many failed logins to this account from your address; wait"
        );
    }
    return Failure(Errc::rate_limited, "too many failed logins from your address; wait a minute");
}

Waits<bool> password_matches(
    Context& ctx, const std::optional<store::Account>& account, const std::string& password
) {
    auto check = [&account, &password, params = ctx.services.settings().password] {
        const bool matches =
            auth::verify_password(account ? account->password_hash : decoy_hash(params), password);
        return matches && account.has_value();
    };
    co_return co_await ctx.services.work.hashing(check);
}

Waits<std::variant<Failure, store::Account>> check_password(
    Context& ctx, const core::UserName& name, const std::string& password, std::string_view action
) {
    if (password.size() > ctx.limits().max_text_bytes)
        co_return Failure(Errc::bad_request, "the password is longer than the limit");
    const std::string& address = ctx.participant.remote_address();
    LoginThrottle& throttle = ctx.services.login_throttle;
    if (auto refusal = throttle.try_reserve(name, address))
        co_return too_many_failed_logins(*refusal);
    auto account = co_await find_account(ctx, name);
    const bool matches = co_await password_matches(ctx, account, password);
    if (!matches) {
        metrics::salon().failed_logins.inc();
        spdlog::info("{}: failed {} for {}", address, action, name.display());
        if (!account) co_return Failure(Errc::no_such_user, "no such account");
        co_return Failure(Errc::bad_credentials, "wrong password");
    }
    throttle.give_back(name, address);
    co_return std::move(*account);
}

Waits<std::optional<Failure>> confirm_own_password(
    Context& ctx, const std::string& password, std::string_view action
) {
    auto checked = co_await check_password(ctx, ctx.actor().name, password, action);
    if (auto* failure = std::get_if<Failure>(&checked)) co_return std::move(*failure);
    co_return std::nullopt;
}

core::UnixMillis token_expiry(const Services& services, core::UnixMillis now) {
    constexpr double kMillisPerDay = 24.0 * 60 * 60 * 1000;
    return now +
           static_cast<core::UnixMillis>(services.settings().limits.token_ttl_days * kMillisPerDay);
}

void close_revoked(Participant& participant) {
    participant.notice(
        "session_revoked",
        "this session was logged out (its token was revoked or the password "
        "changed); log in again"
    );
    participant.close("session revoked");
}

namespace {

/// The OK of a login (and of a guest's REGISTER) for `actor`.
core::LoginResult welcome_of(const Context& ctx, const core::Actor& actor) {
    const auto& settings = ctx.services.settings();
    const auto& limits = settings.limits;
    core::LoginResult welcome{
        actor.name.display(),
        actor.guest,
        {settings.name, settings.version},
        limits.max_frame_bytes,
        limits.max_text_bytes,
        limits.max_channels_per_user,
        limits.messages_per_second,
        limits.history_page_max};
    welcome.admin = actor.admin;
    return welcome;
}

/// A channel a login joins, and how.
struct LoginJoin {
    core::ChannelName channel;
    JoinMode mode;
    bool op;
};

/// Puts the connection online as `actor` with the OK reply, then joins its channels: `first`
/// (none when absent), every channel kept from before, then the channels the user is in on
/// other connections. `announce_joins`: each join is replied to as if the client had asked for
/// it (IRC). A join that fails here is told as a NOTICE: the login itself has succeeded. Each
/// join waits for room, so that however many channels and however large their messages, the
/// login never overflows its own queue.
/// Its arguments are references to named locals of the caller: g++ 12 copies coroutine
/// arguments bit by bit, which breaks a short std::string's pointer to its own buffer.
Waits<Outcome> log_in(
    Context& ctx,
    const core::Actor& actor,
    const std::optional<core::ChannelName>& first,
    const std::vector<store::Membership>& remembered,
    bool announce_joins
) {
    // Checked early by every login path; once more here, so that a login that began before
    // a ban came into force cannot come online after the watch's sweeps.
    if (auto refusal = refuse_server_banned(ctx, actor.name)) co_return std::move(*refusal);
    const core::LoginResult welcome = welcome_of(ctx, actor);
    Hub& hub = ctx.services.hub;
    if (auto failure = hub.attach(ctx.requester(), actor, ctx.ack(), welcome)) co_return *failure;
    ctx.connection.actor = actor;
    const core::Actor& me = ctx.actor();
    if (const auto* c = std::get_if<proto::Conn>(&ctx.request->command); c && !c->realname.empty())
        hub.set_identity(me.name, c->username, c->realname);
    // A token revoked while this login read it must not leave a session behind.
    if (ctx.connection.token &&
        !ctx.services.token_sessions.add(*ctx.connection.token, ctx.requester())) {
        close_revoked(ctx.participant);
        co_return Replied{};
    }
    spdlog::info(
        "{}: {} logged in{}",
        ctx.participant.remote_address(),
        me.name.display(),
        me.guest ? " as a guest" : ""
    );

    std::vector<LoginJoin> joins;
    if (first) joins.push_back({*first, JoinMode::request, false});
    for (const auto& membership : remembered) {
        const LoginJoin rejoin{membership.channel, JoinMode::rejoin, membership.op};
        // Naming a remembered channel is no new join: its operator keeps the flag.
        if (membership.channel == first) {
            joins.front() = rejoin;
        } else {
            joins.push_back(rejoin);
        }
    }
    for (auto& name : hub.channels_of(me.name)) {
        const bool seen =
            std::ranges::any_of(joins, [&](const auto& j) { return j.channel == name; });
        if (!seen) joins.push_back({std::move(name), JoinMode::rejoin, false});
    }
    for (const auto& [name, mode, op] : joins) {
        if (!co_await ctx.room_for_bulk_reply()) co_return Replied{};
        // IRC clients learn a channel's members from the join's reply.
        const proto::Request announced{{}, proto::Join{name.str(), ""}};
        Acknowledgement ack;
        if (announce_joins) ack = {&ctx.participant, &announced, std::nullopt};
        auto refused = hub.join(ctx.requester(), me, name, "", mode, op, ack);
        if (refused) {
            ctx.participant.notice(
                core::wire_code(refused->code), std::string(refused->message) + ": " + name.str()
            );
        }
    }

    if (!me.guest) co_await deliver_pending_dms(ctx);
    co_return Replied{};
}

/// `tls_required` when this connection may not carry a password or token: it is not encrypted,
/// and the operator allows plain text only from this machine, or nowhere.
std::optional<Failure> refuse_plaintext_secret(const Context& ctx) {
    const auto policy = ctx.services.settings().plaintext_logins;
    if (policy == PlaintextLogins::allow || ctx.participant.encrypted()) return std::nullopt;
    if (policy == PlaintextLogins::loopback) {
        boost::system::error_code ec;
        auto address = boost::asio::ip::make_address(ctx.participant.remote_address(), ec);
        if (!ec && address.is_v6() && address.to_v6().is_v4_mapped())
            address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
        if (!ec && address.is_loopback()) return std::nullopt;
    }
    return Failure(Errc::tls_required);
}

/// What a login with a token reads, in one trip to the workers.
struct TokenLogin {
    std::optional<store::SessionToken> token = std::nullopt;
    std::optional<store::Account> account = std::nullopt;
    std::vector<store::Membership> memberships = {};
};

/// CONN with `token` instead of `pwd`: the same throttle, the same login. `channel` and `name`
/// are named locals of the caller (see log_in()).
Waits<Outcome> conn_with_token(
    Context& ctx,
    const proto::Conn& c,
    const std::optional<core::ChannelName>& channel,
    const core::UserName& name
) {
    const std::string& address = ctx.participant.remote_address();
    LoginThrottle& throttle = ctx.services.login_throttle;
    if (auto refusal = throttle.try_reserve(name, address))
        co_return too_many_failed_logins(*refusal);
    auto use = [&services = ctx.services, &name, &secret = *c.token] {
        TokenLogin found;
        const auto hash = auth::session_token_hash(secret);
        if (!hash) return found;
        const core::UnixMillis now = services.clock.unix_now_ms();
        auto token = services.store.use_token(name, *hash, now, token_expiry(services, now));
        if (!token || !auth::same_token_hash(token->hash, *hash)) return found;
        found.account = services.store.find_account(name);
        if (!found.account) return found;
        found.token = std::move(token);
        if (found.account->locked) return found;
        services.store.record_login(name, now);
        found.memberships = services.store.memberships_of(name);
        return found;
    };
    auto found = co_await ctx.services.work.blocking(use);
    if (!found.token) {
        metrics::salon().failed_logins.inc();
        spdlog::info("{}: failed token login", address);
        co_return Failure(Errc::bad_credentials);
    }
    throttle.give_back(name, address);
    if (found.account->locked) co_return Failure(Errc::account_locked);
    const core::Actor user =
        registered_actor(*core::UserName::parse(found.account->name), found.account->admin);
    ctx.connection.token = found.token->id;
    auto outcome = co_await log_in(ctx, user, channel, found.memberships, false);
    if (std::holds_alternative<Failure>(outcome)) ctx.connection.token.reset();
    co_return outcome;
}

}  // namespace

Waits<std::optional<store::Account>> find_account(Context& ctx, const core::UserName& name) {
    auto find = [&store = ctx.services.store, &name] { return store.find_account(name); };
    co_return co_await ctx.services.work.blocking(find);
}

Waits<Outcome> conn(Context& ctx, const proto::Conn& c) {
    const bool irc = c.style == proto::ConnStyle::irc;
    // IRC joins no channel for a login; the native protocol joins `home` unless told another,
    // or told to join none.
    if (!c.join && c.channel)
        co_return Failure(Errc::bad_request, "a login with join false names no channel");
    std::optional<core::ChannelName> channel;
    if (c.channel || (!irc && c.join)) {
        auto named = channel_named(c.channel.value_or(std::string(core::kHomeChannel)));
        if (auto* failure = std::get_if<Failure>(&named)) co_return *failure;
        channel = std::get<core::ChannelName>(std::move(named));
    }

    // Guests have no tokens.
    if (c.token && (irc || c.us.empty())) co_return Failure(Errc::bad_credentials);
    if (c.us.empty()) {
        // A guest with a fresh name: retry on the rare collision with an online guest.
        for (int attempt = 0; attempt < kGuestNameAttempts; ++attempt) {
            const core::Actor guest = guest_actor(random_guest_name());
            auto outcome = co_await log_in(ctx, guest, channel, {}, irc);
            const auto* failure = std::get_if<Failure>(&outcome);
            if (failure == nullptr || failure->code != Errc::name_taken) co_return outcome;
        }
        co_return Failure(Errc::internal, "no free guest name");
    }
    auto name = core::UserName::parse(c.us);
    if (!name)
        co_return core::is_guest_name(c.us) || irc ? Failure(Errc::bad_name)
                                                   : Failure(Errc::bad_credentials);
    // Before anything stored is read or written (a token's last use, the last login).
    if (auto refusal = refuse_server_banned(ctx, *name)) co_return std::move(*refusal);
    // Before anything is looked up: a refused secret must not reach the throttle or a check.
    if ((c.token || !c.pwd.empty()) && !name->is_guest()) {
        if (auto refusal = refuse_plaintext_secret(ctx)) co_return *refusal;
    }
    if (c.token) {
        if (name->is_guest()) co_return Failure(Errc::bad_credentials);
        co_return co_await conn_with_token(ctx, c, channel, *name);
    }
    const core::Actor as_guest = guest_actor(*name);
    if (name->is_guest()) co_return co_await log_in(ctx, as_guest, channel, {}, irc);

    // IRC: without a password nothing is guessed, so the throttle does not apply. Otherwise
    // the attempt is paid for before the check, so that parallel guesses stay in the budget.
    const std::string& address = ctx.participant.remote_address();
    LoginThrottle& throttle = ctx.services.login_throttle;
    const bool no_password = c.pwd.empty();
    if (!(irc && no_password)) {
        if (auto refusal = throttle.try_reserve(*name, address))
            co_return too_many_failed_logins(*refusal);
    }

    // Three hops, so that only the argon2id check runs at idle priority: a hasher preempted
    // while holding a storage reader would stall the reads of everyone else.
    auto account = co_await find_account(ctx, *name);
    if (!account && irc) {
        // IRC makes an unknown nick a guest, so there is no secret for timing to reveal.
        throttle.give_back(*name, address);
        co_return co_await log_in(ctx, as_guest, channel, {}, irc);
    }
    if (irc && no_password) {
        co_return Failure(
            Errc::name_taken, "that nick is a registered account: log in with SASL or PASS"
        );
    }
    if (!co_await password_matches(ctx, account, c.pwd)) {
        metrics::salon().failed_logins.inc();
        spdlog::info("{}: failed login", address);
        co_return Failure(Errc::bad_credentials);
    }
    throttle.give_back(*name, address);
    // After the password check, so that a lock tells nothing to whoever does not know it.
    if (account->locked) co_return Failure(Errc::account_locked);
    const core::Actor user =
        registered_actor(*core::UserName::parse(account->name), account->admin);
    auto remembered = [&services = ctx.services, &user] {
        services.store.record_login(user.name, services.clock.unix_now_ms());
        return services.store.memberships_of(user.name);
    };
    const auto memberships = co_await ctx.services.work.blocking(remembered);
    co_return co_await log_in(ctx, user, channel, memberships, irc);
}

namespace {

/// REGISTER on a guest's connection: the account is made and takes what the guest stored (its
/// DMs, read markers, authorship) in one transaction, then the guest's login becomes it.
/// `user` is a named local of the caller (see log_in()).
Waits<Outcome> claim(Context& ctx, const core::Actor& user, store::Account account) {
    const core::Actor guest = ctx.actor();
    MessagePipeline& pipeline = ctx.services.pipeline;
    auto revs = [&pipeline](std::size_t count) { return pipeline.reserve(count); };
    auto take = [&store = ctx.services.store, &account, &guest, &revs] {
        return store.claim_guest(account, guest.key, revs);
    };
    const auto reauthored = co_await ctx.services.work.blocking(take);
    if (!reauthored) co_return Failure(Errc::name_taken);
    const core::LoginResult welcome = welcome_of(ctx, user);
    if (auto failure = ctx.services.hub.claim(guest, user, *reauthored, ctx.ack(), welcome)) {
        // Someone came online under the name meanwhile (an IRC guest): what moved goes back to
        // the guest, and the account goes again.
        auto undo = [&store = ctx.services.store, &user, &guest, &revs] {
            store.unclaim_guest(user.name, guest.key, guest.name.display(), revs);
        };
        co_await ctx.services.work.blocking(undo);
        co_return *failure;
    }
    ctx.connection.actor = user;
    spdlog::info(
        "{}: guest {} is now {}",
        ctx.participant.remote_address(),
        guest.name.display(),
        user.name.display()
    );
    co_return Replied{};
}

}  // namespace

Waits<Outcome> register_account(Context& ctx, const proto::Register& r) {
    const Services& services = ctx.services;
    // A guest may register (and keeps its login); a registered user may not.
    const bool as_guest = ctx.connection.actor.has_value();
    if (as_guest && !ctx.actor().guest) co_return Failure(Errc::already_logged_in);
    if (!services.settings().registration_open) co_return Failure(Errc::registration_closed);
    if (auto refusal = refuse_plaintext_secret(ctx)) co_return *refusal;
    auto name = core::UserName::parse(r.us);
    if (!name || name->is_guest()) {
        co_return Failure(
            Errc::bad_name, "names are 1-32 of A-Z a-z 0-9 _ - . and may not start with Guest"
        );
    }
    if (auto refusal = refuse_server_banned(ctx, *name)) co_return std::move(*refusal);
    if (!auth::check_password_strength(r.pwd)) co_return Failure(Errc::weak_password);
    // An IRC guest may hold any free name; it cannot become someone's account under them.
    if (services.hub.online_name(*name)) co_return Failure(Errc::name_taken);

    auto hash = [params = services.settings().password, &pwd = r.pwd] {
        return auth::hash_password(pwd, params);
    };
    auto password_hash = co_await ctx.services.work.hashing(hash);
    const core::UnixMillis now = services.clock.unix_now_ms();
    store::Account account{
        .name = name->display(),
        .password_hash = std::move(password_hash),
        .created_ms = now,
        .last_login_ms = now};
    const core::Actor user = registered_actor(*name, false);
    if (as_guest) co_return co_await claim(ctx, user, std::move(account));
    auto create = [&services, &account] { return services.store.create_account(account); };
    if (!co_await ctx.services.work.blocking(create)) co_return Failure(Errc::name_taken);
    spdlog::info("{}: registered {}", ctx.participant.remote_address(), name->display());
    std::optional<core::ChannelName> home;
    if (r.join) home = core::ChannelName::parse(core::kHomeChannel);
    co_return co_await log_in(ctx, user, home, {}, false);
}

Waits<Outcome> authenticate(Context& ctx, const proto::Authenticate& a) {
    auto name = core::UserName::parse(a.us);
    if (!name || name->is_guest()) co_return Failure(Errc::bad_credentials);
    if (auto refusal = refuse_server_banned(ctx, *name)) co_return std::move(*refusal);
    const std::string& address = ctx.participant.remote_address();
    LoginThrottle& throttle = ctx.services.login_throttle;
    if (auto refusal = throttle.try_reserve(*name, address))
        co_return too_many_failed_logins(*refusal);
    auto account = co_await find_account(ctx, *name);
    if (!co_await password_matches(ctx, account, a.pwd)) {
        spdlog::info("{}: failed SASL authentication", address);
        co_return Failure(Errc::bad_credentials);
    }
    throttle.give_back(*name, address);
    if (account->locked) co_return Failure(Errc::account_locked);
    co_return core::Result{core::AccountResult{std::move(account->name)}};
}

Outcome ping(Context&, const proto::Ping&) {
    return core::Result{core::EmptyResult{}};
}

Outcome pong(Context&, const proto::Pong&) {
    return NoReply{};
}

Outcome end(Context& ctx, const proto::End& e) {
    ctx.participant.reply_ok(*ctx.request, core::EmptyResult{});
    // Offline from the moment END is answered, not when the socket is gone: a DM sent
    // meanwhile must wait for the next login rather than go to a closing connection.
    leave(ctx.services, ctx.participant, ctx.connection, "quit", e.reason);
    ctx.participant.close("quit");
    return Replied{};
}

void leave(
    Services& services,
    Participant& participant,
    ConnectionState& connection,
    std::string_view reason,
    std::string_view message
) {
    if (connection.token) {
        services.token_sessions.remove(*connection.token, &participant);
        connection.token.reset();
    }
    if (!connection.actor) return;
    services.hub.detach(participant.shared_from_this(), *connection.actor, reason, message);
    spdlog::info(
        "{}: {} left ({})", participant.remote_address(), connection.actor->name.display(), reason
    );
    connection.actor.reset();
}

}  // namespace salon::server::commands
