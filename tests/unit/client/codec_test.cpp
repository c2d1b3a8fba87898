#include "client/codec.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace salon::client {
namespace {

namespace json = boost::json;

Frame decode_ok(std::string_view line) {
    auto f = decode_frame(line);
    EXPECT_TRUE(f.has_value()) << (f ? "" : f.error().message);
    return f ? *f : Frame{};
}

TEST(CodecTest, EncodesARequestAsOneLineWithTheVerbAsOnlyMember) {
    const auto line = encode_request(requests::send("home", "hi \"you\"\n"), 7);
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "the text's newline must be escaped";
    const auto v = json::parse(line);
    ASSERT_EQ(v.as_object().size(), 1u);
    const auto& args = v.at("SEND").as_object();
    EXPECT_EQ(args.at("channel"), "home");
    EXPECT_EQ(args.at("text"), "hi \"you\"\n");
    EXPECT_EQ(args.at("ref"), 7);
}

TEST(CodecTest, RequestBuildersShapeArguments) {
    EXPECT_EQ(
        json::parse(encode_request(requests::conn("", "", ""))),
        json::parse(R"({"CONN":{"us":"","pwd":""}})")
    );
    EXPECT_EQ(
        json::parse(encode_request(requests::conn("ann", "pw", "dev"))),
        json::parse(R"({"CONN":{"us":"ann","pwd":"pw","channel":"dev"}})")
    );
    EXPECT_EQ(
        json::parse(encode_request(requests::register_account("ann", "pw"))),
        json::parse(R"({"REGISTER":{"us":"ann","pwd":"pw"}})")
    );
    EXPECT_EQ(
        json::parse(encode_request(requests::conn("ann", "pw", "", false))),
        json::parse(R"({"CONN":{"us":"ann","pwd":"pw","join":false}})")
    );
    EXPECT_EQ(
        json::parse(encode_request(requests::register_account("ann", "pw", false))),
        json::parse(R"({"REGISTER":{"us":"ann","pwd":"pw","join":false}})")
    );
    EXPECT_EQ(
        json::parse(encode_request(requests::join("dev", "k"))),
        json::parse(R"({"JOIN":{"channel":"dev","key":"k"}})")
    );
    EXPECT_EQ(
        json::parse(encode_request(requests::part("dev"))),
        json::parse(R"({"PART":{"channel":"dev"}})")
    );
    EXPECT_EQ(
        json::parse(encode_request(requests::dm("bob", "yo"))),
        json::parse(R"({"DM":{"to":"bob","text":"yo"}})")
    );
    EXPECT_EQ(json::parse(encode_request(requests::list())), json::parse(R"({"LIST":{}})"));
    EXPECT_EQ(
        json::parse(encode_request(requests::who("dev"))),
        json::parse(R"({"WHO":{"channel":"dev"}})")
    );
    EXPECT_EQ(
        json::parse(encode_request(requests::history("dev"))),
        json::parse(R"({"HISTORY":{"channel":"dev"}})")
    );
    EXPECT_EQ(
        json::parse(encode_request(requests::history("dev", 42, 10))),
        json::parse(R"({"HISTORY":{"channel":"dev","before":42,"limit":10}})")
    );
    EXPECT_EQ(json::parse(encode_request(requests::ping())), json::parse(R"({"PING":{}})"));
    EXPECT_EQ(json::parse(encode_request(requests::pong())), json::parse(R"({"PONG":{}})"));
    EXPECT_EQ(json::parse(encode_request(requests::end())), json::parse(R"({"END":{}})"));
}

TEST(CodecTest, DecodesOkWithIntegerOrStringRefAndKeepsTheBody) {
    auto f = decode_ok(R"({"OK":{"ref":12,"id":5,"ts":"2026-11-24T12:00:00.123Z"}})");
    const auto& r = std::get<Reply>(f.payload);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.ref, "12");
    EXPECT_FALSE(r.body.contains("ref"));
    auto sent = parse_post_result(r);
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->id, 5);
    EXPECT_EQ(sent->ts_ms, 1795521600123);
    EXPECT_EQ(r.numeric_ref(), 12);

    auto g = decode_ok(R"({"OK":{"ref":"abc"}})");
    EXPECT_EQ(std::get<Reply>(g.payload).ref, "abc");
    EXPECT_EQ(std::get<Reply>(g.payload).numeric_ref(), std::nullopt);
    auto h = decode_ok(R"({"OK":{}})");
    EXPECT_EQ(std::get<Reply>(h.payload).ref, std::nullopt);
    EXPECT_EQ(std::get<Reply>(h.payload).numeric_ref(), std::nullopt);
}

