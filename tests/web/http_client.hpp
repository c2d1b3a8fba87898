// A raw-socket HTTP/1.1 client for the tests: exact bytes out, the whole answer back.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace salon::test {

struct HttpAnswer {
    int status = 0;                              ///< 0 when the server closed without answering
    std::map<std::string, std::string> headers;  ///< names lower-cased
    std::string body;
};

/// Sends `request` verbatim to 127.0.0.1:`port` and reads until the server closes or, when
/// the answer has a Content-Length, until the body is complete. Throws std::runtime_error
/// when nothing complete arrives within `timeout`.
HttpAnswer http_raw(
    std::uint16_t port,
    std::string_view request,
    std::chrono::milliseconds timeout = std::chrono::seconds(5)
);

/// GET `path` with Connection: close.
HttpAnswer http_get(std::uint16_t port, std::string_view path);

}  // namespace salon::test
