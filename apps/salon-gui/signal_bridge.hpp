// Turns SIGINT and SIGTERM into a Qt signal on the event loop (self-pipe over a socketpair).
#pragma once

#include <QObject>
#include <QSocketNotifier>
#include <memory>

namespace salon::gui {

/// Installs handlers for SIGINT and SIGTERM whose only action is writing the signal number
/// to a socketpair (async-signal-safe); a QSocketNotifier on the other end emits
/// `received` on the GUI thread. One instance per process; the destructor restores the
/// default handlers.
class SignalBridge : public QObject {
    Q_OBJECT

public:
    explicit SignalBridge(QObject* parent = nullptr);
    ~SignalBridge() override;

    SignalBridge(const SignalBridge&) = delete;
    SignalBridge& operator=(const SignalBridge&) = delete;

    /// False when the socketpair or the handlers could not be set up.
    bool ok() const { return notifier_ != nullptr; }

signals:
    void received(int signal_number);

private:
    void on_readable();

    std::unique_ptr<QSocketNotifier> notifier_;
};

}  // namespace salon::gui
