// OpenSSL's reason for a failure, for an error message or the log.
#pragma once

#include <openssl/err.h>

#include <array>
#include <string>

namespace salon::tls {

/// The newest error OpenSSL queued on this thread, as text (`if_none` when there is none); the
/// queue is emptied so that the next failure is not blamed on an old one.
inline std::string take_openssl_error(const char* if_none = "unknown TLS error") {
    unsigned long newest = 0;
    while (const unsigned long code = ::ERR_get_error()) newest = code;
    if (newest == 0) return if_none;
    std::array<char, 256> text{};
    ::ERR_error_string_n(newest, text.data(), text.size());
    return text.data();
}

}  // namespace salon::tls
