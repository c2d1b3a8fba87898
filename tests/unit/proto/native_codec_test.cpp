#include "proto/native_codec.hpp"

// The native codec: every verb decoded, every decode error in PROTOCOL.md's check order,
// every result and event encoded as one parseable line, and no throw on garbage.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>
#include <string>

#include "core/utf8.hpp"

namespace salon::proto {
namespace {

namespace json = boost::json;
using core::Errc;

/// The request, or a test failure naming the error the frame decoded to.
template <typename T>
T command_of(std::string_view frame, bool logged_in = true) {
    const Decoded decoded = decode_request(frame, logged_in);
    if (const auto* e = std::get_if<DecodeError>(&decoded)) {
        ADD_FAILURE() << frame << " -> " << core::wire_code(e->code) << ": " << e->message;
        return T{};
    }
    const auto& request = std::get<Request>(decoded);
    if (const auto* c = std::get_if<T>(&request.command)) return *c;
    ADD_FAILURE() << frame << " decoded to command #" << request.command.index();
    return T{};
}

Ref ref_of(std::string_view frame, bool logged_in = true) {
    const Decoded decoded = decode_request(frame, logged_in);
    if (const auto* r = std::get_if<Request>(&decoded)) return r->ref;
    return std::get<DecodeError>(decoded).ref;
}

/// The error a frame decodes to; a test failure when it decodes.
DecodeError error_of(std::string_view frame, bool logged_in = true) {
    Decoded decoded = decode_request(frame, logged_in);
    if (auto* e = std::get_if<DecodeError>(&decoded)) return std::move(*e);
    ADD_FAILURE() << frame << " decoded, but an error was expected";
    return DecodeError{{}, Errc::internal, ""};
}

Errc code_of(std::string_view frame, bool logged_in = true) {
    return error_of(frame, logged_in).code;
}

/// One encoded frame: exactly one line, a JSON object with one member `verb`; its body.
json::object body_of(const std::string& frame, std::string_view verb) {
    EXPECT_FALSE(frame.empty());
    EXPECT_EQ(frame.back(), '\n');
    EXPECT_EQ(frame.find('\n'), frame.size() - 1) << "more than one line: " << frame;
    json::error_code ec;
    const json::value parsed = json::parse(frame, ec);
    if (ec || !parsed.is_object()) {
        ADD_FAILURE() << "not a JSON object: " << frame;
        return {};
    }
    const auto& outer = parsed.get_object();
    EXPECT_EQ(outer.size(), 1U) << frame;
    const auto* body = outer.if_contains(verb);
    if (body == nullptr || !body->is_object()) {
        ADD_FAILURE() << "no object member " << verb << " in " << frame;
        return {};
    }
    return body->get_object();
}

std::string str(const json::object& body, std::string_view key) {
    const auto* v = body.if_contains(key);
    if (v == nullptr || !v->is_string()) {
        ADD_FAILURE() << "no string member " << key << " in " << json::serialize(body);
        return {};
    }
    return std::string(v->get_string());
}

std::int64_t integer(const json::object& body, std::string_view key) {
    const auto* v = body.if_contains(key);
    if (v == nullptr || !v->is_int64()) {
        ADD_FAILURE() << "no integer member " << key << " in " << json::serialize(body);
        return 0;
    }
    return v->get_int64();
}

bool boolean(const json::object& body, std::string_view key) {
    const auto* v = body.if_contains(key);
    if (v == nullptr || !v->is_bool()) {
        ADD_FAILURE() << "no boolean member " << key << " in " << json::serialize(body);
        return false;
    }
    return v->get_bool();
}

constexpr core::UnixMillis kTs = 1'700'000'000'123;  // 2023-11-14T22:13:20.123Z
constexpr std::string_view kTsText = "2023-11-14T22:13:20.123Z";

core::Message channel_message(core::MessageId id, std::string text) {
    return core::Message{
        .id = id,
        .channel = "home",
        .from = "alice",
        .to = "",
        .text = std::move(text),
        .ts_ms = kTs};
}

core::Message direct_message(core::MessageId id, std::string text) {
    return core::Message{
        .id = id,
        .channel = "",
        .from = "alice",
        .to = "Bob",
        .text = std::move(text),
        .ts_ms = kTs};
}

// --- decoding each verb ---

TEST(DecodeVerbTest, ConnReadsNamePasswordAndChannel) {
    const auto c = command_of<Conn>(R"({"CONN":{"us":"alice","pwd":"secret","channel":"#rust"}})");
    EXPECT_EQ(c.us, "alice");
    EXPECT_EQ(c.pwd, "secret");
    EXPECT_EQ(c.channel, "#rust");
}

TEST(DecodeVerbTest, ConnWithoutFieldsIsAGuestLoginWithTheDefaultChannel) {
    const auto c = command_of<Conn>(R"({"CONN":{}})", false);
    EXPECT_EQ(c.us, "");
    EXPECT_EQ(c.pwd, "");
    EXPECT_EQ(c.channel, std::nullopt);
}

TEST(DecodeVerbTest, ConnTreatsANullChannelAsAbsent) {
    EXPECT_EQ(command_of<Conn>(R"({"CONN":{"us":"","channel":null}})").channel, std::nullopt);
}

TEST(DecodeVerbTest, RegisterReadsNameAndPassword) {
    const auto r = command_of<Register>(R"({"REGISTER":{"us":"alice","pwd":"pässwörd"}})", false);
    EXPECT_EQ(r.us, "alice");
    EXPECT_EQ(r.pwd, "pässwörd");
}

TEST(DecodeVerbTest, JoinReadsChannelAndOptionalKey) {
    EXPECT_EQ(command_of<Join>(R"({"JOIN":{"channel":"home"}})").channel, "home");
    EXPECT_EQ(command_of<Join>(R"({"JOIN":{"channel":"home"}})").key, "");
    EXPECT_EQ(command_of<Join>(R"({"JOIN":{"channel":"home","key":"k"}})").key, "k");
}

TEST(DecodeVerbTest, PartReadsChannel) {
    EXPECT_EQ(command_of<Part>(R"({"PART":{"channel":"home"}})").channel, "home");
}

TEST(DecodeVerbTest, SendReadsChannelAndTextWithoutAClaimedSender) {
    const auto s = command_of<Send>(R"({"SEND":{"channel":"home","text":"hi \"there\"\n"}})");
    EXPECT_EQ(s.channel, "home");
    EXPECT_EQ(s.text, "hi \"there\"\n");
    EXPECT_EQ(s.claimed_user, std::nullopt);
}

TEST(DecodeVerbTest, LegacySendReadsUserChannelAndPayload) {
    const auto s = command_of<Send>(R"({"SEND":{"USER":"alice","CHANNEL":"home","PAYLOAD":"hi"}})");
    EXPECT_EQ(s.claimed_user, "alice");
    EXPECT_EQ(s.channel, "home");
    EXPECT_EQ(s.text, "hi");
}

TEST(DecodeVerbTest, LegacySendMissingAFieldIsBadRequest) {
    EXPECT_EQ(code_of(R"({"SEND":{"USER":"alice","PAYLOAD":"hi"}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"SEND":{"CHANNEL":"home","PAYLOAD":"hi"}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"SEND":{"USER":"alice","CHANNEL":"home"}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"SEND":{"USER":1,"CHANNEL":"home","PAYLOAD":"hi"}})"), Errc::bad_request);
}

TEST(DecodeVerbTest, DmReadsRecipientAndText) {
    const auto d = command_of<Dm>(R"({"DM":{"to":"bob","text":"psst"}})");
    EXPECT_EQ(d.to, "bob");
    EXPECT_EQ(d.text, "psst");
}

TEST(DecodeVerbTest, ArgumentlessVerbsDecode) {
    command_of<List>(R"({"LIST":{}})");
    command_of<Ping>(R"({"PING":{}})");
    command_of<Pong>(R"({"PONG":{}})");
    command_of<End>(R"({"END":{}})");
}

TEST(DecodeVerbTest, WhoReadsChannel) {
    EXPECT_EQ(command_of<Who>(R"({"WHO":{"channel":"home"}})").channel, "home");
}

TEST(DecodeVerbTest, HistoryReadsChannelBeforeAndLimit) {
    const auto h = command_of<History>(R"({"HISTORY":{"channel":"home","before":120,"limit":5}})");
    EXPECT_EQ(h.channel, "home");
    EXPECT_EQ(h.before, 120);
    EXPECT_EQ(h.limit, 5U);
}

TEST(DecodeVerbTest, HistoryWithoutBeforeOrLimitLeavesThemToTheServer) {
    const auto h = command_of<History>(R"({"HISTORY":{"channel":"home"}})");
    EXPECT_EQ(h.before, std::nullopt);
    EXPECT_EQ(h.limit, std::nullopt);
}

TEST(DecodeVerbTest, HistoryLimitBelowOneIsBadRequest) {
    EXPECT_EQ(code_of(R"({"HISTORY":{"channel":"home","limit":0}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"HISTORY":{"channel":"home","limit":-3}})"), Errc::bad_request);
    EXPECT_EQ(command_of<History>(R"({"HISTORY":{"channel":"home","limit":1}})").limit, 1U);
}

TEST(DecodeVerbTest, HistoryBeforeAndLimitMustBeIntegers) {
    EXPECT_EQ(code_of(R"({"HISTORY":{"channel":"home","before":"9"}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"HISTORY":{"channel":"home","before":9.5}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"HISTORY":{"channel":"home","limit":"5"}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"HISTORY":{"channel":"home","limit":true}})"), Errc::bad_request);
    EXPECT_EQ(
        code_of(R"({"HISTORY":{"channel":"home","before":18446744073709551615}})"),
        Errc::bad_request
    );
}

TEST(DecodeVerbTest, ModerationVerbsReadTheirFields) {
    const auto t = command_of<Topic>(R"({"TOPIC":{"channel":"home","topic":"Welcome"}})");
    EXPECT_EQ(t.channel, "home");
    EXPECT_EQ(t.topic, "Welcome");

    const auto k = command_of<Kick>(R"({"KICK":{"channel":"home","user":"bob","reason":"spam"}})");
    EXPECT_EQ(k.channel, "home");
    EXPECT_EQ(k.user, "bob");
    EXPECT_EQ(k.reason, "spam");
    EXPECT_EQ(command_of<Kick>(R"({"KICK":{"channel":"home","user":"bob"}})").reason, "");

    const auto b = command_of<Ban>(R"({"BAN":{"channel":"home","user":"bob"}})");
    EXPECT_EQ(b.channel, "home");
    EXPECT_EQ(b.user, "bob");

    const auto u = command_of<Unban>(R"({"UNBAN":{"channel":"home","user":"bob"}})");
    EXPECT_EQ(u.channel, "home");
    EXPECT_EQ(u.user, "bob");

    const auto o = command_of<Op>(R"({"OP":{"channel":"home","user":"bob"}})");
    EXPECT_EQ(o.channel, "home");
    EXPECT_EQ(o.user, "bob");

    const auto key = command_of<Key>(R"({"KEY":{"channel":"home","key":""}})");
    EXPECT_EQ(key.channel, "home");
    EXPECT_EQ(key.key, "");
}

TEST(DecodeVerbTest, UnknownExtraFieldsAreIgnored) {
    const auto j = command_of<Join>(R"({"JOIN":{"channel":"home","colour":"blue","x":[1,2]}})");
    EXPECT_EQ(j.channel, "home");
}

TEST(DecodeVerbTest, WhitespaceAroundTheJsonIsAccepted) {
    command_of<Ping>(" \t{ \"PING\" : { } } ");
}

// --- missing and mistyped fields ---

TEST(DecodeFieldTest, AMissingRequiredFieldIsBadRequestNamingIt) {
    const auto e = error_of(R"({"SEND":{"channel":"home"}})");
    EXPECT_EQ(e.code, Errc::bad_request);
    EXPECT_NE(e.message.find("text"), std::string::npos) << e.message;

    EXPECT_EQ(code_of(R"({"REGISTER":{"us":"alice"}})", false), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"JOIN":{}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"PART":{}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"DM":{"text":"x"}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"WHO":{}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"HISTORY":{}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"TOPIC":{"channel":"home"}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"KICK":{"channel":"home"}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"BAN":{"user":"bob"}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"UNBAN":{"channel":"home"}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"OP":{"channel":"home"}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"KEY":{"channel":"home"}})"), Errc::bad_request);
}

