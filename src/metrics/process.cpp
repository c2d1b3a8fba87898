#include "metrics/process.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace salon::metrics {

std::optional<std::uint64_t> parse_vm_rss(std::string_view status) {
    constexpr std::string_view kKey = "VmRSS:";
    std::size_t at = status.find(kKey);
    while (at != std::string_view::npos && at != 0 && status[at - 1] != '\n') {
        at = status.find(kKey, at + 1);
    }
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view rest = status.substr(at + kKey.size());
    rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
    std::uint64_t kib = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kib);
    if (ec != std::errc() || end == rest.data()) return std::nullopt;
    return kib * 1024;  // the kernel always reports it in kB (KiB)
}

std::optional<std::uint64_t> resident_memory_bytes() {
    std::ifstream in("/proc/self/status");
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return parse_vm_rss(text.str());
}

}  // namespace salon::metrics
