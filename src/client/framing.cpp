// LineFramer: newline framing with a size limit.
#include "client/framing.hpp"

namespace salon::client {

void LineFramer::feed(std::string_view bytes) {
    if (overflowed_) return;
    // Drop the consumed prefix only when it dominates, so a burst of small frames costs O(n).
    if (start_ > 0 && start_ >= buffer_.size() / 2) {
        buffer_.erase(0, start_);
        scan_ -= start_;
        start_ = 0;
    }
    buffer_.append(bytes);
}

std::optional<std::string> LineFramer::next() {
    while (!overflowed_) {
        const auto nl = buffer_.find('\n', scan_);
        if (nl == std::string::npos) {
            scan_ = buffer_.size();
            if (buffer_.size() - start_ > max_line_bytes_) overflowed_ = true;
            return std::nullopt;
        }
        std::size_t end = nl;
        if (end > start_ && buffer_[end - 1] == '\r') --end;
        const std::size_t begin = start_;
        start_ = scan_ = nl + 1;
        if (end - begin > max_line_bytes_) {
            overflowed_ = true;
            return std::nullopt;
        }
        if (end == begin) continue;  // blank line
        return buffer_.substr(begin, end - begin);
    }
    return std::nullopt;
}

void LineFramer::reset() noexcept {
    buffer_.clear();
    start_ = scan_ = 0;
    overflowed_ = false;
}

}  // namespace salon::client
