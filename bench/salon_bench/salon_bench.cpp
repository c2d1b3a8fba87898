// salon-bench: the load generator of issue 7. Opens many loopback connections speaking the
// native protocol, IRC or Redis pub/sub, lays out channels, sends timestamped messages and
// prints one JSON line of figures (it asserts nothing).
//
// Why one thread on raw epoll rather than Asio: the figure that matters is how much the
// *server* can do, so the generator must spend as little CPU per delivery as possible and be
// easy to reason about when it becomes the limit. One thread with level-triggered epoll, one
// shared read buffer, and line scanning without allocation per delivery costs a few hundred
// nanoseconds per line; Asio's per-connection coroutines and handlers would add allocations
// and a strand per connection that we do not need in a single thread. It also means the
// generator uses at most one core, which is what compare.sh pins it to, and its own CPU use
// (reported) says whether it was the limit.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "latency_histogram.hpp"
#include "wire.hpp"

namespace salon::bench {
namespace {

std::uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

constexpr std::uint64_t kSecond = 1'000'000'000u;

std::uint64_t seconds_to_ns(double s) {
    return static_cast<std::uint64_t>(s * 1e9);
}

struct Options {
    std::string protocol_name = "native";
    Protocol protocol = Protocol::native;
    std::string host = "127.0.0.1";
    int port = 5000;
    std::uint32_t clients = 100;
    std::uint32_t channels = 1;
    std::uint32_t senders = 0;
    double rate = 0;  // messages per second over all senders; 0 = closed loop
    std::uint32_t window = 4;
    double warmup = 2;
    double duration = 10;
    double drain = 5;
    double hold = 0;
    std::size_t text_bytes = 64;
    int server_pid = 0;
    std::uint32_t connect_concurrency = 256;
    double timeout = 600;
    std::uint32_t storm = 0;
    bool storm_register = false;
    std::string account_prefix = "benchacct";
    std::string password = "bench-password-1";
    std::uint64_t history_fill = 0;
    std::uint32_t history_pages = 0;
    std::uint32_t history_limit = 50;
    std::string label;
};

enum class Role { member, publisher, registrar, storm, history };
enum class State { connecting, registering, joining, ready, done, closed };

struct Conn {
    int fd = -1;
    Role role = Role::member;
    State state = State::connecting;
    std::uint32_t channel = 0;
    std::uint32_t number = 0;  // index among its role, names the nick or account
    std::uint64_t started_ns = 0;
    std::string in;   // an incomplete line carried to the next read
    std::string out;  // bytes the socket did not take yet
    bool polling_out = false;
    std::vector<std::pair<std::uint32_t, std::uint64_t>> last_seq;  // sender -> last seq seen
};

struct Sender {
    std::uint32_t conn = 0;
    std::uint32_t channel = 0;
    std::uint64_t sent = 0;
    std::uint64_t observed = 0;  // seen by the channel's observer: closes the loop
};

struct RunStats {
    std::uint64_t sent_measured = 0;
    std::uint64_t expected = 0;
    std::uint64_t delivered = 0;
    std::uint64_t delivered_all = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t gaps = 0;
    std::uint64_t errors = 0;
    std::uint64_t disconnects = 0;
    std::uint64_t connect_failures = 0;
    std::string first_error;
    LatencyHistogram latency;
    LatencyHistogram storm_login;
    std::uint64_t storm_logged_in = 0;
    std::uint64_t storm_done_ns = 0;
    LatencyHistogram history_page;
};

long rss_kib(int pid) {
    if (pid <= 0) return -1;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
    }
    return -1;
}

double process_cpu_seconds(int pid) {
    if (pid <= 0) return -1;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    double ticks = 0;
    // After "pid (comm) " field 3 is state; utime and stime are fields 14 and 15.
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14 || i == 15) ticks += std::stod(field);
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

class Bench {
public:
    explicit Bench(Options options) : o_(std::move(options)) {
        epoll_ = epoll_create1(EPOLL_CLOEXEC);
        if (epoll_ < 0) fail("epoll_create1");
        read_buffer_.resize(256 * 1024);
    }

    ~Bench() {
        for (auto& c : conns_) {
            if (c.fd >= 0) ::close(c.fd);
        }
        ::close(epoll_);
    }

    Bench(const Bench&) = delete;
    Bench& operator=(const Bench&) = delete;

    int run();

private:
    [[noreturn]] static void fail(const char* what) {
        std::fprintf(stderr, "salon-bench: %s: %s\n", what, std::strerror(errno));
        std::exit(2);
    }

    std::string channel_name(std::uint32_t c) const {
        return (o_.protocol == Protocol::irc ? "#bench-" : "bench-") + std::to_string(c);
    }

    std::uint32_t members_of(std::uint32_t c) const {
        return o_.clients / o_.channels + (c < o_.clients % o_.channels ? 1 : 0);
    }

