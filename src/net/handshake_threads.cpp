#include "net/handshake_threads.hpp"

#include <algorithm>

namespace salon::net {

HandshakeThreads::HandshakeThreads(unsigned count) {
    const unsigned n = std::max(1u, count);
    contexts_.reserve(n);
    keep_running_.reserve(n);
    threads_.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
        keep_running_.emplace_back(contexts_.back()->get_executor());
    }
    for (auto& context : contexts_) {
        threads_.emplace_back([&io = *context] { io.run(); });
    }
}

HandshakeThreads::~HandshakeThreads() {
    stop();
    threads_.clear();  // joins
}

boost::asio::io_context& HandshakeThreads::next() noexcept {
    return *contexts_[turn_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void HandshakeThreads::stop() {
    keep_running_.clear();
    for (auto& context : contexts_) context->stop();
}

}  // namespace salon::net