TEST(CodecTest, DecodesNoWithCodeAndMessage) {
    auto f = decode_ok(R"({"NO":{"ref":3,"code":"not_in_channel","message":"join first"}})");
    const auto& r = std::get<Reply>(f.payload);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.code, "not_in_channel");
    EXPECT_EQ(r.message, "join first");
    EXPECT_FALSE(decode_frame(R"({"NO":{"ref":3}})")) << "NO without code";
}

TEST(CodecTest, DecodesMsgEventIntoCoresMessage) {
    auto f = decode_ok(
        R"({"MSG":{"id":9,"channel":"home","from":"ann","text":"héllo","ts":"2026-11-24T12:00:00.123Z","extra":true}})"
    );
    const core::Message& m = std::get<core::MessageEvent>(f.payload).message;
    EXPECT_FALSE(m.is_direct());
    EXPECT_EQ(m.id, 9);
    EXPECT_EQ(m.channel, "home");
    EXPECT_EQ(m.from, "ann");
    EXPECT_EQ(m.text, "héllo");
    EXPECT_EQ(m.ts_ms, 1795521600123);
    EXPECT_EQ(f.verb, "MSG");
    EXPECT_TRUE(f.args.contains("extra"));
}

TEST(CodecTest, DecodesDmEventAsADirectMessage) {
    auto f = decode_ok(
        R"({"DM":{"id":10,"from":"ann","to":"bob","text":"psst","ts":"2026-11-24T12:00:01.000Z"}})"
    );
    const core::Message& m = std::get<core::MessageEvent>(f.payload).message;
    EXPECT_TRUE(m.is_direct());
    EXPECT_EQ(m.from, "ann");
    EXPECT_EQ(m.to, "bob");
    EXPECT_EQ(m.ts_ms, 1795521601000);
}

TEST(CodecTest, DecodesJoinPartQuitEvents) {
    auto j = decode_ok(R"({"JOIN":{"channel":"home","user":"ann"}})");
    EXPECT_EQ(std::get<core::JoinEvent>(j.payload).user, "ann");
    EXPECT_FALSE(std::get<core::JoinEvent>(j.payload).op);
    auto o = decode_ok(R"({"JOIN":{"channel":"home","user":"ann","op":true}})");
    EXPECT_TRUE(std::get<core::JoinEvent>(o.payload).op);
    auto p = decode_ok(R"({"PART":{"channel":"home","user":"bob"}})");
    EXPECT_EQ(std::get<core::PartEvent>(p.payload).user, "bob");
    EXPECT_TRUE(std::get<core::PartEvent>(p.payload).by.empty());
    auto k = decode_ok(R"({"PART":{"channel":"home","user":"bob","by":"ann","reason":"spam"}})");
    EXPECT_EQ(std::get<core::PartEvent>(k.payload).by, "ann");
    EXPECT_EQ(std::get<core::PartEvent>(k.payload).reason, "spam");
    auto q = decode_ok(R"({"QUIT":{"user":"bob","reason":"gone"}})");
    EXPECT_EQ(std::get<core::QuitEvent>(q.payload).reason, "gone");
}

