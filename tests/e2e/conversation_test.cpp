// Protocol version 2, the conversation model: resume by rev, DM history, edits, deletes,
// replies, reactions, mentions, read markers, the sidebar, typing and search.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <set>
#include <thread>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

class Conversation : public E2e {
protected:
    std::string transport_label() const { return GetParam() == Transport::tcp ? "tcp" : "ws"; }
};

std::int64_t id_of(const boost::json::object& body, std::string_view key = "id") {
    return body.at(key).to_number<std::int64_t>();
}

/// CONN or REGISTER with "v":2 as `us` (a guest when empty), then the home channel's JOIN and
/// HISTORY. The OK body.
boost::json::object enter(Connection& conn, std::string_view us, std::string_view verb = "CONN") {
    send(conn, verb, {{"us", us}, {"pwd", us.empty() ? "" : kPassword}, {"v", 2}});
    auto ok = body_of(conn.expect("OK", kWait));
    conn.wait_for("HISTORY", kWait);
    return ok;
}

/// Registers `us` on a connection of its own and leaves, so that the account exists.
void make_account(const ServerProcess& server, Transport transport, std::string_view us) {
    auto conn = connect(server, transport);
    enter(*conn, us, "REGISTER");
    call_ok(*conn, "END");
}

struct ThreeInHome {
    std::unique_ptr<Connection> ann, bob, old_client;
};

/// ann and bob, registered, on version 2 connections, and a guest on a version 1 one: all in home.
ThreeInHome three_in_home(const ServerProcess& server, Transport transport) {
    ThreeInHome three{
        connect(server, transport), connect(server, transport), connect(server, transport)};
    enter(*three.ann, "ann", "REGISTER");
    enter(*three.bob, "bob", "REGISTER");
    login(*three.old_client, "");
    return three;
}

/// Sends a message and returns its id.
std::int64_t post(Connection& conn, std::string_view channel, std::string_view text) {
    return id_of(call_ok(conn, "SEND", msg(channel, text)));
}

/// The next UPDATE event for message `id`.
boost::json::object update_of(Connection& conn, std::int64_t id) {
    return wait_for_id(conn, "UPDATE", id);
}

/// Enough request budget to post a few hundred messages at once.
ServerOptions fast_posting() {
    ServerOptions options;
    options.extra_args = {"--messages-per-second", "1000", "--message-burst", "1000"};
    return options;
}

bool has(const boost::json::object& body, std::string_view key) {
    return body.contains(key);
}

std::vector<std::string> strings(const boost::json::value& array) {
    std::vector<std::string> out;
    for (const auto& v : array.as_array()) out.emplace_back(v.as_string());
    return out;
}

TEST_P(Conversation, LoginSaysProtocol2AndVersion2MessagesCarryRevEqualToTheirId) {
    ServerProcess server;
    auto v1 = open(server);
    EXPECT_EQ(id_of(login(*v1, ""), "protocol"), 2);  // version 1 clients see it too
    auto v2 = open(server);
    EXPECT_EQ(id_of(enter(*v2, ""), "protocol"), 2);
    const auto id = post(*v2, "home", "hello");
    const auto echoed = wait_for_id(*v2, "MSG", id);
    EXPECT_EQ(id_of(echoed, "rev"), id);
    EXPECT_FALSE(has(echoed, "edited") || has(echoed, "deleted") || has(echoed, "reply_to"));
    // A version 1 client gets the version 1 body: nothing it cannot use.
    EXPECT_FALSE(has(wait_for_id(*v1, "MSG", id), "rev"));
}

