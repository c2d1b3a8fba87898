#!/usr/bin/env bash
# Runs issue 7's workloads with salon-bench against salond (native, and IRC when salond has
# --irc-port) and, when installed (bench/peers/install.sh), InspIRCd, ngircd and redis-server;
# writes the table to docs/benchmarks.md between the compare.sh markers.
#
#   bench/compare.sh            build (release preset), run everything, write the table
#   env: REPEAT=2               runs of each workload per server (the table shows the median)
#        SERVERS="salond-native salond-irc inspircd ngircd redis"
#        SALOND=path SALON_BENCH=path   prebuilt binaries instead of building
#        SERVER_CPU=0 BENCH_CPU=1       the cores taskset pins them to
#        IDLE_CONNECTIONS=19000 STORM=1000 STORM_DURATION=40 HISTORY_FILL=1000000
#        DURATION=5 WARMUP=1
#        NO_DOC=1                       print the table instead of writing the doc
# Every server is started here on 127.0.0.1 with a scratch directory and stopped by its pid;
# every salon-bench run has a hard --timeout. Nothing talks beyond loopback.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
repeat=${REPEAT:-2}
servers=${SERVERS:-"salond-native salond-irc inspircd ngircd redis"}
server_cpu=${SERVER_CPU:-0}
bench_cpu=${BENCH_CPU:-1}
idle_connections=${IDLE_CONNECTIONS:-19000}
storm=${STORM:-1000}
# Long enough for every login of the storm to be verified inside the measured window.
storm_duration=${STORM_DURATION:-40}
history_fill=${HISTORY_FILL:-1000000}
duration=${DURATION:-5}
warmup=${WARMUP:-1}

if [[ -z ${SALOND:-} || -z ${SALON_BENCH:-} ]]; then
  (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release --target salond salon-bench)
fi
salond=${SALOND:-$root/build/release/apps/salond/salond}
bench=${SALON_BENCH:-$root/build/release/bench/salon_bench/salon-bench}
"$bench" --self-check

# Both processes hold one descriptor per connection: take the hard limit.
ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/salon-compare.XXXXXX)
results=$work/results.jsonl
loads=$work/loads.txt
commands=$work/commands.txt
: >"$results"
: >"$commands"
: >"$loads"
server_pid=
port=6900

# shellcheck source=bench/server_control.sh
source "$root/bench/server_control.sh"
trap stop_server EXIT

# start_server NAME: a fresh server on a fresh port and data directory.
start_server() {
  local name=$1 dir
  port=$((port + 1))
  dir=$work/$name-$port
  mkdir -p "$dir"
  case $name in
    salond-native | salond-irc)
      local ports=(--port "$port")
      [[ $name == salond-irc ]] && ports=(--port 0 --irc-port "$port")
      server_cmd=(taskset -c "$server_cpu" "$salond" --bind 127.0.0.1 "${ports[@]}"
        --data-dir "$dir" "${salond_bench_flags[@]}") ;;
    inspircd)
      sed "s#@PORT@#$port#; s#@DIR@#$dir#g" "$root/bench/peers/inspircd.conf" >"$dir/inspircd.conf"
      echo bench >"$dir/motd"
      server_cmd=(taskset -c "$server_cpu" inspircd --nofork --runasroot --config="$dir/inspircd.conf") ;;
    ngircd)
      sed "s#@PORT@#$port#; s#@DIR@#$dir#g" "$root/bench/peers/ngircd.conf" >"$dir/ngircd.conf"
      server_cmd=(taskset -c "$server_cpu" ngircd --nodaemon --config "$dir/ngircd.conf") ;;
    redis)
      server_cmd=(taskset -c "$server_cpu" redis-server "$root/bench/peers/redis.conf"
        --port "$port" --dir "$dir") ;;
  esac
  "${server_cmd[@]}" >"$dir/server.log" 2>&1 &
  server_pid=$!
  wait_for_port "$port" || { echo "see $dir/server.log" >&2; return 1; }
}

protocol_of() {
  case $1 in salond-native) echo native ;; redis) echo redis ;; *) echo irc ;; esac
}

# Logins in flight at once. Workload 3 opens all of its connections at once: InspIRCd completes
# registrations once a second, so with fewer in flight its login rate is just that number per
# second, and salond coalesces more JOIN notices per write the more logins arrive together.
# ngircd throttles accept() when many connections arrive at once (its pauses grow to tens of
# seconds), so it always gets a few at a time; Redis is fastest with 256 (1.4 s at once, 0.7 s).
concurrency_of() {
  case $1:$2 in
    ngircd:*) echo 8 ;;
    redis:*) echo 256 ;;
    *:w3) echo "$idle_connections" ;;
    *) echo 256 ;;
  esac
}

# run SERVER WORKLOAD REPEAT salon-bench-args...: one bounded run on a fresh server.
run() {
  local name=$1 workload=$2 rep=$3
  shift 3
  start_server "$name"
  local cmd=(taskset -c "$bench_cpu" "$bench" --protocol "$(protocol_of "$name")" --port "$port"
    --server-pid "$server_pid" --connect-concurrency "$(concurrency_of "$name" "$workload")"
    --label "$name:$workload:$rep" "$@")
  echo "${server_cmd[*]}" | sed "s#$work#\$WORK#g" >>"$commands"
  echo "${cmd[*]}" | sed "s#$work#\$WORK#g; s#--server-pid [0-9]*#--server-pid PID#" >>"$commands"
  # Other work on the machine inflates every figure: the table shows the load at each start.
  echo "$name:$workload:$rep $(cut -d' ' -f1 /proc/loadavg)" >>"$loads"
  echo "== $name $workload #$rep" >&2
  "${cmd[@]}" | tee -a "$results" >&2 || echo "salon-bench failed for $name $workload" >&2
  stop_server
}

