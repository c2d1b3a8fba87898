// What salond tells the service manager (systemd) about itself, and how it logs under it.
#pragma once

#include <string_view>

namespace salon::app {

/// systemd's readiness protocol (`Type=notify`): salond says READY once every listener is
/// accepting, RELOADING while SIGHUP re-reads what it can, STOPPING when shutdown starts, and
/// a one-line STATUS that `systemctl status` shows. Outside systemd (no $NOTIFY_SOCKET), and in
/// builds without libsystemd (SALON_SYSTEMD=OFF), these do nothing.
void notify_ready(std::string_view status);
void notify_reloading();
void notify_reloaded();
void notify_stopping();

/// Whether stderr goes straight to the journal ($JOURNAL_STREAM names stderr's device and
/// inode). The journal stamps and ranks each line itself, so salond then writes
/// `<priority>message` instead of its own time and level.
bool stderr_is_journal();

/// The spdlog pattern for the server's log: `<6>text` for the journal, a timestamp and a level
/// otherwise. Installs the `<priority>` flag on the default logger.
void use_service_log_format();

}  // namespace salon::app
