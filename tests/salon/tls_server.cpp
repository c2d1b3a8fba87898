// The TLS files and options for the `salon` tests' salond.
#include "tls_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace salon::test {

std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

TlsServerFiles::TlsServerFiles() : dir_(make_temp_dir("salon-cli-tls")) {
    const auto made =
        run_salond({"tls", "self-signed", "--host", "salon.test", "--data-dir", dir_.string()});
    if (made.exit_status != 0) {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
        throw std::runtime_error("salond tls self-signed failed: " + made.output);
    }
    certificate_ = dir_ / "tls" / "self-signed.crt";
    key_ = dir_ / "tls" / "self-signed.key";
    tls_port_ = free_port();
}

TlsServerFiles::~TlsServerFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

ServerOptions TlsServerFiles::tls_options() const {
    ServerOptions options;
    options.data_dir = dir_;
    options.extra_args = {
        "--tls-cert",
        certificate_.string(),
        "--tls-key",
        key_.string(),
        "--tls-port",
        std::to_string(tls_port_),
        "--irc-tls-port",
        "0",
        "--https-port",
        "0"};
    return options;
}

std::string TlsServerFiles::tls_address() const {
    return "127.0.0.1:" + std::to_string(tls_port_);
}

}  // namespace salon::test