    std::uint64_t receivers_per_message(std::uint32_t c) const {
        const std::uint64_t members = members_of(c);
        // IRC does not echo a PRIVMSG to its sender; salond does, Redis senders are apart.
        return o_.protocol == Protocol::irc ? members - 1 : members;
    }

    bool deadline_passed() const { return now_ns() > deadline_; }

    void note_error(std::string_view what) {
        ++stats_.errors;
        if (stats_.first_error.empty()) stats_.first_error = std::string(what.substr(0, 200));
    }

    std::uint32_t open(Role role, std::uint32_t channel, std::uint32_t number);
    void on_connected(std::uint32_t id);
    void send(std::uint32_t id, std::string_view bytes);
    void flush(std::uint32_t id);
    void close_conn(std::uint32_t id, bool counted_as_disconnect);
    void on_readable(std::uint32_t id);
    void on_line(std::uint32_t id, std::string_view line);
    void on_delivery(std::uint32_t id, std::string_view text);
    void become_ready(std::uint32_t id);
    void poll(int timeout_ms);
    void send_due();
    void send_one(Sender& s, std::uint32_t index);
    bool connect_all(Role role, std::uint32_t count, std::uint64_t phase_deadline);
    void run_history();
    void print(
        double connect_seconds,
        long rss_before,
        long rss_connected,
        long rss_after,
        double bench_cpu,
        double server_cpu,
        double measured_seconds
    );

    Options o_;
    int epoll_ = -1;
    std::vector<Conn> conns_;
    std::vector<Sender> senders_;
    std::vector<std::uint32_t> observer_of_channel_;
    std::vector<char> read_buffer_;
    std::uint32_t source_counter_ = 0;
    std::uint32_t pending_ = 0;  // connections opened but not ready or done yet
    std::uint32_t ready_ = 0;
    std::uint64_t deadline_ = 0;
    bool sending_ = false;
    std::uint64_t send_start_ = 0;
    std::uint64_t measure_start_ = UINT64_MAX;
    std::uint64_t measure_end_ = UINT64_MAX;
    std::uint64_t storm_start_ = 0;
    // history mode
    std::uint64_t history_replies_ = 0;
    std::uint64_t history_first_id_ = 0;
    std::uint64_t history_last_id_ = 0;
    std::uint64_t history_request_ns_ = 0;
    RunStats stats_;
};

std::uint32_t Bench::open(Role role, std::uint32_t channel, std::uint32_t number) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket (raise ulimit -n?)");
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // The port is chosen at connect() from the whole 4-tuple, so one source address is not
    // limited to the ephemeral range once per destination.
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    // Spread sources over 127.0.0.0/8: 62,500 addresses per second octet, never .0 or .255.
    const std::uint32_t n = source_counter_++;
    const std::uint32_t source =
        (127u << 24) | ((n / 62500 % 250) << 16) | ((n / 250 % 250 + 1) << 8) | (n % 250 + 1);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(source);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) fail("bind");
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(static_cast<std::uint16_t>(o_.port));
    if (inet_pton(AF_INET, o_.host.c_str(), &remote.sin_addr) != 1) fail("bad --host");
    const auto id = static_cast<std::uint32_t>(conns_.size());
    Conn& c = conns_.emplace_back();
    c.fd = fd;
    c.role = role;
    c.channel = channel;
    c.number = number;
    c.started_ns = now_ns();
    ++pending_;
    epoll_event ev{};
    ev.data.u32 = id;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&remote), sizeof remote) == 0) {
        ev.events = EPOLLIN;
        if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) fail("epoll_ctl");
        on_connected(id);
    } else if (errno == EINPROGRESS) {
        ev.events = EPOLLOUT;
        c.polling_out = true;
        if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) fail("epoll_ctl");
    } else {
        ++stats_.connect_failures;
        note_error(std::string("connect: ") + std::strerror(errno));
        close_conn(id, false);
    }
    return id;
}

void Bench::on_connected(std::uint32_t id) {
    Conn& c = conns_[id];
    c.state = State::registering;
    const std::string channel = channel_name(c.channel);
    switch (o_.protocol) {
        case Protocol::native:
            if (c.role == Role::registrar) {
                send(
                    id,
                    R"({"REGISTER":{"us":")" + o_.account_prefix + std::to_string(c.number) +
                        R"(","pwd":")" + o_.password + "\"}}\n"
                );
            } else if (c.role == Role::storm) {
                send(
                    id,
                    R"({"CONN":{"us":")" + o_.account_prefix + std::to_string(c.number) +
                        R"(","pwd":")" + o_.password + "\"}}\n"
                );
            } else {
                send(id, R"({"CONN":{"us":"","channel":")" + channel + "\"}}\n");
            }
            break;
        case Protocol::irc: {
            const std::string nick = "b" + std::to_string(c.number);
            send(id, "NICK " + nick + "\r\nUSER " + nick + " 0 * :salon-bench\r\n");
            break;
        }
        case Protocol::redis:
            if (c.role == Role::publisher) {
                send(id, "PING\r\n");
            } else {
                send(id, "SUBSCRIBE " + channel + "\r\n");
            }
            break;
    }
}

