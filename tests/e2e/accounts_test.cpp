// Accounts against the real salond: DELETE_ACCOUNT, locks by `salond user lock` while the server
// runs, last logins in `salond user list`, and a guest registering without losing its place.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

namespace json = boost::json;

class Accounts : public ::testing::Test {
protected:
    std::unique_ptr<Connection> open(const ServerProcess& server) {
        return connect(server, Transport::tcp);
    }

    /// REGISTER as version 2, expecting OK, JOIN and HISTORY for `home`.
    json::object register_v2(Connection& conn, std::string_view us) {
        send(conn, "REGISTER", {{"us", us}, {"pwd", kPassword}, {"v", 2}});
        auto ok = body_of(conn.expect("OK", kWait));
        conn.wait_for("HISTORY", kWait);
        return ok;
    }

    /// `salond user …` against the server's data dir, while it runs.
    static CommandResult user(const ServerProcess& server, std::vector<std::string> args) {
        args.insert(args.begin(), "user");
        args.push_back("--data-dir");
        args.push_back(server.data_dir().string());
        return run_salond(args);
    }

    /// The line of `salond user list` for `name`.
    static std::string list_line(const ServerProcess& server, std::string_view name) {
        const auto listed = user(server, {"list"});
        EXPECT_EQ(listed.exit_status, 0) << listed.output;
        return row_named(listed.output, name);
    }
};

std::int64_t int_of(const json::object& body, std::string_view key) {
    return body.at(key).to_number<std::int64_t>();
}

TEST_F(Accounts, DeletingAnAccountKeepsItsChannelMessagesUnderTheDeletedAuthorAndRemovesTheRest) {
    ServerProcess server;
    auto ann = open(server);
    register_v2(*ann, "ann");
    auto ann_phone = open(server);
    login(*ann_phone, "ann", kPassword);
    auto bob = open(server);
    register_v2(*bob, "bob");
    call_ok(*ann, "JOIN", {{"channel", "books"}});
    call_ok(*bob, "JOIN", {{"channel", "books"}});
    const auto posted = call_ok(*ann, "SEND", msg("books", "hello from ann"));
    call_ok(*bob, "SEND", msg("books", "hello from bob"));
    call_ok(*bob, "DM", {{"to", "ann"}, {"text", "a secret for ann"}});
    const auto sent = call_ok(*ann, "DM", {{"to", "bob"}, {"text", "a secret for bob"}});
    call_ok(*bob, "READ", {{"with", "ann"}, {"id", int_of(sent, "id")}});
    // What bob has seen so far: a resume after it must show the change of author.
    const std::int64_t seen = int_of(sent, "id");
    drain(*bob);

    // A guest has no account to delete; a wrong password deletes nothing.
    auto guest = open(server);
    login(*guest, "");
    EXPECT_EQ(call_no(*guest, "DELETE_ACCOUNT", {{"pwd", "whatever"}}), "forbidden");
    EXPECT_EQ(call_no(*ann, "DELETE_ACCOUNT", {{"pwd", "wrong-password-0"}}), "bad_credentials");
    EXPECT_EQ(call_no(*ann, "DELETE_ACCOUNT", {}), "bad_request");

    call_ok(*ann, "DELETE_ACCOUNT", {{"pwd", kPassword}});
    for (auto* conn : {ann.get(), ann_phone.get()}) {
        const auto notice = body_of(conn->wait_for("NOTICE", kWait));
        EXPECT_EQ(str(notice, "code"), "account_deleted");
        EXPECT_TRUE(conn->closed_by_peer(kWait));
    }
    EXPECT_EQ(str(body_of(bob->wait_for("QUIT", kWait)), "user"), "ann");

    // The channel keeps ann's message, by "[deleted]", and a resume by rev sees the change.
    const auto resumed = call_ok(*bob, "HISTORY", {{"channel", "books"}, {"after", seen}});
    const auto& messages = resumed.at("messages").as_array();
    const auto kept = std::ranges::find_if(messages, [&](const json::value& m) {
        return int_of(m.as_object(), "id") == int_of(posted, "id");
    });
    ASSERT_NE(kept, messages.end()) << json::serialize(resumed);
    EXPECT_EQ(str(kept->as_object(), "from"), "[deleted]");
    EXPECT_EQ(str(kept->as_object(), "text"), "hello from ann");
    EXPECT_GT(int_of(kept->as_object(), "rev"), seen);
    const auto page = call_ok(*bob, "HISTORY", {{"channel", "books"}});
    EXPECT_EQ(json::serialize(page).find("\"ann\""), std::string::npos) << json::serialize(page);

    // The DMs are gone both ways, and the conversation with them.
    const auto conversations = call_ok(*bob, "CONVERSATIONS");
    EXPECT_EQ(json::serialize(conversations).find(R"("with":"ann")"), std::string::npos)
        << json::serialize(conversations);
    EXPECT_EQ(call_no(*bob, "DM", {{"to", "ann"}, {"text", "still there?"}}), "no_such_user");

    // Nobody logs in as ann or as the deleted author; the name ann is free again, clean.
    auto again = open(server);
    EXPECT_EQ(call_no(*again, "CONN", {{"us", "ann"}, {"pwd", kPassword}}), "bad_credentials");
    EXPECT_EQ(call_no(*again, "REGISTER", {{"us", "[deleted]"}, {"pwd", kPassword}}), "bad_name");
    register_v2(*again, "ann");
    const auto with_bob = call_ok(*again, "HISTORY", {{"with", "bob"}});
    EXPECT_TRUE(with_bob.at("messages").as_array().empty()) << json::serialize(with_bob);
    call_ok(*again, "JOIN", {{"channel", "books"}});
    EXPECT_EQ(
        call_no(*again, "EDIT", {{"id", int_of(posted, "id")}, {"text", "mine now?"}}), "forbidden"
    );
}

