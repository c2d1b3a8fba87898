#include "net/tls_handshake.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <cstring>

#include "metrics/salon_metrics.hpp"
#include "tls/openssl_error.hpp"

namespace salon::net {
namespace asio = boost::asio;

void TlsHandshake::run(
    std::shared_ptr<TcpConnection> connection,
    asio::io_context& context,
    std::string address,
    std::unique_ptr<proto::Codec> codec
) {
    auto handshake = std::make_shared<TlsHandshake>(
        std::move(connection), context, std::move(address), std::move(codec)
    );
    asio::post(context, [handshake] { handshake->begin(); });
}

TlsHandshake::TlsHandshake(
    std::shared_ptr<TcpConnection> connection,
    asio::io_context& context,
    std::string address,
    std::unique_ptr<proto::Codec> codec
)
    : connection_(std::move(connection)),
      poller_(Poller::of(context)),
      deadline_(context, kTlsHandshakeTimeout),
      address_(std::move(address)),
      codec_(std::move(codec)) {}

void TlsHandshake::begin() {
    // The timer's handler keeps the handshake alive until finish() cancels it.
    deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec) return;
        spdlog::debug("{}: TLS handshake timed out", self->address_);
        metrics::salon().tls_handshakes_timed_out.inc();
        self->finish(false);
    });
    if (const int error = poller_.watch(connection_->descriptor(), *this); error != 0) {
        spdlog::warn("{}: cannot watch the connection: {}", address_, std::strerror(error));
        finish(false);
        return;
    }
    watched_ = true;
    step();  // the ClientHello may be here already
}

void TlsHandshake::step() {
    if (finished_) return;
    ::ERR_clear_error();
    const int result = ::SSL_do_handshake(connection_->tls());
    if (result == 1) {
        metrics::salon().tls_handshakes_ok.inc();
        finish(true);
        return;
    }
    switch (::SSL_get_error(connection_->tls(), result)) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return;  // the Poller's next edge takes it on
        default:
            spdlog::debug(
                "{}: TLS handshake failed: {}",
                address_,
                tls::take_openssl_error("connection closed")
            );
            metrics::salon().tls_handshakes_failed.inc();
            finish(false);
    }
}

void TlsHandshake::finish(bool succeeded) {
    if (finished_) return;
    finished_ = true;
    if (watched_) poller_.forget(connection_->descriptor());
    deadline_.cancel();
    auto executor = connection_->executor();
    asio::post(
        executor,
        [connection = std::move(connection_),
         address = std::move(address_),
         codec = std::move(codec_),
         succeeded]() mutable {
            if (!succeeded || connection->shutting_down()) {
                connection->abandon(address);
                return;
            }
            connection->start(std::move(address), std::move(codec));
        }
    );
}

}  // namespace salon::net