void Bench::send(std::uint32_t id, std::string_view bytes) {
    Conn& c = conns_[id];
    if (c.fd < 0) return;
    c.out.append(bytes);
    flush(id);
}

void Bench::flush(std::uint32_t id) {
    Conn& c = conns_[id];
    if (c.state == State::connecting) return;
    while (!c.out.empty()) {
        const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n > 0) {
            c.out.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        note_error(std::string("send: ") + std::strerror(errno));
        close_conn(id, true);
        return;
    }
    const bool want_out = !c.out.empty();
    if (want_out != c.polling_out) {
        epoll_event ev{};
        ev.data.u32 = id;
        ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0u);
        epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
        c.polling_out = want_out;
    }
}

void Bench::close_conn(std::uint32_t id, bool counted_as_disconnect) {
    Conn& c = conns_[id];
    if (c.fd < 0) return;
    ::close(c.fd);
    c.fd = -1;
    if (c.state != State::ready && c.state != State::done) --pending_;
    if (c.state == State::ready) --ready_;
    if (counted_as_disconnect) ++stats_.disconnects;
    c.state = State::closed;
    c.out.clear();
    c.out.shrink_to_fit();
    c.in.clear();
}

void Bench::become_ready(std::uint32_t id) {
    Conn& c = conns_[id];
    if (c.state == State::ready || c.state == State::done) return;
    --pending_;
    if (c.role == Role::registrar) {
        c.state = State::done;
        return;
    }
    c.state = State::ready;
    ++ready_;
    if (c.role == Role::storm) {
        const std::uint64_t now = now_ns();
        stats_.storm_login.record(now - c.started_ns);
        ++stats_.storm_logged_in;
        stats_.storm_done_ns = now;
    }
}

void Bench::on_readable(std::uint32_t id) {
    Conn& c = conns_[id];
    const ssize_t n = ::recv(c.fd, read_buffer_.data(), read_buffer_.size(), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        // Registrars end their own connection; every other close is the server's doing.
        if (c.state != State::done) {
            note_error(n == 0 ? "server closed a connection" : std::strerror(errno));
        }
        close_conn(id, c.state != State::done);
        return;
    }
    if (n < 0) return;
    std::string_view data(read_buffer_.data(), static_cast<std::size_t>(n));
    // Only the partial line at the end is copied; whole lines are scanned in place.
    if (!c.in.empty()) {
        const auto end = data.find('\n');
        if (end == std::string_view::npos) {
            c.in.append(data);
            return;
        }
        c.in.append(data.substr(0, end));
        std::string line = std::move(c.in);
        c.in.clear();
        on_line(id, line);
        data.remove_prefix(end + 1);
    }
    while (!data.empty() && conns_[id].fd >= 0) {
        const auto end = data.find('\n');
        if (end == std::string_view::npos) {
            conns_[id].in.assign(data);
            break;
        }
        on_line(id, data.substr(0, end));
        data.remove_prefix(end + 1);
    }
}

void Bench::on_line(std::uint32_t id, std::string_view line) {
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) return;
    Conn& c = conns_[id];
    if (auto text = delivery_text(o_.protocol, line)) {
        on_delivery(id, *text);
        return;
    }
    switch (o_.protocol) {
        case Protocol::native:
            if (line.starts_with(R"({"PING")")) {
                send(id, "{\"PONG\":{}}\n");
            } else if (line.starts_with(R"({"NO")")) {
                if (c.role == Role::registrar &&
                    line.find("name_taken") != std::string_view::npos) {
                    become_ready(id);  // the account exists from an earlier run: fine
                    return;
                }
                note_error(line);
                if (c.role == Role::history) ++history_replies_;
            } else if (c.role == Role::registrar && line.starts_with(R"({"OK")")) {
                become_ready(id);
            } else if (c.role == Role::history && line.starts_with(R"({"OK")")) {
                if (c.state == State::ready) {
                    if (auto msg_id = native_ok_id(line)) {
                        if (history_first_id_ == 0) history_first_id_ = *msg_id;
                        history_last_id_ = *msg_id;
                    } else if (history_request_ns_ != 0) {
                        stats_.history_page.record(now_ns() - history_request_ns_);
                        history_request_ns_ = 0;
                    }
                    ++history_replies_;
                }
            } else if (line.starts_with(R"({"HISTORY")")) {
                become_ready(id);
            } else if (line.starts_with(R"({"NOTICE")")) {
                note_error(line);
            }
            break;
        case Protocol::irc: {
            if (line.starts_with("PING ")) {
                send(id, "PONG " + std::string(line.substr(5)) + "\r\n");
                return;
            }
            if (line.starts_with("ERROR")) {
                note_error(line);
                return;
            }
            const int code = irc_numeric(line);
            if (code == 1 && c.state == State::registering) {
                c.state = State::joining;
                send(id, "JOIN " + channel_name(c.channel) + "\r\n");
            } else if (code == 366 && c.state == State::joining) {
                become_ready(id);
            } else if (code >= 400 && code < 600) {
                note_error(line);
            }
            break;
        }
        case Protocol::redis:
            if (line == "subscribe" || (c.role == Role::publisher && line == "+PONG")) {
                become_ready(id);
            } else if (line.starts_with('-')) {
                note_error(line);
            }
            break;
    }
}