TEST_P(Conversation, ResumeAfterAGapOfMoreThan200MessagesMissesNothingNotEvenEditsAndDeletes) {
    ServerProcess server(fast_posting());
    make_account(server, GetParam(), "ann");
    auto bob = open(server);
    enter(*bob, "bob", "REGISTER");
    const auto early = post(*bob, "home", "an early message");
    const auto doomed = post(*bob, "home", "a message to delete");

    std::int64_t seen_rev = 0;
    {
        auto ann = open(server);
        enter(*ann, "ann");
        seen_rev = id_of(wait_for_id(*ann, "MSG", post(*bob, "home", "last one ann saw")), "rev");
        call_ok(*ann, "END");
    }
    // While ann is away: 250 messages, an edit and a delete of messages she had seen.
    std::set<std::int64_t> posted;
    for (int i = 0; i < 250; ++i) posted.insert(post(*bob, "home", "gap " + std::to_string(i)));
    call_ok(*bob, "EDIT", {{"id", early}, {"text", "an early message, edited"}});
    call_ok(*bob, "DELETE", {{"id", doomed}});

    auto ann = open(server);
    enter(*ann, "ann");
    std::set<std::int64_t> got;
    std::int64_t after = seen_rev;
    std::int64_t last_rev = seen_rev;
    boost::json::object edited, deleted;
    for (int page = 0; page < 10; ++page) {
        const auto h =
            call_ok(*ann, "HISTORY", {{"channel", "home"}, {"after", after}, {"limit", 200}});
        for (const auto& m : h.at("messages").as_array()) {
            const auto& body = m.as_object();
            EXPECT_GT(id_of(body, "rev"), last_rev) << "ordered by rev";
            last_rev = id_of(body, "rev");
            if (id_of(body) == early) edited = body;
            if (id_of(body) == doomed) deleted = body;
            got.insert(id_of(body));
        }
        after = last_rev;
        if (!h.contains("more") || !h.at("more").as_bool()) break;
    }
    for (const auto id : posted) EXPECT_TRUE(got.contains(id)) << "missing message " << id;
    ASSERT_FALSE(edited.empty());
    EXPECT_EQ(str(edited, "text"), "an early message, edited");
    EXPECT_TRUE(is_timestamp(str(edited, "edited")));
    ASSERT_FALSE(deleted.empty());
    EXPECT_TRUE(deleted.at("deleted").as_bool());
    EXPECT_EQ(str(deleted, "text"), "");
}

TEST_P(Conversation, DirectMessageHistorySurvivesARestartInBothDirections) {
    ServerProcess server;
    make_account(server, GetParam(), "bob");
    std::vector<std::int64_t> ids;
    {
        auto ann = open(server);
        enter(*ann, "ann", "REGISTER");
        auto bob = open(server);
        enter(*bob, "bob");
        ids.push_back(id_of(call_ok(*ann, "DM", {{"to", "bob"}, {"text", "hi bob"}})));
        ids.push_back(id_of(call_ok(*bob, "DM", {{"to", "ann"}, {"text", "hi ann"}})));
        ids.push_back(id_of(call_ok(*ann, "DM", {{"to", "bob"}, {"text", "how are you"}})));
    }
    ASSERT_EQ(server.stop(SIGTERM), 0) << server.log();
    server.start();
    auto ann = open(server);
    enter(*ann, "ann");
    const auto h = call_ok(*ann, "HISTORY", {{"with", "BOB"}});
    EXPECT_EQ(str(h, "with"), "bob");
    const auto& messages = h.at("messages").as_array();
    ASSERT_EQ(messages.size(), 3U);
    for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(id_of(messages[i].as_object()), ids[i]);
    EXPECT_EQ(str(messages[1].as_object(), "from"), "bob");
    EXPECT_EQ(str(messages[1].as_object(), "to"), "ann");
    EXPECT_EQ(call_no(*ann, "HISTORY", {{"with", "nobody"}}), "no_such_user");
}

TEST_P(Conversation, EditIsTheAuthorsAndReachesVersion2MembersOnly) {
    ServerProcess server;
    auto [ann, bob, old_client] = three_in_home(server, GetParam());
    const auto id = post(*ann, "home", "teh typo");

    EXPECT_EQ(call_no(*bob, "EDIT", {{"id", id}, {"text", "not yours"}}), "forbidden");
    EXPECT_EQ(call_no(*ann, "EDIT", {{"id", id + 1000}, {"text", "x"}}), "no_such_message");
    EXPECT_EQ(call_no(*ann, "EDIT", {{"id", id}, {"text", ""}}), "bad_request");
    const auto ok = call_ok(*ann, "EDIT", {{"id", id}, {"text", "the typo, fixed"}});
    EXPECT_EQ(id_of(ok), id);
    EXPECT_GT(id_of(ok, "rev"), id);
    const auto update = update_of(*bob, id);
    EXPECT_EQ(str(update, "text"), "the typo, fixed");
    EXPECT_EQ(id_of(update, "rev"), id_of(ok, "rev"));
    EXPECT_EQ(str(update, "channel"), "home");
    EXPECT_TRUE(is_timestamp(str(update, "edited")));
    for (const auto& frame : drain(*old_client)) EXPECT_NE(verb_of(frame), "UPDATE");

    // A message of a channel you are not in is no message at all.
    auto carol = open(server);
    enter(*carol, "");
    call_ok(*carol, "PART", {{"channel", "home"}});
    EXPECT_EQ(call_no(*carol, "DELETE", {{"id", id}}), "no_such_message");
}

