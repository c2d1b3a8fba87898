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

/// The message body a connection gets. Version 1 clients get the body of version 1: the
/// members version 2 added (`rev`, `reply_to`, `edited`, `deleted`, `reactions`, `mentions`)
/// are of no use to them, and `rev` alone is a tenth of a chat message's frame, on the fan-out
/// path where bytes are the cost.
enum class BodyVersion { v1, v2 };

/// `{"OK":{"ref":…, …result…}}\n`
std::string encode_ok(
    const Ref& ref, const core::Result& result, BodyVersion version = BodyVersion::v2
);

/// `{"NO":{"ref":…,"code":"…","message":"…"}}\n`
std::string encode_no(const Ref& ref, core::Errc code, std::string_view message);

/// The event's frame, e.g. `{"MSG":{"id":…,"channel":…,"from":…,"text":…,"ts":…}}\n`.
std::string encode_event(const core::Event& event, BodyVersion version = BodyVersion::v2);

/// The native protocol as a connection's Codec. A connection whose login said `"v":2` or above
/// gets version 2 bodies and the events only version 2 has (UPDATE, READ, TYPING); every other
/// connection the version 1 body. The two are two event formats, each encoded once per event.
class NativeCodec final : public Codec {
public:
    static constexpr std::size_t kEventFormat = 0;
    static constexpr std::size_t kVersion2EventFormat = kMaxEventFormats - 1;

    Input decode(std::string_view frame, bool logged_in) override;
    /// The OK of a CONN or REGISTER with `"v"` >= 2 turns on the version 2 events.
    std::string ok(const Request& request, const core::Result& result) override;
    std::string no(const Request& request, core::Errc code, std::string_view message) override;
    std::string rejected(const DecodeError& error) override;

    std::size_t event_format() const noexcept override {
        return version2() ? kVersion2EventFormat : kEventFormat;
    }

    std::string event(const core::Event& event) const override {
        return encode_event(event, version2() ? BodyVersion::v2 : BodyVersion::v1);
    }

    /// Safe from any thread (fan-out): reads one atomic flag, and only for version 2 events.
    bool accepts(const core::Event& event) const noexcept override;

private:
    /// Release/acquire: a fan-out thread that sees the flag sees a logged-in connection.
    bool version2() const noexcept { return version2_.load(std::memory_order_acquire); }

    std::atomic<bool> version2_{false};
};

}  // namespace salon::proto