void Bench::on_delivery(std::uint32_t id, std::string_view text) {
    if (conns_[id].role == Role::history) return;  // its own fill coming back
    const auto payload = parse_payload(text);
    if (!payload || payload->sender >= senders_.size()) {
        note_error(std::string("unrecognised delivery: ") + std::string(text.substr(0, 80)));
        return;
    }
    Conn& c = conns_[id];
    const std::uint64_t now = now_ns();
    ++stats_.delivered_all;
    Sender& s = senders_[payload->sender];
    if (observer_of_channel_[s.channel] == id) ++s.observed;
    auto seen = std::find_if(c.last_seq.begin(), c.last_seq.end(), [&](const auto& entry) {
        return entry.first == payload->sender;
    });
    if (seen == c.last_seq.end()) {
        if (payload->seq != 0) stats_.gaps += payload->seq;
        c.last_seq.emplace_back(payload->sender, payload->seq);
    } else if (payload->seq <= seen->second) {
        ++stats_.duplicates;
        return;
    } else {
        stats_.gaps += payload->seq - seen->second - 1;
        seen->second = payload->seq;
    }
    if (payload->sent_ns >= measure_start_ && payload->sent_ns < measure_end_) {
        ++stats_.delivered;
        stats_.latency.record(now - payload->sent_ns);
    }
}

void Bench::send_one(Sender& s, std::uint32_t index) {
    const std::uint64_t now = now_ns();
    const std::string text = make_payload({now, index, s.sent}, o_.text_bytes);
    const std::string channel = channel_name(s.channel);
    switch (o_.protocol) {
        case Protocol::native:
            send(s.conn, R"({"SEND":{"channel":")" + channel + R"(","text":")" + text + "\"}}\n");
            break;
        case Protocol::irc:
            send(s.conn, "PRIVMSG " + channel + " :" + text + "\r\n");
            break;
        case Protocol::redis:
            send(s.conn, "PUBLISH " + channel + " " + text + "\r\n");
            break;
    }
    ++s.sent;
    if (now >= measure_start_ && now < measure_end_) {
        ++stats_.sent_measured;
        stats_.expected += receivers_per_message(s.channel);
    }
}

void Bench::send_due() {
    if (!sending_) return;
    const std::uint64_t now = now_ns();
    const double elapsed = static_cast<double>(now - send_start_) / 1e9;
    const double per_sender = o_.rate / static_cast<double>(senders_.size());
    for (std::uint32_t i = 0; i < senders_.size(); ++i) {
        Sender& s = senders_[i];
        if (conns_[s.conn].fd < 0) continue;
        std::uint64_t due = 0;
        if (o_.rate > 0) {
            // Senders are phased evenly over one period so the load is smooth, not bursty.
            const double phase = static_cast<double>(i) / static_cast<double>(senders_.size());
            due = static_cast<std::uint64_t>(elapsed * per_sender + phase);
        } else {
            due = s.observed + o_.window;
        }
        // A bound on catch-up after a stall, so one slow round does not become a flood.
        for (std::uint32_t burst = 0; s.sent < due && burst < 64; ++burst) send_one(s, i);
    }
}

void Bench::poll(int timeout_ms) {
    std::array<epoll_event, 512> events{};
    const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout_ms);
    if (n < 0 && errno != EINTR) fail("epoll_wait");
    for (int i = 0; i < n; ++i) {
        const std::uint32_t id = events[static_cast<std::size_t>(i)].data.u32;
        const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
        Conn& c = conns_[id];
        if (c.fd < 0) continue;
        if (c.state == State::connecting) {
            int error = 0;
            socklen_t len = sizeof error;
            getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
            if (error != 0) {
                ++stats_.connect_failures;
                note_error(std::string("connect: ") + std::strerror(error));
                close_conn(id, false);
                continue;
            }
            epoll_event ev{};
            ev.data.u32 = id;
            ev.events = EPOLLIN;
            epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
            c.polling_out = false;
            on_connected(id);
            continue;
        }
        if ((what & EPOLLOUT) != 0) flush(id);
        if ((what & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0 && conns_[id].fd >= 0) on_readable(id);
    }
    send_due();
}

