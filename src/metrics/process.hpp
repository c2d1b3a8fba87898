// What the process itself costs, read from /proc for the metrics.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace salon::metrics {

/// VmRSS from /proc/self/status in bytes; nullopt where /proc is missing.
std::optional<std::uint64_t> resident_memory_bytes();

/// VmRSS in bytes out of the text of a /proc/<pid>/status file; nullopt without the line.
std::optional<std::uint64_t> parse_vm_rss(std::string_view status);

}  // namespace salon::metrics
