// `salond channel list|delete|rename|op` against a real data dir: through a running salond, whose
// members online see the change at once, and on the stored state alone with salond stopped.
#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "e2e_support.hpp"

namespace salon::test {
namespace {

namespace json = boost::json;

/// `salond channel …` on `dir`.
CommandResult channel_command(const std::filesystem::path& dir, std::vector<std::string> args) {
    args.insert(args.begin(), "channel");
    args.push_back("--data-dir");
    args.push_back(dir.string());
    return run_salond(args);
}

/// The line of `salond channel list` for `name`, "" when not listed.
std::string list_line(const std::filesystem::path& dir, std::string_view name) {
    const auto listed = channel_command(dir, {"list"});
    EXPECT_EQ(listed.exit_status, 0) << listed.output;
    return row_named(listed.output, name);
}

std::vector<std::string> strings(const json::value& array) {
    std::vector<std::string> out;
    for (const auto& v : array.as_array()) out.emplace_back(v.as_string());
    return out;
}

/// Logs `user` in (version 2) and tells whether the login rejoined `channel` as its operator.
bool logs_in_as_operator_of(Connection& conn, std::string_view user, std::string_view channel) {
    send(conn, "CONN", {{"us", user}, {"pwd", kPassword}, {"v", 2}});
    conn.expect("OK", kWait);
    for (const auto& join : bodies(drain(conn), "JOIN")) {
        if (str(join, "channel") == channel) return join.at("op").as_bool();
    }
    return false;
}

/// The mistakes every channel command refuses with exit 1 and a message, on `dir` as it is
/// (books and club exist, carl has an account and no membership of books).
void expect_refusals(const std::filesystem::path& dir) {
    const std::vector<std::vector<std::string>> mistakes{
        {"delete", "nosuch"},
        {"delete", "home"},
        {"rename", "home", "house"},
        {"rename", "nosuch", "other"},
        {"rename", "books", "club"},      // the name is taken
        {"rename", "books", "bad name"},  // not a channel name
        {"delete", "bad!name"},
        {"op", "books", "nobody"},  // no such account
        {"op", "books", "Guest1"},  // never an account
        {"op", "books", "carl"},    // not a member
        {"op", "nosuch", "bob"},
    };
    for (const auto& args : mistakes) {
        const auto r = channel_command(dir, args);
        EXPECT_EQ(r.exit_status, 1) << args[0] << " " << args[1] << "\n" << r.output;
        EXPECT_NE(r.output.find("salond: "), std::string::npos) << r.output;
    }
    EXPECT_EQ(channel_command(dir, {"rename", "books"}).exit_status, 2);
    EXPECT_EQ(channel_command(dir, {"frobnicate"}).exit_status, 2);
}

TEST(ChannelAdmin, ARunningServerAppliesEachCommandAndMembersOnlineSeeIt) {
    ServerProcess server;
    const auto& dir = server.data_dir();
    auto ann = connect(server, Transport::tcp);
    register_user(*ann, "ann");
    auto bob = connect(server, Transport::tcp);
    register_user(*bob, "bob");
    auto carl = connect(server, Transport::tcp);
    register_user(*carl, "carl");
    call_ok(*ann, "JOIN", {{"channel", "books"}});
    call_ok(*bob, "JOIN", {{"channel", "books"}});
    call_ok(*ann, "SEND", msg("books", "a book worth reading"));
    call_ok(*carl, "JOIN", {{"channel", "club"}});
    call_ok(*carl, "PART", {{"channel", "club"}, {"reason", "later"}});
    call_ok(*ann, "JOIN", {{"channel", "club"}});
    drain(*ann);
    drain(*bob);

    // op: members online get MODE +o from the server, as after an operator's MODE.
    auto r = channel_command(dir, {"op", "books", "bob"});
    ASSERT_EQ(r.exit_status, 0) << r.output << server.log();
    EXPECT_NE(r.output.find("bob is an operator of channel books"), std::string::npos) << r.output;
    for (auto* conn : {ann.get(), bob.get()}) {
        const auto mode = body_of(conn->wait_for("MODE", kWait));
        EXPECT_EQ(str(mode, "channel"), "books");
        EXPECT_EQ(str(mode, "modes"), "+o");
        EXPECT_EQ(strings(mode.at("args")), std::vector<std::string>{"bob"});
    }
    // Many at once: each is answered (bob is an operator already: no change, no event).
    std::vector<std::future<CommandResult>> parallel;
    for (int i = 0; i < 20; ++i) {
        parallel.push_back(std::async(std::launch::async, [&] {
            return channel_command(dir, {"op", "books", "bob"});
        }));
    }
    for (auto& result : parallel) EXPECT_EQ(result.get().exit_status, 0);
    // An offline member (carl left club; stored memberships are of members only).
    EXPECT_EQ(channel_command(dir, {"op", "club", "carl"}).exit_status, 1);

    // The refusals, as the server gives them (the full list is in the test with salond stopped).
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"delete", "home"},
          {"rename", "books", "club"},
          {"op", "books", "carl"},
          {"delete", "nosuch"}}) {
        r = channel_command(dir, args);
        EXPECT_EQ(r.exit_status, 1) << args[0] << " " << args[1] << "\n" << r.output;
    }

    // rename: each member leaves the old name and joins the new one with its history.
    r = channel_command(dir, {"rename", "books", "#Novels"});
    ASSERT_EQ(r.exit_status, 0) << r.output;
    for (auto* conn : {ann.get(), bob.get()}) {
        const auto part = body_of(conn->expect("PART", kWait));
        EXPECT_EQ(str(part, "channel"), "books");
        EXPECT_EQ(str(part, "reason"), "renamed to novels");
        const auto join = body_of(conn->expect("JOIN", kWait));
        EXPECT_EQ(str(join, "channel"), "novels");
        EXPECT_TRUE(join.at("op").as_bool());
        const auto history = body_of(conn->expect("HISTORY", kWait));
        EXPECT_EQ(str(history, "channel"), "novels");
        EXPECT_NE(json::serialize(history).find("a book worth reading"), std::string::npos);
    }
    EXPECT_EQ(call_no(*bob, "SEND", msg("books", "still here?")), "no_such_channel");
    call_ok(*bob, "SEND", msg("novels", "new name, same place"));
    const auto page = call_ok(*ann, "HISTORY", {{"channel", "novels"}});
    EXPECT_NE(json::serialize(page).find("a book worth reading"), std::string::npos);

    // delete: members get their own PART (KICK on IRC) with the reason; the name is free.
    r = channel_command(dir, {"delete", "club"});
    ASSERT_EQ(r.exit_status, 0) << r.output;
    const auto part = body_of(ann->wait_for("PART", kWait));
    EXPECT_EQ(str(part, "channel"), "club");
    EXPECT_EQ(str(part, "user"), "ann");
    EXPECT_EQ(str(part, "reason"), "channel deleted by the administrator");
    EXPECT_FALSE(listed(*carl).contains("club"));
    EXPECT_TRUE(list_line(dir, "club").empty());
    const auto line = list_line(dir, "novels");
    EXPECT_TRUE(line.starts_with("novels\t2\t+nt\t2\t")) << line;

    // After a restart: novels with its operators and history, club gone.
    server.stop();
    server.start();
    auto bob_again = connect(server, Transport::tcp);
    EXPECT_TRUE(logs_in_as_operator_of(*bob_again, "bob", "novels"));
    const auto kept = call_ok(*bob_again, "HISTORY", {{"channel", "novels"}});
    EXPECT_NE(json::serialize(kept).find("new name, same place"), std::string::npos);
    EXPECT_FALSE(listed(*bob_again).contains("club"));
}