TEST(DecodeFieldTest, AFieldOfTheWrongTypeIsBadRequest) {
    EXPECT_EQ(code_of(R"({"JOIN":{"channel":5}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"JOIN":{"channel":"home","key":7}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"SEND":{"channel":"home","text":["hi"]}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"SEND":{"channel":null,"text":"hi"}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"CONN":{"us":42}})", false), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"CONN":{"us":"a","pwd":{}}})", false), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"CONN":{"channel":false}})", false), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"DM":{"to":"bob","text":1.5}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"KICK":{"channel":"home","user":"bob","reason":3}})"), Errc::bad_request);
}

TEST(DecodeFieldTest, AFieldErrorKeepsTheRef) {
    const auto e = error_of(R"({"JOIN":{"ref":"j1","channel":5}})");
    EXPECT_EQ(e.code, Errc::bad_request);
    EXPECT_EQ(e.ref, Ref(std::string("j1")));
}

// --- refs ---

TEST(DecodeRefTest, AnIntegerRefIsKept) {
    EXPECT_EQ(ref_of(R"({"PING":{"ref":7}})"), Ref(std::int64_t{7}));
    EXPECT_EQ(ref_of(R"({"PING":{"ref":-7}})"), Ref(std::int64_t{-7}));
    EXPECT_EQ(
        ref_of(R"({"PING":{"ref":9223372036854775807}})"),
        Ref(std::int64_t{9'223'372'036'854'775'807})
    );
}

