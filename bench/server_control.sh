# Sourced by the bench scripts: starting and stopping one server under test. The caller sets
# server_pid (empty when none runs) and owns the trap that calls stop_server on exit.

# How salond runs in every comparison: one I/O thread, warnings only, and the per-connection
# and per-address limits lifted so that the bench measures the server, not its defences.
salond_bench_flags=(--threads 1 --log-level warn
  --messages-per-second 1000000 --message-burst 1000000
  --max-connections-per-address 100000 --failed-logins-per-minute 1000000
  --channel-creation-burst 1000000)

stop_server() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}

# wait_for_port PORT: until the server accepts there (20 s at most), or it died.
wait_for_port() {
  for _ in $(seq 200); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.2).close()" 2>/dev/null; then
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || { echo "server died" >&2; return 1; }
    sleep 0.1
  done
  echo "server did not listen on $1" >&2
  return 1
}
