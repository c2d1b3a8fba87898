// Splits the byte stream of a PROTOCOL.md connection into frames: one JSON object per line.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace salon::client {

/// Largest frame the client accepts from a server. A HISTORY page of 200 messages of 4096 bytes
/// is about 1 MiB once escaped, so 16 MiB leaves room without letting a broken server exhaust
/// memory.
inline constexpr std::size_t kMaxIncomingFrameBytes = 16 * 1024 * 1024;

/// Accumulates bytes and hands out complete lines. A `\r` before the `\n` is dropped and blank
/// lines are skipped (PROTOCOL.md "Transport and framing"). Not thread-safe.
class LineFramer {
public:
    explicit LineFramer(std::size_t max_line_bytes = kMaxIncomingFrameBytes) noexcept
        : max_line_bytes_(max_line_bytes) {}

    /// Appends received bytes.
    void feed(std::string_view bytes);

    /// The next complete, non-blank line without its terminator; nullopt when none is complete.
    std::optional<std::string> next();

    /// True once a line grew past the limit without a terminator; the stream is then unusable.
    bool overflowed() const noexcept { return overflowed_; }

    /// Bytes received but not yet returned as a line.
    std::size_t pending_bytes() const noexcept { return buffer_.size() - start_; }

    /// Forgets everything, e.g. after a reconnect.
    void reset() noexcept;

private:
    std::size_t max_line_bytes_;
    std::string buffer_;
    std::size_t start_ = 0;  // consumed prefix, erased lazily to keep next() linear
    std::size_t scan_ = 0;   // where the search for '\n' resumes
    bool overflowed_ = false;
};

}  // namespace salon::client
