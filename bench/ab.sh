#!/usr/bin/env bash
# A/B of two salond binaries on compare.sh's workload 1 saturation (both windows) and workload 3
# (idle connections held), alternating A and B run by run so that the machine's drift hits both.
#
#   bench/ab.sh SALOND_A SALOND_B [SALON_BENCH]
#   env: ROUNDS=3  IDLE_CONNECTIONS=19000  DURATION=5  WARMUP=1  HOLD=10
#        SERVER_CPU=0 BENCH_CPU=1  WORKLOADS="w1-sat w1-sat-deep w3" (any of them)
# Prints one JSON line per run (salon-bench's, labelled A:… or B:…) and then the medians.
# Every server is started here on 127.0.0.1 with a scratch directory and stopped by its pid;
# every salon-bench run has a hard --timeout.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
a=${1:?salond binary A}
b=${2:?salond binary B}
bench=${3:-$root/build/release/bench/salon_bench/salon-bench}
rounds=${ROUNDS:-3}
idle=${IDLE_CONNECTIONS:-19000}
duration=${DURATION:-5}
warmup=${WARMUP:-1}
hold=${HOLD:-10}
workloads=" ${WORKLOADS:-w1-sat w1-sat-deep w3} "
server_cpu=${SERVER_CPU:-0}
bench_cpu=${BENCH_CPU:-1}

ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d /tmp/salon-ab.XXXXXX)
results=$work/results.jsonl
server_pid=
port=7300

# shellcheck source=bench/server_control.sh
source "$root/bench/server_control.sh"
trap stop_server EXIT

# run LABEL SALOND salon-bench-args...: one bounded run on a fresh server (compare.sh's flags).
run() {
  local label=$1 salond=$2
  shift 2
  port=$((port + 1))
  mkdir -p "$work/$port"
  taskset -c "$server_cpu" "$salond" --bind 127.0.0.1 --port "$port" --http-port 0 --irc-port 0 \
    --data-dir "$work/$port" "${salond_bench_flags[@]}" >"$work/$port/server.log" 2>&1 &
  server_pid=$!
  wait_for_port "$port" || { echo "see $work/$port/server.log" >&2; return 1; }
  taskset -c "$bench_cpu" "$bench" --protocol native --port "$port" --server-pid "$server_pid" \
    --label "$label" "$@" | tee -a "$results"
  stop_server
}

common=(--warmup "$warmup" --duration "$duration" --drain 5 --text-bytes 64 --timeout 180)
for round in $(seq "$rounds"); do
  for side in A B; do
    salond=$a
    [[ $side == B ]] && salond=$b
    if [[ $workloads == *" w1-sat "* ]]; then
      run "$side:w1-sat" "$salond" --connect-concurrency 256 --clients 1000 --channels 1 \
        --senders 10 --window 64 "${common[@]}"
    fi
    if [[ $workloads == *" w1-sat-deep "* ]]; then
      run "$side:w1-sat-deep" "$salond" --connect-concurrency 256 --clients 1000 --channels 1 \
        --senders 10 --window 256 "${common[@]}"
    fi
    if [[ $workloads == *" w3 "* ]]; then
      run "$side:w3" "$salond" --connect-concurrency "$idle" --clients "$idle" --channels 100 \
        --hold "$hold" --timeout 400
    fi
  done
done

python3 - "$results" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
def values(label, field):
    return [r[field] for r in runs if r["label"] == label]
print()
print("| figure | A (each run) | B (each run) | median B / A |")
print("|---|---|---|---|")
for label, field, scale, unit in [
    ("w1-sat", "messages_per_second", 1, "msg/s"),
    ("w1-sat-deep", "messages_per_second", 1, "msg/s"),
    ("w3", "rss_per_connection_bytes", 1, "B"),
    ("w3", "rss_per_connection_held_bytes", 1, "B"),
]:
    va, vb = values("A:" + label, field), values("B:" + label, field)
    if not va or not vb:
        continue
    fmt = lambda vs: ", ".join(f"{v / scale:,.0f}" for v in vs)
    ratio = statistics.median(vb) / statistics.median(va)
    print(f"| {label} {field} ({unit}) | {fmt(va)} | {fmt(vb)} | {ratio:.3f} |")
PY