TEST(DecodeRefTest, AStringRefOfUpTo64CharactersIsKept) {
    EXPECT_EQ(ref_of(R"({"PING":{"ref":"abc"}})"), Ref(std::string("abc")));
    EXPECT_EQ(ref_of(R"({"PING":{"ref":""}})"), Ref(std::string("")));
    const std::string ref64(64, 'r');
    EXPECT_EQ(ref_of(R"({"PING":{"ref":")" + ref64 + "\"}}"), Ref(ref64));
}

TEST(DecodeRefTest, NoRefOrANullRefIsAbsent) {
    EXPECT_EQ(ref_of(R"({"PING":{}})"), Ref());
    EXPECT_EQ(ref_of(R"({"PING":{"ref":null}})"), Ref());
}

TEST(DecodeRefTest, ARefThatIsTooLongFloatingOrOtherwiseTypedIsBadRequestWithoutRef) {
    const std::string ref65(65, 'r');
    for (const std::string& frame : {
             R"({"PING":{"ref":")" + ref65 + "\"}}",
             std::string(R"({"PING":{"ref":1.5}})"),
             std::string(R"({"PING":{"ref":1e3}})"),
             std::string(R"({"PING":{"ref":true}})"),
             std::string(R"({"PING":{"ref":[1]}})"),
             std::string(R"({"PING":{"ref":{"a":1}}})"),
             std::string(R"({"PING":{"ref":9223372036854775808}})"),
         }) {
        const auto e = error_of(frame);
        EXPECT_EQ(e.code, Errc::bad_request) << frame;
        EXPECT_EQ(e.ref, Ref()) << frame;
    }
}

