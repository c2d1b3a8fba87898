// IRC end-to-end: protocol version 2's conversation model on IRC (draft/message-redaction ↔
// DELETE, draft/read-marker ↔ READ, +draft/react ↔ REACT, +typing ↔ TYPING, edits as lines),
// between IRC clients and native ones.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "harness/connection.hpp"
#include "harness/line_client.hpp"
#include "irc_client.hpp"

namespace salon::test {
namespace {

constexpr std::string_view kPassword = "correct-horse-battery-9";
constexpr std::string_view kRedaction = "message-tags echo-message draft/message-redaction";

/// The OK or NO that answers the request just sent; events before it are skipped.
boost::json::object native_reply(Connection& conn) {
    for (;;) {
        auto frame = conn.next(kIrcWait);
        if (!frame) throw std::runtime_error("no reply from the native connection");
        const auto verb = verb_of(*frame);
        if (verb == "OK" || verb == "NO") return *frame;
    }
}

class IrcConversation : public ::testing::Test {
protected:
    IrcServer server_;

    /// A registered IRC client that has joined `channel` (after whoever joined it first, its
    /// operator).
    std::unique_ptr<IrcClient> in_channel(
        std::string_view nick, std::string_view caps, std::string_view channel = "#talk"
    ) {
        auto c = std::make_unique<IrcClient>(server_.irc_port());
        c->register_as(nick, caps);
        c->send("JOIN " + std::string(channel));
        c->wait_for("366");
        return c;
    }

    /// A native version 2 guest in `channel`.
    std::unique_ptr<LineClient> native_in(std::string_view name, std::string_view channel) {
        auto conn = std::make_unique<LineClient>("127.0.0.1", server_.native_port());
        conn->send(make_frame(
            "CONN", {{"us", std::string(name)}, {"pwd", ""}, {"channel", channel}, {"v", 2}}
        ));
        if (verb_of(native_reply(*conn)) != "OK") throw std::runtime_error("native login failed");
        conn->wait_for("HISTORY", kIrcWait);
        return conn;
    }

