#include "proto/irc_message.hpp"

// IRC line syntax: parsing (tags, source, middle and trailing parameters), writing, tag
// escaping, cutting long text into lines, base64 and the ascii casemapping.

#include <gtest/gtest.h>

#include <string>

#include "core/utf8.hpp"

namespace salon::proto::irc {
namespace {

TEST(IrcParse, CommandAndParamsWithTrailing) {
    auto m = parse("privmsg #home :hello there :)");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->command, "PRIVMSG");
    EXPECT_TRUE(m->source.empty());
    EXPECT_TRUE(m->tags.empty());
    ASSERT_EQ(m->params.size(), 2u);
    EXPECT_EQ(m->params[0], "#home");
    EXPECT_EQ(m->params[1], "hello there :)");
}

TEST(IrcParse, TagsSourceAndRepeatedSpaces) {
    auto m = parse("@label=a\\sb\\:c;+draft/typing=active;flag :nick!u@h   JOIN   #a,#b   key ");
    ASSERT_TRUE(m);
    ASSERT_EQ(m->tags.size(), 3u);
    EXPECT_EQ(m->tags[0].first, "label");
    EXPECT_EQ(m->tags[0].second, "a b;c");
    EXPECT_EQ(m->tags[1].first, "+draft/typing");
    EXPECT_EQ(m->tags[2].first, "flag");
    EXPECT_EQ(m->tags[2].second, "");
    EXPECT_EQ(m->source, "nick!u@h");
    EXPECT_EQ(m->command, "JOIN");
    ASSERT_EQ(m->params.size(), 2u);
    EXPECT_EQ(m->params[0], "#a,#b");
    EXPECT_EQ(m->params[1], "key");
}

TEST(IrcParse, EmptyTrailingIsAParameter) {
    auto m = parse("TOPIC #home :");
    ASSERT_TRUE(m);
    ASSERT_EQ(m->params.size(), 2u);
    EXPECT_EQ(m->params[1], "");
}

TEST(IrcParse, NoCommandIsNothing) {
    EXPECT_FALSE(parse(""));
    EXPECT_FALSE(parse("    "));
    EXPECT_FALSE(parse("@a=b"));
    EXPECT_FALSE(parse(":source"));
    EXPECT_FALSE(parse("@a=b :source  "));
}

TEST(IrcParse, GarbageNeverThrows) {
    for (const std::string& line :
         {std::string("\x01\x02\xff :: :"),
          std::string(":"),
          std::string("@;;;"),
          std::string("@=x CMD"),
          std::string(600, ':'),
          std::string("\0NICK", 5)}) {
        EXPECT_NO_THROW(parse(line));
    }
}

TEST(IrcCommand, LettersOrThreeDigits) {
    EXPECT_TRUE(is_valid_command("PRIVMSG"));
    EXPECT_TRUE(is_valid_command("001"));
    EXPECT_FALSE(is_valid_command("01"));
    EXPECT_FALSE(is_valid_command("PRIV_MSG"));
    EXPECT_FALSE(is_valid_command("\xc3\xa9t\xc3\xa9"));
    EXPECT_FALSE(is_valid_command(""));
}

TEST(IrcTags, EscapeRoundTrip) {
    const std::string value = "a;b c\\d\r\ne";
    EXPECT_EQ(escape_tag_value(value), "a\\:b\\sc\\\\d\\r\\ne");
    EXPECT_EQ(unescape_tag_value(escape_tag_value(value)), value);
    EXPECT_EQ(unescape_tag_value("x\\"), "x");  // a lone trailing backslash is dropped
    EXPECT_EQ(unescape_tag_value("\\q"), "q");
}

TEST(IrcLine, TrailingAlwaysOrOnlyWhenNeeded) {
    EXPECT_EQ(line("", "n!u@h", "JOIN", {"#home"}), ":n!u@h JOIN :#home\r\n");
    EXPECT_EQ(line("", "n!u@h", "JOIN", {"#home"}, Trailing::when_needed), ":n!u@h JOIN #home\r\n");
    EXPECT_EQ(
        line("", "n", "MODE", {"#a", "+k", "b c"}, Trailing::when_needed), ":n MODE #a +k :b c\r\n"
    );
    EXPECT_EQ(
        line("", "n", "MODE", {"#a", "+k", ""}, Trailing::when_needed), ":n MODE #a +k :\r\n"
    );
    EXPECT_EQ(line("", "s", "001", {"me", "Welcome home"}), ":s 001 me :Welcome home\r\n");
    EXPECT_EQ(line("", "s", "322", {"me", "#a", "1", ""}), ":s 322 me #a 1 :\r\n");
    EXPECT_EQ(line("", "", "PRIVMSG", {"#a", ":)"}), "PRIVMSG #a ::)\r\n");
    EXPECT_EQ(line("time=x", "s", "PING", {"s"}), "@time=x :s PING :s\r\n");
}

TEST(IrcLine, TextFromElsewhereCannotAddLinesNorOverflow) {
    std::string text = "one\r\nQUIT :injected";
    text += '\0';
    text += 'x';
    EXPECT_EQ(line("", "s", "TOPIC", {"#a", text}), ":s TOPIC #a :one  QUIT :injected x\r\n");
    std::string topic;
    for (int i = 0; i < 300; ++i) topic += "\xc3\xa9";  // 600 bytes of é
    const std::string written = line("x=y", "server.name", "332", {"me", "#chan", topic});
    EXPECT_LE(written.size() - 5, kMaxLineBytes);  // "@x=y " is not counted
    EXPECT_GT(written.size() - 5, kMaxLineBytes - 2);
    EXPECT_TRUE(core::is_valid_utf8(written));
}

TEST(IrcLine, BytesThatAreNotUtf8BecomeReplacementCharacters) {
    // A lone lead byte, a stray continuation byte, an overlong form, a surrogate, and bytes
    // that never appear in UTF-8: in a middle parameter and in the last one.
    const std::string written =
        line("", "s", "403", {"me", "#caf\xc3", "x\x80y \xc0\xaf \xed\xa0\x80 \xfe\xff \xc3\xa9"});
    EXPECT_TRUE(core::is_valid_utf8(written)) << written;
    EXPECT_EQ(
        written,
        ":s 403 me #caf\xef\xbf\xbd :x\xef\xbf\xbdy \xef\xbf\xbd\xef\xbf\xbd "
        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd \xc3\xa9\r\n"
    );
    // Replacement characters are 3 bytes each: the line still fits.
    const std::string long_line = line("", "s", "332", {"me", "#a", std::string(600, '\xff')});
    EXPECT_TRUE(core::is_valid_utf8(long_line));
    EXPECT_LE(long_line.size(), kMaxLineBytes);
}

TEST(IrcLine, ParsesBackToTheSameParams) {
    const std::string written = line("", "src", "PRIVMSG", {"#chan", "text with  two spaces"});
    auto m = parse(std::string_view(written).substr(0, written.size() - 2));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->source, "src");
    ASSERT_EQ(m->params.size(), 2u);
    EXPECT_EQ(m->params[1], "text with  two spaces");
}

