// Helpers the end-to-end scenarios share: transports, request/reply shortcuts and login flows.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/connection.hpp"
#include "harness/line_client.hpp"
#include "harness/server_process.hpp"
#include "harness/ws_client.hpp"

namespace salon::test {

using namespace std::chrono_literals;

/// Longest a test waits for something that must happen.
constexpr std::chrono::milliseconds kWait = 5s;
/// How long a test listens to conclude that something did not happen: twice the 300 ms a
/// presence notice may wait for a write (docs/protocol.md), so a JOIN still on its way is
/// never mistaken for silence.
constexpr std::chrono::milliseconds kQuiet = 600ms;
/// A password every account rule should accept.
constexpr std::string_view kPassword = "correct-horse-battery-9";

/// The transports a scenario can run over. The scenarios take the transport as their test
/// parameter, so adding WebSocket is one more value here and in connect(), not a copy of them.
enum class Transport { tcp, ws };

/// So GoogleTest prints "tcp" rather than the enum's bytes.
void PrintTo(Transport transport, std::ostream* out);

std::string transport_name(const ::testing::TestParamInfo<Transport>& info);

/// Opens a connection to `server` over `transport`.
std::unique_ptr<Connection> connect(const ServerProcess& server, Transport transport);

/// A WebSocket client on the server's HTTP port (/ws).
std::unique_ptr<WsClient> connect_ws(const ServerProcess& server);

/// A raw TCP line client, for the cases that are about bytes and sockets rather than frames.
std::unique_ptr<LineClient> connect_tcp(const ServerProcess& server);

/// The base of every transport-neutral scenario: the parameter picks the transport.
class E2e : public ::testing::TestWithParam<Transport> {
protected:
    std::unique_ptr<Connection> open(const ServerProcess& server) {
        return connect(server, GetParam());
    }
};

/// Skips frames until a `verb` event whose `id` is `id`; its body. Throws on timeout.
boost::json::object wait_for_id(
    Connection& conn,
    std::string_view verb,
    const boost::json::value& id,
    std::chrono::milliseconds timeout = kWait
);

/// Sends {verb: args}.
void send(Connection& conn, std::string_view verb, boost::json::object args = {});

/// The next OK or NO frame; the events before it stay unread for the test. Throws on timeout.
Frame reply(Connection& conn, std::chrono::milliseconds timeout = kWait);

/// Sends a request and returns its reply (events before it stay unread).
Frame call(Connection& conn, std::string_view verb, boost::json::object args = {});

/// Sends a request that must succeed; the OK body. Throws with the frame on NO.
boost::json::object call_ok(Connection& conn, std::string_view verb, boost::json::object args = {});

/// Sends a request that must fail; the NO code. Throws with the frame on OK.
std::string call_no(Connection& conn, std::string_view verb, boost::json::object args = {});

/// The code of a reply that must be NO.
std::string no_code(const Frame& frame);

/// CONN as `us` (empty: a guest) into `channel` (empty: the default), expecting OK and then a
/// JOIN and a HISTORY event for each of `channels` channels. Returns the OK body.
boost::json::object login(
    Connection& conn,
    std::string_view us,
    std::string_view pwd = {},
    std::string_view channel = {},
    int channels = 1
);

/// REGISTER `us` with kPassword, expecting OK, JOIN and HISTORY for `home`. Returns the OK body.
boost::json::object register_user(Connection& conn, std::string_view us);

/// The channel names LIST shows.
std::set<std::string> listed(Connection& conn);

/// A fresh data dir (the caller removes it) holding the administrator account `name`, made with
/// `salond user add NAME --admin`.
std::filesystem::path data_dir_with_admin(std::string_view name, std::string_view password);

/// Every frame that arrives until the line has been quiet for `quiet`.
std::vector<Frame> drain(Connection& conn, std::chrono::milliseconds quiet = kQuiet);

/// Frames of one verb among `frames`.
std::vector<boost::json::object> bodies(const std::vector<Frame>& frames, std::string_view verb);

/// True for RFC 3339 UTC with milliseconds: 2026-11-24T12:00:00.123Z.
bool is_timestamp(std::string_view ts);

/// The string member `key` of `obj`, "" when absent or not a string.
std::string str(const boost::json::object& obj, std::string_view key);

/// ASCII lower case, the way user names compare.
std::string lower(std::string_view text);

/// The line of a tab-separated listing (`salond user list`, `salond channel list`) whose first
/// field is `name`; "" when there is none.
std::string row_named(std::string_view listing, std::string_view name);

/// `{"text": text, "channel": channel}`, the most common SEND argument.
boost::json::object msg(std::string_view channel, std::string_view text);

}  // namespace salon::test