TEST_P(Conversation, DeleteLeavesATombstoneThatOnlyAuthorsOperatorsAndAdminsMayMake) {
    ServerProcess server;
    auto ann = open(server);
    enter(*ann, "ann", "REGISTER");
    call_ok(*ann, "JOIN", {{"channel", "club"}});  // ann founds it: its operator
    auto bob = open(server);
    enter(*bob, "bob", "REGISTER");
    call_ok(*bob, "JOIN", {{"channel", "club"}});
    const auto by_ann = post(*ann, "club", "ann's");
    const auto by_bob = post(*bob, "club", "bob's");
    const auto reply =
        id_of(call_ok(*bob, "SEND", {{"channel", "club"}, {"text", "re"}, {"reply_to", by_bob}}));

    EXPECT_EQ(call_no(*bob, "DELETE", {{"id", by_ann}}), "forbidden");
    call_ok(*ann, "DELETE", {{"id", by_bob}});  // the operator
    const auto tomb = update_of(*bob, by_bob);
    EXPECT_TRUE(tomb.at("deleted").as_bool());
    EXPECT_EQ(str(tomb, "text"), "");
    EXPECT_EQ(call_no(*bob, "DELETE", {{"id", by_bob}}), "no_such_message");
    EXPECT_EQ(call_no(*bob, "EDIT", {{"id", by_bob}, {"text", "x"}}), "no_such_message");
    EXPECT_EQ(call_no(*ann, "REACT", {{"id", by_bob}, {"emoji", "👍"}}), "no_such_message");
    // A tombstone can still be answered and read.
    call_ok(*ann, "SEND", {{"channel", "club"}, {"text", "re: deleted"}, {"reply_to", by_bob}});
    call_ok(*ann, "READ", {{"channel", "club"}, {"id", by_bob}});

    const auto h = call_ok(*bob, "HISTORY", {{"channel", "club"}});
    bool found = false;
    for (const auto& m : h.at("messages").as_array()) {
        const auto& body = m.as_object();
        if (id_of(body) == by_bob) {
            found = true;
            EXPECT_TRUE(body.at("deleted").as_bool());
            EXPECT_EQ(str(body, "text"), "");
        }
        if (id_of(body) == reply) {
            EXPECT_EQ(id_of(body, "reply_to"), by_bob);
        }
    }
    EXPECT_TRUE(found);
}

TEST_P(Conversation, RepliesStayInTheirConversation) {
    ServerProcess server;
    auto ann = open(server);
    enter(*ann, "");
    call_ok(*ann, "JOIN", {{"channel", "other"}});
    const auto elsewhere = post(*ann, "other", "in other");
    const auto here = post(*ann, "home", "in home");
    EXPECT_EQ(
        call_no(*ann, "SEND", {{"channel", "home"}, {"text", "re"}, {"reply_to", elsewhere}}),
        "no_such_message"
    );
    EXPECT_EQ(
        call_no(*ann, "SEND", {{"channel", "home"}, {"text", "re"}, {"reply_to", here + 999}}),
        "no_such_message"
    );
    const auto id =
        id_of(call_ok(*ann, "SEND", {{"channel", "home"}, {"text", "re"}, {"reply_to", here}}));
    EXPECT_EQ(id_of(wait_for_id(*ann, "MSG", id), "reply_to"), here);
}

