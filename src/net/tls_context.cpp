#include "net/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <stdexcept>

#include "tls/openssl_error.hpp"

namespace salon::net {
namespace asio = boost::asio;

namespace {

/// OpenSSL's last error as text, with `what` in front.
std::runtime_error openssl_error(const std::string& what) {
    return std::runtime_error(what + ": " + tls::take_openssl_error());
}

/// Picks the first of our protocols that the client offers.
int select_alpn(
    SSL*,
    const unsigned char** out,
    unsigned char* out_length,
    const unsigned char* offered,
    unsigned offered_length,
    void* ours
) {
    const auto& wire = *static_cast<const std::string*>(ours);
    unsigned char* selected = nullptr;
    const int result = ::SSL_select_next_proto(
        &selected,
        out_length,
        reinterpret_cast<const unsigned char*>(wire.data()),
        static_cast<unsigned>(wire.size()),
        offered,
        offered_length
    );
    if (result != OPENSSL_NPN_NEGOTIATED) return SSL_TLSEXT_ERR_NOACK;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace

TlsContext::TlsContext(
    std::filesystem::path certificate, std::filesystem::path key, std::vector<std::string> alpn
)
    : certificate_(std::move(certificate)), key_(std::move(key)) {
    std::string wire;
    for (const auto& protocol : alpn) {
        if (protocol.empty() || protocol.size() > 255)
            throw std::invalid_argument("ALPN protocol names are 1-255 bytes");
        wire += static_cast<char>(protocol.size());
        wire += protocol;
    }
    alpn_wire_ = std::make_shared<const std::string>(std::move(wire));
    current_ = make();
}

std::shared_ptr<asio::ssl::context> TlsContext::current() const {
    std::lock_guard lock(mutex_);
    return current_;
}

void TlsContext::reload() {
    auto fresh = make();  // outside the lock: it reads files
    std::lock_guard lock(mutex_);
    current_ = std::move(fresh);
}

SslHandle TlsContext::new_connection() const {
    SslHandle ssl(::SSL_new(current()->native_handle()));
    if (!ssl) throw openssl_error("TLS: cannot make a connection");
    ::SSL_set_accept_state(ssl.get());
    return ssl;
}

std::shared_ptr<asio::ssl::context> TlsContext::make() const {
    auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    SSL_CTX* ctx = context->native_handle();
    if (::SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
        throw openssl_error("TLS: cannot require TLS 1.2");
    // OpenSSL 3's default cipher lists are the modern ones; for TLS 1.2 keep only forward-secret
    // AEAD suites (the defaults still allow CBC and RSA key exchange).
    if (::SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1)
        throw openssl_error("TLS: cipher list");
    ::SSL_CTX_set_options(
        ctx,
        SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
            SSL_OP_SINGLE_ECDH_USE
    );
    // An idle connection keeps no 16 KiB read and write record buffers (docs/benchmarks.md).
    // A write that must wait is retried from a buffer that may have moved (TcpConnection).
    ::SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (::SSL_CTX_use_certificate_chain_file(ctx, certificate_.c_str()) != 1)
        throw openssl_error("TLS certificate " + certificate_.string());
    if (::SSL_CTX_use_PrivateKey_file(ctx, key_.c_str(), SSL_FILETYPE_PEM) != 1)
        throw openssl_error("TLS key " + key_.string());
    if (::SSL_CTX_check_private_key(ctx) != 1)
        throw openssl_error("TLS key " + key_.string() + " does not match the certificate");
    if (!alpn_wire_->empty()) {
        // The callback's argument: the string outlives the context, whose deleter holds it.
        ::SSL_CTX_set_alpn_select_cb(ctx, select_alpn, const_cast<std::string*>(alpn_wire_.get()));
    }
    return std::shared_ptr<asio::ssl::context>(
        context.get(),
        [context, wire = alpn_wire_](asio::ssl::context*) mutable { context.reset(); }
    );
}

namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { ::EVP_PKEY_free(p); }
};

struct X509Free {
    void operator()(X509* p) const { ::X509_free(p); }
};

struct FileClose {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

void add_extension(X509* certificate, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = ::X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (extension == nullptr) throw openssl_error("self-signed: extension");
    ::X509_add_ext(certificate, extension, -1);
    ::X509_EXTENSION_free(extension);
}

}  // namespace

void write_self_signed(
    const std::string& host,
    const std::filesystem::path& certificate_file,
    const std::filesystem::path& key_file
) {
    std::unique_ptr<EVP_PKEY, PkeyFree> key(::EVP_EC_gen("P-256"));
    if (!key) throw openssl_error("self-signed: key");
    std::unique_ptr<X509, X509Free> certificate(::X509_new());
    ::X509_set_version(certificate.get(), 2);
    std::uint64_t serial = 0;
    ::RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial);
    ::ASN1_INTEGER_set_uint64(::X509_get_serialNumber(certificate.get()), serial >> 1);
    ::X509_gmtime_adj(::X509_getm_notBefore(certificate.get()), -60);
    ::X509_gmtime_adj(::X509_getm_notAfter(certificate.get()), 90L * 24 * 3600);
    ::X509_set_pubkey(certificate.get(), key.get());
    X509_NAME* name = ::X509_get_subject_name(certificate.get());
    ::X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0
    );
    ::X509_set_issuer_name(certificate.get(), name);
    const std::string names = "DNS:" + host + ",IP:127.0.0.1,IP:::1";
    add_extension(certificate.get(), NID_subject_alt_name, names.c_str());
    add_extension(certificate.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(certificate.get(), NID_ext_key_usage, "serverAuth");
    if (::X509_sign(certificate.get(), key.get(), ::EVP_sha256()) == 0)
        throw openssl_error("self-signed: sign");

    std::filesystem::create_directories(key_file.parent_path());
    {
        // The key is created private, never widened afterwards.
        const mode_t old_mask = ::umask(077);
        std::unique_ptr<std::FILE, FileClose> out(std::fopen(key_file.c_str(), "w"));
        ::umask(old_mask);
        if (!out) throw std::runtime_error("cannot write " + key_file.string());
        if (::PEM_write_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
            1)
            throw openssl_error("self-signed: write key");
    }
    std::unique_ptr<std::FILE, FileClose> out(std::fopen(certificate_file.c_str(), "w"));
    if (!out) throw std::runtime_error("cannot write " + certificate_file.string());
    if (::PEM_write_X509(out.get(), certificate.get()) != 1)
        throw openssl_error("self-signed: write certificate");
}

}  // namespace salon::net