median_field() {  # median of a JSON field over the repeats of one server:workload
  python3 - "$results" "$1" "$2" <<'EOF'
import json, statistics, sys
path, label, field = sys.argv[1:]
values = [json.loads(l)[field] for l in open(path) if l.strip() and json.loads(l)["label"].rsplit(":", 1)[0] == label]
print(statistics.median(values) if values else 0)
EOF
}

active=()
for name in $servers; do
  case $name in
    salond-irc) "$salond" --help | grep -q -- --irc-port || { echo "salond has no --irc-port: skipped" >&2; continue; } ;;
    inspircd | ngircd) command -v "$name" >/dev/null || { echo "$name not installed: skipped" >&2; continue; } ;;
    redis) command -v redis-server >/dev/null || { echo "redis-server not installed: skipped" >&2; continue; } ;;
  esac
  active+=("$name")
done

common=(--warmup "$warmup" --duration "$duration" --drain 5 --text-bytes 64)
for name in "${active[@]}"; do
  for rep in $(seq "$repeat"); do
    # 1: fan-out, 1,000 members, 10 senders: saturation (closed loop), then 20 msg/s in.
    # Saturation is the better of two windows: with 64 in flight per sender a server that
    # batches its writes finishes each round before the next SENDs arrive and idles (salond
    # sat at 0.65 of its core), while InspIRCd does best at 64; Redis went either way.
    run "$name" w1-sat "$rep" --clients 1000 --channels 1 --senders 10 --window 64 "${common[@]}" --timeout 180
    run "$name" w1-sat-deep "$rep" --clients 1000 --channels 1 --senders 10 --window 256 "${common[@]}" --timeout 180
    run "$name" w1-20 "$rep" --clients 1000 --channels 1 --senders 10 --rate 20 "${common[@]}" --timeout 180
  done
  # Latency at half of this server's own saturation (the better median of the two windows).
  sat_shallow=$(median_field "$name:w1-sat" messages_per_second)
  sat_deep=$(median_field "$name:w1-sat-deep" messages_per_second)
  sat=$(python3 -c "print(max($sat_shallow, $sat_deep))")
  half=$(python3 -c "print(max(1.0, round(float('$sat') / 2, 1)))")
  twice=$(python3 -c "print(max(1.0, round(float('$sat') * 2, 1)))")
  for rep in $(seq "$repeat"); do
    run "$name" w1-half "$rep" --clients 1000 --channels 1 --senders 10 --rate "$half" "${common[@]}" --timeout 180
    # Past saturation: twice its own saturation rate offered, open loop.
    run "$name" w1-over "$rep" --clients 1000 --channels 1 --senders 10 --rate "$twice" "${common[@]}" --timeout 180
    # 2: 10,000 clients in 1,000 channels of 10, 1,000 senders at 2 and 20 msg/s each.
    run "$name" w2-2 "$rep" --clients 10000 --channels 1000 --senders 1000 --rate 2000 "${common[@]}" --timeout 300
    run "$name" w2-20 "$rep" --clients 10000 --channels 1000 --senders 1000 --rate 20000 "${common[@]}" --timeout 300
  done
  # 3: idle capacity, held a minute as the issue says, once per server.
  run "$name" w3 1 --clients "$idle_connections" --channels 100 --hold 60 --timeout 400
  if [[ $name == salond-native ]]; then
    # 4: login storm of registered accounts (created first) during workload 1 at 20 msg/s.
    run "$name" w4 1 --clients 1000 --channels 1 --senders 10 --rate 20 --warmup "$warmup" \
      --duration "$storm_duration" --drain 5 --storm "$storm" --storm-register --timeout 600
    # 5: HISTORY pages of 50 at random points of a channel holding HISTORY_FILL messages.
    run "$name" w5 1 --history-fill "$history_fill" --history-pages 2000 --history-limit 50 --timeout 600
  fi
done

versions=$work/versions.txt
{
  echo "- salond $("$salond" --version 2>/dev/null | head -1) (git $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
  command -v inspircd >/dev/null && echo "- InspIRCd $(dpkg-query -W -f='${Version}' inspircd) (Debian package)"
  command -v ngircd >/dev/null && echo "- ngircd $(dpkg-query -W -f='${Version}' ngircd) (Debian package)"
  command -v redis-server >/dev/null && echo "- redis-server $(dpkg-query -W -f='${Version}' redis-server) (Debian package)"
  echo "- Ergo: not measured; it is not packaged in Debian (Debian's \`ergo\` is an unrelated program)"
  echo "- kernel $(uname -r), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); open-file limit $(ulimit -n)"
} >"$versions"

python3 "$root/bench/salon_bench/compare_table.py" "$results" "$commands" "$versions" "$loads" \
  --repeat "$repeat" --duration "$duration" --warmup "$warmup" --idle "$idle_connections" \
  --storm "$storm" --history-fill "$history_fill" >"$work/table.md"
if [[ -n ${NO_DOC:-} ]]; then
  cat "$work/table.md"
else
  python3 - "$root/docs/benchmarks.md" "$work/table.md" <<'EOF'
import sys
doc_path, table_path = sys.argv[1:]
begin, end = "<!-- compare.sh:begin -->", "<!-- compare.sh:end -->"
doc = open(doc_path).read()
section = begin + "\n" + open(table_path).read().rstrip() + "\n" + end
if begin in doc and end in doc:
    doc = doc[: doc.index(begin)] + section + doc[doc.index(end) + len(end):]
else:
    doc = doc.rstrip() + "\n\n" + section + "\n"
open(doc_path, "w").write(doc)
EOF
  echo "table written to docs/benchmarks.md (raw results in $results)" >&2
fi
