// The native codec's session-token extensions: CONN with a token, TOKEN, TOKENS, REVOKE, PASSWD.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "proto/native_codec.hpp"

namespace salon::proto {
namespace {

namespace json = boost::json;
using core::Errc;

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

Errc code_of(std::string_view frame, bool logged_in = true) {
    const Decoded decoded = decode_request(frame, logged_in);
    if (const auto* e = std::get_if<DecodeError>(&decoded)) return e->code;
    ADD_FAILURE() << frame << " decoded, but an error was expected";
    return Errc::internal;
}

json::object ok_body(const core::Result& result) {
    const std::string frame = encode_ok(Ref(std::int64_t{3}), result);
    EXPECT_EQ(frame.back(), '\n');
    return json::parse(frame).as_object().at("OK").as_object();
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
    const auto body = ok_body(core::TokenResult{7, "secret", 1'700'000'000'123});
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
    const auto body = ok_body(result);
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

}  // namespace
}  // namespace salon::proto
