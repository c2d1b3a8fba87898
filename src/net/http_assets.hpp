// The files of a web client that HttpService serves, as the application hands them over.
#pragma once

#include <string_view>

namespace salon::net {

/// One file served at a fixed path. The application owns the table (salond's is compiled in at
/// build time), and it must outlive the HttpService that serves it.
struct WebAsset {
    std::string_view path;          ///< URL path, e.g. "/app.js" ("/index.html" is also "/")
    std::string_view content_type;  ///< e.g. "text/javascript; charset=utf-8"
    std::string_view body;
};

}  // namespace salon::net