TEST_P(Conversation, ReactionsAddOnceRemoveAndStopAtTwentyEmoji) {
    ServerProcess server(fast_posting());
    auto ann = open(server);
    enter(*ann, "ann", "REGISTER");
    auto bob = open(server);
    enter(*bob, "bob", "REGISTER");
    const auto id = post(*ann, "home", "react to me");

    const auto ok = call_ok(*bob, "REACT", {{"id", id}, {"emoji", "👍"}});
    auto update = update_of(*ann, id);
    ASSERT_EQ(update.at("reactions").as_array().size(), 1U);
    const auto& thumbs = update.at("reactions").as_array()[0].as_object();
    EXPECT_EQ(str(thumbs, "emoji"), "👍");
    EXPECT_EQ(strings(thumbs.at("users")), std::vector<std::string>{"bob"});
    // Again: an OK that changes nothing and sends nothing.
    const auto again = call_ok(*bob, "REACT", {{"id", id}, {"emoji", "👍"}});
    EXPECT_EQ(id_of(again, "rev"), id_of(ok, "rev"));
    for (const auto& frame : drain(*ann)) EXPECT_NE(verb_of(frame), "UPDATE");
    call_ok(*bob, "REACT", {{"id", id}, {"emoji", "👍"}, {"on", false}});
    EXPECT_FALSE(has(update_of(*ann, id), "reactions"));
    call_ok(*bob, "REACT", {{"id", id}, {"emoji", "🐈"}, {"on", false}});  // never there: OK

    for (const auto* bad : {"", "a b", "\x07", "\t"})
        EXPECT_EQ(call_no(*bob, "REACT", {{"id", id}, {"emoji", bad}}), "bad_request") << bad;
    EXPECT_EQ(call_no(*bob, "REACT", {{"id", id}, {"emoji", std::string(33, 'x')}}), "bad_request");
    call_ok(
        *bob, "REACT", {{"id", id}, {"emoji", "👨‍👩‍👧"}}
    );  // a ZWJ sequence is one emoji

    for (int i = 1; i < 20; ++i)
        call_ok(*bob, "REACT", {{"id", id}, {"emoji", "e" + std::to_string(i)}});
    EXPECT_EQ(
        call_no(*bob, "REACT", {{"id", id}, {"emoji", "one-too-many"}}), "too_many_reactions"
    );
    call_ok(*ann, "REACT", {{"id", id}, {"emoji", "e1"}});  // joining an emoji already there
}

TEST_P(Conversation, MentionsNameRegisteredAndOnlineUsersOnceInOrder) {
    ServerProcess server;
    make_account(server, GetParam(), "ann");
    auto bob = open(server);
    enter(*bob, "bob", "REGISTER");
    auto guest = open(server);
    const auto guest_name = str(enter(*guest, ""), "user");
    const auto id =
        post(*bob, "home", "@" + guest_name + " and thanks @ANN. also @nobody, a@b and @ann again");
    const auto body = wait_for_id(*bob, "MSG", id);
    EXPECT_EQ(strings(body.at("mentions")), (std::vector<std::string>{guest_name, "ann"}));

    // EDIT recomputes them.
    call_ok(*bob, "EDIT", {{"id", id}, {"text", "only @bob now"}});
    EXPECT_EQ(strings(update_of(*bob, id).at("mentions")), std::vector<std::string>{"bob"});
}

TEST_P(Conversation, ReadMarkersMoveForwardSyncToEveryConnectionAndPersist) {
    ServerProcess server;
    auto ann1 = open(server);
    enter(*ann1, "ann", "REGISTER");
    auto ann2 = open(server);
    enter(*ann2, "ann");
    const auto first = post(*ann1, "home", "one");
    const auto second = post(*ann1, "home", "two");

    call_ok(*ann1, "READ", {{"channel", "home"}, {"id", second}});
    for (auto* conn : {ann1.get(), ann2.get()}) {
        const auto read = body_of(conn->wait_for("READ", kWait));
        EXPECT_EQ(str(read, "channel"), "home");
        EXPECT_EQ(id_of(read), second);
    }
    call_ok(*ann2, "READ", {{"channel", "home"}, {"id", first}});  // backwards: nothing happens
    for (const auto& frame : drain(*ann1)) EXPECT_NE(verb_of(frame), "READ");
    EXPECT_EQ(
        call_no(*ann1, "READ", {{"channel", "home"}, {"id", second + 100}}), "no_such_message"
    );
    EXPECT_EQ(
        call_no(*ann1, "READ", {{"channel", "home"}, {"with", "ann"}, {"id", 1}}), "bad_request"
    );

    ann1.reset();
    ann2.reset();
    ASSERT_EQ(server.stop(SIGTERM), 0) << server.log();
    server.start();
    auto ann = open(server);
    enter(*ann, "ann");
    const auto sidebar = call_ok(*ann, "CONVERSATIONS");
    const auto& home = sidebar.at("conversations").as_array()[0].as_object();
    EXPECT_EQ(str(home, "channel"), "home");
    EXPECT_EQ(id_of(home, "read"), second);
}

