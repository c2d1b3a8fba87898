#include "server/commands/dispatch.hpp"

#include <spdlog/spdlog.h>

#include <tuple>

#include "core/utf8.hpp"
#include "metrics/salon_metrics.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/verbs.hpp"

namespace salon::server::commands {
namespace {

using core::Errc;
using core::Failure;
using proto::Authenticate, proto::Away, proto::Ban, proto::Conn, proto::Conversations,
    proto::Delete, proto::Dm, proto::Edit, proto::End, proto::History, proto::Join, proto::Joins,
    proto::Key, proto::Kick, proto::List, proto::Op, proto::Part, proto::Parts, proto::Ping,
    proto::Pong, proto::React, proto::Read, proto::Register, proto::Search, proto::Send,
    proto::Topic, proto::Typing, proto::Unban, proto::Who, proto::Whois, proto::Token,
    proto::Tokens, proto::Revoke, proto::Passwd, proto::DeleteAccount, proto::Oper, proto::Kill,
    proto::Wallops, proto::Lusers, proto::WhoMask, proto::Userhost, proto::Whowas, proto::Invisible,
    proto::Mode, proto::Invite, proto::Invitations, proto::Kicks, proto::Names, proto::Monitor,
    proto::Realname, proto::Bot, proto::Rename, proto::ChatHistory, proto::HistoryTargets;

// The verb table. The order of the rows is PROTOCOL.md's; a proto::Command without a row does
// not compile (row_of() below).
constexpr auto kVerbs = std::make_tuple(
    Verb<Conn>{
        .name = "CONN",
        .login = Login::before,
        .text = {&Conn::pwd, "the password is longer than the limit"},
        .waits = &conn},
    // A guest may REGISTER to become an account in place (register_account() refuses the others).
    Verb<Register>{
        .name = "REGISTER",
        .login = Login::any,
        .text = {&Register::pwd, "the password is longer than the limit"},
        .waits = &register_account},
    Verb<Join>{
        .name = "JOIN",
        .channel = &Join::channel,
        .text = {&Join::key, "the key is longer than the limit"},
        .waits = &join},
    Verb<Part>{
        .name = "PART",
        .channel = &Part::channel,
        .text = {&Part::reason, "the reason is longer than the limit"},
        .now = &part},
    Verb<Send>{
        .name = "SEND",
        .channel = &Send::channel,
        .text = {&Send::text, "the text is longer than the limit", false},
        .now = &send},
    Verb<Dm>{
        .name = "DM",
        .user = {&Dm::to, Errc::no_such_user},
        .text = {&Dm::text, "the text is longer than the limit", false},
        .waits = &dm},
    Verb<List>{.name = "LIST", .waits = &list},
    Verb<Who>{.name = "WHO", .channel = &Who::channel, .waits = &who},
    // Channel or DM partner: conversation_named() checks them.
    Verb<History>{.name = "HISTORY", .waits = &history},
    Verb<Ping>{.name = "PING", .login = Login::any, .now = &ping},
    Verb<Pong>{.name = "PONG", .login = Login::any, .rate_cost = 0, .now = &pong},
    Verb<End>{
        .name = "END",
        .login = Login::any,
        .text = {&End::reason, "the reason is longer than the limit"},
        .now = &end},
    Verb<Topic>{
        .name = "TOPIC",
        .channel = &Topic::channel,
        .text = {&Topic::topic, "the topic is longer than the limit"},
        .now = &topic},
    Verb<Kick>{
        .name = "KICK",
        .channel = &Kick::channel,
        .user = {&Kick::user, Errc::no_such_user},
        .text = {&Kick::reason, "the reason is longer than the limit"},
        .now = &kick},
    Verb<Ban>{.name = "BAN", .channel = &Ban::channel, .user = {&Ban::user}, .now = &ban},
    Verb<Unban>{.name = "UNBAN", .channel = &Unban::channel, .user = {&Unban::user}, .now = &unban},
    Verb<Op>{
        .name = "OP", .channel = &Op::channel, .user = {&Op::user, Errc::no_such_user}, .now = &op},
    Verb<Key>{
        .name = "KEY",
        .channel = &Key::channel,
        .text = {&Key::key, "the key is longer than the limit"},
        .now = &key},
    // IRC's: SASL before registration, multi-target JOIN and PART, WHOIS, AWAY.
    Verb<Authenticate>{
        .name = "AUTHENTICATE",
        .login = Login::before,
        .text = {&Authenticate::pwd, "the password is longer than the limit"},
        .waits = &authenticate},
    // Each part is checked as a request of its own; each channel after the first costs a
    // request more (joins()).
    Verb<Joins>{.name = "JOIN (several)", .waits = &joins},
    Verb<Parts>{.name = "PART (several)", .waits = &parts},
    Verb<Kicks>{.name = "KICK (several)", .waits = &kicks},
    Verb<Names>{.name = "NAMES (several)", .waits = &names},
    Verb<Whois>{.name = "WHOIS", .user = {&Whois::user, Errc::no_such_user}, .now = &whois},
    Verb<Away>{
        .name = "AWAY",
        .text = {&Away::message, "the away message is longer than the limit"},
        .now = &away},
    // Version 2: the conversation model.
    Verb<Edit>{
        .name = "EDIT",
        .text = {&Edit::text, "the text is longer than the limit", false},
        .waits = &edit},
    Verb<Delete>{.name = "DELETE", .waits = &remove},
    Verb<React>{.name = "REACT", .waits = &react},
    Verb<Read>{.name = "READ", .waits = &read},
    Verb<Conversations>{.name = "CONVERSATIONS", .rate_cost = 2, .waits = &conversations},
    Verb<Typing>{.name = "TYPING", .now = &typing},
    // A search reads an index rather than a page: it costs a few requests.
    Verb<Search>{
        .name = "SEARCH",
        .rate_cost = 4,
        .text = {&Search::query, "the query is longer than the limit"},
        .waits = &search},
    // Extensions: session tokens and password changes (registered users; TOKEN's label and
    // PASSWD's old password are bounded by their handlers).
    Verb<Token>{.name = "TOKEN", .waits = &token},
    Verb<Tokens>{.name = "TOKENS", .waits = &tokens},
    Verb<Revoke>{.name = "REVOKE", .waits = &revoke},
    Verb<Passwd>{
        .name = "PASSWD",
        .text = {&Passwd::new_password, "the password is longer than the limit"},
        .waits = &passwd},
    // Extension: account deletion (the password is bounded by the handler).
    Verb<DeleteAccount>{.name = "DELETE_ACCOUNT", .waits = &delete_account},
    // Extensions: server operators (docs/protocol.md). OPER's password is a login's.
    Verb<Oper>{
        .name = "OPER",
        .user = {&Oper::name, Errc::no_such_user},
        .text = {&Oper::password, "the password is longer than the limit"},
        .waits = &oper},
    Verb<Kill>{
        .name = "KILL",
        .user = {&Kill::user, Errc::no_such_user},
        .text = {&Kill::reason, "the reason is longer than the limit"},
        .now = &kill},
    Verb<Wallops>{
        .name = "WALLOPS",
        .text = {&Wallops::text, "the text is longer than the limit", false},
        .now = &wallops},
    Verb<Lusers>{.name = "LUSERS", .now = &lusers},
    // IRC's WHO with a mask; the mask is bounded like a text, the reply by kMaxWhoMatches.
    Verb<WhoMask>{
        .name = "WHO (mask)",
        .text = {&WhoMask::mask, "the mask is longer than the limit"},
        .now = &who_mask},
    Verb<Userhost>{.name = "USERHOST", .now = &userhost},
    Verb<Whowas>{.name = "WHOWAS", .user = {&Whowas::user, Errc::no_such_user}, .now = &whowas},
    Verb<Invisible>{.name = "MODE +i", .now = &invisible},
    // Extensions: channel modes and invitations (docs/protocol.md).
    Verb<Mode>{.name = "MODE", .channel = &Mode::channel, .now = &mode},
    Verb<Invite>{
        .name = "INVITE",
        .channel = &Invite::channel,
        .user = {&Invite::user, Errc::no_such_user},
        .now = &invite},
    Verb<Invitations>{.name = "INVITE (list)", .now = &invitations},
    // Extensions: presence (docs/protocol.md); MONITOR and SETNAME are IRC's.
    Verb<Monitor>{.name = "MONITOR", .now = &monitor},
    Verb<Realname>{
        .name = "SETNAME",
        .text = {&Realname::realname, "the real name is longer than the limit", false},
        .now = &realname},
    Verb<Bot>{.name = "BOT", .now = &bot},
    // Extension: a new name (IRC's NICK); the name is checked as any user name (`bad_name`).
    Verb<Rename>{.name = "RENAME", .user = {&Rename::to}, .waits = &rename},
    // IRC's draft/chathistory; conversation_named() checks the target. TARGETS reads what
    // CONVERSATIONS does.
    Verb<ChatHistory>{.name = "CHATHISTORY", .waits = &chathistory},
    Verb<HistoryTargets>{.name = "CHATHISTORY TARGETS", .rate_cost = 2, .waits = &history_targets}
);

template <typename Command>
const Verb<Command>& row_of() {
    return std::get<Verb<Command>>(kVerbs);
}

std::optional<Failure> login_refusal(Login login, const ConnectionState& connection) {
    const bool logged_in = connection.actor.has_value();
    if (login == Login::required && !logged_in) return Failure(Errc::not_logged_in);
    if (login == Login::before && logged_in) return Failure(Errc::already_logged_in);
    return std::nullopt;
}

template <typename Command>
std::optional<Failure> text_refusal(
    const TextField<Command>& field, const Command& command, const core::Limits& limits
) {
    if (field.member == nullptr) return std::nullopt;
    const std::string& text = command.*field.member;
    if (text.empty() && !field.may_be_empty)
        return Failure(Errc::bad_request, "the text may not be empty");
    if (text.size() > limits.*field.limit) return Failure(Errc::bad_request, field.too_long);
    if (!core::is_valid_utf8(text)) return Failure(Errc::bad_utf8);
    return std::nullopt;
}

/// The checks of dispatch() in their order, then the handler if it completes at once: the
/// outcome, or nullopt when the verb's handler waits. The login and rate checks are skipped for
/// a request `admitted` as part of another. Not a coroutine, so that a verb that waits for
/// nothing costs no coroutine frame of its own.
template <typename Command>
std::optional<Outcome> check_and_run_now(
    Context& ctx, const Verb<Command>& verb, const Command& command, bool admitted
) {
    if (!admitted) {
        if (auto refusal = login_refusal(verb.login, ctx.connection)) return *refusal;
        if (verb.rate_cost > 0 && !take_rate(ctx, verb.rate_cost)) return Replied{};
    }
    if (verb.channel != nullptr) {
        auto channel = channel_named(command.*verb.channel);
        if (auto* failure = std::get_if<Failure>(&channel)) return *failure;
        ctx.channel.emplace(std::get<core::ChannelName>(std::move(channel)));
    }
    if (verb.user.member != nullptr) {
        ctx.user = core::UserName::parse(command.*verb.user.member);
        if (!ctx.user) return Failure(verb.user.invalid);
    }
    if (auto refusal = text_refusal(verb.text, command, ctx.limits())) return *refusal;
    if (verb.now != nullptr) return verb.now(ctx, command);
    return std::nullopt;
}

/// Runs the request's checks and handler, and queues the reply it returns.
boost::asio::awaitable<void> run_and_reply(Context& ctx, bool admitted) {
    const proto::Request& request = *ctx.request;
    Outcome outcome;
    try {
        auto now = std::visit(
            [&](const auto& command) {
                using Command = std::decay_t<decltype(command)>;
                return check_and_run_now(ctx, row_of<Command>(), command, admitted);
            },
            request.command
        );
        if (now) {
            outcome = std::move(*now);
            if (auto* deferred = std::get_if<Deferred>(&outcome)) {
                auto rest = std::move(deferred->rest);
                outcome = co_await std::move(rest);
            }
        } else {
            // Not a coroutine lambda: g++ 12 may relocate a closure that a co_await outlives.
            outcome = co_await std::visit(
                [&](const auto& command) {
                    using Command = std::decay_t<decltype(command)>;
                    return row_of<Command>().waits(ctx, command);
                },
                request.command
            );
        }
    } catch (const std::exception& e) {
        spdlog::error(
            "{}: {} failed: {}",
            ctx.participant.remote_address(),
            verb_name(request.command),
            e.what()
        );
        outcome = Failure(Errc::internal);
    }
    if (const auto* result = std::get_if<core::Result>(&outcome)) {
        ctx.participant.reply_ok(request, *result);
    } else if (const auto* failure = std::get_if<Failure>(&outcome)) {
        ctx.participant.reply_no(request, failure->code, failure->message);
    }
}

}  // namespace

std::string_view verb_name(const proto::Command& command) {
    return std::visit(
        [](const auto& c) { return row_of<std::decay_t<decltype(c)>>().name; }, command
    );
}

Login login_rule(const proto::Command& command) {
    return std::visit(
        [](const auto& c) { return row_of<std::decay_t<decltype(c)>>().login; }, command
    );
}

std::variant<core::ChannelName, Failure> channel_named(std::string_view raw) {
    if (auto name = core::ChannelName::parse(raw)) return std::move(*name);
    return Failure(Errc::bad_name, "channel names are 1-50 of a-z 0-9 _ -");
}

bool take_rate(Context& ctx, double cost) {
    ConnectionState& connection = ctx.connection;
    if (connection.requests.try_take(ctx.services.clock.steady_now(), cost)) {
        connection.strikes = 0;
        return true;
    }
    metrics::salon().rate_limited.inc();
    ctx.participant.reply_no(
        *ctx.request, Errc::rate_limited, core::default_message(Errc::rate_limited)
    );
    if (++connection.strikes >= ctx.limits().rate_limit_strikes) {
        ctx.participant.notice(
            "rate_limited", "too many requests; the server closed the connection"
        );
        ctx.participant.close("excess flood");
    }
    return false;
}

boost::asio::awaitable<void> dispatch(Context& ctx) {
    return run_and_reply(ctx, false);
}

boost::asio::awaitable<void> run_admitted(Context& ctx) {
    return run_and_reply(ctx, true);
}

}  // namespace salon::server::commands