TEST(DecodeRefTest, ABadRefIsAShapeErrorSoItComesBeforeUnknownVerbAndLogin) {
    EXPECT_EQ(code_of(R"({"NOPE":{"ref":1.5}})", false), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"SEND":{"ref":false}})", false), Errc::bad_request);
}

// --- PROTOCOL.md's check order ---

TEST(DecodeOrderTest, InvalidUtf8IsBadUtf8EvenWhenTheJsonIsAlsoBroken) {
    EXPECT_EQ(code_of("{\"PING\":{\"ref\":\"\xff\"}}"), Errc::bad_utf8);
    EXPECT_EQ(code_of("{\"PING\":\xc3"), Errc::bad_utf8);
    EXPECT_EQ(code_of("\xed\xa0\x80"), Errc::bad_utf8);  // a UTF-16 surrogate
}

TEST(DecodeOrderTest, MalformedJsonIsBadJson) {
    for (const std::string_view frame : {
             "",
             "{",
             "hello",
             R"({"PING":{})",
             R"({"PING":{}}})",
             R"({"PING":{}} {"PING":{}})",
             R"({'PING':{}})",
             R"({"PING":{},})",
         }) {
        EXPECT_EQ(code_of(frame), Errc::bad_json) << frame;
    }
}

TEST(DecodeOrderTest, AnEscapedLoneSurrogateIsBadJsonSoNoTextBecomesInvalidUtf8) {
    EXPECT_EQ(code_of(R"({"SEND":{"channel":"home","text":"\ud800"}})"), Errc::bad_json);
    EXPECT_EQ(code_of(R"({"SEND":{"channel":"home","text":"\udc00x"}})"), Errc::bad_json);
    EXPECT_EQ(
        command_of<Send>(R"({"SEND":{"channel":"home","text":"\ud83d\ude00"}})").text,
        "\xf0\x9f\x98\x80"
    );
}

TEST(DecodeOrderTest, ValidJsonThatIsNotAnObjectIsBadRequest) {
    for (const std::string_view frame :
         {"[]", "42", "\"PING\"", "null", "true", R"([{"PING":{}}])"}) {
        EXPECT_EQ(code_of(frame), Errc::bad_request) << frame;
    }
}

TEST(DecodeOrderTest, AnObjectWithoutExactlyOneMemberIsBadRequest) {
    EXPECT_EQ(code_of("{}"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"PING":{},"END":{}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"PING":{},"ref":1})"), Errc::bad_request);
}

TEST(DecodeOrderTest, AVerbWhoseValueIsNotAnObjectIsBadRequest) {
    EXPECT_EQ(code_of(R"({"PING":null})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"PING":[]})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"SEND":"home hi"})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"NOPE":1})"), Errc::bad_request);  // shape before verb
}

TEST(DecodeOrderTest, AnUnknownVerbIsUnknownVerbWithTheRefInAnyState) {
    for (const bool logged_in : {false, true}) {
        const auto e = error_of(R"({"FROB":{"ref":"f1","channel":5}})", logged_in);
        EXPECT_EQ(e.code, Errc::unknown_verb);
        EXPECT_EQ(e.ref, Ref(std::string("f1")));
    }
}

TEST(DecodeOrderTest, TheUnknownVerbMessageStaysValidUtf8WhenTheVerbIsCutShort) {
    // 31 ASCII bytes then a two-byte character: a cut at 32 bytes would split the character.
    const std::string verb = std::string(31, 'X') + "\xc3\xa9XYZ";
    const auto e = error_of(R"({")" + verb + R"(":{}})");
    EXPECT_EQ(e.code, Errc::unknown_verb);
    EXPECT_TRUE(core::is_valid_utf8(e.message)) << e.message;
    const std::string reply = encode_no(e.ref, e.code, e.message);
    EXPECT_TRUE(core::is_valid_utf8(reply)) << reply;
}