bool Bench::connect_all(Role role, std::uint32_t count, std::uint64_t phase_deadline) {
    std::uint32_t opened = 0;
    while (now_ns() < phase_deadline && !deadline_passed()) {
        while (opened < count && pending_ < o_.connect_concurrency) {
            std::uint32_t channel = 0;
            if (role == Role::member) channel = opened % o_.channels;
            if (role == Role::publisher) channel = opened % o_.channels;
            open(role, channel, opened);
            ++opened;
        }
        if (opened == count && pending_ == 0) return true;
        poll(10);
    }
    return false;
}

void Bench::run_history() {
    const std::uint32_t id = open(Role::history, 0, 0);
    conns_[id].channel = 0;
    const std::uint64_t phase_deadline = deadline_;
    while (conns_[id].state != State::ready && conns_[id].fd >= 0 && !deadline_passed()) poll(10);
    if (conns_[id].state != State::ready) return;
    // Fill: pipelined SENDs with 512 in flight; each OK carries the committed id.
    Sender filler{id, 0, 0, 0};
    const std::string channel = channel_name(0);
    while (history_replies_ < o_.history_fill && now_ns() < phase_deadline && conns_[id].fd >= 0) {
        while (filler.sent < o_.history_fill && filler.sent - history_replies_ < 512) {
            send(
                id,
                R"({"SEND":{"channel":")" + channel + R"(","text":")" +
                    make_payload({now_ns(), 0, filler.sent}, o_.text_bytes) + "\"}}\n"
            );
            ++filler.sent;
        }
        poll(10);
    }
    // Pages: one HISTORY at a time at a random point of the filled range.
    std::mt19937_64 random(42);
    const std::uint64_t low = history_first_id_ + o_.history_limit;
    const std::uint64_t high = std::max(low, history_last_id_ + 1);
    for (std::uint32_t page = 0; page < o_.history_pages && conns_[id].fd >= 0; ++page) {
        const std::uint64_t before =
            std::uniform_int_distribution<std::uint64_t>(low, high)(random);
        const std::uint64_t replies = history_replies_;
        history_request_ns_ = now_ns();
        send(
            id,
            R"({"HISTORY":{"channel":")" + channel + R"(","before":)" + std::to_string(before) +
                R"(,"limit":)" + std::to_string(o_.history_limit) + "}}\n"
        );
        while (history_replies_ == replies && conns_[id].fd >= 0 && !deadline_passed()) poll(10);
        if (deadline_passed()) break;
    }
}

int Bench::run() {
    deadline_ = now_ns() + seconds_to_ns(o_.timeout);
    const long rss_before = rss_kib(o_.server_pid);

    if (o_.history_fill > 0 || o_.history_pages > 0) {
        o_.clients = 1;
        o_.channels = 1;
        const double cpu0 = own_cpu_seconds();
        const double server_cpu0 = process_cpu_seconds(o_.server_pid);
        const std::uint64_t t0 = now_ns();
        run_history();
        const double seconds = static_cast<double>(now_ns() - t0) / 1e9;
        print(
            0,
            rss_before,
            rss_before,
            rss_kib(o_.server_pid),
            (own_cpu_seconds() - cpu0) / seconds,
            (process_cpu_seconds(o_.server_pid) - server_cpu0) / seconds,
            seconds
        );
        return 0;
    }

    if (o_.storm > 0 && o_.storm_register) {
        // Accounts first, so the storm measures logins (argon2id verification), not creation.
        const auto before = conns_.size();
        connect_all(Role::registrar, o_.storm, deadline_);
        for (auto id = before; id < conns_.size(); ++id) {
            close_conn(static_cast<std::uint32_t>(id), false);
        }
    }

    // Connections: members, and for Redis the publishers apart from them.
    const std::uint64_t connect_start = now_ns();
    const auto first_member = static_cast<std::uint32_t>(conns_.size());
    connect_all(Role::member, o_.clients, deadline_);
    if (o_.protocol == Protocol::redis) connect_all(Role::publisher, o_.senders, deadline_);
    const double connect_seconds = static_cast<double>(now_ns() - connect_start) / 1e9;

    observer_of_channel_.assign(o_.channels, 0);
    for (std::uint32_t i = 0; i < o_.clients; ++i) {
        // The last member of each channel; IRC senders do not see their own messages, and
        // senders are the first members, so the observer is a different connection.
        observer_of_channel_[i % o_.channels] = first_member + i;
    }
    for (std::uint32_t j = 0; j < o_.senders; ++j) {
        const std::uint32_t conn =
            first_member + (o_.protocol == Protocol::redis ? o_.clients + j : j);
        senders_.push_back({conn, j % o_.channels, 0, 0});
    }
    const long rss_connected = rss_kib(o_.server_pid);

    if (o_.hold > 0) {
        const std::uint64_t hold_end = now_ns() + seconds_to_ns(o_.hold);
        while (now_ns() < hold_end && !deadline_passed()) poll(100);
    }

    double bench_cpu = 0;
    double server_cpu = 0;
    double measured = 0;
    if (!senders_.empty()) {
        sending_ = true;
        send_start_ = now_ns();
        measure_start_ = send_start_ + seconds_to_ns(o_.warmup);
        measure_end_ = measure_start_ + seconds_to_ns(o_.duration);
        while (now_ns() < measure_start_ && !deadline_passed()) poll(1);
        if (deadline_passed()) measure_start_ = measure_end_ = now_ns();
        const double cpu0 = own_cpu_seconds();
        const double server_cpu0 = process_cpu_seconds(o_.server_pid);
        if (o_.storm > 0) {
            storm_start_ = now_ns();
            for (std::uint32_t k = 0; k < o_.storm; ++k) open(Role::storm, 0, k);
        }
        while (now_ns() < measure_end_ && !deadline_passed()) poll(1);
        measured = static_cast<double>(std::min(now_ns(), measure_end_) - measure_start_) / 1e9;
        bench_cpu = (own_cpu_seconds() - cpu0) / measured;
        server_cpu = (process_cpu_seconds(o_.server_pid) - server_cpu0) / measured;
        sending_ = false;
        const std::uint64_t drain_end = now_ns() + seconds_to_ns(o_.drain);
        while (stats_.delivered < stats_.expected && now_ns() < drain_end && !deadline_passed()) {
            poll(10);
        }
    }
    print(
        connect_seconds,
        rss_before,
        rss_connected,
        rss_kib(o_.server_pid),
        bench_cpu,
        server_cpu,
        measured
    );
    return 0;
}

