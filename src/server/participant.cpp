#include "server/participant.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "metrics/salon_metrics.hpp"

namespace salon::server {
Participant::Participant(
    LazyWakes& lazy_wakes,
    std::weak_ptr<Link> link,
    std::string remote_address,
    std::unique_ptr<proto::Codec> codec,
    std::size_t send_queue_bytes
)
    : lazy_wakes_(lazy_wakes),
      link_(std::move(link)),
      remote_address_(std::move(remote_address)),
      codec_(std::move(codec)),
      outbox_(send_queue_bytes) {
    // The participant outlives its Outbox, so the waker's context is the participant itself.
    outbox_.attach(
        {[](void* self) {
             if (auto transport = static_cast<Participant*>(self)->link_.lock())
                 transport->wake_writer();
         },
         this}
    );
}

void Participant::deliver(const SharedEvent& event) {
    if (!codec_->accepts(event->event())) return;
    metrics::salon().deliveries.inc();
    if (!outbox_.push(event->frame(*codec_), event->lazy())) {
        overflow();
        return;
    }
    // Read before the exchange: in a storm most notices find the wake-up already asked for.
    if (event->lazy() && !lazy_wake_pending_.load(std::memory_order_relaxed) &&
        !lazy_wake_pending_.exchange(true, std::memory_order_acq_rel)) {
        lazy_wakes_.add(weak_from_this());
    }
}

void Participant::wake_for_lazy_events() {
    // Cleared first: a notice pushed from now on asks for the next wake-up.
    lazy_wake_pending_.store(false, std::memory_order_release);
    outbox_.wake();
}

void Participant::acknowledge(const Acknowledgement& ack, const core::Result& result) {
    answer(ack, make_frame(codec_->ok(*ack.request, result)));
}

void Participant::refuse(const Acknowledgement& ack, core::Errc code, std::string_view message) {
    answer(ack, make_frame(codec_->no(*ack.request, code, message)));
}

void Participant::answer(const Acknowledgement& ack, Frame frame) {
    if (!ack.slot) {
        queue_reply(std::move(frame));
    } else if (!outbox_.fulfil(*ack.slot, std::move(frame))) {
        overflow();
    }
}

void Participant::reply_ok(const proto::Request& request, const core::Result& result) {
    queue_reply(make_frame(codec_->ok(request, result)));
}

void Participant::reply_no(
    const proto::Request& request, core::Errc code, std::string_view message
) {
    queue_reply(make_frame(codec_->no(request, code, message)));
}

void Participant::queue_reply(Frame frame) {
    if (!outbox_.reply(std::move(frame))) overflow();
}

void Participant::notice(std::string_view code, std::string_view message) {
    deliver(make_event(core::NoticeEvent{std::string(code), std::string(message)}));
}

void Participant::close(std::string reason) {
    if (auto link = link_.lock()) link->close_after_flush(std::move(reason));
}

boost::asio::awaitable<bool> Participant::room_for(std::size_t backlog_bytes) {
    const auto link = link_.lock();
    if (!link) co_return false;
    co_return co_await link->drained(backlog_bytes);
}

void Participant::overflow() {
    const auto last_words = make_event(core::NoticeEvent{
        "send_queue_full", "you were not reading; the server dropped the connection"});
    if (outbox_.overflow(last_words->frame(*codec_))) {
        metrics::salon().send_queue_drops.inc();
        spdlog::warn("{}: send queue full, dropping the connection", remote_address_);
        close("send queue full");
    }
}

// ---------------------------------------------------------------------------------------------

LazyWakes::LazyWakes(boost::asio::any_io_executor executor, std::chrono::milliseconds interval)
    : interval_(interval), timer_(boost::asio::make_strand(std::move(executor))) {}

void LazyWakes::add(std::weak_ptr<Participant> participant) {
    std::lock_guard lock(mutex_);
    waiting_.push_back(std::move(participant));
    if (armed_) return;
    armed_ = true;
    boost::asio::post(timer_.get_executor(), [this] {
        timer_.expires_after(interval_);
        timer_.async_wait([this](const boost::system::error_code& ec) { wake_all(ec); });
    });
}

void LazyWakes::wake_all(const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the server is going away, and `this` with it
    std::vector<std::weak_ptr<Participant>> due;
    {
        std::lock_guard lock(mutex_);
        due.swap(waiting_);
        armed_ = false;
    }
    for (const auto& weak : due) {
        if (auto participant = weak.lock()) participant->wake_for_lazy_events();
    }
}

}  // namespace salon::server
