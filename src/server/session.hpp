// One client connection's protocol state: login, rate limit, and the verbs it may run.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "core/channel.hpp"
#include "core/errc.hpp"
#include "core/events.hpp"
#include "core/rate_limiter.hpp"
#include "proto/codec.hpp"
#include "proto/request.hpp"
#include "server/link.hpp"
#include "server/outbound_event.hpp"
#include "server/outbox.hpp"
#include "store/store.hpp"

namespace salon::server {

class ChatServer;

/// A connection as the server sees it, whatever the transport.
///
/// Thread safety: handle_*() run on the connection's thread, one at a time, and own the login
/// state. deliver() may be called from any thread (fan-out); it touches only the Outbox.
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(
        ChatServer& server,
        std::weak_ptr<Link> link,
        std::string remote_address,
        std::unique_ptr<proto::Codec> codec
    );

    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    Outbox& outbox() noexcept { return outbox_; }

    const Outbox& outbox() const noexcept { return outbox_; }

    const std::string& remote_address() const noexcept { return remote_address_; }

    /// Logged in (CONN, REGISTER or IRC registration done) and not yet quit.
    bool logged_in() const noexcept { return logged_in_; }

    /// Runs one frame (without its line ending) to completion, replies included.
    boost::asio::awaitable<void> handle_frame(std::string frame);
    /// The peer sent a frame past the limit: `NO line_too_long`, then the connection closes.
    void handle_oversized_frame();
    /// The peer has been quiet for a while: PING it.
    void handle_idle();
    /// The connection is gone: leave the hub (QUIT on the user's last connection). Idempotent.
    void handle_disconnect(std::string_view reason);

    /// Queues an event in this connection's format (unless its codec declines it); a full
    /// queue drops the connection with `send_queue_full`.
    void deliver(const SharedEvent& event);

    /// Asks the CPU to start loading what deliver() reads of this session, so that fan-out
    /// can overlap the cache misses of members further down its list.
    void prefetch() const noexcept {
        constexpr std::uintptr_t kLine = 64;
        const auto first = reinterpret_cast<std::uintptr_t>(&codec_) & ~(kLine - 1);
        const auto end =
            reinterpret_cast<std::uintptr_t>(&lazy_wake_pending_) + sizeof lazy_wake_pending_;
        for (std::uintptr_t line = first; line < end; line += kLine) {
            __builtin_prefetch(reinterpret_cast<const void*>(line));
        }
    }

    /// The same for the codec, which deliver() asks first; best once prefetch() has loaded
    /// the pointer to it.
    void prefetch_codec() const noexcept { __builtin_prefetch(codec_.get()); }

    /// LazyWakes' call: writes the presence notices still waiting. Any thread.
    void wake_for_lazy_events();
    /// Queues a NOTICE event, e.g. shutting_down.
    void notice(std::string_view code, std::string_view message);
    void close(std::string reason);

private:
    using RequestPtr = std::shared_ptr<proto::Request>;

    struct Replied {};  ///< the reply was queued already (under the hub's lock, or later)

    struct NoReply {};  ///< PONG: an answer, not a request

    using Outcome = std::variant<core::Result, core::Failure, Replied, NoReply>;

    boost::asio::awaitable<Outcome> run(const RequestPtr& request, proto::Command& command);

    boost::asio::awaitable<Outcome> on(const RequestPtr& request, proto::Conn& c);
    boost::asio::awaitable<Outcome> on(const RequestPtr& request, proto::Register& r);
    boost::asio::awaitable<Outcome> on(const RequestPtr& request, const proto::Join& j);
    Outcome on(const RequestPtr& request, const proto::Part& p);
    Outcome on(const RequestPtr& request, const proto::Send& s);
    boost::asio::awaitable<Outcome> on(const RequestPtr& request, const proto::Dm& d);
    boost::asio::awaitable<Outcome> on(const RequestPtr& request, const proto::Who& w);
    boost::asio::awaitable<Outcome> on(const RequestPtr& request, const proto::List& l);
    boost::asio::awaitable<Outcome> on(const RequestPtr& request, const proto::History& h);
    Outcome on(const RequestPtr& request, const proto::Topic& t);
    Outcome on(const RequestPtr& request, const proto::Kick& k);
    Outcome on(const RequestPtr& request, const proto::Ban& b);
    Outcome on(const RequestPtr& request, const proto::Unban& u);
    Outcome on(const RequestPtr& request, const proto::Op& o);
    Outcome on(const RequestPtr& request, const proto::Key& k);
    boost::asio::awaitable<Outcome> on(const RequestPtr& request, proto::Authenticate& a);
    boost::asio::awaitable<Outcome> on(const RequestPtr& request, const proto::Joins& j);
    boost::asio::awaitable<Outcome> on(const RequestPtr& request, const proto::Parts& p);
    Outcome on(const RequestPtr& request, const proto::Whois& w);
    Outcome on(const RequestPtr& request, const proto::Away& a);
    /// Runs one part of a multi-target request as a request of its own, replies included.
    boost::asio::awaitable<void> run_part(const RequestPtr& request, proto::Command command);
    void reply(const proto::Request& request, const Outcome& outcome);

    /// Puts the session online as `actor` with the OK reply, then joins its channels (`channel`
    /// first, none when empty) and hands over waiting direct messages. `announce_joins`: each
    /// of those joins is replied to as if the client had asked for it (IRC).
    boost::asio::awaitable<Outcome> log_in(
        const RequestPtr& request,
        core::Actor actor,
        std::string channel,
        std::vector<store::Membership> remembered,
        bool announce_joins = false
    );
    /// Verifies the password on the hashing pool: true only for an existing account whose hash
    /// it matches. `account` and `password` must outlive the call.
    boost::asio::awaitable<bool> password_matches(
        const std::optional<store::Account>& account, const std::string& password
    );
    /// Waits until the outbox has room for a bulk reply (its backlog at most
    /// Limits::bulk_reply_bytes()), so that what the server chooses to send in answer never
    /// overflows it; false when the connection is going away.
    boost::asio::awaitable<bool> room_for_bulk_reply();
    /// Hands over the direct messages that waited for this user, a page at a time under
    /// backpressure; each page leaves the waiting list once it has been written.
    boost::asio::awaitable<void> deliver_pending_dms();
    std::optional<core::Failure> check_text(std::string_view text) const;
    /// Sends a channel message or DM through the pipeline; its OK comes when it is committed.
    void submit_post(
        RequestPtr request, core::Message message, std::vector<std::string> pending_for
    );
    void reply_ok(const proto::Request& request, const core::Result& result);
    void reply_no(const proto::Request& request, core::Errc code, std::string_view message);
    void queue_reply(Frame frame);
    /// Takes the user offline on this connection (QUIT on their last one). Idempotent.
    void leave(std::string_view reason);
    void overflow();

    ChatServer& server_;
    std::weak_ptr<Link> link_;
    std::string remote_address_;
    // What deliver() reads, side by side from here to lazy_wake_pending_, for prefetch().
    std::unique_ptr<proto::Codec> codec_;
    Outbox outbox_;
    // Set from a lazy deliver() until LazyWakes wakes the writer, so it is asked once.
    std::atomic<bool> lazy_wake_pending_ = false;
    bool logged_in_ = false;
    bool disconnected_ = false;
    std::uint32_t strikes_ = 0;  // beside the flags: one word for all four
    core::TokenBucket requests_;
    core::Actor actor_;
};

}  // namespace salon::server
