// salond's own TLS for the `salon` tests: a certificate made by `salond tls self-signed` and the
// options that start salond with its native TLS listener on a free port.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/server_process.hpp"

namespace salon::test {

/// A data dir holding `salond tls self-signed --host salon.test`'s pair: the certificate names
/// salon.test, 127.0.0.1 and ::1, and not localhost (so that a name check can fail). Removed at
/// destruction. Meant as a fixture's first base, so that it exists before the ServerProcess
/// started with tls_options().
class TlsServerFiles {
public:
    TlsServerFiles();
    ~TlsServerFiles();
    TlsServerFiles(const TlsServerFiles&) = delete;
    TlsServerFiles& operator=(const TlsServerFiles&) = delete;

    /// salond on this data dir with the native TLS port on (IRC over TLS and HTTPS off); a
    /// restart (ServerProcess::start) keeps the same TLS port.
    ServerOptions tls_options() const;

    /// "127.0.0.1:PORT" of the TLS listener.
    std::string tls_address() const;

    const std::filesystem::path& certificate() const { return certificate_; }

    std::uint16_t tls_port() const { return tls_port_; }

private:
    std::filesystem::path dir_;
    std::filesystem::path certificate_;
    std::filesystem::path key_;
    std::uint16_t tls_port_ = 0;
};

}  // namespace salon::test