TEST_F(Accounts, ALockedAccountIsClosedAndRefusedUntilUnlockedAndListShowsLastLogin) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    const std::string token = str(call_ok(*ann, "TOKEN"), "token");
    auto bob = open(server);
    register_user(*bob, "bob");
    call_ok(*bob, "END");

    // Registering counts as a login; list shows name, role, created, last login, state.
    const auto line = list_line(server, "ann");
    EXPECT_NE(line.find("\tuser\t"), std::string::npos) << line;
    EXPECT_TRUE(line.ends_with("\tactive")) << line;
    EXPECT_EQ(line.find("\t-\t"), std::string::npos) << line;

    auto locked = user(server, {"lock", "ann"});
    ASSERT_EQ(locked.exit_status, 0) << locked.output;
    // The running server finds the lock within its watch interval (2 s) and closes ann.
    const auto notice = body_of(ann->wait_for("NOTICE", std::chrono::seconds(10)));
    EXPECT_EQ(str(notice, "code"), "account_locked");
    EXPECT_TRUE(ann->closed_by_peer(kWait));
    EXPECT_TRUE(list_line(server, "ann").ends_with("\tlocked"));

    auto again = open(server);
    EXPECT_EQ(call_no(*again, "CONN", {{"us", "ann"}, {"pwd", kPassword}}), "account_locked");
    EXPECT_EQ(call_no(*again, "CONN", {{"us", "ann"}, {"token", token}}), "account_locked");
    // A wrong password says nothing of the lock.
    EXPECT_EQ(
        call_no(*again, "CONN", {{"us", "ann"}, {"pwd", "wrong-password-0"}}), "bad_credentials"
    );
    EXPECT_EQ(user(server, {"lock", "nobody"}).exit_status, 1);

    ASSERT_EQ(user(server, {"unlock", "ann"}).exit_status, 0);
    EXPECT_FALSE(login(*again, "ann", kPassword).at("guest").as_bool());
    EXPECT_TRUE(list_line(server, "ann").ends_with("\tactive"));
}

TEST_F(Accounts, TheAdministratorsDeleteClosesTheConnectionsOfARunningServer) {
    ServerProcess server;
    auto ann = open(server);
    register_user(*ann, "ann");
    call_ok(*ann, "SEND", msg("home", "ann was here"));
    auto bob = open(server);
    register_user(*bob, "bob");
    drain(*ann);

    const auto deleted = user(server, {"del", "ann"});
    ASSERT_EQ(deleted.exit_status, 0) << deleted.output;
    // The server's account watch (every 2 s) finds the account gone.
    const auto notice = body_of(ann->wait_for("NOTICE", std::chrono::seconds(10)));
    EXPECT_EQ(str(notice, "code"), "account_deleted");
    EXPECT_TRUE(ann->closed_by_peer(kWait));
    EXPECT_EQ(str(body_of(bob->wait_for("QUIT", kWait)), "user"), "ann");
    const auto page = call_ok(*bob, "HISTORY", {{"channel", "home"}});
    ASSERT_FALSE(page.at("messages").as_array().empty());
    EXPECT_EQ(str(page.at("messages").as_array().front().as_object(), "from"), "[deleted]");
}