TEST_P(Conversation, TheSidebarCountsUnreadAndMentionsNewestFirst) {
    ServerProcess server;
    auto ann = open(server);
    enter(*ann, "ann", "REGISTER");
    call_ok(*ann, "JOIN", {{"channel", "quiet"}});
    auto bob = open(server);
    enter(*bob, "bob", "REGISTER");
    const auto read_up_to = post(*bob, "home", "read already");
    call_ok(*ann, "READ", {{"channel", "home"}, {"id", read_up_to}});
    post(*bob, "home", "unread 1");
    post(*bob, "home", "unread 2, @ann look");
    const auto gone = post(*bob, "home", "unread but deleted @ann");
    call_ok(*bob, "DELETE", {{"id", gone}});
    post(*ann, "home", "my own is never unread");
    const auto dm = id_of(call_ok(*bob, "DM", {{"to", "ann"}, {"text", "psst @ann"}}));

    const auto list = call_ok(*ann, "CONVERSATIONS").at("conversations").as_array();
    ASSERT_EQ(list.size(), 3U);
    const auto& first = list[0].as_object();  // the DM is the newest activity
    EXPECT_EQ(str(first, "with"), "bob");
    EXPECT_EQ(id_of(first, "last_id"), dm);
    EXPECT_EQ(id_of(first, "unread"), 1);
    EXPECT_EQ(id_of(first, "mentions"), 1);
    EXPECT_EQ(id_of(first, "read"), 0);
    const auto& home = list[1].as_object();
    EXPECT_EQ(str(home, "channel"), "home");
    EXPECT_EQ(id_of(home, "read"), read_up_to);
    EXPECT_EQ(id_of(home, "unread"), 2);
    EXPECT_EQ(id_of(home, "mentions"), 1);
    EXPECT_TRUE(is_timestamp(str(home, "last_ts")));
    const auto& quiet = list[2].as_object();  // no messages: last
    EXPECT_EQ(str(quiet, "channel"), "quiet");
    EXPECT_TRUE(quiet.at("last_id").is_null());
    EXPECT_EQ(id_of(quiet, "unread"), 0);
}

TEST_P(Conversation, TypingReachesVersion2ConnectionsAndRepeatsAreCoalesced) {
    ServerProcess server;
    auto [ann, bob, old_client] = three_in_home(server, GetParam());

    call_ok(*ann, "TYPING", {{"channel", "home"}, {"state", "active"}});
    const auto typing = body_of(bob->wait_for("TYPING", kWait));
    EXPECT_EQ(str(typing, "channel"), "home");
    EXPECT_EQ(str(typing, "user"), "ann");
    EXPECT_EQ(str(typing, "state"), "active");
    call_ok(*ann, "TYPING", {{"channel", "home"}, {"state", "active"}});  // within 3 s: dropped
    for (const auto& frame : drain(*bob)) EXPECT_NE(verb_of(frame), "TYPING");
    for (const auto& frame : drain(*old_client)) EXPECT_NE(verb_of(frame), "TYPING");
    for (const auto& frame : drain(*ann)) EXPECT_NE(verb_of(frame), "TYPING");  // not to oneself

    call_ok(*ann, "TYPING", {{"with", "bob"}, {"state", "done"}});
    const auto direct = body_of(bob->wait_for("TYPING", kWait));
    EXPECT_EQ(str(direct, "with"), "ann");
    EXPECT_EQ(str(direct, "state"), "done");
    EXPECT_EQ(call_no(*ann, "TYPING", {{"channel", "home"}, {"state", "busy"}}), "bad_request");
    EXPECT_EQ(
        call_no(*ann, "TYPING", {{"channel", "elsewhere"}, {"state", "active"}}), "no_such_channel"
    );
}

