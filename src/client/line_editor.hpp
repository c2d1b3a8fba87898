// The input line of an interactive client: editing by code point (so wide and multi-byte
// characters move as one) and a history of submitted lines, as in a shell.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace salon::client {

/// Not thread-safe. Knows nothing about terminals: the view maps keys to these calls.
class LineEditor {
public:
    explicit LineEditor(std::size_t history_limit = 500) : history_limit_(history_limit) {}

    void insert(char32_t c);
    void insert_utf8(const std::string& text);
    void backspace();
    void delete_forward();
    void left();
    void right();

    void home() { cursor_ = 0; }

    void end() { cursor_ = text_.size(); }

    /// Ctrl+U: deletes from the start of the line to the cursor.
    void kill_to_start();
    /// Ctrl+K: deletes from the cursor to the end of the line.
    void kill_to_end();
    /// Ctrl+W: deletes the word before the cursor.
    void delete_word_back();

    /// Up/Down: walks the history; the line being typed is kept and comes back at the bottom.
    void history_prev();
    void history_next();

    /// Returns the line as UTF-8, records it in the history (unless blank or equal to the
    /// previous entry) and clears the editor.
    std::string submit();

    const std::u32string& text() const noexcept { return text_; }

    std::string text_utf8() const;

    /// Cursor position in code points, 0..text().size().
    std::size_t cursor() const noexcept { return cursor_; }

    const std::vector<std::u32string>& history() const noexcept { return history_; }

    /// Replaces the line being typed (cursor at the end): puts back text that was not sent,
    /// or prefills a command such as `/edit ID old text`.
    void set_text(const std::string& utf8);

    /// Replaces the `length` code points before the cursor with `replacement` (Tab completion).
    void replace_before_cursor(std::size_t length, const std::u32string& replacement);

private:
    void load(const std::u32string& line);

    std::u32string text_;
    std::size_t cursor_ = 0;
    std::vector<std::u32string> history_;
    std::size_t history_limit_;
    std::size_t history_pos_ = 0;  // == history_.size() while editing a fresh line
    std::u32string draft_;         // the fresh line, kept while browsing history
};

}  // namespace salon::client