TEST(DecodeOrderTest, VerbsAreUpperCase) {
    EXPECT_EQ(code_of(R"({"ping":{}})"), Errc::unknown_verb);
    EXPECT_EQ(code_of(R"({"Send":{"channel":"home","text":"hi"}})"), Errc::unknown_verb);
}

TEST(DecodeOrderTest, BeforeLoginOnlyConnRegisterPingPongAndEndDecode) {
    command_of<Conn>(R"({"CONN":{"us":"alice","pwd":"x"}})", false);
    command_of<Register>(R"({"REGISTER":{"us":"alice","pwd":"x"}})", false);
    command_of<Ping>(R"({"PING":{}})", false);
    command_of<Pong>(R"({"PONG":{}})", false);
    command_of<End>(R"({"END":{}})", false);

    for (const std::string_view frame : {
             R"({"JOIN":{"channel":"home"}})",
             R"({"PART":{"channel":"home"}})",
             R"({"SEND":{"channel":"home","text":"hi"}})",
             R"({"SEND":{"USER":"a","CHANNEL":"home","PAYLOAD":"hi"}})",
             R"({"DM":{"to":"bob","text":"hi"}})",
             R"({"LIST":{}})",
             R"({"WHO":{"channel":"home"}})",
             R"({"HISTORY":{"channel":"home"}})",
             R"({"TOPIC":{"channel":"home","topic":"t"}})",
             R"({"KICK":{"channel":"home","user":"bob"}})",
             R"({"BAN":{"channel":"home","user":"bob"}})",
             R"({"UNBAN":{"channel":"home","user":"bob"}})",
             R"({"OP":{"channel":"home","user":"bob"}})",
             R"({"KEY":{"channel":"home","key":"k"}})",
         }) {
        EXPECT_EQ(code_of(frame, false), Errc::not_logged_in) << frame;
    }
}

TEST(DecodeOrderTest, NotLoggedInComesBeforeTheVerbsFieldErrorsAndKeepsTheRef) {
    const auto e = error_of(R"({"SEND":{"ref":3,"channel":5}})", false);
    EXPECT_EQ(e.code, Errc::not_logged_in);
    EXPECT_EQ(e.ref, Ref(std::int64_t{3}));
    EXPECT_EQ(code_of(R"({"HISTORY":{"channel":"home","limit":0}})", false), Errc::not_logged_in);
    // The same frames once logged in fail on their fields.
    EXPECT_EQ(code_of(R"({"SEND":{"ref":3,"channel":5}})", true), Errc::bad_request);
}

TEST(DecodeOrderTest, EveryErrorHasAHumanMessage) {
    for (const std::string_view frame : {
             "\xff",
             "{",
             "[]",
             R"({"FROB":{}})",
             R"({"JOIN":{"channel":1}})",
             R"({"HISTORY":{"channel":"a","limit":0}})",
         }) {
        EXPECT_FALSE(error_of(frame).message.empty()) << frame;
    }
    EXPECT_FALSE(error_of(R"({"JOIN":{}})", false).message.empty());
}

// --- encoding replies ---

TEST(EncodeOkTest, AnEmptyResultCarriesOnlyTheRef) {
    EXPECT_EQ(encode_ok(Ref(std::int64_t{7}), core::EmptyResult{}), "{\"OK\":{\"ref\":7}}\n");
    EXPECT_EQ(
        encode_ok(Ref(std::string("a\"b")), core::EmptyResult{}), "{\"OK\":{\"ref\":\"a\\\"b\"}}\n"
    );
    EXPECT_EQ(encode_ok(Ref(), core::EmptyResult{}), "{\"OK\":{}}\n");
}

TEST(EncodeOkTest, ALoginResultCarriesServerAndLimits) {
    core::LoginResult r;
    r.user = "Guest42";
    r.guest = true;
    r.server = {"salond", "1.2.3"};
    r.max_frame_bytes = 16384;
    r.max_text_bytes = 4096;
    r.max_channels_per_user = 100;
    r.messages_per_second = 20.0;
    r.history_page_max = 200;

    const std::string frame = encode_ok(Ref(std::string("c1")), r);
    // A whole rate prints as an integer, not Boost.JSON's 2E1.
    EXPECT_NE(frame.find("\"messages_per_second\":20"), std::string::npos) << frame;
    EXPECT_EQ(frame.find("E1"), std::string::npos) << frame;

    const auto body = body_of(frame, "OK");
    EXPECT_EQ(str(body, "ref"), "c1");
    EXPECT_EQ(str(body, "user"), "Guest42");
    EXPECT_TRUE(boolean(body, "guest"));
    const auto& server = body.at("server").as_object();
    EXPECT_EQ(str(server, "name"), "salond");
    EXPECT_EQ(str(server, "version"), "1.2.3");
    const auto& limits = body.at("limits").as_object();
    EXPECT_EQ(integer(limits, "max_frame_bytes"), 16384);
    EXPECT_EQ(integer(limits, "max_text_bytes"), 4096);
    EXPECT_EQ(integer(limits, "max_channels_per_user"), 100);
    EXPECT_EQ(integer(limits, "messages_per_second"), 20);
    EXPECT_EQ(integer(limits, "history_page_max"), 200);
}

