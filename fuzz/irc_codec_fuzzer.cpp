// A whole IRC session through one IrcCodec: the input's lines ("\n"-separated, a "\r" before it
// dropped) are decoded in order, and each request is answered as the server would, OK or NO
// (chosen by the line's length, so the fuzzer steers it), so that registration, CAP and SASL
// state move on. Beyond "no crash" it checks that everything the codec writes (answers, replies,
// the MSG event of each PRIVMSG) is whole lines ending "\r\n", without other CR, LF or NUL,
// each within 512 bytes once its tags are left out.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "check.hpp"
#include "core/names.hpp"
#include "core/utf8.hpp"
#include "proto/irc_codec.hpp"

namespace {

using salon::fuzz::check;
namespace core = salon::core;
namespace proto = salon::proto;

void check_lines(std::string_view bytes) {
    while (!bytes.empty()) {
        const auto end = bytes.find("\r\n");
        check(end != std::string_view::npos, "output is whole lines");
        std::string_view line = bytes.substr(0, end);
        bytes.remove_prefix(end + 2);
        check(
            line.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos,
            "no CR, LF or NUL inside a line"
        );
        check(core::is_valid_utf8(line), "every line is UTF-8, as UTF8ONLY promises");
        if (line.starts_with('@')) line.remove_prefix(std::min(line.size(), line.find(' ') + 1));
        check(line.size() + 2 <= proto::irc::kMaxLineBytes, "512 bytes a line without tags");
    }
}

/// What the server would answer to `request`: a success when `succeed`, else a failure.
std::string answer(
    proto::IrcCodec& codec, const proto::Request& request, bool succeed, std::size_t seed
) {
    const auto code =
        static_cast<core::Errc>(seed % (static_cast<std::size_t>(core::Errc::internal) + 1));
    if (!succeed) return codec.no(request, code, "refused");
    const auto& c = request.command;
    if (const auto* conn = std::get_if<proto::Conn>(&c)) {
        core::LoginResult login;
        login.user = core::is_valid_user_name(conn->us) ? conn->us : "Guest1";
        return codec.ok(request, login);
    }
    if (const auto* auth = std::get_if<proto::Authenticate>(&c)) {
        if (!core::is_valid_user_name(auth->us)) return codec.no(request, code, "refused");
        return codec.ok(request, core::AccountResult{auth->us});
    }
    if (const auto* join = std::get_if<proto::Join>(&c)) {
        const auto channel = core::canonical_channel_name(join->channel);
        if (!channel) return codec.no(request, core::Errc::bad_name, "bad channel name");
        return codec.ok(request, core::JoinResult{*channel, "a topic", {{"alice", false, true}}});
    }
    if (std::holds_alternative<proto::Send>(c) || std::holds_alternative<proto::Dm>(c)) {
        return codec.ok(request, core::PostResult{static_cast<core::MessageId>(seed), 0});
    }
    return codec.ok(request, core::EmptyResult{});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const proto::IrcSettings settings;
    proto::IrcCodec codec(settings);
    bool logged_in = false;
    while (!input.empty()) {
        const auto end = input.find('\n');
        std::string_view line = input.substr(0, end);
        input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (line.size() > proto::irc::kMaxFrameBytes) {
            check_lines(codec.rejected({{}, core::Errc::line_too_long, "line too long"}));
            continue;
        }

        auto decoded = codec.decode(line, logged_in);
        if (const auto* answered = std::get_if<proto::Codec::Answered>(&decoded)) {
            check_lines(answered->bytes);
        } else if (const auto* error = std::get_if<proto::DecodeError>(&decoded)) {
            check_lines(codec.rejected(*error));
        } else {
            const auto& request = std::get<proto::Request>(decoded);
            const bool succeed = line.size() % 3 != 0;
            check_lines(answer(codec, request, succeed, line.size()));
            if (succeed && std::holds_alternative<proto::Conn>(request.command)) logged_in = true;
            const auto* send = std::get_if<proto::Send>(&request.command);
            // The server posts only to channels that exist, under their canonical name.
            const auto channel = send ? core::canonical_channel_name(send->channel) : std::nullopt;
            if (channel) {
                core::Message m;
                m.id = 1;
                m.rev = 1;
                m.channel = *channel;
                m.from = "alice";
                m.text = send->text;
                if (codec.accepts(core::MessageEvent{m})) {
                    check_lines(codec.event(core::MessageEvent{m, "alice"}));
                }
            }
        }
    }
    return 0;
}
