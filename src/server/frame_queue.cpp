#include "server/frame_queue.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace salon::server {

struct FrameQueue::Block {
    Block* next = nullptr;
    std::uint32_t begin = 0;  // the first frame still queued
    std::uint32_t end = 0;    // one past the last frame pushed
    std::array<Frame, kBlockFrames> frames;
};

namespace {
static_assert(
    sizeof(std::array<Frame, FrameQueue::kBlockFrames>) + 16 == 512,
    "a block is 512 bytes, one of the allocator's size classes"
);
}  // namespace

FrameQueue::const_iterator::reference FrameQueue::const_iterator::operator*() const noexcept {
    return block_->frames[index_];
}

FrameQueue::const_iterator& FrameQueue::const_iterator::operator++() noexcept {
    if (++index_ == block_->end) {
        block_ = block_->next;
        index_ = block_ != nullptr ? block_->begin : 0;
    }
    return *this;
}

FrameQueue::FrameQueue(FrameQueue&& other) noexcept
    : head_(std::exchange(other.head_, nullptr)), tail_(std::exchange(other.tail_, nullptr)) {}

FrameQueue& FrameQueue::operator=(FrameQueue&& other) noexcept {
    if (this != &other) {
        clear();
        head_ = std::exchange(other.head_, nullptr);
        tail_ = std::exchange(other.tail_, nullptr);
    }
    return *this;
}

FrameQueue::~FrameQueue() {
    clear();
}

std::size_t FrameQueue::size() const noexcept {
    std::size_t count = 0;
    for (const Block* block = head_; block != nullptr; block = block->next)
        count += block->end - block->begin;
    return count;
}

const Frame& FrameQueue::front() const noexcept {
    return head_->frames[head_->begin];
}

FrameQueue::const_iterator FrameQueue::begin() const noexcept {
    return head_ != nullptr ? const_iterator(head_, head_->begin) : end();
}

void FrameQueue::push_back(Frame frame) {
    if (tail_ == nullptr || tail_->end == kBlockFrames) {
        auto* block = new Block;
        if (tail_ != nullptr) {
            tail_->next = block;
        } else {
            head_ = block;
        }
        tail_ = block;
    }
    tail_->frames[tail_->end++] = std::move(frame);
}

void FrameQueue::splice(FrameQueue& other) noexcept {
    if (other.head_ == nullptr) return;
    if (tail_ != nullptr) {
        tail_->next = other.head_;
    } else {
        head_ = other.head_;
    }
    tail_ = other.tail_;
    other.head_ = other.tail_ = nullptr;
}

void FrameQueue::pop_front(std::size_t count) noexcept {
    while (count > 0 && head_ != nullptr) {
        Block* block = head_;
        const std::size_t here = std::min<std::size_t>(count, block->end - block->begin);
        for (std::size_t i = 0; i < here; ++i) block->frames[block->begin++].reset();
        count -= here;
        if (block->begin == block->end) {
            head_ = block->next;
            if (head_ == nullptr) tail_ = nullptr;
            delete block;
        }
    }
}

void FrameQueue::clear() noexcept {
    while (head_ != nullptr) {
        Block* block = head_;
        head_ = block->next;
        delete block;
    }
    tail_ = nullptr;
}

}  // namespace salon::server