TEST_F(Accounts, AGuestRegistersWithoutLosingItsChannelsOrOperatorRights) {
    ServerProcess server;
    auto guest = open(server);
    send(*guest, "CONN", {{"us", ""}, {"pwd", ""}, {"v", 2}});
    const std::string guest_name = str(body_of(guest->expect("OK", kWait)), "user");
    guest->wait_for("HISTORY", kWait);
    call_ok(*guest, "JOIN", {{"channel", "den"}});  // a guest's channel: temporary, its op
    call_ok(*guest, "SEND", msg("den", "guest was here"));
    auto bob = open(server);
    register_v2(*bob, "bob");
    call_ok(*bob, "JOIN", {{"channel", "den"}});
    drain(*bob);
    drain(*guest);

    // Errors first: a taken name, a name for guests, a weak password; nothing changes.
    EXPECT_EQ(call_no(*guest, "REGISTER", {{"us", "bob"}, {"pwd", kPassword}}), "name_taken");
    EXPECT_EQ(call_no(*guest, "REGISTER", {{"us", "Guest1"}, {"pwd", kPassword}}), "bad_name");
    EXPECT_EQ(call_no(*guest, "REGISTER", {{"us", "gina"}, {"pwd", "short"}}), "weak_password");
    EXPECT_EQ(
        call_no(*bob, "REGISTER", {{"us", "bobby"}, {"pwd", kPassword}}), "already_logged_in"
    );

    const auto ok = call_ok(*guest, "REGISTER", {{"us", "gina"}, {"pwd", kPassword}});
    EXPECT_EQ(str(ok, "user"), "gina");
    EXPECT_FALSE(ok.at("guest").as_bool());
    EXPECT_EQ(int_of(ok, "protocol"), 2);
    // bob sees one RENAME, no PART, QUIT or JOIN.
    const auto seen = drain(*bob);
    const auto renames = bodies(seen, "RENAME");
    ASSERT_EQ(renames.size(), 1U);
    EXPECT_EQ(str(renames.front(), "user"), guest_name);
    EXPECT_EQ(str(renames.front(), "to"), "gina");
    EXPECT_TRUE(bodies(seen, "PART").empty());
    EXPECT_TRUE(bodies(seen, "QUIT").empty());
    EXPECT_TRUE(bodies(seen, "JOIN").empty());

    // Same connection, now registered, still den's operator.
    const auto who = call_ok(*guest, "WHO", {{"channel", "den"}});
    bool gina_op = false;
    for (const auto& m : who.at("members").as_array()) {
        if (str(m.as_object(), "user") == "gina") {
            gina_op = m.as_object().at("op").as_bool();
            EXPECT_FALSE(m.as_object().at("guest").as_bool());
        }
    }
    EXPECT_TRUE(gina_op) << json::serialize(who);
    call_ok(*guest, "TOPIC", {{"channel", "den"}, {"topic", "gina's den"}});
    EXPECT_FALSE(str(call_ok(*guest, "TOKEN"), "token").empty());

    // The channels and the operator flag are stored: a later login finds them.
    call_ok(*guest, "END");
    call_ok(*bob, "END");
    auto gina = open(server);
    const auto back = login(*gina, "gina", kPassword, {}, 2);
    EXPECT_FALSE(back.at("guest").as_bool());
    call_ok(*gina, "TOPIC", {{"channel", "den"}, {"topic", "still mine"}});
}

/// The figures of the conversation with `partner` in CONVERSATIONS.
json::object conversation_with(Connection& conn, std::string_view partner) {
    const auto list = call_ok(conn, "CONVERSATIONS");
    for (const auto& c : list.at("conversations").as_array()) {
        const auto& entry = c.as_object();
        if (entry.contains("with") && str(entry, "with") == partner) return entry;
    }
    ADD_FAILURE() << "no conversation with " << partner << ": " << json::serialize(list);
    return {};
}

/// The texts of a page of HISTORY, oldest first, each as "from>to: text".
std::vector<std::string> direct_lines(const json::object& page) {
    std::vector<std::string> lines;
    for (const auto& m : page.at("messages").as_array()) {
        const auto& message = m.as_object();
        lines.push_back(
            str(message, "from") + ">" + str(message, "to") + ": " + str(message, "text")
        );
    }
    return lines;
}