TEST(CodecTest, DecodesHistoryEventOldestFirst) {
    auto f = decode_ok(
        R"({"HISTORY":{"channel":"home","messages":[)"
        R"({"id":1,"channel":"home","from":"a","text":"x","ts":"2026-11-24T12:00:00.000Z"},)"
        R"({"id":2,"channel":"home","from":"b","text":"y","ts":"2026-11-24T12:00:01.000Z"}]}})"
    );
    const auto& h = std::get<core::HistoryEvent>(f.payload);
    ASSERT_EQ(h.messages.size(), 2u);
    EXPECT_EQ(h.messages[0].id, 1);
    EXPECT_EQ(h.messages[1].from, "b");
    EXPECT_FALSE(h.more);
    auto cut = decode_ok(R"({"HISTORY":{"channel":"home","messages":[],"more":true}})");
    EXPECT_TRUE(std::get<core::HistoryEvent>(cut.payload).more);
}

TEST(CodecTest, AnUnparseableTimestampKeepsTheMessageWithTimeZero) {
    auto f = decode_ok(R"({"MSG":{"id":1,"channel":"home","from":"a","text":"x","ts":"soon"}})");
    EXPECT_EQ(std::get<core::MessageEvent>(f.payload).message.ts_ms, 0);
}

TEST(CodecTest, DecodesPingNoticeTopicAndUnknownEvents) {
    EXPECT_TRUE(std::holds_alternative<core::PingEvent>(decode_ok(R"({"PING":{}})").payload));
    auto n = decode_ok(R"({"NOTICE":{"code":"shutting_down","message":"bye"}})");
    EXPECT_EQ(std::get<core::NoticeEvent>(n.payload).code, "shutting_down");
    auto t = decode_ok(R"({"TOPIC":{"channel":"home","topic":"hi","by":"ann"}})");
    EXPECT_EQ(std::get<core::TopicEvent>(t.payload).topic, "hi");
    auto u = decode_ok(R"({"FUTURE":{"x":1}})");
    EXPECT_TRUE(std::holds_alternative<UnknownEvent>(u.payload));
    EXPECT_EQ(u.verb, "FUTURE");
}

TEST(CodecV2Test, AVersionOneBodyDecodesWithItsIdAsRevAndNoVersionTwoMembers) {
    auto f = decode_ok(R"({"MSG":{"id":5,"channel":"home","from":"a","text":"x","ts":"soon"}})");
    const auto& m = std::get<core::MessageEvent>(f.payload).message;
    EXPECT_EQ(m.rev, 5);
    EXPECT_EQ(m.reply_to, 0);
    EXPECT_EQ(m.edited_ms, 0);
    EXPECT_FALSE(m.deleted);
    EXPECT_TRUE(m.reactions.empty());
    EXPECT_TRUE(m.mentions.empty());
}

TEST(CodecV2Test, DecodesTheVersionTwoMembersOfABody) {
    auto f = decode_ok(
        R"({"MSG":{"id":5,"rev":9,"channel":"home","from":"a","text":"@bob hi",)"
        R"("ts":"2026-11-24T12:00:00.000Z","reply_to":3,"edited":"2026-11-24T12:00:01.000Z",)"
        R"("reactions":[{"emoji":"👍","users":["bob","cy"]}],"mentions":["bob"]}})"
    );
    const auto& m = std::get<core::MessageEvent>(f.payload).message;
    EXPECT_EQ(m.rev, 9);
    EXPECT_EQ(m.reply_to, 3);
    EXPECT_EQ(m.edited_ms, 1795521601000);
    ASSERT_EQ(m.reactions.size(), 1u);
    EXPECT_EQ(m.reactions[0].emoji, "👍");
    EXPECT_EQ(m.reactions[0].users, (std::vector<std::string>{"bob", "cy"}));
    EXPECT_EQ(m.mentions, std::vector<std::string>{"bob"});
}

