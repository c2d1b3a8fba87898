// The helpers shared by the end-to-end scenarios.
#include "e2e_support.hpp"

#include <cctype>
#include <regex>
#include <stdexcept>

namespace salon::test {

void PrintTo(Transport transport, std::ostream* out) {
    *out << transport_name(::testing::TestParamInfo<Transport>(transport, 0));
}

std::string transport_name(const ::testing::TestParamInfo<Transport>& info) {
    switch (info.param) {
        case Transport::tcp:
            return "tcp";
        case Transport::ws:
            return "ws";
    }
    return "unknown";
}

std::unique_ptr<Connection> connect(const ServerProcess& server, Transport transport) {
    switch (transport) {
        case Transport::tcp:
            return connect_tcp(server);
        case Transport::ws:
            return connect_ws(server);
    }
    throw std::logic_error("no such transport");
}

std::unique_ptr<WsClient> connect_ws(const ServerProcess& server) {
    return std::make_unique<WsClient>("127.0.0.1", server.http_port());
}

std::unique_ptr<LineClient> connect_tcp(const ServerProcess& server) {
    return std::make_unique<LineClient>("127.0.0.1", server.port());
}

void send(Connection& conn, std::string_view verb, boost::json::object args) {
    conn.send(make_frame(verb, std::move(args)));
}

Frame reply(Connection& conn, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<Frame> events;  // handed back so the test still sees them
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        auto frame = conn.next(std::max(left, std::chrono::milliseconds(0)));
        if (!frame) {
            const bool closed = conn.eof();
            conn.unread(std::move(events));
            throw std::runtime_error(
                closed ? "connection closed while waiting for a reply"
                       : "no reply within the timeout"
            );
        }
        const auto verb = verb_of(*frame);
        if (verb == "OK" || verb == "NO") {
            conn.unread(std::move(events));
            return *frame;
        }
        events.push_back(std::move(*frame));
    }
}

boost::json::object wait_for_id(
    Connection& conn,
    std::string_view verb,
    const boost::json::value& id,
    std::chrono::milliseconds timeout
) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        auto body = body_of(conn.wait_for(verb, std::max(left, std::chrono::milliseconds(0))));
        if (body.contains("id") && body.at("id") == id) {
            return body;
        }
    }
}

Frame call(Connection& conn, std::string_view verb, boost::json::object args) {
    send(conn, verb, std::move(args));
    return reply(conn);
}

boost::json::object call_ok(Connection& conn, std::string_view verb, boost::json::object args) {
    auto frame = call(conn, verb, std::move(args));
    if (verb_of(frame) != "OK") {
        throw std::runtime_error(std::string(verb) + " failed: " + boost::json::serialize(frame));
    }
    return body_of(frame);
}

std::string call_no(Connection& conn, std::string_view verb, boost::json::object args) {
    return no_code(call(conn, verb, std::move(args)));
}

std::string no_code(const Frame& frame) {
    if (verb_of(frame) != "NO") {
        throw std::runtime_error("expected NO, got " + boost::json::serialize(frame));
    }
    const auto& body = body_of(frame);
    if (!body.contains("message") || !body.at("message").is_string()) {
        throw std::runtime_error("NO without a message: " + boost::json::serialize(frame));
    }
    return str(body, "code");
}

boost::json::object login(
    Connection& conn,
    std::string_view us,
    std::string_view pwd,
    std::string_view channel,
    int channels
) {
    boost::json::object args{{"us", us}, {"pwd", pwd}};
    if (!channel.empty()) {
        args["channel"] = channel;
    }
    send(conn, "CONN", std::move(args));
    auto ok = conn.expect("OK", kWait);
    for (int i = 0; i < channels; ++i) {
        conn.wait_for("JOIN", kWait);
        conn.wait_for("HISTORY", kWait);
    }
    return body_of(ok);
}

boost::json::object register_user(Connection& conn, std::string_view us) {
    send(conn, "REGISTER", {{"us", us}, {"pwd", kPassword}});
    auto ok = conn.expect("OK", kWait);
    conn.wait_for("JOIN", kWait);
    conn.wait_for("HISTORY", kWait);
    return body_of(ok);
}

std::set<std::string> listed(Connection& conn) {
    std::set<std::string> names;
    const auto list = call_ok(conn, "LIST");  // the loop borrows from it
    for (const auto& c : list.at("channels").as_array()) names.insert(str(c.as_object(), "name"));
    return names;
}

std::filesystem::path data_dir_with_admin(std::string_view name, std::string_view password) {
    auto dir = make_temp_dir("salon-e2e-admin");
    const auto added = run_salond(
        {"user", "add", std::string(name), "--admin", "--data-dir", dir.string()},
        std::string(password) + "\n"
    );
    if (added.exit_status != 0) throw std::runtime_error("salond user add failed: " + added.output);
    return dir;
}

std::vector<Frame> drain(Connection& conn, std::chrono::milliseconds quiet) {
    std::vector<Frame> frames;
    while (auto frame = conn.next(quiet)) {
        frames.push_back(std::move(*frame));
    }
    return frames;
}

std::vector<boost::json::object> bodies(const std::vector<Frame>& frames, std::string_view verb) {
    std::vector<boost::json::object> out;
    for (const auto& frame : frames) {
        if (verb_of(frame) == verb) {
            out.push_back(body_of(frame));
        }
    }
    return out;
}

bool is_timestamp(std::string_view ts) {
    static const std::regex kFormat(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");
    return std::regex_match(ts.begin(), ts.end(), kFormat);
}

std::string str(const boost::json::object& obj, std::string_view key) {
    const auto* value = obj.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string())
                                                  : std::string();
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& ch : out) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    return out;
}

std::string row_named(std::string_view listing, std::string_view name) {
    const std::string prefix = std::string(name) + '\t';
    for (std::size_t at = 0; at < listing.size();) {
        const auto end = listing.find('\n', at);
        const auto line = listing.substr(at, end - at);
        if (line.starts_with(prefix)) return std::string(line);
        if (end == std::string_view::npos) break;
        at = end + 1;
    }
    return {};
}

boost::json::object msg(std::string_view channel, std::string_view text) {
    return {{"channel", channel}, {"text", text}};
}

}  // namespace salon::test
