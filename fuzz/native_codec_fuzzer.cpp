// The native codec on one frame (PROTOCOL.md). Beyond "no crash" it checks that:
// - a frame valid before login decodes the same once logged in, and any other error but
//   not_logged_in is the same error logged in or not;
// - invalid UTF-8 is always bad_utf8;
// - the NO for a rejected frame, and the MSG event that a decoded SEND becomes, are each one
//   line of valid UTF-8 JSON (what every other client will read), carrying the code and text;
//   so is the UPDATE a decoded EDIT becomes.

#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "check.hpp"
#include "core/utf8.hpp"
#include "proto/native_codec.hpp"

namespace {

using salon::fuzz::check;
namespace json = boost::json;
namespace proto = salon::proto;

/// The object inside `{"VERB":{…}}` when `frame` is exactly one such line.
json::object one_frame(const std::string& frame, std::string_view verb) {
    check(frame.ends_with('\n') && frame.find('\n') == frame.size() - 1, "one line per frame");
    check(salon::core::is_valid_utf8(frame), "frames are UTF-8");
    json::error_code ec;
    const json::value v = json::parse(frame, ec);
    check(!ec && v.is_object() && v.as_object().size() == 1, "a frame is a JSON object");
    const auto* body = v.as_object().if_contains(verb);
    check(body != nullptr && body->is_object(), "the frame has the expected verb");
    return body->as_object();
}

bool has_string(const json::object& object, std::string_view key, std::string_view expected) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_string() && value->get_string() == expected;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view frame(reinterpret_cast<const char*>(data), size);
    proto::NativeCodec codec;
    const auto before = codec.decode(frame, false);
    const auto after = codec.decode(frame, true);

    if (const auto* request = std::get_if<proto::Request>(&before)) {
        const auto* same = std::get_if<proto::Request>(&after);
        check(
            same != nullptr && same->command.index() == request->command.index() &&
                same->ref == request->ref,
            "what decodes before login decodes the same after"
        );
    } else {
        const auto& error = std::get<proto::DecodeError>(before);
        if (error.code != salon::core::Errc::not_logged_in) {
            const auto* same = std::get_if<proto::DecodeError>(&after);
            check(same != nullptr && same->code == error.code, "login changes no other error");
        }
        if (!salon::core::is_valid_utf8(frame)) {
            check(error.code == salon::core::Errc::bad_utf8, "invalid UTF-8 is bad_utf8");
        }
    }

    if (const auto* error = std::get_if<proto::DecodeError>(&after)) {
        const auto no = one_frame(codec.rejected(*error), "NO");
        check(has_string(no, "code", salon::core::wire_code(error->code)), "NO carries the code");
    } else if (const auto* request = std::get_if<proto::Request>(&after)) {
        if (const auto* send = std::get_if<proto::Send>(&request->command)) {
            salon::core::Message message;
            message.id = 1;
            message.rev = 1;
            message.channel = send->channel;
            message.from = "alice";
            message.text = send->text;
            // An empty channel is the server's to refuse; the codec would write it as a DM.
            const auto verb = message.is_direct() ? "DM" : "MSG";
            const auto msg = one_frame(codec.event(salon::core::MessageEvent{message}), verb);
            check(has_string(msg, "text", send->text), "MSG carries the text");
        }
        if (const auto* edit = std::get_if<proto::Edit>(&request->command)) {
            salon::core::Message message;
            message.id = edit->id;
            message.rev = edit->id;
            message.channel = "home";
            message.from = "alice";
            message.text = edit->text;
            message.edited_ms = 1;
            message.mentions = {edit->text};
            const auto update = one_frame(codec.event(salon::core::UpdateEvent{message}), "UPDATE");
            check(has_string(update, "text", edit->text), "UPDATE carries the text");
        }
    }
    return 0;
}