TEST(CodecV2Test, DecodesUpdateOfAChannelMessageOrATombstoneDm) {
    auto edited =
        decode_ok(R"({"UPDATE":{"id":5,"rev":9,"channel":"home","from":"a","text":"new",)"
                  R"("ts":"2026-11-24T12:00:00.000Z","edited":"2026-11-24T12:00:01.000Z"}})");
    const auto& m = std::get<core::UpdateEvent>(edited.payload).message;
    EXPECT_EQ(m.channel, "home");
    EXPECT_EQ(m.text, "new");

    auto deleted = decode_ok(R"({"UPDATE":{"id":6,"rev":10,"from":"a","to":"b","text":"",)"
                             R"("ts":"2026-11-24T12:00:00.000Z","deleted":true}})");
    const auto& d = std::get<core::UpdateEvent>(deleted.payload).message;
    EXPECT_TRUE(d.is_direct());
    EXPECT_EQ(d.to, "b");
    EXPECT_TRUE(d.deleted);
}

TEST(CodecV2Test, DecodesReadAndTypingOfAChannelOrADm) {
    auto read = decode_ok(R"({"READ":{"channel":"home","id":40}})");
    EXPECT_EQ(std::get<core::ReadEvent>(read.payload).channel, "home");
    EXPECT_EQ(std::get<core::ReadEvent>(read.payload).id, 40);
    auto read_dm = decode_ok(R"({"READ":{"with":"bob","id":41}})");
    EXPECT_EQ(std::get<core::ReadEvent>(read_dm.payload).with, "bob");

    auto typing = decode_ok(R"({"TYPING":{"with":"ann","user":"ann","state":"paused"}})");
    const auto& t = std::get<core::TypingEvent>(typing.payload);
    EXPECT_EQ(t.with, "ann");
    EXPECT_EQ(t.user, "ann");
    EXPECT_EQ(t.state, core::TypingState::paused);
}

TEST(CodecV2Test, MalformedVersionTwoFramesAreDecodeErrors) {
    for (const char* bad : {
             R"({"MSG":{"id":1,"channel":"h","from":"a","text":"x","ts":"t","rev":"2"}})",
             R"({"MSG":{"id":1,"channel":"h","from":"a","text":"x","ts":"t","mentions":[1]}})",
             R"({"MSG":{"id":1,"channel":"h","from":"a","text":"x","ts":"t","reactions":[{}]}})",
             R"({"READ":{"id":1}})",
             R"({"TYPING":{"channel":"home","user":"ann","state":"asleep"}})",
         }) {
        EXPECT_FALSE(decode_frame(bad).has_value()) << bad;
    }
}

TEST(CodecV2Test, JoinSaysWhetherTheJoinerIsAnOperator) {
    auto plain = decode_ok(R"({"JOIN":{"channel":"home","user":"ann"}})");
    EXPECT_FALSE(std::get<core::JoinEvent>(plain.payload).op);
    auto op = decode_ok(R"({"JOIN":{"channel":"home","user":"ann","op":true}})");
    EXPECT_TRUE(std::get<core::JoinEvent>(op.payload).op);
}

TEST(CodecV2Test, LoginResultTellsTheProtocolAndDirectHistoryItsPartner) {
    auto v2 = decode_ok(R"({"OK":{"user":"ann","protocol":2}})");
    EXPECT_EQ(parse_login_result(std::get<Reply>(v2.payload))->protocol, 2);
    auto v1 = decode_ok(R"({"OK":{"user":"ann"}})");
    EXPECT_EQ(parse_login_result(std::get<Reply>(v1.payload))->protocol, 1);

    auto dm = decode_ok(
        R"({"OK":{"with":"bob","messages":[)"
        R"({"id":1,"from":"bob","to":"ann","text":"x","ts":"2026-11-24T12:00:00.000Z"}]}})"
    );
    const auto history = parse_history_result(std::get<Reply>(dm.payload));
    ASSERT_TRUE(history.has_value()) << history.error().message;
    EXPECT_EQ(history->with, "bob");
    EXPECT_EQ(history->channel, "");
    ASSERT_EQ(history->messages.size(), 1u);
    EXPECT_TRUE(history->messages[0].is_direct());
}