    /// Posts `text` to `channel` with echo-message on and returns its msgid.
    static std::string post(IrcClient& c, std::string_view channel, std::string_view text) {
        c.send("PRIVMSG " + std::string(channel) + " :" + std::string(text));
        const auto echo = c.wait_for("PRIVMSG");
        const auto id = tag_of(echo, "msgid");
        if (!id) throw std::runtime_error("no msgid on " + echo);
        return *id;
    }
};

// ---------------------------------------------------------------------------------------------
// draft/message-redaction

TEST_F(IrcConversation, RedactDeletesOnesOwnMessageForEveryoneWhoAskedForIt) {
    auto author = in_channel("ann", kRedaction);
    auto reader = in_channel("ben", kRedaction);
    auto plain = in_channel("cid", "message-tags");
    auto native = native_in("Guest5150", "talk");
    const std::string id = post(*author, "#talk", "oops, wrong window");
    plain->wait_for("PRIVMSG");

    author->send("REDACT #talk " + id);
    const std::string redact = ":ann!ann@salon REDACT #talk " + id;
    EXPECT_EQ(author->wait_for("REDACT"), redact);
    EXPECT_EQ(reader->wait_for("REDACT"), redact);
    const auto update = body_of(native->wait_for("UPDATE", kIrcWait));
    EXPECT_TRUE(update.at("deleted").as_bool());
    EXPECT_EQ(std::to_string(update.at("id").as_int64()), id);
    // A client without the capability is told nothing.
    EXPECT_FALSE(has_line(plain->drain(), "REDACT"));
}

TEST_F(IrcConversation, OnlyTheAuthorOrAnOperatorMayRedactAndTheReasonTravels) {
    auto op = in_channel("dee", kRedaction);
    auto member = in_channel("eve", kRedaction);
    const std::string ops_id = post(*op, "#talk", "house rules: be nice");
    member->wait_for("PRIVMSG");

    member->send("REDACT #talk " + ops_id);
    const auto fail = parse_line(member->wait_for("FAIL"));
    ASSERT_EQ(fail.params.size(), 5U);
    EXPECT_EQ(fail.params[0], "REDACT");
    EXPECT_EQ(fail.params[1], "REDACT_FORBIDDEN");
    EXPECT_EQ(fail.params[2], "#talk");
    EXPECT_EQ(fail.params[3], ops_id);
    EXPECT_FALSE(has_line(op->drain(), "REDACT"));

    const std::string members_id = post(*member, "#talk", "buy cheap watches");
    op->wait_for("PRIVMSG");
    op->send("REDACT #talk " + members_id + " :spam, twice");
    for (IrcClient* c : {op.get(), member.get()}) {
        const auto redact = parse_line(c->wait_for("REDACT"));
        EXPECT_EQ(redact.source, "dee!dee@salon");
        EXPECT_EQ(redact.params, (std::vector<std::string>{"#talk", members_id, "spam, twice"}));
    }
}

TEST_F(IrcConversation, RedactOfAnUnknownMsgidOrTargetFailsWithTheSpecsCodes) {
    auto ann = in_channel("fay", kRedaction);
    auto elsewhere = in_channel("gus", kRedaction, "#other");
    const std::string other_id = post(*elsewhere, "#other", "in another channel");

    ann->send("REDACT #talk nonexistent123");
    auto fail = parse_line(ann->wait_for("FAIL"));
    EXPECT_EQ(
        std::vector(fail.params.begin(), fail.params.end() - 1),
        (std::vector<std::string>{"REDACT", "UNKNOWN_MSGID", "#talk", "nonexistent123"})
    );
    // A message of another conversation is unknown in this one.
    ann->send("REDACT #talk " + other_id);
    fail = parse_line(ann->wait_for("FAIL"));
    EXPECT_EQ(fail.params[1], "UNKNOWN_MSGID");
    // A channel one is not in is not a target, whatever the msgid.
    ann->send("REDACT #other " + other_id);
    fail = parse_line(ann->wait_for("FAIL"));
    EXPECT_EQ(
        std::vector(fail.params.begin(), fail.params.end() - 1),
        (std::vector<std::string>{"REDACT", "INVALID_TARGET", "#other"})
    );
    ann->send("REDACT #talk");
    fail = parse_line(ann->wait_for("FAIL"));
    EXPECT_EQ(fail.params[1], "NEED_MORE_PARAMS");
    EXPECT_FALSE(has_line(elsewhere->drain(), "REDACT"));
}

TEST_F(IrcConversation, ANativeDeleteReachesIrcAsRedactAndLeavesHistory) {
    auto watcher = in_channel("hal", kRedaction);
    auto native = native_in("Guest6160", "talk");
    native->send(make_frame("SEND", {{"channel", "talk"}, {"text", "regrettable"}}));
    const auto sent = body_of(native_reply(*native));
    const std::string id = std::to_string(sent.at("id").as_int64());
    watcher->wait_for("PRIVMSG");

    native->send(make_frame("DELETE", {{"id", sent.at("id").as_int64()}}));
    ASSERT_EQ(verb_of(native_reply(*native)), "OK");
    EXPECT_EQ(watcher->wait_for("REDACT"), ":Guest6160!Guest6160@salon REDACT #talk " + id);

    // Whoever joins later never sees it, with or without tags.
    for (const std::string_view caps : {"batch message-tags", ""}) {
        auto late = std::make_unique<IrcClient>(server_.irc_port());
        late->register_as(caps.empty() ? "ida" : "ivo", caps);
        late->send("JOIN #talk");
        late->wait_for("366");
        EXPECT_FALSE(has_line(late->drain(), "regrettable"));
    }
}

// ---------------------------------------------------------------------------------------------
// Order of replies: IRC clients (and irctest) sync on PING

TEST_F(IrcConversation, APingAfterPipelinedWritesIsAnsweredAfterTheirLines) {
    auto writer = in_channel("pia", kRedaction);
    auto reader = in_channel("quin", "");
    const std::string id = post(*writer, "#talk", "soon gone");
    reader->wait_for("PRIVMSG");

    // A DM to oneself, a DM to another, and a REDACT, then a PING, in one write: each write's
    // lines for this connection (the echo, the copy to oneself, the REDACT) come before PONG.
    writer->send_raw(
        "PRIVMSG pia :note to self\r\nPRIVMSG quin :psst\r\nREDACT #talk " + id +
        "\r\nPING sync\r\n"
    );
    std::vector<std::string> before;
    writer->wait_for("PONG", &before);
    EXPECT_EQ(
        std::ranges::count_if(
            before,
            [](const std::string& l) {
                return l.find("PRIVMSG pia :note to self") != std::string::npos;
            }
        ),
        2
    ) << joined(before);  // the echo and the copy delivered to oneself
    EXPECT_TRUE(has_line(before, "PRIVMSG quin :psst")) << joined(before);
    EXPECT_TRUE(has_line(before, "REDACT #talk " + id)) << joined(before);
    // By then the DM was handed to its recipient.
    EXPECT_NE(reader->wait_for("PRIVMSG").find("PRIVMSG quin :psst"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// draft/read-marker

std::vector<std::string> markread_params(IrcClient& c) {
    return parse_line(c.wait_for("MARKREAD")).params;
}

TEST_F(IrcConversation, MarkreadComesWithJoinAndMovesOnlyForward) {
    auto stays = in_channel("ola", "");  // so that #talk outlives oli's PART
    auto irc = std::make_unique<IrcClient>(server_.irc_port());
    irc->register_as("oli", "draft/read-marker");
    irc->send("JOIN #talk");
    std::vector<std::string> before;
    irc->wait_for("366", &before);
    ASSERT_TRUE(has_line(before, "MARKREAD #talk *"));  // before the end of NAMES

    const std::string later = "timestamp=2026-06-01T12:00:00.000Z";
    irc->send("MARKREAD #talk " + later);
    EXPECT_EQ(markread_params(*irc), (std::vector<std::string>{"#talk", later}));
    EXPECT_FALSE(has_line(irc->drain(), "MARKREAD"));  // one answer, not two
    irc->send("MARKREAD #talk timestamp=2026-01-01T00:00:00.000Z");
    EXPECT_EQ(markread_params(*irc), (std::vector<std::string>{"#talk", later}));
    irc->send("MARKREAD #talk");
    EXPECT_EQ(markread_params(*irc), (std::vector<std::string>{"#talk", later}));
    // A channel one is not in has no marker to tell.
    irc->send("MARKREAD #elsewhere");
    EXPECT_EQ(markread_params(*irc), (std::vector<std::string>{"#elsewhere", "*"}));
    irc->send("PART #talk");
    irc->wait_for("PART");
    irc->send("JOIN #talk");
    std::vector<std::string> again;
    irc->wait_for("366", &again);
    EXPECT_TRUE(has_line(again, "MARKREAD #talk " + later));
}

TEST_F(IrcConversation, AReadMarkerOutlivesItsTemporaryChannel) {
    auto irc = std::make_unique<IrcClient>(server_.irc_port());
    irc->register_as("oona", "draft/read-marker");
    irc->send("JOIN #brief");
    irc->wait_for("366");
    const std::string marked = "timestamp=2020-03-15T10:00:00.000Z";
    irc->send("MARKREAD #brief " + marked);
    EXPECT_EQ(markread_params(*irc), (std::vector<std::string>{"#brief", marked}));
    // The last member leaves: the guest's channel ends, and the marker stays the user's.
    irc->send("PART #brief");
    irc->wait_for("PART");
    irc->send("JOIN #brief");
    std::vector<std::string> again;
    irc->wait_for("366", &again);
    EXPECT_TRUE(has_line(again, "MARKREAD #brief " + marked)) << joined(again);
}

TEST_F(IrcConversation, ReadMarkersAreSharedBetweenIrcAndNativeSessions) {
    auto native = std::make_unique<LineClient>("127.0.0.1", server_.native_port());
    native->send(make_frame("REGISTER", {{"us", "quinn"}, {"pwd", kPassword}, {"v", 2}}));
    ASSERT_EQ(verb_of(native_reply(*native)), "OK");
    native->wait_for("HISTORY", kIrcWait);
    auto irc = std::make_unique<IrcClient>(server_.irc_port());
    irc->register_as("quinn", "draft/read-marker", kPassword);
    irc->wait_for("366");  // the login puts the account back into #home

    native->send(make_frame("SEND", {{"channel", "home"}, {"text", "read me"}}));
    const auto sent = body_of(native_reply(*native));
    const auto id = sent.at("id").as_int64();
    native->send(make_frame("READ", {{"channel", "home"}, {"id", id}}));
    EXPECT_EQ(
        markread_params(*irc),
        (std::vector<std::string>{"#home", "timestamp=" + std::string(sent.at("ts").as_string())})
    );

    irc->send("MARKREAD #home timestamp=2099-01-01T00:00:00.000Z");
    EXPECT_EQ(markread_params(*irc)[1], "timestamp=2099-01-01T00:00:00.000Z");
    const auto read = body_of(native->wait_for("READ", kIrcWait));
    EXPECT_EQ(read.at("channel").as_string(), "home");
    EXPECT_EQ(read.at("id").as_int64(), id);  // the newest message up to that time
}

// ---------------------------------------------------------------------------------------------
// Reactions, typing and edits

TEST_F(IrcConversation, ReactTagsAreNativeReactionsBothWays) {
    auto irc = in_channel("jo", "message-tags echo-message");
    auto plain = in_channel("kim", "");
    auto native = native_in("Guest7170", "talk");
    const std::string id = post(*irc, "#talk", "cake in the kitchen");
    plain->wait_for("PRIVMSG");

    irc->send("@+draft/react=🎂;+draft/reply=" + id + " TAGMSG #talk");
    auto update = body_of(native->wait_for("UPDATE", kIrcWait));
    ASSERT_EQ(update.at("reactions").as_array().size(), 1U);
    EXPECT_EQ(update.at("reactions").as_array()[0].at("emoji").as_string(), "🎂");
    const auto echoed = parse_line(irc->wait_for("TAGMSG"));
    EXPECT_EQ(echoed.source, "jo!jo@salon");
    EXPECT_EQ(echoed.params, std::vector<std::string>{"#talk"});

    native->send(make_frame("REACT", {{"id", std::stoll(id)}, {"emoji", "👍"}, {"on", true}}));
    const auto reacted = irc->wait_for("TAGMSG");
    EXPECT_EQ(tag_of(reacted, "+draft/react"), "👍");
    EXPECT_EQ(tag_of(reacted, "+draft/reply"), id);
    EXPECT_EQ(parse_line(reacted).source, "Guest7170!Guest7170@salon");
    native->send(make_frame("REACT", {{"id", std::stoll(id)}, {"emoji", "👍"}, {"on", false}}));
    EXPECT_EQ(tag_of(irc->wait_for("TAGMSG"), "+draft/unreact"), "👍");
    // Without message-tags, reactions come as lines saying so (below), never as TAGMSG.
    EXPECT_FALSE(has_line(plain->drain(), "TAGMSG"));
}

TEST_F(IrcConversation, AReactionToAMessageNotHereIsRelayedAsItsTags) {
    auto sender = in_channel("rosa", "message-tags echo-message labeled-response batch");
    auto tagged = in_channel("sam", "message-tags");
    auto plain = in_channel("tess", "");
    auto native = native_in("Guest7171", "talk");

    // To a channel: the others with message-tags get the tags as sent; the sender the echo.
    sender->send("@label=r1;+draft/reply=987654;+draft/react=l😃l;+other=x TAGMSG #talk");
    const auto echo = sender->wait_for("TAGMSG");
    EXPECT_EQ(tag_of(echo, "label"), "r1");
    EXPECT_EQ(tag_of(echo, "+draft/react"), "l😃l");
    const auto relayed = tagged->wait_for("TAGMSG");
    EXPECT_EQ(parse_line(relayed).source, "rosa!rosa@salon");
    EXPECT_EQ(tag_of(relayed, "+draft/react"), "l😃l");
    EXPECT_EQ(tag_of(relayed, "+draft/reply"), "987654");
    EXPECT_EQ(tag_of(relayed, "+other"), std::nullopt);  // CLIENTTAGDENY
    EXPECT_FALSE(has_line(plain->drain(), "TAGMSG"));
    while (auto frame = native->next(kIrcQuiet))
        EXPECT_NE(verb_of(*frame), "UPDATE");  // nothing was stored

    // To oneself: the labeled echo and the copy delivered to one's own connection.
    sender->send("@label=r2;+draft/reply=123;+draft/react=👍 TAGMSG rosa");
    std::vector<std::string> lines{sender->wait_for("TAGMSG")};
    lines.push_back(sender->wait_for("TAGMSG"));
    EXPECT_EQ(
        std::ranges::count_if(
            lines, [](const std::string& l) { return tag_of(l, "label") == "r2"; }
        ),
        1
    ) << joined(lines);
}

TEST_F(IrcConversation, AReactionIsEchoedOnceOnlyWithEchoMessageAndADmOneGoesToTheOtherParty) {
    auto author = in_channel("ada", "message-tags echo-message");
    auto quiet = in_channel("ben", "message-tags");
    const std::string id = post(*author, "#talk", "tea?");
    quiet->wait_for("PRIVMSG");

    // With echo-message the reactor's reply is the TAGMSG, once; the others see it too.
    author->send("@+draft/react=🍵;+draft/reply=" + id + " TAGMSG #talk");
    EXPECT_EQ(tag_of(author->wait_for("TAGMSG"), "+draft/react"), "🍵");
    EXPECT_EQ(tag_of(quiet->wait_for("TAGMSG"), "+draft/react"), "🍵");
    author->send("PING once");
    std::vector<std::string> before;
    author->wait_for("PONG", &before);
    EXPECT_FALSE(has_line(before, "TAGMSG")) << "echoed twice";

    // Without echo-message one's own reaction is not sent back.
    quiet->send("@+draft/react=👍;+draft/reply=" + id + " TAGMSG #talk");
    EXPECT_EQ(tag_of(author->wait_for("TAGMSG"), "+draft/react"), "👍");
    quiet->send("PING none");
    before.clear();
    quiet->wait_for("PONG", &before);
    EXPECT_FALSE(has_line(before, "TAGMSG"));

    // A direct message's recipient reacting: the author sees it addressed to themself.
    quiet->send("PRIVMSG ada :lemon?");
    const auto dm_id = tag_of(author->wait_for("PRIVMSG"), "msgid");
    ASSERT_TRUE(dm_id);
    author->send("@+draft/react=🍋;+draft/reply=" + *dm_id + " TAGMSG ben");
    const auto reacted = parse_line(quiet->wait_for("TAGMSG"));
    EXPECT_EQ(reacted.source, "ada!ada@salon");
    EXPECT_EQ(reacted.params, std::vector<std::string>{"ben"});
}

TEST_F(IrcConversation, TypingTagsAreNativeTypingBothWays) {
    auto irc = in_channel("lou", "message-tags");
    auto native = native_in("Guest8180", "talk");
    irc->send("@+typing=active TAGMSG #talk");
    const auto typing = body_of(native->wait_for("TYPING", kIrcWait));
    EXPECT_EQ(typing.at("user").as_string(), "lou");
    EXPECT_EQ(typing.at("state").as_string(), "active");

    native->send(make_frame("TYPING", {{"channel", "talk"}, {"state", "paused"}}));
    const auto line = irc->wait_for("TAGMSG");
    EXPECT_EQ(line, "@+typing=paused :Guest8180!Guest8180@salon TAGMSG #talk");
    native->send(make_frame("TYPING", {{"with", "lou"}, {"state", "done"}}));
    EXPECT_EQ(irc->wait_for("TAGMSG"), "@+typing=done :Guest8180!Guest8180@salon TAGMSG lou");
}

TEST_F(IrcConversation, AnEditReachesIrcAsALineSayingSo) {
    auto tagged = in_channel("max", "message-tags");
    auto plain = in_channel("ned", "");
    auto native = native_in("Guest9190", "talk");
    native->send(make_frame("SEND", {{"channel", "talk"}, {"text", "meet at 5"}}));
    const auto id = body_of(native_reply(*native)).at("id").as_int64();
    plain->wait_for("PRIVMSG");
    tagged->wait_for("PRIVMSG");

    native->send(make_frame("EDIT", {{"id", id}, {"text", "meet at 6"}}));
    ASSERT_EQ(verb_of(native_reply(*native)), "OK");
    EXPECT_EQ(
        plain->wait_for("PRIVMSG"),
        ":Guest9190!Guest9190@salon PRIVMSG #talk :* Guest9190 edited: meet at 6"
    );
    const auto line = tagged->wait_for("PRIVMSG");
    EXPECT_EQ(tag_of(line, "+draft/reply"), std::to_string(id));
    EXPECT_EQ(tag_of(line, "msgid"), std::nullopt);  // the edit is no message of its own
}

// ---------------------------------------------------------------------------------------------
// Fallbacks: what a client that cannot take a reply tag, a TAGMSG reaction or REDACT sees

TEST_F(IrcConversation, RepliesReactionsAndDeletesReachClientsWithoutTheCapabilityAsLines) {
    auto plain = in_channel("pat", "");
    auto tagged = in_channel("tom", "message-tags");
    auto redacting = in_channel("rae", "message-tags draft/message-redaction");
    auto native = native_in("Guest5150", "talk");
    native->send(make_frame(
        "SEND", {{"channel", "talk"}, {"text", "shall we move the standup to ten tomorrow?\nor"}}
    ));
    const auto parent = body_of(native_reply(*native)).at("id").as_int64();
    const std::string id = std::to_string(parent);
    for (auto* c : {plain.get(), tagged.get(), redacting.get()}) {
        c->wait_for("PRIVMSG");
        c->wait_for("PRIVMSG");  // its second line, "or"
    }

    // A reply: quoted for those without message-tags, tagged for the others.
    native->send(make_frame("SEND", {{"channel", "talk"}, {"text", "yes"}, {"reply_to", parent}}));
    ASSERT_EQ(verb_of(native_reply(*native)), "OK");
    EXPECT_EQ(
        plain->wait_for("PRIVMSG"),
        ":Guest5150!Guest5150@salon PRIVMSG #talk :(re Guest5150: \"shall we move the standup "
        "to ten tomorro…\") yes"
    );
    const auto tagged_reply = tagged->wait_for("PRIVMSG");
    EXPECT_EQ(tag_of(tagged_reply, "+draft/reply"), id);
    EXPECT_TRUE(tagged_reply.ends_with(" PRIVMSG #talk :yes")) << tagged_reply;

    // A reaction and its taking back: lines without message-tags, TAGMSG with it.
    for (const bool on : {true, false}) {
        native->send(make_frame("REACT", {{"id", parent}, {"emoji", "👍"}, {"on", on}}));
        ASSERT_EQ(verb_of(native_reply(*native)), "OK");
    }
    EXPECT_EQ(
        plain->wait_for("PRIVMSG"),
        ":Guest5150!Guest5150@salon PRIVMSG #talk :* Guest5150 reacted 👍 to their message: "
        "\"shall we move the standup to ten tomorro…\""
    );
    EXPECT_EQ(
        plain->wait_for("PRIVMSG"),
        ":Guest5150!Guest5150@salon PRIVMSG #talk :* Guest5150 took back 👍 on their message: "
        "\"shall we move the standup to ten tomorro…\""
    );
    EXPECT_EQ(tag_of(tagged->wait_for("TAGMSG"), "+draft/react"), "👍");

    // An operator deletes it: REDACT with draft/message-redaction, else a line answering it.
    native->send(make_frame("DELETE", {{"id", parent}}));
    ASSERT_EQ(verb_of(native_reply(*native)), "OK");
    EXPECT_EQ(
        plain->wait_for("PRIVMSG"),
        ":Guest5150!Guest5150@salon PRIVMSG #talk :* Guest5150 deleted their message"
    );
    const auto note = tagged->wait_for("PRIVMSG");
    EXPECT_EQ(tag_of(note, "+draft/reply"), id);
    EXPECT_EQ(tag_of(note, "msgid"), std::nullopt);
    std::vector<std::string> before;
    EXPECT_EQ(
        redacting->wait_for("REDACT", &before), ":Guest5150!Guest5150@salon REDACT #talk " + id
    );
    EXPECT_FALSE(has_line(before, "deleted")) << joined(before);
}

TEST_F(IrcConversation, AnOperatorsDeleteSaysWhoseMessageAndWhy) {
    auto op = in_channel("ora", "draft/message-redaction");  // the channel's operator
    auto plain = in_channel("pia", "");
    auto native = native_in("Guest5151", "talk");
    native->send(make_frame("SEND", {{"channel", "talk"}, {"text", "spam spam spam"}}));
    const auto id = body_of(native_reply(*native)).at("id").as_int64();
    plain->wait_for("PRIVMSG");

    op->send("REDACT #talk " + std::to_string(id) + " :off topic");
    EXPECT_EQ(
        plain->wait_for("PRIVMSG"),
        ":ora!ora@salon PRIVMSG #talk :* ora deleted Guest5151's message (off topic)"
    );
}

}  // namespace
}  // namespace salon::test
