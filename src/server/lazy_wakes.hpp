// Wakes, a little later and together, the writers of connections that hold only presence
// notices, so that a storm of joins costs one write per connection per interval.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

namespace salon::server {

class Participant;

/// Thread-safe. A JOIN, PART or QUIT notice does not wake its connection's writer: it leaves
/// with the next frame that does (a message, a reply) or, at the latest, when this wakes the
/// writer `interval` after the first such notice. A member of a busy channel then gets every
/// notice of a login storm in the writes its messages cause anyway, and a member of a quiet
/// one gets one write per interval, not one per notice. Order is unchanged: notices wait in the
/// same queue as everything else.
class LazyWakes {
public:
    LazyWakes(boost::asio::any_io_executor executor, std::chrono::milliseconds interval);

    /// Wakes `participant`'s writer within the interval. The participant calls this once per batch
    /// of lazy notices; a participant gone by then is skipped.
    void add(std::weak_ptr<Participant> participant);

private:
    void wake_all(const boost::system::error_code& ec);

    std::chrono::milliseconds interval_;
    boost::asio::steady_timer timer_;  // used only on its strand
    std::mutex mutex_;
    std::vector<std::weak_ptr<Participant>> waiting_;
    bool armed_ = false;
};

}  // namespace salon::server
