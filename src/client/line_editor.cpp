// LineEditor: cursor arithmetic and shell-like history.
#include "client/line_editor.hpp"

#include <algorithm>

#include "client/text.hpp"

namespace salon::client {

void LineEditor::insert(char32_t c) {
    text_.insert(text_.begin() + static_cast<std::ptrdiff_t>(cursor_), c);
    ++cursor_;
}

void LineEditor::insert_utf8(const std::string& text) {
    for (char32_t c : utf8_to_u32(text)) insert(c);
}

void LineEditor::backspace() {
    if (cursor_ == 0) return;
    --cursor_;
    text_.erase(cursor_, 1);
}

void LineEditor::delete_forward() {
    if (cursor_ < text_.size()) text_.erase(cursor_, 1);
}

void LineEditor::left() {
    if (cursor_ > 0) --cursor_;
}

void LineEditor::right() {
    if (cursor_ < text_.size()) ++cursor_;
}

void LineEditor::kill_to_start() {
    text_.erase(0, cursor_);
    cursor_ = 0;
}

void LineEditor::kill_to_end() {
    text_.erase(cursor_);
}

void LineEditor::delete_word_back() {
    std::size_t start = cursor_;
    while (start > 0 && text_[start - 1] == U' ') --start;
    while (start > 0 && text_[start - 1] != U' ') --start;
    text_.erase(start, cursor_ - start);
    cursor_ = start;
}

void LineEditor::set_text(const std::string& utf8) {
    text_ = utf8_to_u32(utf8);
    cursor_ = text_.size();
    history_pos_ = history_.size();
}

void LineEditor::replace_before_cursor(std::size_t length, const std::u32string& replacement) {
    length = std::min(length, cursor_);
    text_.replace(cursor_ - length, length, replacement);
    cursor_ = cursor_ - length + replacement.size();
}

void LineEditor::load(const std::u32string& line) {
    text_ = line;
    cursor_ = text_.size();
}

void LineEditor::history_prev() {
    if (history_pos_ == 0) return;
    if (history_pos_ == history_.size()) draft_ = text_;
    --history_pos_;
    load(history_[history_pos_]);
}

void LineEditor::history_next() {
    if (history_pos_ >= history_.size()) return;
    ++history_pos_;
    load(history_pos_ == history_.size() ? draft_ : history_[history_pos_]);
}

std::string LineEditor::submit() {
    std::string line = u32_to_utf8(text_);
    const bool blank = text_.find_first_not_of(U' ') == std::u32string::npos;
    if (!blank && (history_.empty() || history_.back() != text_)) {
        history_.push_back(text_);
        if (history_.size() > history_limit_) history_.erase(history_.begin());
    }
    text_.clear();
    draft_.clear();
    cursor_ = 0;
    history_pos_ = history_.size();
    return line;
}

std::string LineEditor::text_utf8() const {
    return u32_to_utf8(text_);
}

}  // namespace salon::client
