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
