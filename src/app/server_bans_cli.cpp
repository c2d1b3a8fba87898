#include "app/server_bans_cli.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <ostream>

#include "app/admin.hpp"
#include "app/admin_store.hpp"
#include "core/clock.hpp"
#include "core/utf8.hpp"
#include "server/server_bans.hpp"

namespace salon::app {
namespace {

constexpr const char* kTargetHelp =
    "a name mask (bob, spam*, nick!user@host with * and ?) or an IP address or CIDR block "
    "(203.0.113.7, 10.0.0.0/8, 2001:db8::/32)";

/// The target, or nullopt after saying why it is not one.
std::optional<core::ServerBanTarget> parse_target(std::string_view text, std::ostream& err) {
    auto target = core::ServerBanTarget::parse(text);
    if (target) return target;
    if (core::UserMask::parse(text) && text.find_first_of("/:") == std::string_view::npos) {
        err << fmt::format(
            "salond: '{}' would ban nobody: masks match names (A-Z a-z 0-9 _ - . with * and ?), "
            "and every user's host is {}; to ban an address, give the address or CIDR block "
            "alone\n",
            text,
            core::kUserHost
        );
    } else {
        err << fmt::format("salond: '{}' is not a ban target: give {}\n", text, kTargetHelp);
    }
    return std::nullopt;
}

bool valid_reason(std::string_view reason, std::ostream& err) {
    if (reason.size() > kMaxBanReasonBytes) {
        err << fmt::format("salond: the reason is longer than {} bytes\n", kMaxBanReasonBytes);
        return false;
    }
    const bool control = std::ranges::any_of(reason, [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < ' ' || u == 0x7f;
    });
    if (control || !core::is_valid_utf8(reason)) {
        err << "salond: the reason must be UTF-8 text on one line\n";
        return false;
    }
    return true;
}

std::string_view kind_of(const core::ServerBanTarget& target) {
    return target.mask() != nullptr ? "name" : "address";
}

}  // namespace

std::vector<CLI::App*> add_ban_subcommands(CLI::App& user, BanCommand& command) {
    auto* ban = user.add_subcommand(
        "ban",
        "ban users server-wide by name mask, or connections by IP address or CIDR block; a "
        "running salond closes the matching connections within seconds"
    );
    ban->add_option("TARGET", command.target, kTargetHelp)->required();
    ban->add_option(
        "--reason", command.reason, "told to the banned user (at most 200 bytes, one line)"
    );
    ban->callback([&command] { command.action = BanAction::ban; });
    auto* unban = user.add_subcommand("unban", "remove a server ban");
    unban->add_option("TARGET", command.target, "the ban's target, as `salond user bans` lists it")
        ->required();
    unban->callback([&command] { command.action = BanAction::unban; });
    auto* bans = user.add_subcommand("bans", "list the server bans: target, kind, created, reason");
    bans->callback([&command] { command.action = BanAction::list; });
    return {ban, unban, bans};
}

int run_ban_command(
    const Config& config, const BanCommand& command, std::ostream& out, std::ostream& err
) {
    // Checked before the database is opened: a typo creates no data directory.
    std::optional<core::ServerBanTarget> target;
    if (command.action != BanAction::list) {
        target = parse_target(command.target, err);
        if (!target) return kExitUsage;
    }
    if (command.action == BanAction::ban) {
        if (target->bans_everyone()) {
            err << fmt::format("salond: '{}' would ban everyone\n", command.target);
            return kExitUsage;
        }
        if (!valid_reason(command.reason, err)) return kExitUsage;
    }
    auto store = open_admin_store(config);

    switch (*command.action) {
        case BanAction::ban: {
            const core::SystemClock clock;
            const store::ServerBan ban{
                .target = *target, .reason = command.reason, .created_ms = clock.unix_now_ms()};
            switch (store->add_server_ban(ban, server::kMaxServerBans)) {
                case store::BanAdded::added:
                    out << fmt::format(
                        "banned {} (by {}); a running salond closes its connections within "
                        "seconds\n",
                        target->str(),
                        kind_of(*target)
                    );
                    return kExitOk;
                case store::BanAdded::exists:
                    err << fmt::format("salond: {} is banned already\n", target->str());
                    return kExitFailure;
                case store::BanAdded::full:
                    err << fmt::format(
                        "salond: the server holds at most {} bans: remove some with salond user "
                        "unban\n",
                        server::kMaxServerBans
                    );
                    return kExitFailure;
            }
            return kExitFailure;
        }
        case BanAction::unban:
            if (!store->remove_server_ban(*target)) {
                err << fmt::format("salond: no server ban on {}\n", target->str());
                return kExitFailure;
            }
            out << fmt::format("unbanned {}\n", target->str());
            return kExitOk;
        case BanAction::list:
            for (const auto& ban : store->server_bans()) {
                out << fmt::format(
                    "{}\t{}\t{}\t{}\n",
                    ban.target.str(),
                    kind_of(ban.target),
                    core::format_timestamp(ban.created_ms),
                    ban.reason
                );
            }
            return kExitOk;
    }
    return kExitFailure;
}

}  // namespace salon::app
