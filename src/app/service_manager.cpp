#include "app/service_manager.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#ifdef SALON_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace salon::app {
namespace {

void notify(const std::string& state) {
#ifdef SALON_HAVE_SYSTEMD
    // A failure to tell systemd is not salond's to act on: systemd times the start out itself.
    (void)sd_notify(0, state.c_str());
#else
    (void)state;
#endif
}

/// `<N>` in front of a line: the syslog priority that the journal reads from a stream.
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest)
        override {
        const char digit = priority(msg.level);
        const char prefix[] = {'<', digit, '>'};
        dest.append(prefix, prefix + sizeof prefix);
    }

    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<SyslogPriorityFlag>();
    }

private:
    static char priority(spdlog::level::level_enum level) {
        switch (level) {
            case spdlog::level::critical:
                return '2';
            case spdlog::level::err:
                return '3';
            case spdlog::level::warn:
                return '4';
            case spdlog::level::info:
                return '6';
            default:
                return '7';
        }
    }
};

}  // namespace

void notify_ready(std::string_view status) {
    notify("READY=1\nSTATUS=" + std::string(status));
}

void notify_reloading() {
    notify("RELOADING=1");
}

void notify_reloaded() {
    notify("READY=1");
}

void notify_stopping() {
    notify("STOPPING=1\nSTATUS=shutting down");
}

bool stderr_is_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) return false;

    struct stat st {};

    if (::fstat(fileno(stderr), &st) != 0) return false;
    unsigned long long device = 0;
    unsigned long long inode = 0;
    if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
    return device == st.st_dev && inode == st.st_ino;
}

void use_service_log_format() {
    if (!stderr_is_journal()) {
        spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
        return;
    }
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%v");
    spdlog::set_formatter(std::move(formatter));
}

}  // namespace salon::app
