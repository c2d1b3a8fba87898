#!/usr/bin/env bash
# Builds the libFuzzer targets (the fuzz preset: clang, ASan + UBSan; fuzz/) and runs each in
# turn for the given seconds (default 60) on a copy of its seed corpus under build/fuzz/runs/,
# so the repository's corpus is never written. Exits non-zero at the first target that crashes,
# leaks, times out or breaks an invariant, naming the input that did it.
#   scripts/fuzz.sh [seconds] [target…]   targets: native_codec irc_message irc_codec http_request config
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

seconds=60
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
all=(native_codec irc_message irc_codec http_request config)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")

# The longest input worth trying: a little past each transport's own limit (native frames
# 16 KiB by default, IRC tags + line 4,606 bytes, HTTP headers and body 8 KiB each).
declare -A max_len=([native_codec]=17000 [irc_message]=4700 [irc_codec]=12000
                    [http_request]=17000 [config]=8000)
declare -A dict=([native_codec]=native_codec [irc_message]=irc [irc_codec]=irc
                 [http_request]=http_request [config]=config)
for t in "${targets[@]}"; do
  [[ -v "max_len[$t]" ]] || { echo "fuzz: no target '$t' (targets: ${all[*]})" >&2; exit 2; }
done

scripts/deps.sh >/dev/null
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

for t in "${targets[@]}"; do
  work="$root/build/fuzz/runs/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/tmp"
  cp "fuzz/corpus/$t/"* "$work/corpus/"
  echo "fuzz: $t for ${seconds}s"
  # -timeout: one input taking 10 s is a hang; TMPDIR keeps the target's temporary files here.
  if ! TMPDIR="$work/tmp" "build/fuzz/fuzz/fuzz_$t" "$work/corpus" \
      -max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=2048 \
      -dict="fuzz/${dict[$t]}.dict" -artifact_prefix="$work/" -print_final_stats=1 \
      >"$work/log" 2>&1; then
    tail -n 60 "$work/log" >&2
    for input in "$work"/{crash,leak,timeout,oom,slow-unit}-*; do
      [ -e "$input" ] || continue
      echo "fuzz: $t FAILED on $input; reproduce with: build/fuzz/fuzz/fuzz_$t $input" >&2
    done
    echo "fuzz: $t FAILED (log: $work/log)" >&2
    exit 1
  fi
  # libFuzzer's "#N INITED cov: …" (the seeds) and "#N DONE cov: …" lines: what was covered.
  seeds=$(grep -aE '^#[0-9]+[[:space:]]+INITED' "$work/log" | grep -oE 'cov: [0-9]+' || true)
  final=$(grep -aE '^#[0-9]+[[:space:]]+DONE' "$work/log" | grep -oE 'cov: .* exec/s: [0-9]+' || true)
  runs=$(grep -aE '^stat::number_of_executed_units' "$work/log" | awk '{print $2}' || true)
  echo "fuzz: $t clean after $runs inputs: $final (seeds ${seeds:-?})"
done
