// The TLS handshake of a native or IRC connection, on a handshake thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "net/poller.hpp"
#include "net/tcp_connection.hpp"
#include "proto/codec.hpp"

namespace salon::net {

/// Drives OpenSSL's handshake for a TcpConnection that the registry admitted but that has not
/// started: the descriptor is watched by the Poller of a handshake thread, which runs every
/// handshake step, so the key exchange and signature never run on an I/O thread. Then the
/// descriptor leaves that Poller and the connection starts on its own I/O thread, which only
/// reads and writes records from then on.
///
/// Nothing of it stays once the handshake ends: the connection keeps only its OpenSSL object.
class TlsHandshake final : private Pollable, public std::enable_shared_from_this<TlsHandshake> {
public:
    /// Shakes hands for `connection` on `context`'s thread, then starts it in the codec's
    /// protocol on its I/O thread; or abandons it when the handshake fails, takes longer than
    /// its bound, or the server shuts down meanwhile. Any thread.
    static void run(
        std::shared_ptr<TcpConnection> connection,
        boost::asio::io_context& context,
        std::string address,
        std::unique_ptr<proto::Codec> codec
    );

    TlsHandshake(
        std::shared_ptr<TcpConnection> connection,
        boost::asio::io_context& context,
        std::string address,
        std::unique_ptr<proto::Codec> codec
    );

private:
    void begin();

    void on_ready(std::uint32_t) override { step(); }

    void on_turn() override {}

    /// Takes the handshake as far as the socket allows.
    void step();
    /// Hands the connection back to its I/O thread, started or abandoned. Once.
    void finish(bool succeeded);

    std::shared_ptr<TcpConnection> connection_;
    Poller& poller_;
    boost::asio::steady_timer deadline_;
    std::string address_;
    std::unique_ptr<proto::Codec> codec_;
    bool watched_ = false;
    bool finished_ = false;
};

}  // namespace salon::net