TEST_P(Conversation, SearchFindsSubstringsCaseInsensitivelyWhereTheCallerMayRead) {
    ServerProcess server;
    auto ann = open(server);
    enter(*ann, "ann", "REGISTER");
    auto bob = open(server);
    enter(*bob, "bob", "REGISTER");
    call_ok(*bob, "JOIN", {{"channel", "secret"}});
    const auto hit = post(*bob, "home", "Meet at the GRÜNEWALD station");
    post(*bob, "secret", "grünewald in a channel ann is not in");
    const auto dm = id_of(call_ok(*bob, "DM", {{"to", "ann"}, {"text", "grünewald by DM"}}));
    const auto edited = post(*bob, "home", "nothing here");
    call_ok(*bob, "EDIT", {{"id", edited}, {"text", "grünewald after an edit"}});
    const auto deleted = post(*bob, "home", "grünewald deleted");
    call_ok(*bob, "DELETE", {{"id", deleted}});

    // The index is kept in the background: PROTOCOL.md gives a message 5 s to become findable.
    boost::json::object found;
    std::vector<std::int64_t> ids;
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    do {
        std::this_thread::sleep_for(250ms);
        found = call_ok(*ann, "SEARCH", {{"query", "üNEWAL"}});
        ids.clear();
        for (const auto& m : found.at("messages").as_array()) ids.push_back(id_of(m.as_object()));
        EXPECT_FALSE(std::ranges::count(ids, deleted)) << "a deleted message matched";
    } while (ids.size() < 3 && std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{edited, dm, hit}));  // newest first
    EXPECT_FALSE(found.at("more").as_bool());

    const auto paged = call_ok(*ann, "SEARCH", {{"query", "grünewald"}, {"limit", 1}});
    ASSERT_EQ(paged.at("messages").as_array().size(), 1U);
    EXPECT_TRUE(paged.at("more").as_bool());
    EXPECT_EQ(id_of(paged, "next_before"), edited);
    const auto older = call_ok(*ann, "SEARCH", {{"query", "grünewald"}, {"before", edited}});
    EXPECT_EQ(older.at("messages").as_array().size(), 2U);
    EXPECT_EQ(
        call_ok(*ann, "SEARCH", {{"query", "grünewald"}, {"from", "ann"}})
            .at("messages")
            .as_array()
            .size(),
        0U
    );
    EXPECT_EQ(
        call_ok(*ann, "SEARCH", {{"query", "grünewald"}, {"with", "bob"}})
            .at("messages")
            .as_array()
            .size(),
        1U
    );
    EXPECT_EQ(
        call_no(*ann, "SEARCH", {{"query", "grünewald"}, {"channel", "secret"}}), "not_in_channel"
    );
    EXPECT_EQ(call_no(*ann, "SEARCH", {{"query", "gr"}}), "bad_request");
}

TEST_P(Conversation, MalformedConversationRequestsAreBadRequests) {
    ServerProcess server;
    auto ann = open(server);
    enter(*ann, "");
    EXPECT_EQ(
        call_no(*ann, "HISTORY", {{"channel", "home"}, {"before", 5}, {"after", 1}}), "bad_request"
    );
    EXPECT_EQ(call_no(*ann, "HISTORY", {{"channel", "home"}, {"with", "bob"}}), "bad_request");
    EXPECT_EQ(call_no(*ann, "HISTORY", {}), "bad_request");
    EXPECT_EQ(call_no(*ann, "HISTORY", {{"channel", "nowhere"}}), "no_such_channel");
    EXPECT_EQ(call_no(*ann, "EDIT", {{"id", "x"}, {"text", "y"}}), "bad_request");
    EXPECT_EQ(call_no(*ann, "REACT", {{"id", 1}}), "bad_request");
    EXPECT_EQ(call_no(*ann, "READ", {{"channel", "home"}}), "bad_request");
}

