// --plaintext-logins: where a login may send a password in plain text. Every test client is on
// 127.0.0.1, so `deny` is what shows the refusal; `loopback` (the default with a certificate)
// lets this machine log in without TLS.

#include <filesystem>

#include "e2e_support.hpp"
#include "harness/blocking_socket.hpp"
#include "harness/tls_client.hpp"

namespace salon::test {
namespace {

namespace fs = std::filesystem;

/// A salond with a self-signed certificate, its native TLS port on, and `policy` (empty: the
/// default).
class PlaintextLoginsTest : public ::testing::Test {
protected:
    ~PlaintextLoginsTest() override {
        server_.reset();
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    void start(const std::string& policy) {
        dir_ = make_temp_dir("salon-plaintext");
        const auto pair = make_self_signed(dir_);
        certificate_ = pair.certificate;
        tls_port_ = pick_free_port();
        ServerOptions options;
        options.data_dir = dir_;
        options.extra_args = tls_listener_args(pair, {.native = tls_port_});
        if (!policy.empty()) {
            options.extra_args.push_back("--plaintext-logins");
            options.extra_args.push_back(policy);
        }
        server_ = std::make_unique<ServerProcess>(options);
    }

    std::unique_ptr<TlsLineClient> connect_tls() {
        TlsClientOptions options;
        options.trust = certificate_;
        return std::make_unique<TlsLineClient>("127.0.0.1", tls_port_, options);
    }

    fs::path dir_;
    fs::path certificate_;
    std::uint16_t tls_port_ = 0;
    std::unique_ptr<ServerProcess> server_;
};

TEST_F(PlaintextLoginsTest, DenyRefusesPasswordsOverTcpAndWebSocketButNotOverTls) {
    start("deny");
    auto tcp = connect(*server_, Transport::tcp);
    EXPECT_EQ(call_no(*tcp, "REGISTER", {{"us", "ann"}, {"pwd", kPassword}}), "tls_required");
    EXPECT_EQ(call_no(*tcp, "CONN", {{"us", "ann"}, {"pwd", kPassword}}), "tls_required");
    auto ws = connect(*server_, Transport::ws);
    EXPECT_EQ(call_no(*ws, "REGISTER", {{"us", "ann"}, {"pwd", kPassword}}), "tls_required");

    auto secure = connect_tls();
    register_user(*secure, "ann");
    call_ok(*secure, "END");
    // The same account, still refused in plain text; guests need no password and stay welcome.
    EXPECT_EQ(call_no(*tcp, "CONN", {{"us", "ann"}, {"pwd", kPassword}}), "tls_required");
    login(*tcp, "");
}

TEST_F(PlaintextLoginsTest, DenyRefusesIrcPasswordsWithANumeric) {
    start("deny");
    BlockingSocket irc("127.0.0.1", server_->irc_port());
    irc.send_all("PASS " + std::string(kPassword) + "\r\nNICK ann\r\nUSER ann 0 * :Ann\r\n");
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (irc.buffer().find(" 464 ") == std::string::npos && !irc.eof() &&
           std::chrono::steady_clock::now() < deadline) {
        irc.fill(std::chrono::milliseconds(100));
    }
    const auto at = irc.buffer().find(" 464 ");
    ASSERT_NE(at, std::string::npos) << irc.buffer();
    EXPECT_NE(irc.buffer().find("tls_required", at), std::string::npos) << irc.buffer();
}

TEST_F(PlaintextLoginsTest, WithACertificateTheDefaultStillLetsThisMachineLogIn) {
    start("");
    auto tcp = connect(*server_, Transport::tcp);
    register_user(*tcp, "bob");
}

TEST_F(PlaintextLoginsTest, AllowLetsPasswordsThroughInPlainText) {
    start("allow");
    auto ws = connect(*server_, Transport::ws);
    register_user(*ws, "cat");
}

}  // namespace
}  // namespace salon::test
