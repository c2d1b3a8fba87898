// The one error type of the client library, sorted into the kinds a caller reacts to differently.
#pragma once

#include <boost/system/result.hpp>
#include <stdexcept>
#include <string>

namespace salon::client {

enum class ErrorKind {
    network,   ///< cannot connect, connection lost, or closed by the server
    timeout,   ///< no answer within the caller's bound
    protocol,  ///< the server sent something this client cannot understand
    refused,   ///< the server answered NO; `code` is the PROTOCOL.md error code
    usage,     ///< the caller passed something malformed (an address, an option)
};

struct Error {
    ErrorKind kind = ErrorKind::network;
    std::string code;  ///< the NO code for `refused`, else empty
    std::string message;
};

/// Lets Result<T>::value() throw std::runtime_error carrying the message.
[[noreturn]] inline void throw_exception_from_error(
    const Error& error, const boost::source_location& /*location*/
) {
    throw std::runtime_error(error.message);
}

template <class T>
using Result = boost::system::result<T, Error>;

}  // namespace salon::client