TEST_P(Conversation, AcknowledgedEditsDeletesReactionsAndReadMarkersSurviveKill9) {
    ServerProcess server;
    std::int64_t edited = 0, deleted = 0, reacted = 0;
    {
        auto ann = open(server);
        enter(*ann, "ann", "REGISTER");
        edited = post(*ann, "home", "before");
        deleted = post(*ann, "home", "to delete");
        reacted = post(*ann, "home", "to react to");
        call_ok(*ann, "EDIT", {{"id", edited}, {"text", "after"}});
        call_ok(*ann, "DELETE", {{"id", deleted}});
        call_ok(*ann, "REACT", {{"id", reacted}, {"emoji", "🎉"}});
        call_ok(*ann, "READ", {{"channel", "home"}, {"id", deleted}});
        ASSERT_EQ(server.stop(SIGKILL), 128 + SIGKILL);
    }
    server.start();
    auto ann = open(server);
    enter(*ann, "ann");
    const auto h = call_ok(*ann, "HISTORY", {{"channel", "home"}});
    int seen = 0;
    for (const auto& m : h.at("messages").as_array()) {
        const auto& body = m.as_object();
        if (id_of(body) == edited) seen += str(body, "text") == "after";
        if (id_of(body) == deleted) seen += body.contains("deleted");
        if (id_of(body) == reacted) seen += body.contains("reactions");
    }
    EXPECT_EQ(seen, 3);
    const auto sidebar = call_ok(*ann, "CONVERSATIONS");
    const auto& home = sidebar.at("conversations").as_array()[0].as_object();
    EXPECT_EQ(id_of(home, "read"), deleted);
}

TEST_P(Conversation, AVersion1DataDirIsUpgradedInPlaceAndKeepsEveryMessage) {
    // tests/data/salon-v1.db was written by the last version-1 salond (make_salon_v1_db.py).
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() /
                         ("salon-upgrade-" + std::to_string(::getpid()) + "-" + transport_label());
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all);
    fs::copy_file(fs::path(SALON_TEST_DATA_DIR) / "salon-v1.db", dir / "salon.db");

    struct RemoveAtEnd {
        fs::path dir;

        ~RemoveAtEnd() { fs::remove_all(dir); }
    } const cleanup{dir};

    ServerOptions options;
    options.data_dir = dir;
    ServerProcess server(options);

    auto bob = open(server);
    send(*bob, "CONN", {{"us", "bob"}, {"pwd", "correct horse battery"}, {"v", 2}});
    bob->expect("OK", kWait);
    // The DM that waited for bob in version 1 still does.
    EXPECT_EQ(str(wait_for_id(*bob, "DM", 6), "text"), "while you were away");
    const auto dms = call_ok(*bob, "HISTORY", {{"with", "alice"}});
    std::vector<std::int64_t> ids;
    for (const auto& m : dms.at("messages").as_array()) ids.push_back(id_of(m.as_object()));
    EXPECT_EQ(ids, (std::vector<std::int64_t>{4, 5, 6}));
    EXPECT_EQ(str(dms, "with"), "Alice");

    const auto home = call_ok(*bob, "HISTORY", {{"channel", "home"}, {"after", 0}});
    ASSERT_EQ(home.at("messages").as_array().size(), 2U);
    EXPECT_EQ(id_of(home.at("messages").as_array()[0].as_object(), "rev"), 1);
    // The upgrade indexes the old messages in the background.
    boost::json::object found;
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    do {
        std::this_thread::sleep_for(100ms);
        found = call_ok(*bob, "SEARCH", {{"query", "ÄRGER"}});
    } while (found.at("messages").as_array().empty() && std::chrono::steady_clock::now() < deadline
    );
    ASSERT_EQ(found.at("messages").as_array().size(), 1U);
    EXPECT_EQ(id_of(found.at("messages").as_array()[0].as_object()), 1);
    // Ids go on after the largest version 1 handed out.
    EXPECT_GT(post(*bob, "home", "after the upgrade"), 8);
}

INSTANTIATE_TEST_SUITE_P(
    AllTransports, Conversation, ::testing::Values(Transport::tcp, Transport::ws), transport_name
);

}  // namespace
}  // namespace salon::test
