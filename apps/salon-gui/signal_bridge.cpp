// SignalBridge: the self-pipe trick, so no Qt call ever runs inside a signal handler.
#include "signal_bridge.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace salon::gui {

namespace {

// Written by the handler, read by the notifier; -1 while no bridge exists.
int g_fds[2] = {-1, -1};

extern "C" void on_signal(int signal_number) {
    const int saved_errno = errno;
    const auto byte = static_cast<unsigned char>(signal_number);
    // write() is async-signal-safe; if the pipe is full a signal is already pending anyway.
    [[maybe_unused]] const auto written = ::write(g_fds[0], &byte, 1);
    errno = saved_errno;
}

void install(int signal_number, void (*handler)(int)) {
    struct sigaction action {};

    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(signal_number, &action, nullptr);
}

}  // namespace

SignalBridge::SignalBridge(QObject* parent) : QObject(parent) {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, g_fds) != 0) {
        g_fds[0] = g_fds[1] = -1;
        return;
    }
    notifier_ = std::make_unique<QSocketNotifier>(g_fds[1], QSocketNotifier::Read);
    connect(notifier_.get(), &QSocketNotifier::activated, this, &SignalBridge::on_readable);
    install(SIGINT, on_signal);
    install(SIGTERM, on_signal);
}

SignalBridge::~SignalBridge() {
    if (notifier_ == nullptr) return;
    install(SIGINT, SIG_DFL);
    install(SIGTERM, SIG_DFL);
    notifier_.reset();
    ::close(g_fds[0]);
    ::close(g_fds[1]);
    g_fds[0] = g_fds[1] = -1;
}

void SignalBridge::on_readable() {
    unsigned char byte = 0;
    while (::read(g_fds[1], &byte, 1) == 1) emit received(byte);
}

}  // namespace salon::gui