std::string fixed(double value, int digits = 3) {
    if (!std::isfinite(value)) return "null";
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", digits, value);
    return text;
}

std::string ms(std::uint64_t ns) {
    return fixed(static_cast<double>(ns) / 1e6, 3);
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (static_cast<unsigned char>(ch) < 0x20) {
            out += ' ';
        } else {
            out += ch;
        }
    }
    return out + '"';
}

void Bench::print(
    double connect_seconds,
    long rss_before,
    long rss_connected,
    long rss_after,
    double bench_cpu,
    double server_cpu,
    double measured_seconds
) {
    const auto& lat = stats_.latency;
    std::uint32_t connected = 0;
    for (const auto& c : conns_) {
        if (c.fd >= 0 && c.state == State::ready && c.role != Role::storm) ++connected;
    }
    std::string j = "{";
    j += "\"label\":" + json_string(o_.label);
    j += ",\"protocol\":" + json_string(o_.protocol_name);
    j += ",\"clients\":" + std::to_string(o_.clients);
    j += ",\"channels\":" + std::to_string(o_.channels);
    j += ",\"senders\":" + std::to_string(o_.senders);
    j += ",\"rate\":" + fixed(o_.rate, 1);
    j += ",\"window\":" + std::to_string(o_.rate > 0 ? 0 : o_.window);
    j += ",\"text_bytes\":" + std::to_string(o_.text_bytes);
    j += ",\"connections\":" + std::to_string(connected);
    j += ",\"connect_seconds\":" + fixed(connect_seconds);
    j += ",\"connects_per_second\":" +
         fixed(connect_seconds > 0 ? connected / connect_seconds : 0, 0);
    j += ",\"measured_seconds\":" + fixed(measured_seconds);
    j += ",\"sent\":" + std::to_string(stats_.sent_measured);
    j += ",\"delivered\":" + std::to_string(stats_.delivered);
    j += ",\"expected\":" + std::to_string(stats_.expected);
    j +=
        ",\"lost\":" +
        std::to_string(stats_.expected > stats_.delivered ? stats_.expected - stats_.delivered : 0);
    j += ",\"duplicates\":" + std::to_string(stats_.duplicates);
    j += ",\"gaps\":" + std::to_string(stats_.gaps);
    j += ",\"deliveries_per_second\":" +
         fixed(
             measured_seconds > 0 ? static_cast<double>(stats_.delivered) / measured_seconds : 0, 0
         );
    j +=
        ",\"messages_per_second\":" +
        fixed(
            measured_seconds > 0 ? static_cast<double>(stats_.sent_measured) / measured_seconds : 0,
            1
        );
    j += ",\"latency_ms\":{\"p50\":" + ms(lat.quantile(0.5)) +
         ",\"p99\":" + ms(lat.quantile(0.99)) + ",\"p999\":" + ms(lat.quantile(0.999)) +
         ",\"max\":" + ms(lat.max()) + "}";
    j += ",\"errors\":" + std::to_string(stats_.errors);
    j += ",\"disconnects\":" + std::to_string(stats_.disconnects);
    j += ",\"connect_failures\":" + std::to_string(stats_.connect_failures);
    j += ",\"first_error\":" + json_string(stats_.first_error);
    j += ",\"server_rss_kib\":{\"before\":" + std::to_string(rss_before) +
         ",\"connected\":" + std::to_string(rss_connected) +
         ",\"after\":" + std::to_string(rss_after) + "}";
    const auto per_connection = [&](long rss) {
        return fixed(
            connected > 0 && rss_before >= 0
                ? static_cast<double>(rss - rss_before) * 1024.0 / connected
                : 0,
            0
        );
    };
    j += ",\"rss_per_connection_bytes\":" + per_connection(rss_connected);
    // After --hold: what idle connections cost once the login burst's garbage is gone.
    if (o_.hold > 0) j += ",\"rss_per_connection_held_bytes\":" + per_connection(rss_after);
    j += ",\"server_cpu\":" + fixed(server_cpu, 2);
    j += ",\"bench_cpu\":" + fixed(bench_cpu, 2);
    if (o_.storm > 0) {
        const auto& s = stats_.storm_login;
        j += ",\"storm\":{\"logins\":" + std::to_string(stats_.storm_logged_in) +
             ",\"of\":" + std::to_string(o_.storm) + ",\"seconds\":" +
             fixed(
                 stats_.storm_done_ns > storm_start_
                     ? static_cast<double>(stats_.storm_done_ns - storm_start_) / 1e9
                     : 0
             ) +
             ",\"login_ms\":{\"p50\":" + ms(s.quantile(0.5)) + ",\"p99\":" + ms(s.quantile(0.99)) +
             ",\"max\":" + ms(s.max()) + "}}";
    }
    if (o_.history_fill > 0 || o_.history_pages > 0) {
        const auto& h = stats_.history_page;
        j += ",\"history\":{\"filled\":" +
             std::to_string(
                 history_last_id_ >= history_first_id_ && history_first_id_ > 0
                     ? history_last_id_ - history_first_id_ + 1
                     : 0
             ) +
             ",\"pages\":" + std::to_string(h.count()) +
             ",\"limit\":" + std::to_string(o_.history_limit) +
             ",\"page_ms\":{\"p50\":" + ms(h.quantile(0.5)) + ",\"p99\":" + ms(h.quantile(0.99)) +
             ",\"p999\":" + ms(h.quantile(0.999)) + ",\"max\":" + ms(h.max()) + "}}";
    }
    j += ",\"timed_out\":" + std::string(deadline_passed() ? "true" : "false");
    j += "}";
    std::puts(j.c_str());
    std::fflush(stdout);
}

