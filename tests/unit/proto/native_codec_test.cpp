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

/// A new message (rev == id) by alice in `home`.
core::Message channel_message(core::MessageId id, std::string text) {
    core::Message m;
    m.id = id;
    m.rev = id;
    m.channel = "home";
    m.from = "alice";
    m.text = std::move(text);
    m.ts_ms = kTs;
    return m;
}

/// A new direct message from alice to Bob.
core::Message direct_message(core::MessageId id, std::string text) {
    core::Message m;
    m.id = id;
    m.rev = id;
    m.from = "alice";
    m.to = "Bob";
    m.text = std::move(text);
    m.ts_ms = kTs;
    return m;
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

TEST(DecodeVerbTest, ExceptIsModeOfTheExceptionListNamed) {
    const auto e = command_of<Mode>(R"({"EXCEPT":{"channel":"home","user":"bob","list":"ban"}})");
    EXPECT_EQ(e.channel, "home");
    EXPECT_EQ(e.modes, "+e");
    EXPECT_EQ(e.args, std::vector<std::string>{"bob"});
    EXPECT_EQ(
        command_of<Mode>(R"({"EXCEPT":{"channel":"home","user":"bob","list":"invite","on":false}})")
            .modes,
        "-I"
    );
    EXPECT_EQ(code_of(R"({"EXCEPT":{"channel":"home","user":"bob"}})"), Errc::bad_request);
    EXPECT_EQ(
        code_of(R"({"EXCEPT":{"channel":"home","user":"bob","list":"kick"}})"), Errc::bad_request
    );
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

TEST(EncodeOkTest, ATopicResultCarriesChannelTopicAndWhoSetItWhen) {
    const auto body =
        body_of(encode_ok(Ref(), core::TopicResult{"home", "New", "alice", 1000}), "OK");
    EXPECT_EQ(str(body, "channel"), "home");
    EXPECT_EQ(str(body, "topic"), "New");
    EXPECT_EQ(str(body, "by"), "alice");
    EXPECT_EQ(str(body, "ts"), "1970-01-01T00:00:01.000Z");
}

TEST(EncodeOkTest, AJoinResultCarriesWhoSetTheTopicOnlyWhenKnown) {
    core::JoinResult join{
        .channel = "home", .topic = "New", .members = {}, .topic_by = "alice", .topic_ms = 1000};
    auto body = body_of(encode_ok(Ref(), join), "OK");
    EXPECT_EQ(str(body, "topic_by"), "alice");
    EXPECT_EQ(str(body, "topic_ts"), "1970-01-01T00:00:01.000Z");
    join.topic_ms = 0;
    body = body_of(encode_ok(Ref(), join), "OK");
    EXPECT_FALSE(body.contains("topic_by"));
    EXPECT_FALSE(body.contains("topic_ts"));
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

TEST(EncodeEventTest, JoinCarriesChannelUserAndWhetherTheJoinerIsAnOperator) {
    const auto body = body_of(encode_event(core::JoinEvent{"home", "alice"}), "JOIN");
    EXPECT_EQ(str(body, "channel"), "home");
    EXPECT_EQ(str(body, "user"), "alice");
    EXPECT_FALSE(boolean(body, "op"));
    EXPECT_EQ(body.size(), 3U);
    EXPECT_TRUE(boolean(body_of(encode_event(core::JoinEvent{"home", "bob", true}), "JOIN"), "op"));
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
    const auto body =
        body_of(encode_event(core::TopicEvent{"home", "New", "alice", 1000}), "TOPIC");
    EXPECT_EQ(str(body, "channel"), "home");
    EXPECT_EQ(str(body, "topic"), "New");
    EXPECT_EQ(str(body, "by"), "alice");
    EXPECT_EQ(str(body, "ts"), "1970-01-01T00:00:01.000Z");
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

// --- version 2: decoding ---

TEST(DecodeV2Test, ConnAndRegisterSpeakVersionOneUnlessTheySayV) {
    EXPECT_EQ(command_of<Conn>(R"({"CONN":{}})", false).version, 1);
    EXPECT_EQ(command_of<Conn>(R"({"CONN":{"v":2}})", false).version, 2);
    EXPECT_EQ(command_of<Conn>(R"({"CONN":{"v":null}})", false).version, 1);
    EXPECT_EQ(command_of<Register>(R"({"REGISTER":{"us":"a","pwd":"b"}})", false).version, 1);
    EXPECT_EQ(command_of<Register>(R"({"REGISTER":{"us":"a","pwd":"b","v":3}})", false).version, 3);
    // A version past any int is still a newer one.
    EXPECT_GE(command_of<Conn>(R"({"CONN":{"v":9223372036854775807}})", false).version, 2);
}

TEST(DecodeV2Test, AVersionThatIsNoIntegerOfAtLeastOneIsBadRequest) {
    for (const std::string_view v : {"0", "-1", "\"2\"", "2.5", "true", "[2]"}) {
        const std::string conn = R"({"CONN":{"v":)" + std::string(v) + "}}";
        EXPECT_EQ(code_of(conn, false), Errc::bad_request) << conn;
        const std::string reg = R"({"REGISTER":{"us":"a","pwd":"b","v":)" + std::string(v) + "}}";
        EXPECT_EQ(code_of(reg, false), Errc::bad_request) << reg;
    }
}

TEST(DecodeV2Test, SendAndDmReadAnOptionalReplyTo) {
    EXPECT_EQ(command_of<Send>(R"({"SEND":{"channel":"home","text":"hi"}})").reply_to, 0);
    EXPECT_EQ(
        command_of<Send>(R"({"SEND":{"channel":"home","text":"hi","reply_to":41}})").reply_to, 41
    );
    EXPECT_EQ(command_of<Dm>(R"({"DM":{"to":"bob","text":"hi"}})").reply_to, 0);
    EXPECT_EQ(command_of<Dm>(R"({"DM":{"to":"bob","text":"hi","reply_to":7}})").reply_to, 7);
}

TEST(DecodeV2Test, AReplyToThatIsNoMessageIdIsBadRequest) {
    for (const std::string_view v : {"0", "-4", "\"4\"", "4.5", "false"}) {
        const std::string send =
            R"({"SEND":{"channel":"home","text":"hi","reply_to":)" + std::string(v) + "}}";
        EXPECT_EQ(code_of(send), Errc::bad_request) << send;
        const std::string dm =
            R"({"DM":{"to":"bob","text":"hi","reply_to":)" + std::string(v) + "}}";
        EXPECT_EQ(code_of(dm), Errc::bad_request) << dm;
    }
}

TEST(DecodeV2Test, HistoryNamesAChannelOrADmPartner) {
    const auto channel = command_of<History>(R"({"HISTORY":{"channel":"home"}})");
    EXPECT_EQ(channel.channel, "home");
    EXPECT_EQ(channel.with, "");
    const auto direct = command_of<History>(R"({"HISTORY":{"with":"bob","before":9,"limit":3}})");
    EXPECT_EQ(direct.channel, "");
    EXPECT_EQ(direct.with, "bob");
    EXPECT_EQ(direct.before, 9);
    EXPECT_EQ(direct.after, std::nullopt);
    EXPECT_EQ(direct.limit, 3U);
}

TEST(DecodeV2Test, HistoryAfterAsksForChangesByRev) {
    const auto h = command_of<History>(R"({"HISTORY":{"channel":"home","after":120}})");
    EXPECT_EQ(h.after, 120);
    EXPECT_EQ(h.before, std::nullopt);
    EXPECT_EQ(command_of<History>(R"({"HISTORY":{"with":"bob","after":0}})").after, 0);
}

TEST(DecodeV2Test, HistoryOfBothOrNeitherConversationOrBeforeWithAfterIsBadRequest) {
    for (const std::string_view frame : {
             R"({"HISTORY":{}})",
             R"({"HISTORY":{"channel":null,"with":null}})",
             R"({"HISTORY":{"channel":"home","with":"bob"}})",
             R"({"HISTORY":{"channel":"home","before":5,"after":3}})",
             R"({"HISTORY":{"with":"bob","before":5,"after":3}})",
             R"({"HISTORY":{"with":5}})",
             R"({"HISTORY":{"channel":"home","after":"3"}})",
             R"({"HISTORY":{"with":"bob","limit":0}})",
         }) {
        const auto e = error_of(frame);
        EXPECT_EQ(e.code, Errc::bad_request) << frame;
        EXPECT_FALSE(e.message.empty()) << frame;
    }
}

TEST(DecodeV2Test, EditDeleteAndReactReadTheirFields) {
    const auto edit = command_of<Edit>(R"({"EDIT":{"id":12,"text":"fixed"}})");
    EXPECT_EQ(edit.id, 12);
    EXPECT_EQ(edit.text, "fixed");
    EXPECT_EQ(command_of<Delete>(R"({"DELETE":{"id":13}})").id, 13);
    const auto react = command_of<React>(R"({"REACT":{"id":14,"emoji":"👍"}})");
    EXPECT_EQ(react.id, 14);
    EXPECT_EQ(react.emoji, "👍");
    EXPECT_TRUE(react.on);
    EXPECT_FALSE(command_of<React>(R"({"REACT":{"id":14,"emoji":"👍","on":false}})").on);
    EXPECT_TRUE(command_of<React>(R"({"REACT":{"id":14,"emoji":"👍","on":null}})").on);
    // The emoji's own rules are the server's (core::is_valid_emoji), like any bounded text.
    EXPECT_EQ(command_of<React>(R"({"REACT":{"id":14,"emoji":"a b"}})").emoji, "a b");
}

TEST(DecodeV2Test, EditDeleteAndReactWithMissingOrMistypedFieldsAreBadRequest) {
    for (const std::string_view frame : {
             R"({"EDIT":{"text":"x"}})",
             R"({"EDIT":{"id":1}})",
             R"({"EDIT":{"id":"1","text":"x"}})",
             R"({"EDIT":{"id":null,"text":"x"}})",
             R"({"EDIT":{"id":1,"text":5}})",
             R"({"DELETE":{}})",
             R"({"DELETE":{"id":1.5}})",
             R"({"REACT":{"emoji":"x"}})",
             R"({"REACT":{"id":1}})",
             R"({"REACT":{"id":1,"emoji":["x"]}})",
             R"({"REACT":{"id":1,"emoji":"x","on":"yes"}})",
             R"({"REACT":{"id":1,"emoji":"x","on":1}})",
         }) {
        EXPECT_EQ(code_of(frame), Errc::bad_request) << frame;
    }
}

TEST(DecodeV2Test, ReadNamesExactlyOneConversationAndAnId) {
    const auto channel = command_of<Read>(R"({"READ":{"channel":"home","id":40}})");
    EXPECT_EQ(channel.channel, "home");
    EXPECT_EQ(channel.with, "");
    EXPECT_EQ(channel.id, 40);
    const auto direct = command_of<Read>(R"({"READ":{"with":"bob","id":41}})");
    EXPECT_EQ(direct.with, "bob");
    EXPECT_EQ(direct.id, 41);

    for (const std::string_view frame : {
             R"({"READ":{"id":40}})",
             R"({"READ":{"channel":"home","with":"bob","id":40}})",
             R"({"READ":{"channel":"home"}})",
             R"({"READ":{"channel":"home","id":"40"}})",
             R"({"READ":{"with":true,"id":40}})",
         }) {
        EXPECT_EQ(code_of(frame), Errc::bad_request) << frame;
    }
}

TEST(DecodeV2Test, ConversationsTakesNoArguments) {
    command_of<Conversations>(R"({"CONVERSATIONS":{}})");
    EXPECT_EQ(ref_of(R"({"CONVERSATIONS":{"ref":"c"}})"), Ref(std::string("c")));
}

TEST(DecodeV2Test, TypingNamesOneConversationAndAState) {
    const auto active = command_of<Typing>(R"({"TYPING":{"channel":"home","state":"active"}})");
    EXPECT_EQ(active.channel, "home");
    EXPECT_EQ(active.state, core::TypingState::active);
    const auto paused = command_of<Typing>(R"({"TYPING":{"with":"bob","state":"paused"}})");
    EXPECT_EQ(paused.with, "bob");
    EXPECT_EQ(paused.state, core::TypingState::paused);
    EXPECT_EQ(
        command_of<Typing>(R"({"TYPING":{"with":"bob","state":"done"}})").state,
        core::TypingState::done
    );

    for (const std::string_view frame : {
             R"({"TYPING":{"state":"active"}})",
             R"({"TYPING":{"channel":"home","with":"bob","state":"active"}})",
             R"({"TYPING":{"channel":"home"}})",
             R"({"TYPING":{"channel":"home","state":"ACTIVE"}})",
             R"({"TYPING":{"channel":"home","state":"typing"}})",
             R"({"TYPING":{"channel":"home","state":1}})",
         }) {
        EXPECT_EQ(code_of(frame), Errc::bad_request) << frame;
    }
}

TEST(DecodeV2Test, SearchReadsItsQueryAndOptionalFilters) {
    const auto all = command_of<Search>(R"({"SEARCH":{"query":"lunch"}})");
    EXPECT_EQ(all.query, "lunch");
    EXPECT_EQ(all.channel, "");
    EXPECT_EQ(all.with, "");
    EXPECT_EQ(all.from, "");
    EXPECT_EQ(all.before, std::nullopt);
    EXPECT_EQ(all.limit, std::nullopt);

    const auto narrow = command_of<Search>(
        R"({"SEARCH":{"query":"lunch","channel":"home","from":"ann","before":90,"limit":10}})"
    );
    EXPECT_EQ(narrow.channel, "home");
    EXPECT_EQ(narrow.from, "ann");
    EXPECT_EQ(narrow.before, 90);
    EXPECT_EQ(narrow.limit, 10U);
    EXPECT_EQ(command_of<Search>(R"({"SEARCH":{"query":"lunch","with":"bob"}})").with, "bob");
    // The query's length and the limit's maximum are the server's rules, not the frame's.
    EXPECT_EQ(command_of<Search>(R"({"SEARCH":{"query":"a"}})").query, "a");
    EXPECT_EQ(command_of<Search>(R"({"SEARCH":{"query":"abc","limit":1000}})").limit, 1000U);
}

TEST(DecodeV2Test, SearchWithBothConversationsOrMistypedFieldsIsBadRequest) {
    for (const std::string_view frame : {
             R"({"SEARCH":{}})",
             R"({"SEARCH":{"query":5}})",
             R"({"SEARCH":{"query":"lunch","channel":"home","with":"bob"}})",
             R"({"SEARCH":{"query":"lunch","from":1}})",
             R"({"SEARCH":{"query":"lunch","before":"9"}})",
             R"({"SEARCH":{"query":"lunch","limit":0}})",
         }) {
        EXPECT_EQ(code_of(frame), Errc::bad_request) << frame;
    }
}

TEST(DecodeV2Test, TheNewVerbsNeedALogin) {
    for (const std::string_view frame : {
             R"({"EDIT":{"id":1,"text":"x"}})",
             R"({"DELETE":{"id":1}})",
             R"({"REACT":{"id":1,"emoji":"x"}})",
             R"({"READ":{"channel":"home","id":1}})",
             R"({"CONVERSATIONS":{}})",
             R"({"TYPING":{"channel":"home","state":"active"}})",
             R"({"SEARCH":{"query":"abc"}})",
         }) {
        EXPECT_EQ(code_of(frame, false), Errc::not_logged_in) << frame;
    }
}

// --- version 2: encoding ---

TEST(EncodeV2Test, ANewMessageCarriesItsRevAndNoOptionalMembers) {
    const auto body = body_of(encode_event(core::MessageEvent{channel_message(5, "hi")}), "MSG");
    EXPECT_EQ(integer(body, "id"), 5);
    EXPECT_EQ(integer(body, "rev"), 5);
    EXPECT_EQ(body.size(), 6U) << json::serialize(body);  // id, rev, channel, from, text, ts
    for (const auto* key : {"reply_to", "edited", "deleted", "reactions", "mentions"}) {
        EXPECT_FALSE(body.contains(key)) << key;
    }
    const auto dm = body_of(encode_event(core::MessageEvent{direct_message(6, "psst")}), "DM");
    EXPECT_EQ(integer(dm, "rev"), 6);
    EXPECT_EQ(dm.size(), 6U) << json::serialize(dm);  // id, rev, from, to, text, ts
}

TEST(EncodeV2Test, TheBodyCarriesReplyEditReactionsAndMentionsWhenThereAreAny) {
    auto m = channel_message(5, "@bob look");
    m.rev = 9;
    m.reply_to = 3;
    m.edited_ms = kTs + 1000;
    m.reactions = {{"👍", {"bob", "Carol"}}, {"🎉", {"dan"}}};
    m.mentions = {"bob"};
    const auto body = body_of(encode_event(core::MessageEvent{m}), "MSG");
    EXPECT_EQ(integer(body, "rev"), 9);
    EXPECT_EQ(integer(body, "reply_to"), 3);
    EXPECT_EQ(str(body, "edited"), "2023-11-14T22:13:21.123Z");
    EXPECT_FALSE(body.contains("deleted"));
    const auto& reactions = body.at("reactions").as_array();
    ASSERT_EQ(reactions.size(), 2U);
    EXPECT_EQ(str(reactions[0].as_object(), "emoji"), "👍");
    EXPECT_EQ(reactions[0].as_object().at("users"), (json::array{"bob", "Carol"}));
    EXPECT_EQ(str(reactions[1].as_object(), "emoji"), "🎉");
    EXPECT_EQ(reactions[1].as_object().at("users"), (json::array{"dan"}));
    EXPECT_EQ(body.at("mentions"), (json::array{"bob"}));
}

TEST(EncodeV2Test, ADeletedMessageIsATombstoneWithItsReplyKept) {
    auto m = direct_message(5, "");
    m.rev = 12;
    m.reply_to = 2;
    m.deleted = true;
    const auto body = body_of(encode_event(core::UpdateEvent{m}), "UPDATE");
    EXPECT_TRUE(boolean(body, "deleted"));
    EXPECT_EQ(str(body, "text"), "");
    EXPECT_EQ(integer(body, "rev"), 12);
    EXPECT_EQ(integer(body, "reply_to"), 2);
    EXPECT_EQ(str(body, "from"), "alice");
    EXPECT_EQ(str(body, "to"), "Bob");
    EXPECT_EQ(str(body, "ts"), kTsText);
}

TEST(EncodeV2Test, UpdateIsTheWholeBody) {
    auto m = channel_message(5, "better");
    m.rev = 7;
    m.edited_ms = kTs;
    const auto body = body_of(encode_event(core::UpdateEvent{m}), "UPDATE");
    EXPECT_EQ(integer(body, "id"), 5);
    EXPECT_EQ(integer(body, "rev"), 7);
    EXPECT_EQ(str(body, "channel"), "home");
    EXPECT_EQ(str(body, "from"), "alice");
    EXPECT_EQ(str(body, "text"), "better");
    EXPECT_EQ(str(body, "edited"), kTsText);
}

TEST(EncodeV2Test, HistoryEventAndResultBodiesCarryTheNewMembers) {
    auto m = channel_message(5, "hi");
    m.mentions = {"ann"};
    const auto event = body_of(encode_event(core::HistoryEvent{"home", {m}}), "HISTORY");
    EXPECT_EQ(event.at("messages").as_array()[0].as_object().at("mentions"), json::array{"ann"});
    const auto result = body_of(encode_ok(Ref(), core::HistoryResult{"home", {m}}), "OK");
    EXPECT_EQ(integer(result.at("messages").as_array()[0].as_object(), "rev"), 5);
}

TEST(EncodeV2Test, DirectHistoryNamesThePartnerWithAndSaysWhenThereIsMore) {
    core::HistoryResult r;
    r.with = "Bob";
    r.messages = {direct_message(1, "a"), direct_message(2, "b")};
    r.more = true;
    const auto body = body_of(encode_ok(Ref(std::int64_t{4}), r), "OK");
    EXPECT_EQ(str(body, "with"), "Bob");
    EXPECT_FALSE(body.contains("channel"));
    EXPECT_TRUE(boolean(body, "more"));
    ASSERT_EQ(body.at("messages").as_array().size(), 2U);
    EXPECT_EQ(str(body.at("messages").as_array()[1].as_object(), "to"), "Bob");

    const auto channel = body_of(encode_ok(Ref(), core::HistoryResult{"home", {}}), "OK");
    EXPECT_EQ(str(channel, "channel"), "home");
    EXPECT_FALSE(channel.contains("with"));
    EXPECT_FALSE(channel.contains("more"));
}

TEST(EncodeV2Test, TheLoginResultSaysProtocolTwo) {
    const auto body = body_of(encode_ok(Ref(), core::LoginResult{}), "OK");
    EXPECT_EQ(integer(body, "protocol"), 2);
}

TEST(EncodeV2Test, AChangeResultCarriesIdAndRev) {
    const auto body = body_of(encode_ok(Ref(std::int64_t{3}), core::ChangeResult{5, 9}), "OK");
    EXPECT_EQ(integer(body, "ref"), 3);
    EXPECT_EQ(integer(body, "id"), 5);
    EXPECT_EQ(integer(body, "rev"), 9);
}

TEST(EncodeV2Test, ConversationsListChannelsAndPartnersWithNullsForEmptyOnes) {
    core::ConversationsResult r;
    r.conversations.push_back(core::ConversationSummary{
        .channel = "home",
        .with = "",
        .last_id = 40,
        .last_ts = kTs,
        .read = 38,
        .unread = 2,
        .mentions = 1});
    r.conversations.push_back(core::ConversationSummary{
        .channel = "", .with = "Bob", .last_id = 12, .last_ts = kTs, .read = 0, .unread = 3});
    r.conversations.push_back(core::ConversationSummary{
        .channel = "quiet", .with = "", .last_id = {}});
    const auto body = body_of(encode_ok(Ref(), r), "OK");
    const auto& list = body.at("conversations").as_array();
    ASSERT_EQ(list.size(), 3U);

    const auto& home = list[0].as_object();
    EXPECT_EQ(str(home, "channel"), "home");
    EXPECT_FALSE(home.contains("with"));
    EXPECT_EQ(integer(home, "last_id"), 40);
    EXPECT_EQ(str(home, "last_ts"), kTsText);
    EXPECT_EQ(integer(home, "read"), 38);
    EXPECT_EQ(integer(home, "unread"), 2);
    EXPECT_EQ(integer(home, "mentions"), 1);

    const auto& bob = list[1].as_object();
    EXPECT_EQ(str(bob, "with"), "Bob");
    EXPECT_FALSE(bob.contains("channel"));
    EXPECT_EQ(integer(bob, "read"), 0);
    EXPECT_EQ(integer(bob, "unread"), 3);
    EXPECT_EQ(integer(bob, "mentions"), 0);

    const auto& quiet = list[2].as_object();
    EXPECT_EQ(str(quiet, "channel"), "quiet");
    EXPECT_TRUE(quiet.at("last_id").is_null());
    EXPECT_TRUE(quiet.at("last_ts").is_null());
    EXPECT_EQ(integer(quiet, "read"), 0);
}

TEST(EncodeV2Test, NoConversationsIsAnEmptyArray) {
    const auto body = body_of(encode_ok(Ref(), core::ConversationsResult{}), "OK");
    ASSERT_TRUE(body.at("conversations").is_array());
    EXPECT_TRUE(body.at("conversations").get_array().empty());
}

TEST(EncodeV2Test, ASearchResultListsBodiesAndAlwaysSaysWhetherThereIsMore) {
    const core::SearchResult found{
        {channel_message(9, "lunch?"), direct_message(4, "lunch")}, true};
    const auto some = body_of(encode_ok(Ref(), found), "OK");
    const auto& messages = some.at("messages").as_array();
    ASSERT_EQ(messages.size(), 2U);
    EXPECT_EQ(str(messages[0].as_object(), "channel"), "home");
    EXPECT_EQ(str(messages[1].as_object(), "to"), "Bob");
    EXPECT_TRUE(boolean(some, "more"));

    const auto none = body_of(encode_ok(Ref(), core::SearchResult{}), "OK");
    EXPECT_TRUE(none.at("messages").as_array().empty());
    EXPECT_FALSE(boolean(none, "more"));
}

TEST(EncodeV2Test, ReadNamesTheChannelOrThePartner) {
    const auto channel = body_of(encode_event(core::ReadEvent{"home", "", 40}), "READ");
    EXPECT_EQ(str(channel, "channel"), "home");
    EXPECT_EQ(integer(channel, "id"), 40);
    EXPECT_EQ(channel.size(), 2U);
    const auto direct = body_of(encode_event(core::ReadEvent{"", "Bob", 41}), "READ");
    EXPECT_EQ(str(direct, "with"), "Bob");
    EXPECT_EQ(integer(direct, "id"), 41);
    EXPECT_EQ(direct.size(), 2U);
}

TEST(EncodeV2Test, TypingNamesTheConversationTheTypistAndTheState) {
    using core::TypingState;
    const auto channel =
        body_of(encode_event(core::TypingEvent{"home", "", "ann", TypingState::active}), "TYPING");
    EXPECT_EQ(str(channel, "channel"), "home");
    EXPECT_EQ(str(channel, "user"), "ann");
    EXPECT_EQ(str(channel, "state"), "active");
    const auto direct =
        body_of(encode_event(core::TypingEvent{"", "ann", "ann", TypingState::paused}), "TYPING");
    EXPECT_EQ(str(direct, "with"), "ann");
    EXPECT_FALSE(direct.contains("channel"));
    EXPECT_EQ(str(direct, "state"), "paused");
    const auto done =
        body_of(encode_event(core::TypingEvent{"home", "", "ann", TypingState::done}), "TYPING");
    EXPECT_EQ(str(done, "state"), "done");
}

TEST(EncodeV2Test, TheNewErrorCodesAreSentByTheirWireNames) {
    for (const Errc code : {Errc::no_such_message, Errc::too_many_reactions}) {
        EXPECT_EQ(str(body_of(encode_no(Ref(), code, "m"), "NO"), "code"), core::wire_code(code));
    }
    EXPECT_EQ(core::wire_code(Errc::no_such_message), "no_such_message");
    EXPECT_EQ(core::wire_code(Errc::too_many_reactions), "too_many_reactions");
}

// --- version 2: which connections get the new events ---

const std::vector<core::Event>& v2_events() {
    static const std::vector<core::Event> events{
        core::UpdateEvent{channel_message(1, "x")},
        core::ReadEvent{"home", "", 1},
        core::TypingEvent{"home", "", "ann", core::TypingState::active},
    };
    return events;
}

Request login_request(std::string_view frame) {
    return std::get<Request>(decode_request(frame, false));
}

TEST(NativeAcceptsTest, BeforeLoginOnlyVersionOneEventsAreAccepted) {
    const NativeCodec codec;
    EXPECT_TRUE(codec.accepts(core::MessageEvent{channel_message(1, "x")}));
    EXPECT_TRUE(codec.accepts(core::JoinEvent{"home", "ann"}));
    for (const auto& event : v2_events()) EXPECT_FALSE(codec.accepts(event)) << event.index();
}

TEST(NativeAcceptsTest, AVersionOneLoginKeepsTheNewEventsAway) {
    NativeCodec codec;
    codec.ok(login_request(R"({"CONN":{"us":"ann","pwd":"x"}})"), core::LoginResult{});
    for (const auto& event : v2_events()) EXPECT_FALSE(codec.accepts(event)) << event.index();
    EXPECT_TRUE(codec.accepts(core::MessageEvent{channel_message(1, "x")}));
}

TEST(NativeAcceptsTest, AVersionTwoConnOrRegisterLetsTheNewEventsThrough) {
    NativeCodec conn;
    conn.ok(login_request(R"({"CONN":{"us":"ann","pwd":"x","v":2}})"), core::LoginResult{});
    for (const auto& event : v2_events()) EXPECT_TRUE(conn.accepts(event)) << event.index();

    NativeCodec reg;
    reg.ok(login_request(R"({"REGISTER":{"us":"ann","pwd":"x","v":3}})"), core::LoginResult{});
    for (const auto& event : v2_events()) EXPECT_TRUE(reg.accepts(event)) << event.index();
}

TEST(NativeAcceptsTest, OnlyASuccessfulLoginTurnsTheNewEventsOn) {
    NativeCodec codec;
    const auto conn = login_request(R"({"CONN":{"us":"ann","pwd":"x","v":2}})");
    codec.no(conn, Errc::bad_credentials, "no");
    codec.ok(conn, core::EmptyResult{});
    for (const auto& event : v2_events()) EXPECT_FALSE(codec.accepts(event)) << event.index();
}

TEST(NativeAcceptsTest, VersionOneConnectionsGetTheVersionOneBodyInAFormatOfTheirOwn) {
    NativeCodec v1;
    NativeCodec v2;
    v2.ok(login_request(R"({"CONN":{"v":2}})"), core::LoginResult{});
    EXPECT_EQ(v1.event_format(), NativeCodec::kEventFormat);
    EXPECT_EQ(v2.event_format(), NativeCodec::kVersion2EventFormat);

    core::Message m = channel_message(3, "answer");
    m.rev = 9;
    m.reply_to = 2;
    m.edited_ms = 1'700'000'000'000;
    m.reactions = {{"👍", {"ann"}}};
    m.mentions = {"ann"};
    const core::Event msg = core::MessageEvent{m};
    const auto old_body = body_of(v1.event(msg), "MSG");
    for (const char* v2_only : {"rev", "reply_to", "edited", "reactions", "mentions"})
        EXPECT_FALSE(old_body.contains(v2_only)) << v2_only;
    EXPECT_EQ(str(old_body, "text"), "answer");
    const auto new_body = body_of(v2.event(msg), "MSG");
    for (const char* v2_only : {"rev", "reply_to", "edited", "reactions", "mentions"})
        EXPECT_TRUE(new_body.contains(v2_only)) << v2_only;

    // Replies follow the connection's version too.
    const auto history =
        std::get<Request>(decode_request(R"({"HISTORY":{"channel":"home"}})", true));
    const core::Result page = core::HistoryResult{"home", {m}};
    EXPECT_EQ(v1.ok(history, page).find(R"("rev")"), std::string::npos);
    EXPECT_NE(v2.ok(history, page).find(R"("rev":9)"), std::string::npos);
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
        R"({"CONN":{"v":2}})",
        R"({"HISTORY":{"with":"bob","after":7,"limit":20}})",
        R"({"EDIT":{"id":3,"text":"x"}})",
        R"({"REACT":{"id":3,"emoji":"\ud83d\udc4d","on":false}})",
        R"({"READ":{"channel":"home","id":3}})",
        R"({"TYPING":{"with":"bob","state":"paused"}})",
        R"({"SEARCH":{"query":"abc","channel":"home","from":"ann","before":9,"limit":5}})",
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

// ---- the session-token extensions: CONN with a token, TOKEN, TOKENS, REVOKE, PASSWD ----

json::object token_ok_body(const core::Result& result) {
    return body_of(encode_ok(Ref(std::int64_t{3}), result), "OK");
}

TEST(DecodeTokenVerbsTest, ConnTakesATokenInsteadOfAPasswordButNotBoth) {
    const auto c =
        command_of<Conn>(R"({"CONN":{"us":"alice","token":"abc","v":2,"join":false}})", false);
    EXPECT_EQ(c.token, "abc");
    EXPECT_EQ(c.pwd, "");
    EXPECT_EQ(c.version, 2);
    EXPECT_FALSE(c.join);
    EXPECT_EQ(command_of<Conn>(R"({"CONN":{"us":"alice","pwd":"x"}})", false).token, std::nullopt);
    EXPECT_EQ(
        code_of(R"({"CONN":{"us":"alice","token":"abc","pwd":"x"}})", false), Errc::bad_request
    );
    EXPECT_EQ(
        code_of(R"({"CONN":{"us":"alice","token":"abc","pwd":""}})", false), Errc::bad_request
    );
    EXPECT_EQ(code_of(R"({"CONN":{"us":"alice","token":7}})", false), Errc::bad_request);
    // null counts as absent.
    EXPECT_EQ(
        command_of<Conn>(R"({"CONN":{"us":"alice","token":"abc","pwd":null}})", false).token, "abc"
    );
}

TEST(DecodeTokenVerbsTest, TheNewVerbsReadTheirFieldsAndNeedALogin) {
    EXPECT_EQ(command_of<Token>(R"({"TOKEN":{"label":"Firefox"}})").label, "Firefox");
    EXPECT_EQ(command_of<Token>(R"({"TOKEN":{}})").label, "");
    EXPECT_EQ(code_of(R"({"TOKEN":{"label":1}})"), Errc::bad_request);
    command_of<Tokens>(R"({"TOKENS":{}})");
    EXPECT_EQ(command_of<Revoke>(R"({"REVOKE":{"id":7}})").id, 7);
    EXPECT_EQ(code_of(R"({"REVOKE":{}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"REVOKE":{"id":"7"}})"), Errc::bad_request);
    const auto p = command_of<Passwd>(R"({"PASSWD":{"old":"a","new":"b"}})");
    EXPECT_EQ(p.old_password, "a");
    EXPECT_EQ(p.new_password, "b");
    EXPECT_EQ(code_of(R"({"PASSWD":{"old":"a"}})"), Errc::bad_request);
    for (const auto* frame :
         {R"({"TOKEN":{}})",
          R"({"TOKENS":{}})",
          R"({"REVOKE":{"id":1}})",
          R"({"PASSWD":{"old":"a","new":"b"}})"}) {
        EXPECT_EQ(code_of(frame, false), Errc::not_logged_in) << frame;
    }
}

TEST(EncodeTokenResultsTest, TokenGivesIdSecretAndExpiry) {
    const auto body = token_ok_body(core::TokenResult{7, "secret", 1'700'000'000'123});
    EXPECT_EQ(body.at("ref").as_int64(), 3);
    EXPECT_EQ(body.at("id").as_int64(), 7);
    EXPECT_EQ(body.at("token").as_string(), "secret");
    EXPECT_EQ(body.at("expires").as_string(), "2023-11-14T22:13:20.123Z");
}

TEST(EncodeTokenResultsTest, TokensListsEachWithoutASecretAndANullLastUse) {
    core::TokensResult result;
    result.tokens.push_back(
        {7, "laptop", 1'700'000'000'000, 1'700'000'000'500, 1'700'000'001'000, true}
    );
    result.tokens.push_back({8, "", 1'700'000'000'000, std::nullopt, 1'700'000'001'000, false});
    const auto body = token_ok_body(result);
    const auto& tokens = body.at("tokens").as_array();
    ASSERT_EQ(tokens.size(), 2U);
    const auto& first = tokens[0].as_object();
    EXPECT_EQ(first.size(), 6U);
    EXPECT_EQ(first.at("id").as_int64(), 7);
    EXPECT_EQ(first.at("label").as_string(), "laptop");
    EXPECT_EQ(first.at("created").as_string(), "2023-11-14T22:13:20.000Z");
    EXPECT_EQ(first.at("last_used").as_string(), "2023-11-14T22:13:20.500Z");
    EXPECT_EQ(first.at("expires").as_string(), "2023-11-14T22:13:21.000Z");
    EXPECT_TRUE(first.at("current").as_bool());
    EXPECT_TRUE(tokens[1].as_object().at("last_used").is_null());
    EXPECT_FALSE(tokens[1].as_object().at("current").as_bool());
}

TEST(EncodeTokenResultsTest, NoSuchTokenIsSentByItsWireName) {
    EXPECT_EQ(core::wire_code(Errc::no_such_token), "no_such_token");
    EXPECT_EQ(core::errc_from_wire("no_such_token"), Errc::no_such_token);
    const auto frame = encode_no(Ref(), Errc::no_such_token, "m");
    EXPECT_NE(frame.find(R"("code":"no_such_token")"), std::string::npos) << frame;
}

TEST(DecodeAccountVerbsTest, DeleteAccountReadsThePasswordAndNeedsALogin) {
    EXPECT_EQ(
        command_of<DeleteAccount>(R"({"DELETE_ACCOUNT":{"pwd":"secret"}})").password, "secret"
    );
    EXPECT_EQ(code_of(R"({"DELETE_ACCOUNT":{}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"DELETE_ACCOUNT":{"pwd":1}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"DELETE_ACCOUNT":{"pwd":"x"}})", false), Errc::not_logged_in);
}

TEST(EncodeAccountEventsTest, RenameNamesTheGuestAndTheAccount) {
    const auto body = body_of(encode_event(core::RenameEvent{"Guest123", "gina"}), "RENAME");
    EXPECT_EQ(body.size(), 2U);
    EXPECT_EQ(body.at("user").as_string(), "Guest123");
    EXPECT_EQ(body.at("to").as_string(), "gina");
}

TEST(EncodeAccountEventsTest, AccountLockedIsSentByItsWireName) {
    EXPECT_EQ(core::wire_code(Errc::account_locked), "account_locked");
    EXPECT_EQ(core::errc_from_wire("account_locked"), Errc::account_locked);
}

TEST(PresenceVerbsTest, MonitorReadsItsOpAndUsers) {
    const auto add = command_of<Monitor>(R"({"MONITOR":{"op":"add","users":["bob","carol"]}})");
    EXPECT_EQ(add.op, Monitor::Op::add);
    EXPECT_EQ(add.users, (std::vector<std::string>{"bob", "carol"}));
    EXPECT_EQ(command_of<Monitor>(R"({"MONITOR":{"op":"status"}})").op, Monitor::Op::status);
    EXPECT_EQ(code_of(R"({"MONITOR":{"op":"sideways"}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"MONITOR":{}})"), Errc::bad_request);
    EXPECT_EQ(code_of(R"({"MONITOR":{"op":"add","users":"bob"}})"), Errc::bad_request);
    EXPECT_TRUE(command_of<Bot>(R"({"BOT":{}})").on);
    EXPECT_FALSE(command_of<Bot>(R"({"BOT":{"on":false}})").on);
}

TEST(PresenceVerbsTest, MonitorAnswersPresenceAndBotsAreEncoded) {
    const auto ok = body_of(
        encode_ok(Ref{std::int64_t{1}}, core::MonitorResult{{"bob"}, {}, {"dave"}, {}}), "OK"
    );
    EXPECT_EQ(ok.at("online"), json::value(json::array{"bob"}));
    EXPECT_FALSE(ok.contains("offline")) << "an empty list is left out";
    EXPECT_EQ(ok.at("refused"), json::value(json::array{"dave"}));

    const auto presence = body_of(encode_event(core::PresenceEvent{"bob", true}), "PRESENCE");
    EXPECT_EQ(str(presence, "user"), "bob");
    EXPECT_TRUE(boolean(presence, "online"));

    const auto msg =
        body_of(encode_event(core::MessageEvent{channel_message(5, "beep"), "", true}), "MSG");
    EXPECT_TRUE(boolean(msg, "bot"));
    const auto human = body_of(encode_event(core::MessageEvent{channel_message(6, "hi")}), "MSG");
    EXPECT_FALSE(human.contains("bot"));
}

}  // namespace
}  // namespace salon::proto