TEST(CodecV2Test, RequestBuildersShapeTheVersionTwoVerbs) {
    const auto bob = ConversationRef::direct("bob");
    const auto dev = ConversationRef::channel("dev");
    const auto encoded = [](const Request& r) { return json::parse(encode_request(r)); };
    EXPECT_EQ(
        encoded(requests::conn("ann", "pw", "", false, 2)),
        json::parse(R"({"CONN":{"us":"ann","pwd":"pw","join":false,"v":2}})")
    );
    EXPECT_EQ(
        encoded(requests::register_account("ann", "pw", true, 2)),
        json::parse(R"({"REGISTER":{"us":"ann","pwd":"pw","v":2}})")
    );
    EXPECT_EQ(
        encoded(requests::send("dev", "yes", 9)),
        json::parse(R"({"SEND":{"channel":"dev","text":"yes","reply_to":9}})")
    );
    EXPECT_EQ(
        encoded(requests::dm("bob", "yes", 9)),
        json::parse(R"({"DM":{"to":"bob","text":"yes","reply_to":9}})")
    );
    EXPECT_EQ(
        encoded(requests::history_before(bob, 40, 20)),
        json::parse(R"({"HISTORY":{"with":"bob","before":40,"limit":20}})")
    );
    EXPECT_EQ(
        encoded(requests::history_before(dev, 0)), json::parse(R"({"HISTORY":{"channel":"dev"}})")
    );
    EXPECT_EQ(
        encoded(requests::history_after(dev, 0, 200)),
        json::parse(R"({"HISTORY":{"channel":"dev","after":0,"limit":200}})")
    );
    EXPECT_EQ(
        encoded(requests::edit(3, "fixed")), json::parse(R"({"EDIT":{"id":3,"text":"fixed"}})")
    );
    EXPECT_EQ(encoded(requests::delete_message(3)), json::parse(R"({"DELETE":{"id":3}})"));
    EXPECT_EQ(encoded(requests::react(3, "👍")), json::parse(R"({"REACT":{"id":3,"emoji":"👍"}})"));
    EXPECT_EQ(
        encoded(requests::react(3, "👍", false)),
        json::parse(R"({"REACT":{"id":3,"emoji":"👍","on":false}})")
    );
    EXPECT_EQ(encoded(requests::read(bob, 12)), json::parse(R"({"READ":{"id":12,"with":"bob"}})"));
    EXPECT_EQ(encoded(requests::conversations()), json::parse(R"({"CONVERSATIONS":{}})"));
    EXPECT_EQ(
        encoded(requests::typing(dev, core::TypingState::paused)),
        json::parse(R"({"TYPING":{"channel":"dev","state":"paused"}})")
    );
    EXPECT_EQ(
        encoded(requests::search({.text = "lunch"})), json::parse(R"({"SEARCH":{"query":"lunch"}})")
    );
    EXPECT_EQ(
        encoded(
            requests::search({.text = "lunch", .in = bob, .from = "ann", .before = 77, .limit = 5})
        ),
        json::parse(
            R"({"SEARCH":{"query":"lunch","with":"bob","from":"ann","before":77,"limit":5}})"
        )
    );
    EXPECT_EQ(
        encoded(requests::topic("dev", "ship it")),
        json::parse(R"({"TOPIC":{"channel":"dev","topic":"ship it"}})")
    );
    EXPECT_EQ(
        encoded(requests::kick("dev", "eve", "spam")),
        json::parse(R"({"KICK":{"channel":"dev","user":"eve","reason":"spam"}})")
    );
    EXPECT_EQ(
        encoded(requests::ban("dev", "eve")),
        json::parse(R"({"BAN":{"channel":"dev","user":"eve"}})")
    );
    EXPECT_EQ(
        encoded(requests::unban("dev", "eve")),
        json::parse(R"({"UNBAN":{"channel":"dev","user":"eve"}})")
    );
    EXPECT_EQ(
        encoded(requests::op("dev", "bob")), json::parse(R"({"OP":{"channel":"dev","user":"bob"}})")
    );
    EXPECT_EQ(
        encoded(requests::key("dev", "")), json::parse(R"({"KEY":{"channel":"dev","key":""}})")
    );
}

