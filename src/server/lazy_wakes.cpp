#include "server/lazy_wakes.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "server/participant.hpp"

namespace salon::server {

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
