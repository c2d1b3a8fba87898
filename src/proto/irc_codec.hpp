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
    kCapMessageRedaction = 1U << 9,
    kCapReadMarker = 1U << 10,
};

/// One IRC connection's codec.
///
/// Thread safety (proto::Codec's contract): registration state is touched only by decode()
/// and by ok()/no() of registration requests, all on the connection's thread. What ok()/no()
/// of PRIVMSG read from the delivery strand is the nick (fixed at registration, before any
/// message can be sent) and the capability set (atomic). The sets that make accepts() decline
/// this connection's own echoes have their own mutex.
class IrcCodec final : public Codec {
public:
    /// Event formats: 1 + 2 × tag level + batch, tag level 0 (no tags), 1 (time and account),
    /// 2 (message-tags: also msgid). Native version 1 is 0 and native version 2 the last of
    /// kMaxEventFormats; the six IRC formats fit between.
    static constexpr std::size_t kFirstEventFormat = 1;
    static constexpr std::size_t kEventFormats = 6;
    static_assert(kFirstEventFormat + kEventFormats < kMaxEventFormats);

    explicit IrcCodec(const IrcSettings& settings);

    Input decode(std::string_view frame, bool logged_in) override;
    std::string ok(const Request& request, const core::Result& result) override;
    std::string no(const Request& request, core::Errc code, std::string_view message) override;
    std::string rejected(const DecodeError& error) override;

    std::size_t event_format() const noexcept override;
    std::string event(const core::Event& event) const override;
    bool accepts(const core::Event& event) const noexcept override;

    /// The capabilities enabled now (IrcCap bits).
    std::uint32_t caps() const noexcept { return caps_.load(std::memory_order_acquire); }

private:
    Input on_registration(const irc::Message& m);
    Input on_cap(const irc::Message& m);
    Input on_authenticate(const irc::Message& m);
    Input on_command(const irc::Message& m);
    Input on_mode(const irc::Message& m);
    Input on_tagmsg(const irc::Message& m);
    Input on_markread(const irc::Message& m);
    /// The Conn request once NICK and USER are in and CAP negotiation is over.
    Input try_register();

    std::string numeric(std::string_view code, const std::vector<std::string_view>& params) const;
    std::string welcome(const core::LoginResult& r) const;
    std::string motd() const;
    /// `code` numerics whose last parameter lists `items`, as many lines as they take to fit.
    std::string listing(
        std::string_view code,
        const std::vector<std::string_view>& params,
        const std::vector<std::string>& items
    ) const;
    std::string names(
        const std::string& channel, const std::vector<core::MemberInfo>& members, bool secret
    ) const;
    /// The user modes as 221 shows them: "+", then o (operator) and w (wants WALLOPS).
    std::string user_modes() const;

    /// What of a SEND or DM its echo shows.
    struct PostRequest {
        const std::string& text;
        core::MessageId reply_to;
        bool notice;
    };

    /// A change to a message as IRC shows it at `tag_level`: a delete as REDACT, a reaction as
    /// a TAGMSG with +draft/react (or +draft/unreact), an edit as a line of its own.
    std::string change_lines(const core::UpdateEvent& update, int tag_level) const;

    /// The sender's own message, as echo-message shows it.
    std::string echo(std::string target, const PostRequest& post, const core::PostResult& r) const;
    const std::string& me() const;

    const IrcSettings& settings_;
    std::atomic<std::uint32_t> caps_{0};
    // User modes: set on the connection's thread, read by accepts() (+w) on any.
    std::atomic<bool> operator_{false};
    std::atomic<bool> wallops_{false};
    std::atomic<bool> invisible_{false};  ///< +i, as the server last confirmed it

    // Registration (the connection's thread only).
    std::string nick_;
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

    // What accepts() declines: this connection's own channel posts and the JOINs it already
    // showed with their member list.
    mutable std::mutex echoes_mutex_;
    mutable std::set<std::int64_t> own_posts_;
    mutable std::multiset<std::string> shown_joins_;
};

}  // namespace salon::proto