TEST(CodecV2Test, ParsesChangeConversationsAndSearchReplies) {
    auto change = decode_ok(R"({"OK":{"id":3,"rev":17}})");
    const auto changed = parse_change_result(std::get<Reply>(change.payload));
    ASSERT_TRUE(changed.has_value());
    EXPECT_EQ(changed->id, 3);
    EXPECT_EQ(changed->rev, 17);

    auto sidebar = decode_ok(
        R"({"OK":{"conversations":[)"
        R"({"channel":"dev","last_id":9,"last_ts":"2026-11-24T12:00:00.123Z","read":4,"unread":5,"mentions":1},)"
        R"({"with":"bob","last_id":null,"last_ts":null,"read":0,"unread":0,"mentions":0}]}})"
    );
    const auto list = parse_conversations_result(std::get<Reply>(sidebar.payload));
    ASSERT_TRUE(list.has_value()) << list.error().message;
    ASSERT_EQ(list->conversations.size(), 2u);
    EXPECT_EQ(list->conversations[0].channel, "dev");
    EXPECT_EQ(list->conversations[0].last_id, 9);
    EXPECT_EQ(list->conversations[0].last_ts, 1795521600123);
    EXPECT_EQ(list->conversations[0].read, 4);
    EXPECT_EQ(list->conversations[0].unread, 5u);
    EXPECT_EQ(list->conversations[0].mentions, 1u);
    EXPECT_EQ(list->conversations[1].with, "bob");
    EXPECT_EQ(list->conversations[1].last_id, std::nullopt);

    auto found = decode_ok(
        R"({"OK":{"more":true,"next_before":6,"messages":[)"
        R"({"id":8,"rev":8,"channel":"dev","from":"ann","text":"lunch?","ts":"2026-11-24T12:00:00.000Z"},)"
        R"({"id":7,"rev":7,"from":"bob","to":"ann","text":"lunch!","ts":"2026-11-24T12:00:00.000Z"}]}})"
    );
    const auto search = parse_search_result(std::get<Reply>(found.payload));
    ASSERT_TRUE(search.has_value()) << search.error().message;
    ASSERT_EQ(search->messages.size(), 2u);
    EXPECT_FALSE(search->messages[0].is_direct());
    EXPECT_TRUE(search->messages[1].is_direct());
    EXPECT_TRUE(search->more);
    EXPECT_EQ(search->next_before, 6);

    auto last = decode_ok(R"({"OK":{"more":false,"messages":[]}})");
    EXPECT_FALSE(parse_search_result(std::get<Reply>(last.payload))->more);
    auto broken = decode_ok(R"({"OK":{"conversations":[{"last_id":1,"unread":0,"mentions":0}]}})");
    EXPECT_FALSE(parse_conversations_result(std::get<Reply>(broken.payload)).has_value());
}

