// Frames on their way to one connection, in fixed-size blocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <utility>

namespace salon::server {

/// One encoded frame, shared by every connection it is sent to (encode once, send many).
using Frame = std::shared_ptr<const std::string>;

inline Frame make_frame(std::string bytes) {
    return std::make_shared<const std::string>(std::move(bytes));
}

/// A FIFO of frames kept in blocks of kBlockFrames (512 bytes each). Pushing never moves what
/// is queued, handing a whole queue over is O(1) (splice), and an empty queue holds no memory.
///
/// Why not a std::vector: an idle connection must not keep its batch, so a vector would be
/// given back once written and regrown frame by frame, reallocated and copied, on every
/// fan-out round. Blocks are all one small size, which the allocator keeps and hands out again
/// warm (docs/benchmarks.md).
///
/// Not thread-safe.
class FrameQueue {
    struct Block;

public:
    /// Frames per block: a block is 512 bytes, one of the allocator's size classes.
    static constexpr std::size_t kBlockFrames = 31;

    class const_iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = Frame;
        using difference_type = std::ptrdiff_t;
        using pointer = const Frame*;
        using reference = const Frame&;

        const_iterator() = default;

        reference operator*() const noexcept;

        pointer operator->() const noexcept { return &**this; }

        const_iterator& operator++() noexcept;

        const_iterator operator++(int) noexcept {
            const_iterator before = *this;
            ++*this;
            return before;
        }

        bool operator==(const const_iterator&) const = default;

    private:
        friend class FrameQueue;

        const_iterator(const Block* block, std::uint32_t index) noexcept
            : block_(block), index_(index) {}

        const Block* block_ = nullptr;
        std::uint32_t index_ = 0;
    };

    FrameQueue() = default;
    FrameQueue(FrameQueue&& other) noexcept;
    FrameQueue& operator=(FrameQueue&& other) noexcept;
    FrameQueue(const FrameQueue&) = delete;
    FrameQueue& operator=(const FrameQueue&) = delete;
    ~FrameQueue();

    bool empty() const noexcept { return head_ == nullptr; }

    /// Walks the blocks: for tests and the rare caller, not for hot paths.
    std::size_t size() const noexcept;

    const Frame& front() const noexcept;

    const_iterator begin() const noexcept;

    const_iterator end() const noexcept { return {}; }

    void push_back(Frame frame);
    /// Moves every frame of `other` behind these, leaving `other` empty.
    void splice(FrameQueue& other) noexcept;
    /// Drops the first `count` frames (at most size()).
    void pop_front(std::size_t count = 1) noexcept;
    void clear() noexcept;

private:
    Block* head_ = nullptr;
    Block* tail_ = nullptr;
};

}  // namespace salon::server