// Checks of the pure parts, run by `salon-bench --self-check` (exit status 1 on failure).
int self_check() {
    int failures = 0;
    const auto expect = [&](bool ok, const char* what) {
        if (!ok) {
            std::fprintf(stderr, "self-check failed: %s\n", what);
            ++failures;
        }
    };
    LatencyHistogram h;
    expect(h.quantile(0.5) == 0, "empty histogram quantile is 0");
    for (std::uint64_t v = 1; v <= 100000; ++v) h.record(v * 1000);  // 1 µs .. 100 ms
    const auto near = [](std::uint64_t got, double want) {
        return std::abs(static_cast<double>(got) - want) <= want / 32.0 + 1;
    };
    expect(h.count() == 100000, "count");
    expect(h.max() == 100'000'000, "max");
    expect(near(h.quantile(0.5), 50e6), "p50 within 1/32");
    expect(near(h.quantile(0.99), 99e6), "p99 within 1/32");
    expect(near(h.quantile(0.999), 99.9e6), "p999 within 1/32");
    expect(h.quantile(1.0) == 100'000'000, "p100 is the max");
    for (const std::uint64_t v :
         std::array<std::uint64_t, 8>{0, 1, 63, 64, 65, 1000, 123456789, UINT64_MAX}) {
        const auto b = LatencyHistogram::bucket_of(v);
        expect(LatencyHistogram::upper_bound_of(b) >= v, "upper bound covers value");
        expect(b == 0 || LatencyHistogram::upper_bound_of(b - 1) < v || v < 64, "buckets ordered");
    }
    LatencyHistogram exact;
    exact.record(7);
    expect(exact.quantile(0.5) == 7 && exact.quantile(0.999) == 7, "single sample exact");

    const Payload p{123456789012345, 7, 42};
    const std::string text = make_payload(p, 64);
    expect(text.size() == 64, "payload padded to 64 bytes");
    const auto back = parse_payload(text);
    expect(
        back && back->sent_ns == p.sent_ns && back->sender == 7 && back->seq == 42,
        "payload round trip"
    );
    expect(!parse_payload("~T12:3"), "truncated payload refused");
    expect(!parse_payload("hello"), "foreign text refused");
    expect(make_payload(p, 8).size() > 8, "short size keeps the whole stamp");

    const std::string native =
        R"({"MSG":{"id":5,"channel":"bench-0","from":"Guest1","text":")" + text + R"(","ts":1}})";
    expect(
        delivery_text(Protocol::native, native).value_or("").starts_with(text), "native MSG text"
    );
    expect(
        !delivery_text(Protocol::native, R"({"OK":{"id":5,"ts":1}})"), "native OK is no delivery"
    );
    const std::string irc = ":b1!~b1@127.0.0.2 PRIVMSG #bench-0 :" + text;
    expect(delivery_text(Protocol::irc, irc).value_or("") == text, "IRC PRIVMSG text");
    expect(!delivery_text(Protocol::irc, ":srv 001 b1 :Welcome"), "IRC numeric is no delivery");
    expect(delivery_text(Protocol::redis, text).value_or("") == text, "Redis payload line");
    expect(!delivery_text(Protocol::redis, "message"), "Redis header line is no delivery");
    expect(irc_numeric(":irc.local 366 b1 #bench-0 :End of /NAMES list.") == 366, "numeric 366");
    expect(irc_numeric(":b1!u@h PRIVMSG #x :hi") == -1, "PRIVMSG has no numeric");
    expect(irc_numeric("PING :x") == -1, "PING has no numeric");
    expect(native_ok_id(R"({"OK":{"id":981,"ts":5}})").value_or(0) == 981, "OK id");
    expect(!native_ok_id(R"({"OK":{"channel":"x","messages":[]}})"), "OK without id");
    expect(
        !native_ok_id(R"({"OK":{"channel":"x","messages":[{"id":3}]}})"),
        "HISTORY page is no SEND OK"
    );
    std::fprintf(stderr, "self-check: %s\n", failures == 0 ? "ok" : "FAILED");
    return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace salon::bench

int main(int argc, char** argv) {
    using salon::bench::Options;
    using salon::bench::Protocol;
    Options o;
    bool check = false;
    CLI::App app{
        "salon-bench: loopback load generator for salond, IRC servers and Redis pub/sub; prints "
        "one JSON line"};
    app.add_flag("--self-check", check, "check the histogram and parsers, then exit");
    app.add_option("--protocol", o.protocol_name, "native | irc | redis")
        ->check(CLI::IsMember({"native", "irc", "redis"}));
    app.add_option("--host", o.host, "server address (loopback)");
    app.add_option("--port", o.port, "server port");
    app.add_option("--clients", o.clients, "member connections (Redis: subscribers)");
    app.add_option("--channels", o.channels, "channels; client i joins channel i % channels")
        ->check(CLI::PositiveNumber);
    app.add_option("--senders", o.senders, "senders: the first members (Redis: extra publishers)");
    app.add_option("--rate", o.rate, "messages/s over all senders; 0 = closed loop");
    app.add_option("--window", o.window, "closed loop: messages in flight per sender");
    app.add_option("--warmup", o.warmup, "seconds of sending before measuring");
    app.add_option("--duration", o.duration, "seconds measured");
    app.add_option("--drain", o.drain, "seconds to wait for measured messages after sending");
    app.add_option("--hold", o.hold, "seconds to hold the connections before sending");
    app.add_option("--text-bytes", o.text_bytes, "message text size");
    app.add_option("--server-pid", o.server_pid, "server pid, for its RSS and CPU");
    app.add_option("--connect-concurrency", o.connect_concurrency, "logins in flight at once");
    app.add_option("--timeout", o.timeout, "hard bound on the whole run, seconds");
    app.add_option("--storm", o.storm, "native: registered logins started when measuring begins");
    app.add_flag("--storm-register", o.storm_register, "register the storm accounts first");
    app.add_option("--account-prefix", o.account_prefix, "storm account names: PREFIX<n>");
    app.add_option("--password", o.password, "storm accounts' password");
    app.add_option("--history-fill", o.history_fill, "native: messages to store, then page");
    app.add_option("--history-pages", o.history_pages, "native: HISTORY requests timed");
    app.add_option("--history-limit", o.history_limit, "messages per HISTORY page");
    app.add_option("--label", o.label, "copied into the JSON line");
    CLI11_PARSE(app, argc, argv);
    if (check) return salon::bench::self_check();
    o.protocol = o.protocol_name == "irc"     ? Protocol::irc
                 : o.protocol_name == "redis" ? Protocol::redis
                                              : Protocol::native;
    if (o.host.rfind("127.", 0) != 0) {
        std::fprintf(stderr, "salon-bench: loopback only (--host 127.x.y.z)\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    salon::bench::Bench bench(o);
    return bench.run();
}