constexpr std::size_t kUnbounded = 100'000;

TEST(IrcSplit, NewlinesMakeLinesAndBlankOnesVanish) {
    auto pieces = split_text("one\r\ntwo\n\n  \t \nthree\n", 100, kUnbounded);
    ASSERT_EQ(pieces.size(), 3u);
    EXPECT_EQ(pieces[0], "one");
    EXPECT_EQ(pieces[1], "two");
    EXPECT_EQ(pieces[2], "three");
    EXPECT_TRUE(split_text("\n\r\n \n\t", 10, kUnbounded).empty());
}

TEST(IrcSplit, AtMostMaxPiecesTheLastSayingWhatWasLeftOut) {
    std::string text;
    for (int i = 0; i < 2048; ++i) text += "a\n";
    const auto pieces = split_text(text, 400, kMaxLinesPerMessage);
    ASSERT_EQ(pieces.size(), kMaxLinesPerMessage);
    for (std::size_t i = 0; i + 1 < pieces.size(); ++i) EXPECT_EQ(pieces[i], "a");
    EXPECT_EQ(pieces.back(), "[2033 more lines not shown]");

    // Exactly the limit: nothing is left out, so no marker.
    std::string sixteen;
    for (std::size_t i = 0; i < kMaxLinesPerMessage; ++i) sixteen += "line\n";
    const auto all = split_text(sixteen, 400, kMaxLinesPerMessage);
    ASSERT_EQ(all.size(), kMaxLinesPerMessage);
    EXPECT_EQ(all.back(), "line");
    EXPECT_EQ(
        split_text(sixteen + "one more", 400, kMaxLinesPerMessage).back(),
        "[2 more lines not shown]"
    );

    // Long lines count by the pieces they make; the marker itself fits.
    const auto cut = split_text(std::string(100, 'x'), 10, 3);
    ASSERT_EQ(cut.size(), 3u);
    EXPECT_EQ(cut[2], "[8 more li");
}

