// The native wire format (PROTOCOL.md): one JSON object per frame, `{"VERB":{…args…}}`.
// Pure functions of bytes: no sockets, no storage, never throws on bad input.
#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <variant>

#include "core/errc.hpp"
#include "core/events.hpp"
#include "proto/codec.hpp"
#include "proto/request.hpp"

namespace salon::proto {

using Decoded = std::variant<Request, DecodeError>;

/// Decodes one frame (without its line ending), applying PROTOCOL.md's checks in order:
/// bad_utf8, bad_json, bad_request (shape), unknown_verb, not_logged_in (when
/// `logged_in` is false), then each verb's field rules (bad_request). The frame length
/// limit is the transport's (it has to stop reading before a frame ends).
Decoded decode_request(std::string_view frame, bool logged_in);

/// `{"OK":{"ref":…, …result…}}\n`
std::string encode_ok(const Ref& ref, const core::Result& result);

/// `{"NO":{"ref":…,"code":"…","message":"…"}}\n`
std::string encode_no(const Ref& ref, core::Errc code, std::string_view message);

/// The event's frame, e.g. `{"MSG":{"id":…,"channel":…,"from":…,"text":…,"ts":…}}\n`.
std::string encode_event(const core::Event& event);

/// The native protocol as a connection's Codec. Every native connection shares one event
/// format: a version 1 client ignores the members version 2 added. What differs is accepts():
/// UPDATE, READ and TYPING go only to a connection whose login said `"v":2` or above.
class NativeCodec final : public Codec {
public:
    static constexpr std::size_t kEventFormat = 0;

    Input decode(std::string_view frame, bool logged_in) override;
    /// The OK of a CONN or REGISTER with `"v"` >= 2 turns on the version 2 events.
    std::string ok(const Request& request, const core::Result& result) override;
    std::string no(const Request& request, core::Errc code, std::string_view message) override;
    std::string rejected(const DecodeError& error) override;

    std::size_t event_format() const noexcept override { return kEventFormat; }

    std::string event(const core::Event& event) const override { return encode_event(event); }

    /// Safe from any thread (fan-out): reads one atomic flag, and only for version 2 events.
    bool accepts(const core::Event& event) const noexcept override;

private:
    std::atomic<bool> v2_events_{false};
};

}  // namespace salon::proto
