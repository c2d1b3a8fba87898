// The TLS files and options for the `salon` tests' salond.
#include "tls_server.hpp"

#include <utility>

namespace salon::test {

TlsServerFiles::TlsServerFiles() : dir_(make_temp_dir("salon-cli-tls")) {
    try {
        auto pair = make_self_signed(dir_, "salon.test");
        certificate_ = std::move(pair.certificate);
        key_ = std::move(pair.key);
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
        throw;
    }
    tls_port_ = pick_free_port();
}

TlsServerFiles::~TlsServerFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

ServerOptions TlsServerFiles::tls_options() const {
    ServerOptions options;
    options.data_dir = dir_;
    options.extra_args = tls_listener_args({certificate_, key_}, {.native = tls_port_});
    return options;
}

std::string TlsServerFiles::tls_address() const {
    return "127.0.0.1:" + std::to_string(tls_port_);
}

}  // namespace salon::test
