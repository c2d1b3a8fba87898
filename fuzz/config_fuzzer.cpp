// salond's TOML configuration (app/config.hpp) on arbitrary text: parsed by toml++, read with
// its strict type and range checks, then validated. Beyond "no crash" it checks that a bad file
// is only ever a ConfigError with a message (what salond prints before exiting 2): any other
// exception escapes and libFuzzer reports it.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/config.hpp"
#include "check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    salon::app::Config config;
    try {
        salon::app::apply_config_text(config, text, "fuzz.toml");
        salon::app::validate(config);
    } catch (const salon::app::ConfigError& e) {
        salon::fuzz::check(std::string_view(e.what()).size() > 0, "a ConfigError says why");
    }
    return 0;
}
