#include "server/admin_requests.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <variant>

namespace salon::server {
namespace {

using Action = store::AdminRequest::Action;

/// A request's names, checked.
struct Parsed {
    core::ChannelName channel;
    std::optional<core::ChannelName> to = std::nullopt;  // rename
    std::optional<core::UserName> user = std::nullopt;   // op
};

store::AdminOutcome refused(std::string message) {
    return {.ok = false, .message = std::move(message)};
}

store::AdminOutcome bad_channel_name(const std::string& name) {
    return refused(fmt::format(
        "'{}' is not a valid channel name (1-50 of a-z 0-9 _ -, an optional leading #)", name
    ));
}

/// The request's names, or what is wrong with them.
std::variant<Parsed, store::AdminOutcome> parse(const store::AdminRequest& request) {
    auto channel = core::ChannelName::parse(request.channel);
    if (!channel) return bad_channel_name(request.channel);
    Parsed parsed{.channel = *channel};
    if (request.action == Action::rename_channel) {
        parsed.to = core::ChannelName::parse(request.argument);
        if (!parsed.to) return bad_channel_name(request.argument);
    } else if (request.action == Action::op) {
        parsed.user = core::UserName::parse(request.argument);
        if (!parsed.user || parsed.user->is_guest())
            return refused(fmt::format("'{}' is not a valid account name", request.argument));
    }
    return parsed;
}

/// Whether the user's stored memberships hold the channel (at most max_channels_per_user rows).
bool stored_member(
    store::Store& store, const core::UserName& user, const core::ChannelName& channel
) {
    return std::ranges::any_of(store.memberships_of(user), [&](const store::Membership& m) {
        return m.channel == channel;
    });
}

/// What the administrator is told of a request whose names were valid.
store::AdminOutcome outcome_of(
    const store::AdminRequest& request, const std::optional<core::Failure>& failure
) {
    const std::string& channel = request.channel;
    const std::string& argument = request.argument;
    if (!failure) {
        switch (request.action) {
            case Action::delete_channel:
                return {.ok = true, .message = fmt::format("channel {} deleted", channel)};
            case Action::rename_channel:
                return {
                    .ok = true,
                    .message = fmt::format("channel {} renamed to {}", channel, argument)};
            case Action::op:
                return {
                    .ok = true,
                    .message = fmt::format("{} is an operator of channel {}", argument, channel)};
        }
    }
    switch (failure->code) {
        case core::Errc::no_such_channel:
            return refused(fmt::format("no channel named '{}'", channel));
        case core::Errc::name_taken:
            return refused(fmt::format("a channel named '{}' exists already", argument));
        case core::Errc::forbidden:
            return refused("home belongs to the server: it cannot be deleted or renamed");
        case core::Errc::no_such_user:
            if (failure->message != core::default_message(core::Errc::no_such_user))
                return refused(fmt::format("'{}': {}", argument, failure->message));
            return refused(fmt::format("no account named '{}'", argument));
        case core::Errc::not_in_channel:
            return refused(fmt::format("{} is not a member of channel {}", argument, channel));
        default:
            return refused(std::string(failure->message));
    }
}

std::optional<core::Failure> apply_to_hub(
    store::Store& store, Hub& hub, Action action, const Parsed& names, const std::string& by
) {
    switch (action) {
        case Action::delete_channel:
            return hub.delete_channel(names.channel, by, "channel deleted by the administrator");
        case Action::rename_channel:
            return hub.rename_channel(names.channel, *names.to, by);
        case Action::op:
            if (!store.find_account(*names.user)) return core::Failure(core::Errc::no_such_user);
            return hub.make_operator(
                names.channel, *names.user, stored_member(store, *names.user, names.channel), by
            );
    }
    return core::Failure(core::Errc::bad_request);
}

std::optional<core::Failure> apply_to_storage(
    store::Store& store, Action action, const Parsed& names
) {
    // The checks the hub makes against its memory, made against storage: without a server,
    // the stored channels are all there are.
    const auto channels = store.load_channels();
    const auto exists = [&](const core::ChannelName& name) {
        return std::ranges::any_of(channels, [&](const store::ChannelRecord& c) {
            return c.name == name;
        });
    };
    const bool home = names.channel.str() == core::kHomeChannel ||
                      (names.to && names.to->str() == core::kHomeChannel);
    if (home && action != Action::op)
        return core::Failure(core::Errc::forbidden, "home belongs to the server");
    if (!exists(names.channel)) return core::Failure(core::Errc::no_such_channel);
    switch (action) {
        case Action::delete_channel:
            store.delete_channel(names.channel, store.max_message_id());
            return std::nullopt;
        case Action::rename_channel:
            if (exists(*names.to)) return core::Failure(core::Errc::name_taken);
            store.rename_channel(names.channel, *names.to);
            return std::nullopt;
        case Action::op:
            if (!store.find_account(*names.user)) return core::Failure(core::Errc::no_such_user);
            if (!stored_member(store, *names.user, names.channel))
                return core::Failure(core::Errc::not_in_channel);
            store.set_membership(*names.user, store::Membership{names.channel, true});
            return std::nullopt;
    }
    return core::Failure(core::Errc::bad_request);
}

}  // namespace

store::AdminOutcome apply_admin_request(
    store::Store& store, Hub& hub, const store::AdminRequest& request, const std::string& by
) {
    auto parsed = parse(request);
    if (auto* refusal = std::get_if<store::AdminOutcome>(&parsed)) return *refusal;
    return outcome_of(
        request, apply_to_hub(store, hub, request.action, std::get<Parsed>(parsed), by)
    );
}

store::AdminOutcome apply_admin_request_stored(
    store::Store& store, const store::AdminRequest& request
) {
    auto parsed = parse(request);
    if (auto* refusal = std::get_if<store::AdminOutcome>(&parsed)) return *refusal;
    return outcome_of(request, apply_to_storage(store, request.action, std::get<Parsed>(parsed)));
}

void run_admin_requests(
    store::Store& store,
    Hub& hub,
    const core::Clock& clock,
    const std::string& by,
    const boost::asio::any_io_executor& store_writes
) {
    // A few per claim, so that a burst of commands is answered in order without one claim
    // holding many: each may move a channel's whole history.
    constexpr std::size_t kPerClaim = 8;
    for (;;) {
        const auto claimed = store.claim_admin_requests(kPerClaim);
        for (const auto& request : claimed) {
            const auto age = std::chrono::milliseconds(clock.unix_now_ms() - request.created_ms);
            store::AdminOutcome outcome;
            if (age > kAdminRequestExpiry) {
                outcome = refused("expired: nobody was waiting for it any more");
            } else {
                try {
                    outcome = apply_admin_request(store, hub, request, by);
                } catch (const store::StorageError& e) {
                    outcome = refused(std::string("storage: ") + e.what());
                }
            }
            spdlog::info("admin request {}: {}", request.id, outcome.message);
            // Behind the hub's write-behind of the change: once the command has its answer,
            // the database holds what it did.
            boost::asio::post(store_writes, [&store, id = request.id, outcome] {
                try {
                    store.finish_admin_request(id, outcome);
                } catch (const store::StorageError& e) {
                    spdlog::warn("admin request {}: the answer was not saved: {}", id, e.what());
                }
            });
        }
        if (claimed.size() < kPerClaim) return;
    }
}

}  // namespace salon::server
