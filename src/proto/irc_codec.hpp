// The IRC client protocol (RFC 1459/2812, Modern IRC, IRCv3 capabilities) as a connection's
// Codec: registration and capability negotiation happen here, everything else becomes the
// same typed requests the native protocol produces.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "proto/codec.hpp"
#include "proto/irc_message.hpp"

namespace salon::proto {

/// What every IRC connection of a server shares. The limits it advertises (ISUPPORT) come with
/// each login's core::LoginResult, as the native protocol sends them.
struct IrcSettings {
    std::string server_name =
        "salond.local";  ///< the source of server lines; has a dot, as IRC wants
    std::string version = "0.0.0";
    std::string network = "Salon";
    /// The server's "server info" (WHOIS 312, LINKS 364).
    std::string description = "Salon chat server";
    std::string created;  ///< for 003, e.g. the start time
    std::vector<std::string> motd{
        "Welcome to Salon, a chat server that also speaks IRC.",
        "Channels are shared with the native and web clients: #home is home.",
        "A nick that is not a registered account is a guest; accounts log in with SASL or PASS."};
};

/// IRCv3 capabilities this server offers, as bits of IrcCodec's capability set.
enum IrcCap : std::uint32_t {
    kCapSasl = 1U << 0,
    kCapServerTime = 1U << 1,
    kCapMessageTags = 1U << 2,
    kCapEchoMessage = 1U << 3,
    kCapBatch = 1U << 4,
    kCapAccountTag = 1U << 5,
    kCapMultiPrefix = 1U << 6,
    kCapStandardReplies = 1U << 7,
    kCapUserhostInNames = 1U << 8,
    kCapLabeledResponse = 1U << 9,
    kCapAwayNotify = 1U << 10,
    kCapExtendedMonitor = 1U << 11,
    kCapSetname = 1U << 12,
    kCapMessageRedaction = 1U << 13,
    kCapReadMarker = 1U << 14,
    kCapChathistory = 1U << 15,
};

/// One IRC connection's codec.
///
/// Thread safety (proto::Codec's contract): registration state is touched only by decode()
/// and by ok()/no() of registration requests, all on the connection's thread. What ok()/no()
/// of PRIVMSG read from the delivery strand is the nick (which NICK may change meanwhile: it has
/// its own mutex) and the capability set (atomic). The sets that make accepts() decline
/// this connection's own echoes have their own mutex. A labeled command's replies are wrapped
/// whole by ok()/no() when they come in one call (SEND's and DM's always do); those that come in
/// several (JOIN and PART of several channels, LIST) share a batch that the connection's thread
/// opens and finished() closes.
class IrcCodec final : public Codec {
public:
    /// Event formats: 1 + 2 × (2 × tag level + batch) + redaction, tag level 0 (no tags), 1
    /// (time and account), 2 (message-tags: also msgid); redaction: draft/message-redaction
    /// (REDACT, else a line saying what was deleted). Native version 1 is 0 and native version 2
    /// the last of kMaxEventFormats; the twelve IRC formats fit between.
    static constexpr std::size_t kFirstEventFormat = 1;
    static constexpr std::size_t kEventFormats = 12;
    static_assert(kFirstEventFormat + kEventFormats < kMaxEventFormats);

    explicit IrcCodec(const IrcSettings& settings);

    Input decode(std::string_view frame, bool logged_in) override;
    std::string ok(const Request& request, const core::Result& result) override;
    std::string no(const Request& request, core::Errc code, std::string_view message) override;
    std::string rejected(const DecodeError& error) override;
    std::string finished(const Request& request) override;

    std::size_t event_format() const noexcept override;
    std::string event(const core::Event& event) const override;
    bool accepts(const core::Event& event) const noexcept override;

    /// The capabilities enabled now (IrcCap bits).
    std::uint32_t caps() const noexcept { return caps_.load(std::memory_order_acquire); }

private:
    /// decode() of a parsed line, before labeled-response.
    Input interpret(std::string_view frame, const irc::Message& m);
    Input on_registration(const irc::Message& m);
    Input on_cap(const irc::Message& m);
    Input on_authenticate(const irc::Message& m);
    Input on_command(const irc::Message& m);
    Input on_mode(const irc::Message& m);
    Input on_monitor(const irc::Message& m);
    Input on_setname(const irc::Message& m);
    /// MONITOR's answer: 730 online, 731 offline, 734 full, or the list (732, 733).
    std::string monitor_reply(const Monitor& request, const core::MonitorResult& r) const;
    /// `code` numerics listing `items` separated by commas, as many lines as they take.
    std::string comma_listing(std::string_view code, const std::vector<std::string>& items) const;
    /// A channel's list mode (`b`, `e`, `I`): `item_code` for each mask, then `end_code` saying
    /// "End of channel <what>".
    std::string mask_list(
        std::string_view channel,
        const std::vector<std::string>& masks,
        std::string_view item_code,
        std::string_view end_code,
        std::string_view what
    ) const;
    Input on_tagmsg(const irc::Message& m);
    Input on_markread(const irc::Message& m);
    Input on_chathistory(const irc::Message& m);
    /// The Conn request once NICK and USER are in and CAP negotiation is over.
    Input try_register();