TEST(CodecTest, RejectsMalformedFramesWithoutThrowing) {
    for (const char* bad : {
             "not json",
             "[1,2]",
             "{}",
             R"({"A":{},"B":{}})",
             R"({"MSG":5})",
             R"({"MSG":{"id":"9","channel":"home","from":"a","text":"x","ts":"t"}})",
             R"({"MSG":{"id":9,"from":"a","text":"x","ts":"t"}})",
             R"({"JOIN":{"channel":"home"}})",
             R"({"HISTORY":{"channel":"home","messages":[1]}})",
             R"({"HISTORY":{"channel":"home","messages":{}}})",
             R"({"OK":{"ref":[1]}})",
             R"({"NOTICE":{"message":"no code"}})",
         }) {
        auto f = decode_frame(bad);
        EXPECT_FALSE(f) << bad;
        if (!f) {
            EXPECT_FALSE(f.error().message.empty());
        }
    }
}

TEST(CodecTest, ParsesTypedReplyBodies) {
    auto login = decode_ok(
        R"({"OK":{"ref":1,"user":"Guest12","guest":true,"server":{"name":"salond","version":"0.1.0"},)"
        R"("limits":{"max_text_bytes":4096,"history_page_max":200}}})"
    );
    auto l = parse_login_result(std::get<Reply>(login.payload));
    ASSERT_TRUE(l);
    EXPECT_EQ(l->user, "Guest12");
    EXPECT_TRUE(l->guest);
    EXPECT_EQ(l->server.name, "salond");
    EXPECT_EQ(l->server.version, "0.1.0");
    EXPECT_EQ(l->max_text_bytes, 4096u);
    EXPECT_EQ(l->history_page_max, 200u);
    EXPECT_EQ(l->max_frame_bytes, 0u) << "a limit the server did not send stays 0";

    auto join = decode_ok(
        R"({"OK":{"ref":2,"channel":"dev","topic":"","members":[{"user":"ann","guest":false,"op":true}]}})"
    );
    auto j = parse_join_result(std::get<Reply>(join.payload));
    ASSERT_TRUE(j);
    ASSERT_EQ(j->members.size(), 1u);
    EXPECT_TRUE(j->members[0].op);

    auto who = decode_ok(
        R"({"OK":{"channel":"dev","members":[{"user":"Guest1","guest":true,"op":false}]}})"
    );
    auto w = parse_who_result(std::get<Reply>(who.payload));
    ASSERT_TRUE(w);
    EXPECT_TRUE(w->members[0].guest);

    auto list = decode_ok(R"({"OK":{"channels":[{"name":"home","members":3,"topic":"t"}]}})");
    auto c = parse_list_result(std::get<Reply>(list.payload));
    ASSERT_TRUE(c);
    ASSERT_EQ(c->channels.size(), 1u);
    EXPECT_EQ(c->channels[0].members, 3u);
    EXPECT_FALSE(c->more);
    auto negative = decode_ok(R"({"OK":{"channels":[{"name":"home","members":-1}]}})");
    EXPECT_FALSE(parse_list_result(std::get<Reply>(negative.payload)));

    auto hist = decode_ok(R"({"OK":{"channel":"home","messages":[]}})");
    auto h = parse_history_result(std::get<Reply>(hist.payload));
    ASSERT_TRUE(h);
    EXPECT_TRUE(h->messages.empty());
    EXPECT_FALSE(h->more);
    auto cut = decode_ok(R"({"OK":{"channel":"home","messages":[],"more":true}})");
    auto c2 = parse_history_result(std::get<Reply>(cut.payload));
    ASSERT_TRUE(c2);
    EXPECT_TRUE(c2->more);

    EXPECT_FALSE(parse_login_result(std::get<Reply>(hist.payload)));
    EXPECT_FALSE(parse_list_result(std::get<Reply>(hist.payload)));
    EXPECT_FALSE(parse_post_result(std::get<Reply>(hist.payload)));
}

