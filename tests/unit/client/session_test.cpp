#include "client/session.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <string>

namespace salon::client {
namespace {

using namespace std::chrono_literals;

/// The other end of the wire: a listening socket on 127.0.0.1 that the test scripts by hand.
class Peer {
public:
    Peer() {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        EXPECT_EQ(::listen(listen_fd_, 4), 0);
        socklen_t len = sizeof addr;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }

    ~Peer() {
        if (fd_ >= 0) ::close(fd_);
        ::close(listen_fd_);
    }

    Endpoint endpoint() const { return Endpoint{"127.0.0.1", port_}; }

    void accept() {
        pollfd p{listen_fd_, POLLIN, 0};
        ASSERT_EQ(::poll(&p, 1, 5000), 1);
        fd_ = ::accept(listen_fd_, nullptr, nullptr);
        ASSERT_GE(fd_, 0);
    }

    void write(const std::string& bytes) {
        ASSERT_EQ(
            ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size())
        );
    }

    /// The next line the client sent, within a bounded wait.
    std::string read_line() {
        for (;;) {
            if (const auto nl = in_.find('\n'); nl != std::string::npos) {
                std::string line = in_.substr(0, nl);
                in_.erase(0, nl + 1);
                return line;
            }
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 5000) != 1) return "<timeout>";
            char buf[4096];
            const auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return "<closed>";
            in_.append(buf, static_cast<std::size_t>(n));
        }
    }

    void close_connection() {
        ::close(fd_);
        fd_ = -1;
    }

private:
    int listen_fd_ = -1;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::string in_;
};

TEST(EndpointTest, ParsesHostPortFormsAndRejectsBadOnes) {
    auto a = parse_endpoint("example.org");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->port, kDefaultPort);
    auto b = parse_endpoint("127.0.0.1:6000");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->host, "127.0.0.1");
    EXPECT_EQ(b->port, 6000);
    auto c = parse_endpoint("[::1]:7000");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->host, "::1");
    EXPECT_EQ(c->to_string(), "[::1]:7000");
    for (const char* bad :
         {"", ":5000", "host:", "host:0", "host:70000", "host:5x", "::1", "[::1", "[::1]x"}) {
        auto r = parse_endpoint(bad);
        EXPECT_FALSE(r) << bad;
        if (!r) {
            EXPECT_EQ(r.error().kind, ErrorKind::usage);
        }
    }
}

TEST(SessionTest, ConnectToAClosedPortIsANetworkError) {
    std::uint16_t port = 0;
    {
        Peer gone;  // bind, learn the port, close: nothing listens there now
        port = gone.endpoint().port;
    }
    auto s = Session::open(Endpoint{"127.0.0.1", port}, 2s);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, ErrorKind::network);
    EXPECT_NE(s.error().message.find("cannot connect to 127.0.0.1:"), std::string::npos);
}

TEST(SessionTest, LoginSendsConnAndParsesTheWelcome) {
    Peer peer;
    auto s = Session::open(peer.endpoint(), 2s);
    ASSERT_TRUE(s);
    peer.accept();
    // Answer before the request is even read: the reply is matched by ref, not by timing.
    peer.write(R"({"OK":{"ref":1,"user":"Guest7","guest":true}})"
               "\n"
               R"({"JOIN":{"channel":"home","user":"Guest7"}})"
               "\n");
    auto welcome = s->login(LoginRequest{}, 2s);
    ASSERT_TRUE(welcome) << welcome.error().message;
    EXPECT_EQ(welcome->user, "Guest7");
    const auto sent = boost::json::parse(peer.read_line());
    EXPECT_EQ(sent.at("CONN").at("us"), "");
    EXPECT_EQ(sent.at("CONN").at("ref"), 1);
    auto ev = s->next(1s);
    ASSERT_TRUE(ev && *ev);
    EXPECT_TRUE(std::holds_alternative<core::JoinEvent>((*ev)->payload));
}

TEST(SessionTest, CallMatchesItsRefAndQueuesEventsThatArriveFirst) {
    Peer peer;
    auto s = Session::open(peer.endpoint(), 2s);
    ASSERT_TRUE(s);
    peer.accept();
    peer.write(
        R"({"MSG":{"id":1,"channel":"home","from":"b","text":"x","ts":"2026-11-24T12:00:00.000Z"}})"
        "\n"
        R"({"OK":{"ref":99}})"
        "\n"
        R"({"OK":{"ref":1,"channels":[]}})"
        "\n"
    );
    auto reply = s->call(requests::list(), 2s);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->ref, "1");
    auto first = s->pop_frame();
    ASSERT_TRUE(first);
    EXPECT_TRUE(std::holds_alternative<core::MessageEvent>(first->payload));
    auto second = s->pop_frame();
    ASSERT_TRUE(second);
    EXPECT_EQ(std::get<Reply>(second->payload).ref, "99");
}

TEST(SessionTest, NoBecomesARefusedErrorWithTheCode) {
    Peer peer;
    auto s = Session::open(peer.endpoint(), 2s);
    ASSERT_TRUE(s);
    peer.accept();
    peer.write(R"({"NO":{"ref":1,"code":"not_in_channel","message":"join dev first"}})"
               "\n");
    auto reply = s->call(requests::send("dev", "hi"), 2s);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().kind, ErrorKind::refused);
    EXPECT_EQ(reply.error().code, "not_in_channel");
    EXPECT_EQ(reply.error().message, "join dev first");
}

TEST(SessionTest, AnswersPingWithPong) {
    Peer peer;
    auto s = Session::open(peer.endpoint(), 2s);
    ASSERT_TRUE(s);
    peer.accept();
    peer.write("{\"PING\":{}}\n");
    auto ev = s->next(2s);
    ASSERT_TRUE(ev && *ev);
    EXPECT_TRUE(std::holds_alternative<core::PingEvent>((*ev)->payload));
    EXPECT_EQ(peer.read_line(), R"({"PONG":{}})");
}

TEST(SessionTest, ServerCloseIsANetworkErrorAfterTheLastFrames) {
    Peer peer;
    auto s = Session::open(peer.endpoint(), 2s);
    ASSERT_TRUE(s);
    peer.accept();
    peer.write(R"({"NOTICE":{"code":"shutting_down","message":"bye"}})"
               "\n");
    peer.close_connection();
    auto ev = s->next(2s);
    ASSERT_TRUE(ev && *ev) << "the notice sent before the close is delivered";
    EXPECT_TRUE(std::holds_alternative<core::NoticeEvent>((*ev)->payload));
    auto end = s->next(2s);
    ASSERT_FALSE(end);
    EXPECT_EQ(end.error().kind, ErrorKind::network);
    EXPECT_NE(end.error().message.find("closed"), std::string::npos);
}

TEST(SessionTest, CallTimesOutWhenNoReplyComes) {
    Peer peer;
    auto s = Session::open(peer.endpoint(), 2s);
    ASSERT_TRUE(s);
    peer.accept();
    auto reply = s->call(requests::ping(), 100ms);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().kind, ErrorKind::timeout);
}

TEST(SessionTest, SkipsUndecodableFramesAndCountsThem) {
    Peer peer;
    auto s = Session::open(peer.endpoint(), 2s);
    ASSERT_TRUE(s);
    peer.accept();
    peer.write("garbage\n{\"OK\":{\"ref\":1}}\n");
    auto reply = s->call(requests::ping(), 2s);
    ASSERT_TRUE(reply);
    EXPECT_EQ(s->decode_failures(), 1u);
    EXPECT_FALSE(s->last_decode_error().empty());
}

}  // namespace
}  // namespace salon::client
