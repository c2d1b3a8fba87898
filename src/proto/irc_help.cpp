#include "proto/irc_help.hpp"

#include <algorithm>
#include <array>

namespace salon::proto::irc {
namespace {

using Lines = std::span<const std::string_view>;

// One array of lines per command, each within one numeric (docs/irc.md says more).
constexpr std::array<std::string_view, 2> kAway{
    "Marks you away with a message, or back without one.",
    "Those who message you get 301 with it."};
constexpr std::array<std::string_view, 1> kCap{
    "Capability negotiation: LS, LIST, REQ and END (IRCv3)."};
constexpr std::array<std::string_view, 1> kHelp{"Shows help on a command, or lists them."};
constexpr std::array<std::string_view, 1> kInfo{"Shows what this server is."};
constexpr std::array<std::string_view, 2> kInvite{
    "Invites a user to a channel you are in; on an invite-only",
    "channel you must be an operator."};
constexpr std::array<std::string_view, 2> kJoin{
    "Joins channels (creating them), with keys for those that have one.",
    "The reply lists the members and the recent history."};
constexpr std::array<std::string_view, 1> kKick{
    "Removes users from a channel (channel operators)."};
constexpr std::array<std::string_view, 1> kKill{"Disconnects a user (IRC operators)."};
constexpr std::array<std::string_view, 1> kLinks{"Lists the servers: this one alone."};
constexpr std::array<std::string_view, 2> kList{
    "Lists channels with their member count and topic, all or those that",
    "pass the filters: names or masks, !masks, >n and <n members."};
constexpr std::array<std::string_view, 1> kLusers{"Counts users, operators and channels."};
constexpr std::array<std::string_view, 3> kMode{
    "Shows or changes a channel's modes (b k l i m n s t, o v),",
    "or your user modes (i, w).",
    "MODE #chan b lists the bans."};
constexpr std::array<std::string_view, 1> kMotd{"Shows the message of the day."};
constexpr std::array<std::string_view, 1> kNames{"Lists a channel's members."};
constexpr std::array<std::string_view, 1> kNick{
    "Chooses your nick while you register; Salon keeps one name after."};
constexpr std::array<std::string_view, 1> kNotice{
    "Sends a notice to a channel or a user; never answered with an error."};
constexpr std::array<std::string_view, 1> kOper{
    "Makes this connection an IRC operator with an administrator's password."};
constexpr std::array<std::string_view, 1> kPart{"Leaves channels, with an optional reason."};
constexpr std::array<std::string_view, 1> kPing{"Asks the server for a PONG."};
constexpr std::array<std::string_view, 1> kPrivmsg{"Sends a message to a channel or a user."};
constexpr std::array<std::string_view, 1> kQuit{"Disconnects, with an optional message."};
constexpr std::array<std::string_view, 1> kTagmsg{
    "A message of tags only: accepted and not relayed."};
constexpr std::array<std::string_view, 1> kTime{"Shows the server's time (UTC)."};
constexpr std::array<std::string_view, 1> kTopic{"Shows or sets a channel's topic."};
constexpr std::array<std::string_view, 1> kUserhost{"Shows up to five online users' hosts."};
constexpr std::array<std::string_view, 1> kWallops{
    "Sends a message to everyone with user mode +w (IRC operators)."};
constexpr std::array<std::string_view, 1> kWho{
    "Lists a channel's members, or online users whose nick matches a mask."};
constexpr std::array<std::string_view, 1> kWhois{"Shows what is known of an online user."};
constexpr std::array<std::string_view, 1> kWhowas{"Shows who recently went offline under a nick."};

// Alphabetical: HELP without a subject lists them in this order.
constexpr std::array kEntries{
    HelpEntry{"AWAY", "AWAY [:<message>]", Lines(kAway)},
    HelpEntry{"CAP", "CAP LS [302] | LIST | REQ :<caps> | END", Lines(kCap)},
    HelpEntry{"HELP", "HELP [<command>]", Lines(kHelp)},
    HelpEntry{"HELPOP", "HELPOP [<command>]", Lines(kHelp)},
    HelpEntry{"INFO", "INFO", Lines(kInfo)},
    HelpEntry{"INVITE", "INVITE <nick> <#channel>", Lines(kInvite)},
    HelpEntry{"JOIN", "JOIN <#channel>[,<#channel>...] [<key>[,<key>...]]", Lines(kJoin)},
    HelpEntry{"KICK", "KICK <#channel> <nick>[,<nick>...] [:<reason>]", Lines(kKick)},
    HelpEntry{"KILL", "KILL <nick> [:<reason>]", Lines(kKill)},
    HelpEntry{"LINKS", "LINKS", Lines(kLinks)},
    HelpEntry{"LIST", "LIST [<filter>[,<filter>...]]", Lines(kList)},
    HelpEntry{"LUSERS", "LUSERS", Lines(kLusers)},
    HelpEntry{
        "MODE", "MODE <#channel> [<changes> [<args>...]] | MODE <nick> [<changes>]", Lines(kMode)},
    HelpEntry{"MOTD", "MOTD", Lines(kMotd)},
    HelpEntry{"NAMES", "NAMES <#channel>[,<#channel>...]", Lines(kNames)},
    HelpEntry{"NICK", "NICK <nick>", Lines(kNick)},
    HelpEntry{"NOTICE", "NOTICE <target> :<text>", Lines(kNotice)},
    HelpEntry{"OPER", "OPER <name> <password>", Lines(kOper)},
    HelpEntry{"PART", "PART <#channel>[,<#channel>...] [:<reason>]", Lines(kPart)},
    HelpEntry{"PING", "PING <token>", Lines(kPing)},
    HelpEntry{"PRIVMSG", "PRIVMSG <target> :<text>", Lines(kPrivmsg)},
    HelpEntry{"QUIT", "QUIT [:<message>]", Lines(kQuit)},
    HelpEntry{"TAGMSG", "@<tags> TAGMSG <target>", Lines(kTagmsg)},
    HelpEntry{"TIME", "TIME", Lines(kTime)},
    HelpEntry{"TOPIC", "TOPIC <#channel> [:<topic>]", Lines(kTopic)},
    HelpEntry{"USERHOST", "USERHOST <nick> [<nick>...]", Lines(kUserhost)},
    HelpEntry{"WALLOPS", "WALLOPS :<text>", Lines(kWallops)},
    HelpEntry{"WHO", "WHO <#channel> | WHO <mask> [o]", Lines(kWho)},
    HelpEntry{"WHOIS", "WHOIS <nick>", Lines(kWhois)},
    HelpEntry{"WHOWAS", "WHOWAS <nick> [<count>]", Lines(kWhowas)},
};

char upper(char c) noexcept {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

}  // namespace

const HelpEntry* help_for(std::string_view command) noexcept {
    for (const auto& entry : kEntries) {
        if (std::ranges::equal(entry.command, command, {}, {}, upper)) return &entry;
    }
    return nullptr;
}

std::span<const HelpEntry> help_entries() noexcept {
    return kEntries;
}

}  // namespace salon::proto::irc