TEST(CodecTest, LoginResultCarriesEveryLimitTheServerSends) {
    auto login = decode_ok(
        R"({"OK":{"ref":1,"user":"ann","guest":false,"server":{"name":"salond","version":"1"},)"
        R"("limits":{"max_frame_bytes":16384,"max_text_bytes":4096,"max_channels_per_user":20,)"
        R"("messages_per_second":2.5,"history_page_max":200}}})"
    );
    auto l = parse_login_result(std::get<Reply>(login.payload));
    ASSERT_TRUE(l);
    EXPECT_FALSE(l->guest);
    EXPECT_EQ(l->max_frame_bytes, 16384u);
    EXPECT_EQ(l->max_channels_per_user, 20u);
    EXPECT_DOUBLE_EQ(l->messages_per_second, 2.5);
    auto whole = decode_ok(R"({"OK":{"user":"ann","limits":{"messages_per_second":5}}})");
    EXPECT_DOUBLE_EQ(parse_login_result(std::get<Reply>(whole.payload))->messages_per_second, 5.0);
}

TEST(CodecTokenTest, RequestBuildersShapeTheTokenVerbs) {
    const auto encoded = [](const Request& r) { return json::parse(encode_request(r)); };
    EXPECT_EQ(
        encoded(requests::conn_token("ann", "secret", "", false, 2)),
        json::parse(R"({"CONN":{"us":"ann","token":"secret","join":false,"v":2}})")
    );
    EXPECT_EQ(
        encoded(requests::conn_token("ann", "secret", "dev")),
        json::parse(R"({"CONN":{"us":"ann","token":"secret","channel":"dev"}})")
    );
    EXPECT_EQ(encoded(requests::token()), json::parse(R"({"TOKEN":{}})"));
    EXPECT_EQ(
        encoded(requests::token("salon-gui on box")),
        json::parse(R"({"TOKEN":{"label":"salon-gui on box"}})")
    );
    EXPECT_EQ(encoded(requests::tokens()), json::parse(R"({"TOKENS":{}})"));
    EXPECT_EQ(encoded(requests::revoke(7)), json::parse(R"({"REVOKE":{"id":7}})"));
    EXPECT_EQ(
        encoded(requests::passwd("old pw", "new pw")),
        json::parse(R"({"PASSWD":{"old":"old pw","new":"new pw"}})")
    );
}

TEST(CodecTokenTest, ParsesTokenAndTokensReplies) {
    auto made =
        decode_ok(R"({"OK":{"ref":1,"id":7,"token":"abc","expires":"2027-01-05T12:00:00.000Z"}})");
    auto t = parse_token_result(std::get<Reply>(made.payload));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->id, 7);
    EXPECT_EQ(t->token, "abc");
    EXPECT_EQ(t->expires_ms, 1799150400000);
    auto no_secret = decode_ok(R"({"OK":{"id":7}})");
    EXPECT_FALSE(parse_token_result(std::get<Reply>(no_secret.payload)));

    auto listed =
        decode_ok(R"({"OK":{"tokens":[{"id":9,"label":"cli","created":"2027-01-05T12:00:00.000Z",)"
                  R"("last_used":null,"expires":"2027-02-04T12:00:00.000Z","current":true},)"
                  R"({"id":3,"label":"","created":"2027-01-01T00:00:00.000Z",)"
                  R"("last_used":"2027-01-02T00:00:00.000Z","expires":"2027-02-01T00:00:00.000Z",)"
                  R"("current":false}]}})");
    auto l = parse_tokens_result(std::get<Reply>(listed.payload));
    ASSERT_TRUE(l);
    ASSERT_EQ(l->tokens.size(), 2u);
    EXPECT_EQ(l->tokens[0].id, 9);
    EXPECT_EQ(l->tokens[0].label, "cli");
    EXPECT_TRUE(l->tokens[0].current);
    EXPECT_FALSE(l->tokens[0].last_used_ms);
    EXPECT_EQ(l->tokens[1].last_used_ms, 1798848000000);
    EXPECT_FALSE(l->tokens[1].current);
    auto bad = decode_ok(R"({"OK":{"tokens":[7]}})");
    EXPECT_FALSE(parse_tokens_result(std::get<Reply>(bad.payload)));
}

}  // namespace
}  // namespace salon::client
