// IRC end-to-end: channel creation is bounded however many channels one JOIN line names
// (issue 20, finding 3: one request of the rate limit used to create nine channels).

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "irc_client.hpp"

namespace salon::test {
namespace {

std::size_t count_lines(const std::vector<std::string>& lines, std::string_view needle) {
    return static_cast<std::size_t>(std::ranges::count_if(lines, [&](const std::string& line) {
        return line.find(needle) != std::string::npos;
    }));
}

TEST(IrcChannelCreation, JoinLinesNamingManyNewChannelsStopAtTheAddressBudget) {
    IrcServer server;
    // Four guests on one address ask for 36 new channels in four lines; the address may create
    // 20 at once (the default burst), so 16 are refused, each with its own NOTICE.
    std::size_t joined = 0;
    std::size_t refused = 0;
    std::vector<std::unique_ptr<IrcClient>> guests;
    for (int g = 0; g < 4; ++g) {
        auto& guest = guests.emplace_back(std::make_unique<IrcClient>(server.irc_port()));
        const std::string nick = "flood" + std::to_string(g);
        guest->register_as(nick);
        std::string line = "JOIN ";
        for (int c = 0; c < 9; ++c) {
            if (c > 0) line += ",";
            line += "#g" + std::to_string(g) + "c" + std::to_string(c);
        }
        guest->send(line);
        const auto lines = guest->drain();
        joined += count_lines(lines, ":" + nick + "!" + nick + "@salon JOIN #");
        refused += count_lines(lines, "rate_limited");
    }
    EXPECT_EQ(joined, 20U);
    EXPECT_EQ(refused, 16U);

    // The refused channels do not exist: LIST shows the 20 (no one joined home).
    guests[0]->send("LIST");
    std::vector<std::string> listed;
    guests[0]->wait_for("323", &listed);
    EXPECT_EQ(count_lines(listed, " 322 "), 20U);
}

}  // namespace
}  // namespace salon::test
