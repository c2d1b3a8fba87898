#include "metrics/salon_metrics.hpp"

#include <chrono>

namespace salon::metrics {
namespace {

SalonMetrics make(Registry& r) {
    const std::string connections_help = "Open client connections, by transport.";
    const std::string accepted_help = "Client connections accepted since start, by transport.";
    const std::string handshakes_help =
        "TLS handshakes of native and IRC connections since start, by outcome.";
    const std::vector<double> storage_seconds{
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
    return SalonMetrics{
        r.gauge("salon_connections", connections_help, {{"transport", "tcp"}}),
        r.gauge("salon_connections", connections_help, {{"transport", "websocket"}}),
        r.counter("salon_connections_accepted_total", accepted_help, {{"transport", "tcp"}}),
        r.counter("salon_connections_accepted_total", accepted_help, {{"transport", "websocket"}}),
        r.gauge("salon_users_online", "Distinct users logged in (registered and guests)."),
        r.gauge("salon_sessions", "Logged-in connections."),
        r.gauge("salon_channels", "Channels that exist."),
        r.counter(
            "salon_messages_received_total",
            "Channel messages and direct messages accepted from clients (SEND and DM)."
        ),
        r.counter(
            "salon_deliveries_total",
            "Event frames queued for clients: one per receiving connection (MSG, JOIN, PART…)."
        ),
        r.counter(
            "salon_send_queue_drops_total",
            "Connections dropped because their send queue was full (send_queue_full)."
        ),
        r.counter("salon_rate_limited_total", "Requests answered with NO rate_limited."),
        r.counter("salon_failed_logins_total", "CONN attempts refused with bad_credentials."),
        r.histogram(
            "salon_storage_batch_messages",
            "Messages committed per storage transaction (group commit).",
            exponential_buckets(1, 2, 11)
        ),
        r.histogram(
            "salon_storage_commit_seconds",
            "Time to commit one batch of messages to storage.",
            storage_seconds
        ),
        r.gauge("process_resident_memory_bytes", "Resident memory size in bytes."),
        r.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch."),
        r.counter(
            "salon_http_requests_total", "HTTP requests served (WebSocket upgrades included)."
        ),
        r.counter(
            "salon_http_rejected_total",
            "HTTP requests refused with a 4xx (malformed, too large, bad upgrade, bad Origin)."
        ),
        r.gauge("salon_connections", connections_help, {{"transport", "tls"}}),
        r.counter("salon_connections_accepted_total", accepted_help, {{"transport", "tls"}}),
        r.counter("salon_tls_handshakes_total", handshakes_help, {{"result", "ok"}}),
        r.counter("salon_tls_handshakes_total", handshakes_help, {{"result", "failed"}}),
        r.counter("salon_tls_handshakes_total", handshakes_help, {{"result", "timeout"}}),
        r.histogram(
            "salon_storage_call_seconds",
            "Time of one storage call on the worker pool: history, search, accounts, channels "
            "(message commits are salon_storage_commit_seconds).",
            storage_seconds
        ),
        r.gauge(
            "salon_storage_queue_depth",
            "Messages and changes accepted and waiting for the storage writer."
        ),
        r.gauge(
            "salon_storage_up",
            "1 while storage answered the last periodic check (every 2 s), else 0: see "
            "/healthz/ready."
        ),
        r.counter(
            "salon_messages_pruned_total",
            "Messages removed by retention ([retention] in the configuration) since start."
        ),
    };
}

}  // namespace

Registry& registry() {
    static Registry instance;
    return instance;
}

SalonMetrics& salon() {
    static SalonMetrics instance = [] {
        auto m = make(registry());
        m.start_time_seconds.set(
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count()
        );
        return m;
    }();
    return instance;
}

}  // namespace salon::metrics