TEST(EncodeOkTest, AFractionalRateStaysANumberWithItsFraction) {
    core::LoginResult r;
    r.messages_per_second = 2.5;
    const auto body = body_of(encode_ok(Ref(), r), "OK");
    const auto& rate = body.at("limits").as_object().at("messages_per_second");
    ASSERT_TRUE(rate.is_double());
    EXPECT_DOUBLE_EQ(rate.get_double(), 2.5);
}

TEST(EncodeOkTest, AJoinResultListsMembersWithGuestAndOpFlags) {
    core::JoinResult r{"home", "Welcome", {{"alice", false, true}, {"Guest1", true, false}}};
    const auto body = body_of(encode_ok(Ref(std::int64_t{1}), r), "OK");
    EXPECT_EQ(integer(body, "ref"), 1);
    EXPECT_EQ(str(body, "channel"), "home");
    EXPECT_EQ(str(body, "topic"), "Welcome");
    const auto& members = body.at("members").as_array();
    ASSERT_EQ(members.size(), 2U);
    EXPECT_EQ(str(members[0].as_object(), "user"), "alice");
    EXPECT_FALSE(boolean(members[0].as_object(), "guest"));
    EXPECT_TRUE(boolean(members[0].as_object(), "op"));
    EXPECT_EQ(str(members[1].as_object(), "user"), "Guest1");
    EXPECT_TRUE(boolean(members[1].as_object(), "guest"));
    EXPECT_FALSE(boolean(members[1].as_object(), "op"));
}