TEST(IrcSplit, ATextOfTheLongestSizeWithoutNewlinesIsNotCut) {
    std::string text;
    for (int i = 0; text.size() < 4096; ++i) text += "word" + std::to_string(i) + " ";
    text.resize(4096);
    // The least room a PRIVMSG leaves: a 32-character nick twice in the source, a 51-byte target.
    const std::size_t room = kMaxLineBytes - (1 + 71 + 1 + 7 + 1 + 51 + 4);
    std::string joined;
    for (const auto& p : split_text(text, room, kMaxLinesPerMessage)) joined += p;
    EXPECT_EQ(joined, text);
}

TEST(IrcSplit, CutsAtSpacesAndKeepsEveryByte) {
    const std::string text = "the quick brown fox jumps over the lazy dog";
    auto pieces = split_text(text, 10, kUnbounded);
    std::string joined;
    for (const auto& p : pieces) {
        EXPECT_LE(p.size(), 10u);
        EXPECT_FALSE(p.empty());
        joined += p;
    }
    EXPECT_EQ(joined, text);
    EXPECT_EQ(pieces[0], "the quick ");
}

TEST(IrcSplit, NeverCutsAUtf8Character) {
    std::string text;
    for (int i = 0; i < 200; ++i) text += "\xc3\xa9\xe2\x82\xac";  // é€, no spaces
    for (std::size_t max : {1u, 2u, 3u, 4u, 7u, 100u}) {
        std::string joined;
        for (const auto& p : split_text(text, std::max<std::size_t>(max, 3), kUnbounded)) {
            EXPECT_LE(p.size(), std::max<std::size_t>(max, 3));
            EXPECT_TRUE(core::is_valid_utf8(p)) << "max " << max;
            joined += p;
        }
        EXPECT_EQ(joined, text);
    }
}

TEST(IrcBase64, DecodesPaddedAndRejectsTheRest) {
    EXPECT_EQ(base64_decode("AGFsaWNlAHNlY3JldA=="), std::string("\0alice\0secret", 13));
    EXPECT_EQ(base64_decode("YWJj"), "abc");
    EXPECT_EQ(base64_decode("YWI="), "ab");
    EXPECT_EQ(base64_decode(""), "");
    EXPECT_FALSE(base64_decode("YWJ"));
    EXPECT_FALSE(base64_decode("Y=Jj"));
    EXPECT_FALSE(base64_decode("YW!j"));
    EXPECT_FALSE(base64_decode("Y==="));
}

TEST(IrcCasemapping, AsciiOnly) {
    EXPECT_EQ(ascii_fold("Alice[]\\~"), "alice[]\\~");
    EXPECT_EQ(ascii_fold("\xc3\x89T\xc3\x89"), "\xc3\x89t\xc3\x89");  // ÉTÉ: only the T folds
}

TEST(IrcLine, NoRoomForACharacterLeavesItOutWhole) {
    // "CMD " + 503 bytes + " :" + "\r\n" is 511: one byte left, and "é" needs two.
    const std::string out = line("", "", "CMD", {std::string(503, 'a'), "\xc3\xa9t\xc3\xa9"});
    EXPECT_EQ(out.size(), 511U);
    EXPECT_TRUE(out.ends_with(" :\r\n"));
    // Found by the fuzzer: a replaced byte (U+FFFD, three bytes) was cut after two.
    const std::string mended = line("", "", "CMD", {std::string(502, 'a'), "\xff"});
    EXPECT_TRUE(core::is_valid_utf8(mended)) << mended;
}

}  // namespace
}  // namespace salon::proto::irc