TEST_F(Accounts, AGuestRegisteringKeepsItsDirectMessagesReadMarkersAndAuthorship) {
    ServerProcess server;
    auto guest = open(server);
    send(*guest, "CONN", {{"us", ""}, {"pwd", ""}, {"v", 2}});
    const std::string guest_name = str(body_of(guest->expect("OK", kWait)), "user");
    guest->wait_for("HISTORY", kWait);
    auto bob = open(server);
    register_v2(*bob, "bob");
    const auto posted = call_ok(*guest, "SEND", msg("home", "guest in home"));
    const auto to_bob = call_ok(*guest, "DM", {{"to", "bob"}, {"text", "hi bob"}});
    const auto first = call_ok(*bob, "DM", {{"to", guest_name}, {"text", "hi guest"}});
    call_ok(*bob, "DM", {{"to", guest_name}, {"text", "@" + guest_name + " still there?"}});
    call_ok(*bob, "DM", {{"to", guest_name}, {"text", "bye"}});
    call_ok(*guest, "DM", {{"to", "bob"}, {"text", "wait"}});
    call_ok(*guest, "READ", {{"with", "bob"}, {"id", int_of(first, "id")}});
    call_ok(*bob, "READ", {{"with", guest_name}, {"id", int_of(to_bob, "id")}});
    const auto guest_view = conversation_with(*guest, "bob");
    const auto bob_view = conversation_with(*bob, guest_name);
    ASSERT_EQ(int_of(guest_view, "unread"), 2) << json::serialize(guest_view);
    ASSERT_EQ(int_of(guest_view, "mentions"), 1) << json::serialize(guest_view);
    ASSERT_EQ(int_of(bob_view, "unread"), 1) << json::serialize(bob_view);
    const std::int64_t seen =
        int_of(call_ok(*guest, "DM", {{"to", "bob"}, {"text", "last"}}), "id");
    const std::vector<std::string> conversation = {
        guest_name + ">bob: hi bob",
        "bob>" + guest_name + ": hi guest",
        "bob>" + guest_name + ": @" + guest_name + " still there?",
        "bob>" + guest_name + ": bye",
        guest_name + ">bob: wait",
        guest_name + ">bob: last",
    };
    ASSERT_EQ(direct_lines(call_ok(*guest, "HISTORY", {{"with", "bob"}})), conversation);
    drain(*bob);

    call_ok(*guest, "REGISTER", {{"us", "alice"}, {"pwd", kPassword}});
    // The parties' names change, not the texts (the mention is what bob wrote).
    std::vector<std::string> as_alice;
    for (auto line : conversation) {
        for (auto at = line.find(guest_name); at < line.find(": "); at = line.find(guest_name))
            line.replace(at, guest_name.size(), "alice");
        as_alice.push_back(line);
    }
    // Both sides see the whole conversation under the account's name, with their read markers;
    // bob's unread are the guest's two after his marker.
    auto check = [&](Connection& alice) {
        EXPECT_EQ(direct_lines(call_ok(alice, "HISTORY", {{"with", "bob"}})), as_alice);
        const auto view = conversation_with(alice, "bob");
        EXPECT_EQ(int_of(view, "read"), int_of(guest_view, "read"));
        EXPECT_EQ(int_of(view, "unread"), 2) << json::serialize(view);
        EXPECT_EQ(int_of(view, "mentions"), 1) << json::serialize(view);
    };
    check(*guest);
    EXPECT_EQ(direct_lines(call_ok(*bob, "HISTORY", {{"with", "alice"}})), as_alice);
    const auto bob_after = conversation_with(*bob, "alice");
    EXPECT_EQ(int_of(bob_after, "read"), int_of(bob_view, "read"));
    EXPECT_EQ(int_of(bob_after, "unread"), 2) << json::serialize(bob_after);
    // The channel message is alice's now, with a new rev that a resume sees.
    const auto resumed = call_ok(*bob, "HISTORY", {{"channel", "home"}, {"after", seen}});
    const auto& changed = resumed.at("messages").as_array();
    const auto mine = std::ranges::find_if(changed, [&](const json::value& m) {
        return int_of(m.as_object(), "id") == int_of(posted, "id");
    });
    ASSERT_NE(mine, changed.end()) << json::serialize(resumed);
    EXPECT_EQ(str(mine->as_object(), "from"), "alice");
    EXPECT_GT(int_of(mine->as_object(), "rev"), seen);
    call_ok(*guest, "EDIT", {{"id", int_of(posted, "id")}, {"text", "alice in home"}});

    // A later login with the password finds the same, and the recent messages a join shows
    // name alice too.
    call_ok(*guest, "END");
    auto alice = open(server);
    send(*alice, "CONN", {{"us", "alice"}, {"pwd", kPassword}, {"v", 2}});
    alice->expect("OK", kWait);
    const auto recent = body_of(alice->wait_for("HISTORY", kWait));
    const auto& shown = recent.at("messages").as_array();
    const auto kept = std::ranges::find_if(shown, [&](const json::value& m) {
        return int_of(m.as_object(), "id") == int_of(posted, "id");
    });
    ASSERT_NE(kept, shown.end()) << json::serialize(recent);
    EXPECT_EQ(str(kept->as_object(), "from"), "alice");
    EXPECT_EQ(str(kept->as_object(), "text"), "alice in home");
    check(*alice);
}

}  // namespace
}  // namespace salon::test