TEST(ChannelAdmin, WithSalondStoppedCommandsChangeTheStoredState) {
    const auto dir = make_temp_dir("salon-e2e-channel-admin");
    json::value read_up_to;
    {
        ServerProcess first({.extra_args = {}, .data_dir = dir});
        auto ann = connect(first, Transport::tcp);
        register_user(*ann, "ann");
        auto bob = connect(first, Transport::tcp);
        send(*bob, "REGISTER", {{"us", "bob"}, {"pwd", kPassword}, {"v", 2}});
        bob->expect("OK", kWait);
        call_ok(*ann, "JOIN", {{"channel", "books"}});
        call_ok(*bob, "JOIN", {{"channel", "books"}});
        read_up_to = call_ok(*ann, "SEND", msg("books", "stored before the rename")).at("id");
        call_ok(*bob, "READ", {{"channel", "books"}, {"id", read_up_to}});
        call_ok(*ann, "JOIN", {{"channel", "club"}});
        call_ok(*ann, "PART", {{"channel", "home"}});
        auto carl = connect(first, Transport::tcp);
        register_user(*carl, "carl");
    }
    expect_refusals(dir);
    ASSERT_EQ(channel_command(dir, {"op", "books", "bob"}).exit_status, 0);
    ASSERT_EQ(channel_command(dir, {"rename", "books", "novels"}).exit_status, 0);
    ASSERT_EQ(channel_command(dir, {"delete", "club"}).exit_status, 0);
    EXPECT_TRUE(list_line(dir, "club").empty());
    EXPECT_TRUE(list_line(dir, "novels").starts_with("novels\t2\t+nt\t1\t"));

    ServerProcess again({.extra_args = {}, .data_dir = dir});
    auto bob = connect(again, Transport::tcp);
    EXPECT_TRUE(logs_in_as_operator_of(*bob, "bob", "novels"));
    // The read marker moved with the channel.
    bool marker_kept = false;
    const auto conversations = call_ok(*bob, "CONVERSATIONS");
    for (const auto& entry : conversations.at("conversations").as_array()) {
        const auto& conversation = entry.as_object();
        if (str(conversation, "channel") == "novels")
            marker_kept = conversation.at("read") == read_up_to;
    }
    EXPECT_TRUE(marker_kept);
    auto ann = connect(again, Transport::tcp);
    login(*ann, "ann", kPassword, "novels", 1);
    EXPECT_FALSE(listed(*ann).contains("club"));
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace salon::test
