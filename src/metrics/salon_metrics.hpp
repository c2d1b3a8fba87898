// The metrics salond exports, registered once in one process-wide registry so that any layer
// can count with one line.
#pragma once

#include "metrics/registry.hpp"

namespace salon::metrics {

/// Every metric of the server. Values that are snapshots of state (users online, channels,
/// memory) are gauges that the /metrics handler sets just before it renders.
struct SalonMetrics {
    Gauge& tcp_connections;
    Gauge& websocket_connections;
    Counter& tcp_accepted;
    Counter& websocket_accepted;
    Gauge& users_online;
    Gauge& sessions;
    Gauge& channels;
    Counter& messages_received;
    Counter& deliveries;
    Counter& send_queue_drops;
    Counter& rate_limited;
    Counter& failed_logins;
    Histogram& storage_batch_size;
    Histogram& storage_commit_seconds;
    Gauge& resident_memory_bytes;
    Gauge& start_time_seconds;
    Counter& http_requests;
    Counter& http_rejected;
    Gauge& tls_connections;  // native and IRC over TLS, after their handshake
    Counter& tls_accepted;   // accepted on a TLS port, whatever their handshake does
    Counter& tls_handshakes_ok;
    Counter& tls_handshakes_failed;     // refused by OpenSSL, or the peer went away
    Counter& tls_handshakes_timed_out;  // not done within 10 s
    Histogram& storage_call_seconds;    // reads and writes on the worker pool
    Gauge& storage_queue_depth;         // messages and changes waiting for the writer
    Gauge& storage_up;                  // 1 while the last storage check read the storage
    Counter& messages_pruned;           // removed by retention
};

/// The registry /metrics renders.
Registry& registry();

/// The server's metrics, registered on first use (thread-safe).
SalonMetrics& salon();

}  // namespace salon::metrics
