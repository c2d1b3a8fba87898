// Frame helpers and the transport-neutral waits shared by every Connection.
#include "harness/connection.hpp"

#include <stdexcept>

namespace salon::test {

Frame make_frame(std::string_view verb, boost::json::object args) {
    Frame frame;
    frame[verb] = std::move(args);
    return frame;
}

std::string verb_of(const Frame& frame) {
    if (frame.size() != 1) {
        return {};
    }
    return std::string(frame.begin()->key());
}

const boost::json::object& body_of(const Frame& frame) {
    if (frame.size() != 1 || !frame.begin()->value().is_object()) {
        throw std::runtime_error("frame is not {VERB:{...}}: " + boost::json::serialize(frame));
    }
    return frame.begin()->value().get_object();
}

std::optional<Frame> Connection::next(std::chrono::milliseconds timeout) {
    if (!pending_.empty()) {
        Frame frame = std::move(pending_.front());
        pending_.pop_front();
        return frame;
    }
    return receive(timeout);
}

bool Connection::closed_by_peer(std::chrono::milliseconds timeout) {
    pending_.clear();
    return transport_closed(timeout);
}

void Connection::unread(std::vector<Frame> frames) {
    pending_.insert(
        pending_.begin(),
        std::make_move_iterator(frames.begin()),
        std::make_move_iterator(frames.end())
    );
}

Frame Connection::expect(std::string_view verb, std::chrono::milliseconds timeout) {
    auto frame = next(timeout);
    if (!frame) {
        throw std::runtime_error(
            "expected " + std::string(verb) + ", got " +
            (eof() ? std::string("the connection closed")
                   : "nothing within " + std::to_string(timeout.count()) + " ms")
        );
    }
    if (verb_of(*frame) != verb) {
        throw std::runtime_error(
            "expected " + std::string(verb) + ", got " + boost::json::serialize(*frame)
        );
    }
    return *frame;
}

Frame Connection::wait_for(std::string_view verb, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string skipped;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        auto frame = next(std::max(left, std::chrono::milliseconds(0)));
        if (!frame) {
            throw std::runtime_error(
                "waited for " + std::string(verb) +
                (eof() ? ": connection closed" : ": timed out") + "; skipped: " + skipped
            );
        }
        if (verb_of(*frame) == verb) {
            return *frame;
        }
        if (skipped.size() < 2000) {
            skipped += boost::json::serialize(*frame) + " ";
        }
    }
}

}  // namespace salon::test