    /// ok() and no() before labeled-response.
    std::string answer(const Request& request, const core::Result& result);
    std::string refusal(const Request& request, core::Errc code, std::string_view message);

    /// labeled-response: the label of a command (with both it and batch enabled), and the
    /// replies to it: one line carries the label, several go in a `labeled-response` batch, none
    /// is `ACK`.
    std::optional<std::string> label_of(const irc::Message& m) const;
    Input with_label(Input input, const std::string& label);
    std::string labeled_reply(const Request& request, std::string lines);
    std::string labeled_whole(std::string_view label, std::string lines) const;
    std::string batch_start(std::string_view label, std::string_view id) const;
    std::string batch_end(std::string_view id) const;

    std::string numeric(std::string_view code, const std::vector<std::string_view>& params) const;
    std::string welcome(const core::LoginResult& r) const;
    std::string motd() const;
    /// `code` numerics whose last parameter lists `items`, as many lines as they take to fit.
    std::string listing(
        std::string_view code,
        const std::vector<std::string_view>& params,
        const std::vector<std::string>& items
    ) const;
    /// 353 lines with the members, then 366.
    std::string names(
        const std::string& channel, const std::vector<core::MemberInfo>& members, bool secret
    ) const;
    std::string name_replies(
        const std::string& channel, const std::vector<core::MemberInfo>& members, bool secret
    ) const;
    /// The 366 that ends `NAMES #a,#b` (`listed`) after its last channel: "" after the others.
    std::string end_of_names(const Request& request, std::string_view listed) const;
    /// HELP's answer: the index without a subject, else the command's text or 524.
    std::string help(std::string_view subject) const;
    /// WHOX's `fields[,token]` (after the `%`) as the reference keeps it: the known field
    /// letters, once each, a comma, and the token when it is 1-3 digits.
    static std::string whox_spec(std::string_view options);
    /// One 354 line: the fields of whox_spec() `spec`, in WHOX's order `tcuihsnfdlaor`.
    std::string whox_reply(
        const core::MemberInfo& member,
        std::string_view channel,
        const std::string& flags,
        std::string_view spec
    ) const;
    /// `332` with the topic and `333` with who set it and when (when known); nothing without a
    /// topic.
    std::string topic_lines(
        const std::string& display,
        const std::string& topic,
        const std::string& by,
        core::UnixMillis set_ms
    ) const;
    /// The user modes as 221 shows them: "+", then o (operator) and w (wants WALLOPS).
    std::string user_modes() const;

    /// What of a SEND or DM its echo shows (the reply it answers comes with the result, as
    /// stored).
    struct PostRequest {
        const std::string& text;
        bool notice;
    };

    /// A change to a message as IRC shows it at `tag_level`: a delete as REDACT (`redaction`),
    /// a reaction as a TAGMSG with +draft/react (or +draft/unreact), an edit as a line of its
    /// own; a delete or a reaction the connection cannot take as a line saying so.
    std::string change_lines(const core::UpdateEvent& update, int tag_level, bool redaction) const;

    /// The sender's own message, as echo-message shows it.
    std::string echo(std::string target, const PostRequest& post, const core::PostResult& r) const;
    /// The nick, or `*` before there is one. Safe from any thread (echoes, accepts()).
    std::string me() const;
    void set_nick(std::string nick);

    const IrcSettings& settings_;
    std::atomic<std::uint32_t> caps_{0};
    // User modes: set on the connection's thread, read by accepts() (+w) on any.
    std::atomic<bool> operator_{false};
    std::atomic<bool> wallops_{false};
    std::atomic<bool> invisible_{false};  ///< +i, as the server last confirmed it
    std::atomic<bool> bot_{false};        ///< +B, as the server last confirmed it

    // Written on the connection's thread (registration, NICK), read also by the delivery strand
    // (echoes) and by accepts(): under nick_mutex_ wherever another thread may read it.
    mutable std::mutex nick_mutex_;
    std::string nick_;

    // Registration (the connection's thread only).
    std::string pass_;
    std::string username_;  ///< USER's, cut to the characters a user@host can carry
    std::string realname_;
    bool have_user_ = false;
    bool negotiating_ = false;  ///< CAP LS/REQ seen, CAP END not yet
    bool login_pending_ = false;
    bool registered_ = false;
    bool sasl_started_ = false;
    std::string sasl_buffer_;
    std::string sasl_candidate_password_;
    std::string sasl_account_;
    std::string sasl_password_;

    // labeled-response: batch ids (any thread); the batch open for the labeled command being
    // handled and whether it was answered (the connection's thread).
    mutable std::atomic<std::uint64_t> batches_{0};
    std::string labeled_batch_;
    bool labeled_answered_ = false;

    // What accepts() declines: this connection's own channel posts, the JOINs it already
    // showed with their member list, and its own NICK changes (folded new nicks), which its
    // reply shows (labeled-response wants the NICK line as the reply).
    mutable std::mutex echoes_mutex_;
    mutable std::set<std::int64_t> own_posts_;
    mutable std::multiset<std::string> shown_joins_;
    mutable std::set<std::string> own_renames_;
    mutable std::set<std::string> own_reactions_;  ///< reaction_key()s of TAGMSGs not yet seen
};

}  // namespace salon::proto
