#include "net/io_threads.hpp"

#include <algorithm>
#include <thread>

namespace salon::net {

IoThreads::IoThreads(unsigned count) {
    const unsigned n = std::max(1u, count);
    contexts_.reserve(n);
    keep_running_.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
        // One thread per context, as the hint tells Asio: that thread's own posts then skip
        // the scheduler's lock.
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
        keep_running_.emplace_back(contexts_.back()->get_executor());
    }
}

boost::asio::io_context& IoThreads::next() noexcept {
    const std::size_t turn = turn_.fetch_add(1, std::memory_order_relaxed);
    return *contexts_[turn % contexts_.size()];
}

void IoThreads::run() {
    std::vector<std::jthread> threads;
    threads.reserve(contexts_.size() - 1);
    for (std::size_t i = 1; i < contexts_.size(); ++i)
        threads.emplace_back([context = contexts_[i].get()] { context->run(); });
    contexts_.front()->run();
}

void IoThreads::stop() {
    for (auto& context : contexts_) context->stop();
}

}  // namespace salon::net
