#include "client/line_editor.hpp"

#include <gtest/gtest.h>

namespace salon::client {
namespace {

TEST(LineEditorTest, InsertsAndDeletesWholeCodePoints) {
    LineEditor e;
    e.insert_utf8("a中é");
    EXPECT_EQ(e.cursor(), 3u);
    e.backspace();
    EXPECT_EQ(e.text_utf8(), "a中");
    e.left();
    e.insert(U'b');
    EXPECT_EQ(e.text_utf8(), "ab中");
    e.home();
    e.delete_forward();
    EXPECT_EQ(e.text_utf8(), "b中");
    e.end();
    e.right();
    EXPECT_EQ(e.cursor(), 2u);
}

TEST(LineEditorTest, KillsAndDeletesWords) {
    LineEditor e;
    e.insert_utf8("one two  three");
    e.delete_word_back();
    EXPECT_EQ(e.text_utf8(), "one two  ");
    e.delete_word_back();
    EXPECT_EQ(e.text_utf8(), "one ");
    e.insert_utf8("x y");
    e.left();
    e.kill_to_end();
    EXPECT_EQ(e.text_utf8(), "one x ");
    e.left();
    e.kill_to_start();
    EXPECT_EQ(e.text_utf8(), " ");
    EXPECT_EQ(e.cursor(), 0u);
}

TEST(LineEditorTest, HistoryWalksBackAndRestoresTheDraft) {
    LineEditor e;
    e.insert_utf8("first");
    EXPECT_EQ(e.submit(), "first");
    e.insert_utf8("second");
    e.submit();
    e.insert_utf8("second");
    e.submit();  // a repeat is not stored twice
    e.insert_utf8("   ");
    e.submit();  // blanks are not stored
    ASSERT_EQ(e.history().size(), 2u);
    e.insert_utf8("draft");
    e.history_prev();
    EXPECT_EQ(e.text_utf8(), "second");
    e.history_prev();
    EXPECT_EQ(e.text_utf8(), "first");
    e.history_prev();
    EXPECT_EQ(e.text_utf8(), "first");
    e.history_next();
    e.history_next();
    EXPECT_EQ(e.text_utf8(), "draft");
    EXPECT_EQ(e.cursor(), 5u);
}

TEST(LineEditorTest, HistoryIsBounded) {
    LineEditor e(3);
    for (int i = 0; i < 5; ++i) {
        e.insert_utf8(std::to_string(i));
        e.submit();
    }
    ASSERT_EQ(e.history().size(), 3u);
    EXPECT_EQ(e.history().front(), U"2");
}

TEST(LineEditorTest, SetTextPutsTheCursorAtTheEndAndCompletionReplacesTheWordBeforeIt) {
    LineEditor e;
    e.set_text("/reply ali");
    EXPECT_EQ(e.cursor(), 10U);
    e.replace_before_cursor(3, U"alice ");
    EXPECT_EQ(e.text_utf8(), "/reply alice ");
    EXPECT_EQ(e.cursor(), 13U);
    e.replace_before_cursor(99, U"x");  // never past the start
    EXPECT_EQ(e.text_utf8(), "x");
}

}  // namespace
}  // namespace salon::client