TEST(EncodeOkTest, APostResultCarriesIdAndRfc3339Timestamp) {
    const auto body = body_of(encode_ok(Ref(), core::PostResult{9'000'000'000, kTs}), "OK");
    EXPECT_EQ(integer(body, "id"), 9'000'000'000);
    EXPECT_EQ(str(body, "ts"), kTsText);
}

TEST(EncodeOkTest, AListResultCountsMembers) {
    core::ListResult r{{{"home", 3, "Welcome"}, {"rust", 0, ""}}};
    const auto body = body_of(encode_ok(Ref(), r), "OK");
    const auto& channels = body.at("channels").as_array();
    ASSERT_EQ(channels.size(), 2U);
    EXPECT_EQ(str(channels[0].as_object(), "name"), "home");
    EXPECT_EQ(integer(channels[0].as_object(), "members"), 3);
    EXPECT_EQ(str(channels[0].as_object(), "topic"), "Welcome");
    EXPECT_EQ(str(channels[1].as_object(), "name"), "rust");
    EXPECT_EQ(integer(channels[1].as_object(), "members"), 0);
}

TEST(EncodeOkTest, AnEmptyListIsAnEmptyArray) {
    const auto body = body_of(encode_ok(Ref(), core::ListResult{}), "OK");
    ASSERT_TRUE(body.at("channels").is_array());
    EXPECT_TRUE(body.at("channels").get_array().empty());
}

TEST(EncodeOkTest, AWhoResultListsMembersAndNothingElse) {
    core::WhoResult r;
    r.channel = "home";
    r.members = {{"bob", false, false}};
    const auto body = body_of(encode_ok(Ref(), r), "OK");
    EXPECT_EQ(body.size(), 2U) << json::serialize(body);  // PROTOCOL.md: {channel, members}
    EXPECT_EQ(str(body, "channel"), "home");
    ASSERT_EQ(body.at("members").as_array().size(), 1U);
    EXPECT_EQ(str(body.at("members").as_array()[0].as_object(), "user"), "bob");
}

TEST(EncodeOkTest, AHistoryResultListsMessageBodiesInOrder) {
    core::HistoryResult r{"home", {channel_message(1, "first"), channel_message(2, "second")}};
    const auto body = body_of(encode_ok(Ref(), r), "OK");
    EXPECT_EQ(str(body, "channel"), "home");
    const auto& messages = body.at("messages").as_array();
    ASSERT_EQ(messages.size(), 2U);
    const auto& m = messages[0].as_object();
    EXPECT_EQ(integer(m, "id"), 1);
    EXPECT_EQ(str(m, "channel"), "home");
    EXPECT_EQ(str(m, "from"), "alice");
    EXPECT_EQ(str(m, "text"), "first");
    EXPECT_EQ(str(m, "ts"), kTsText);
    EXPECT_FALSE(m.contains("to"));
    EXPECT_EQ(integer(messages[1].as_object(), "id"), 2);
}

TEST(EncodeOkTest, ATopicResultCarriesChannelAndTopic) {
    const auto body = body_of(encode_ok(Ref(), core::TopicResult{"home", "New"}), "OK");
    EXPECT_EQ(str(body, "channel"), "home");
    EXPECT_EQ(str(body, "topic"), "New");
}

TEST(EncodeNoTest, CarriesRefWireCodeAndMessage) {
    const auto body =
        body_of(encode_no(Ref(std::string("r9")), Errc::no_such_channel, "no \"x\"\n"), "NO");
    EXPECT_EQ(str(body, "ref"), "r9");
    EXPECT_EQ(str(body, "code"), "no_such_channel");
    EXPECT_EQ(str(body, "message"), "no \"x\"\n");
}

TEST(EncodeNoTest, EveryCodeIsSentByItsWireName) {
    for (int i = 0; i <= static_cast<int>(Errc::internal); ++i) {
        const auto code = static_cast<Errc>(i);
        const auto body = body_of(encode_no(Ref(), code, "m"), "NO");
        EXPECT_EQ(str(body, "code"), core::wire_code(code));
        EXPECT_FALSE(body.contains("ref"));
    }
}

TEST(EncodeNoTest, ADecodeErrorRoundTripsIntoItsReply) {
    const auto e = error_of(R"({"FROB":{"ref":11}})");
    const auto body = body_of(encode_no(e.ref, e.code, e.message), "NO");
    EXPECT_EQ(integer(body, "ref"), 11);
    EXPECT_EQ(str(body, "code"), "unknown_verb");
}

// --- encoding events ---

TEST(EncodeEventTest, AChannelMessageIsMsg) {
    const auto body =
        body_of(encode_event(core::MessageEvent{channel_message(5, "héllo\n\"world\"")}), "MSG");
    EXPECT_EQ(integer(body, "id"), 5);
    EXPECT_EQ(str(body, "channel"), "home");
    EXPECT_EQ(str(body, "from"), "alice");
    EXPECT_EQ(str(body, "text"), "héllo\n\"world\"");
    EXPECT_EQ(str(body, "ts"), kTsText);
    EXPECT_FALSE(body.contains("ref"));
}

TEST(EncodeEventTest, ADirectMessageIsDmWithSenderAndRecipient) {
    const auto body = body_of(encode_event(core::MessageEvent{direct_message(6, "psst")}), "DM");
    EXPECT_EQ(integer(body, "id"), 6);
    EXPECT_EQ(str(body, "from"), "alice");
    EXPECT_EQ(str(body, "to"), "Bob");
    EXPECT_EQ(str(body, "text"), "psst");
    EXPECT_EQ(str(body, "ts"), kTsText);
    EXPECT_FALSE(body.contains("channel"));
}

TEST(EncodeEventTest, JoinCarriesChannelUserAndOperatorFlag) {
    const auto body = body_of(encode_event(core::JoinEvent{"home", "alice"}), "JOIN");
    EXPECT_EQ(str(body, "channel"), "home");
    EXPECT_EQ(str(body, "user"), "alice");
    EXPECT_EQ(body.at("op"), false);
    EXPECT_EQ(body.size(), 3U);
    const auto op = body_of(encode_event(core::JoinEvent{"dev", "alice", true}), "JOIN");
    EXPECT_EQ(op.at("op"), true);
}

TEST(EncodeEventTest, APlainPartHasNoByOrReason) {
    const auto body = body_of(encode_event(core::PartEvent{"home", "alice", "", ""}), "PART");
    EXPECT_EQ(str(body, "channel"), "home");
    EXPECT_EQ(str(body, "user"), "alice");
    EXPECT_FALSE(body.contains("by"));
    EXPECT_FALSE(body.contains("reason"));
}

TEST(EncodeEventTest, AKickIsAPartWithByAndReason) {
    const auto body = body_of(encode_event(core::PartEvent{"home", "bob", "alice", ""}), "PART");
    EXPECT_EQ(str(body, "user"), "bob");
    EXPECT_EQ(str(body, "by"), "alice");
    EXPECT_EQ(str(body, "reason"), "");
}

TEST(EncodeEventTest, QuitCarriesUserAndReason) {
    const auto body = body_of(encode_event(core::QuitEvent{"alice", "bye"}), "QUIT");
    EXPECT_EQ(str(body, "user"), "alice");
    EXPECT_EQ(str(body, "reason"), "bye");
}

TEST(EncodeEventTest, HistoryCarriesChannelAndMessagesEvenWhenEmpty) {
    const auto empty = body_of(encode_event(core::HistoryEvent{"home", {}}), "HISTORY");
    EXPECT_EQ(str(empty, "channel"), "home");
    ASSERT_TRUE(empty.at("messages").is_array());
    EXPECT_TRUE(empty.at("messages").get_array().empty());

    const auto full = body_of(
        encode_event(core::HistoryEvent{"home", {channel_message(1, "a"), channel_message(2, "b")}}
        ),
        "HISTORY"
    );
    const auto& messages = full.at("messages").as_array();
    ASSERT_EQ(messages.size(), 2U);
    EXPECT_EQ(str(messages[1].as_object(), "text"), "b");
}

TEST(EncodeEventTest, TopicCarriesWhoSetIt) {
    const auto body = body_of(encode_event(core::TopicEvent{"home", "New", "alice"}), "TOPIC");
    EXPECT_EQ(str(body, "channel"), "home");
    EXPECT_EQ(str(body, "topic"), "New");
    EXPECT_EQ(str(body, "by"), "alice");
}

TEST(EncodeEventTest, PingIsAnEmptyObject) {
    EXPECT_EQ(encode_event(core::PingEvent{}), "{\"PING\":{}}\n");
}

TEST(EncodeEventTest, NoticeCarriesCodeAndMessage) {
    const auto body =
        body_of(encode_event(core::NoticeEvent{"shutting_down", "bye for now"}), "NOTICE");
    EXPECT_EQ(str(body, "code"), "shutting_down");
    EXPECT_EQ(str(body, "message"), "bye for now");
}

TEST(EncodeEventTest, ControlCharactersInTextAreEscapedSoTheFrameStaysOneLine) {
    std::string text = "line1\nline2\r\n\ttab";
    text.push_back('\0');
    text += "after nul \x1f";
    const std::string frame = encode_event(core::MessageEvent{channel_message(1, text)});
    EXPECT_EQ(frame.find('\n'), frame.size() - 1);
    EXPECT_EQ(frame.find('\r'), std::string::npos);
    EXPECT_EQ(str(body_of(frame, "MSG"), "text"), text);
}

// --- robustness ---

TEST(DecodeFuzzTest, MutatedFramesNeverThrowAndFailOnlyWithDecodeCodes) {
    const std::vector<std::string> seeds = {
        R"({"CONN":{"us":"alice","pwd":"secret","channel":"home","ref":1}})",
        R"({"REGISTER":{"us":"bob","pwd":"pässwörd"}})",
        R"({"JOIN":{"channel":"#rust","key":"k","ref":"j"}})",
        R"({"SEND":{"channel":"home","text":"hi \u00e9 \"q\"","ref":99}})",
        R"({"SEND":{"USER":"a","CHANNEL":"home","PAYLOAD":"x"}})",
        R"({"DM":{"to":"bob","text":"psst"}})",
        R"({"HISTORY":{"channel":"home","before":100,"limit":20}})",
        R"({"KICK":{"channel":"home","user":"bob","reason":"r"}})",
        R"({"LIST":{}})",
        R"([1,2.5e10,-0,"s",null,true,{"a":[]}])",
    };
    using namespace std::string_literals;
    const std::string alphabet = "{}[]\":,\\ 0123456789.-eE+truefalsnul\x80\xc3\xa9\xff\x00\n"s;
    std::mt19937 rng(20240607);  // fixed seed: the same frames on every run
    auto pick = [&rng](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };

    std::size_t decoded = 0;
    for (int i = 0; i < 20'000; ++i) {
        std::string frame = seeds[pick(seeds.size())];
        const std::size_t mutations = 1 + pick(4);
        for (std::size_t m = 0; m < mutations; ++m) {
            const std::size_t at = frame.empty() ? 0 : pick(frame.size());
            const char c = alphabet[pick(alphabet.size())];
            switch (pick(5)) {
                case 0:
                    if (!frame.empty()) frame[at] = c;
                    break;
                case 1:
                    frame.insert(frame.begin() + static_cast<std::ptrdiff_t>(at), c);
                    break;
                case 2:
                    if (!frame.empty()) frame.erase(at, 1 + pick(3));
                    break;
                case 3:
                    frame.resize(at);
                    break;
                default:
                    if (!frame.empty()) frame.insert(at, frame.substr(pick(frame.size()), 8));
                    break;
            }
        }
        for (const bool logged_in : {false, true}) {
            Decoded result;
            ASSERT_NO_THROW(result = decode_request(frame, logged_in)) << frame;
            if (const auto* e = std::get_if<DecodeError>(&result)) {
                EXPECT_TRUE(
                    e->code == Errc::bad_utf8 || e->code == Errc::bad_json ||
                    e->code == Errc::bad_request || e->code == Errc::unknown_verb ||
                    e->code == Errc::not_logged_in
                ) << frame
                  << " -> " << core::wire_code(e->code);
                EXPECT_FALSE(e->message.empty()) << frame;
                // A reply to it must be one well-formed line whatever the frame held.
                const std::string reply = encode_no(e->ref, e->code, e->message);
                ASSERT_EQ(reply.find('\n'), reply.size() - 1) << frame;
                EXPECT_TRUE(core::is_valid_utf8(reply)) << frame;
            } else {
                ++decoded;
            }
        }
    }
    // The mutations are mild enough that some frames still decode: the loop reaches past
    // the frame checks into every verb's field rules.
    EXPECT_GT(decoded, 100U);
}

}  // namespace
}  // namespace salon::proto
