// The blocking TCP line client used by the end-to-end tests.
#include "harness/line_client.hpp"

#include "harness/frame_lines.hpp"

namespace salon::test {

LineClient::LineClient(std::string_view host, std::uint16_t port, int receive_buffer_bytes)
    : socket_(host, port, receive_buffer_bytes) {}

void LineClient::send_raw(std::string_view bytes) {
    socket_.send_all(bytes);
}

void LineClient::send(const Frame& frame) {
    send_raw(boost::json::serialize(frame) + "\n");
}

std::optional<Frame> LineClient::receive(std::chrono::milliseconds timeout) {
    return receive_frame(socket_, timeout);
}

bool LineClient::transport_closed(std::chrono::milliseconds timeout) {
    return wait_for_close(socket_, timeout);
}

void LineClient::close() {
    socket_.close();
}

void LineClient::reset() {
    socket_.reset();
}

}  // namespace salon::test
