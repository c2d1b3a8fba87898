#!/usr/bin/env python3
"""Turns bench/compare.sh's salon-bench JSON lines into the markdown section of
docs/benchmarks.md: the issue-7 table (median of the repeats), every run's raw figures, the
commands and the versions. Prints markdown; asserts nothing."""
import argparse, collections, datetime, json, statistics

parser = argparse.ArgumentParser()
parser.add_argument("results")
parser.add_argument("commands")
parser.add_argument("versions")
parser.add_argument("loads")
for name in ("repeat", "duration", "warmup", "idle", "storm", "history-fill"):
    parser.add_argument("--" + name)
args = parser.parse_args()

loads = dict(line.split() for line in open(args.loads) if line.strip())
runs = collections.defaultdict(list)
order = []
for line in open(args.results):
    if not line.strip():
        continue
    run = json.loads(line)
    server, workload, _ = run["label"].split(":")
    if server not in order:
        order.append(server)
    runs[(server, workload)].append(run)


def med(server, workload, get):
    values = [get(r) for r in runs.get((server, workload), [])]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def lat(server, workload):
    p50 = med(server, workload, lambda r: r["latency_ms"]["p50"] if r["delivered"] else None)
    p99 = med(server, workload, lambda r: r["latency_ms"]["p99"] if r["delivered"] else None)
    if p50 is None:
        return "—" if (server, workload) not in runs else "0 delivered"
    return f"{p50:.2f}/{p99:.2f} ms"


def delivered(server, workload):
    d = med(server, workload, lambda r: r["delivered"])
    e = med(server, workload, lambda r: r["expected"])
    if e is None:
        return ""
    return "" if d == e else f" ({d / e:.0%} of {e:,.0f} delivered)"


def rate(value, unit="/s"):
    if value is None:
        return "—"
    if value >= 1e6:
        return f"{value / 1e6:.2f} M{unit}"
    if value >= 1e3:
        return f"{value / 1e3:.0f} k{unit}"
    return f"{value:.0f}{unit}"


def cell(server, workload, text):
    return text if (server, workload) in runs else "—"


rows = []
rows.append(("1, 20 msg/s in (≈20k deliveries/s): p50/p99",
             lambda s: cell(s, "w1-20", lat(s, "w1-20") + delivered(s, "w1-20"))))
def saturation(server, workload):
    if (server, workload) not in runs:
        return "—"
    return (rate(med(server, workload, lambda r: r["deliveries_per_second"]))
            + f" (server CPU {med(server, workload, lambda r: r['server_cpu']):.2f},"
              f" bench CPU {med(server, workload, lambda r: r['bench_cpu']):.2f})")


def closed_loop(workload):
    """(window, senders) of a closed-loop workload, as its runs report them; None if not run."""
    for (_, w), found in runs.items():
        if w == workload:
            return found[0]["window"], found[0]["senders"]
    return None


for workload in ("w1-sat", "w1-sat-deep"):
    shape = closed_loop(workload)
    if shape is None:
        continue
    window, senders = shape
    rows.append((f"1, saturation (closed loop, {window} in flight per sender): deliveries/s",
                 lambda s, w=workload: saturation(s, w)))
    rows.append((f"1, saturation: p50/p99 with {senders * window:,} messages in flight",
                 lambda s, w=workload: cell(s, w, lat(s, w))))
rows.append(("1, at half of its own saturation (the better window): msg/s in, p50/p99",
             lambda s: cell(s, "w1-half", f"{med(s, 'w1-half', lambda r: r['rate']):,.0f} msg/s: "
                            + lat(s, "w1-half") + delivered(s, "w1-half"))))
rows.append(("1, twice its own saturation (open loop): msg/s offered, deliveries/s, p50/p99, "
             "clients dropped, RSS after",
             lambda s: cell(s, "w1-over", f"{med(s, 'w1-over', lambda r: r['rate']):,.0f} msg/s: "
                            + rate(med(s, "w1-over", lambda r: r["deliveries_per_second"])) + ", "
                            + lat(s, "w1-over") + delivered(s, "w1-over")
                            + f", {med(s, 'w1-over', lambda r: r['disconnects']):,.0f} dropped"
                            + f", {med(s, 'w1-over', lambda r: r['server_rss_kib']['after']) / 1024:,.0f} MiB")))
rows.append(("2, 2 msg/s per sender (≈18k deliveries/s): p50/p99",
             lambda s: cell(s, "w2-2", lat(s, "w2-2") + delivered(s, "w2-2"))))
rows.append(("2, 20 msg/s per sender (≈180k deliveries/s): p50/p99",
             lambda s: cell(s, "w2-20", lat(s, "w2-20") + delivered(s, "w2-20"))))
rows.append(("2, 20 msg/s per sender: deliveries/s",
             lambda s: cell(s, "w2-20", rate(med(s, "w2-20", lambda r: r["deliveries_per_second"])))))
rows.append((f"3, {int(args.idle):,} idle in 100 channels: connections held",
             lambda s: cell(s, "w3", f"{med(s, 'w3', lambda r: r['connections']):,.0f}")))
rows.append(("3, idle: server RSS per connection, once all are logged in / after the minute held",
             lambda s: cell(s, "w3", f"{med(s, 'w3', lambda r: r['rss_per_connection_bytes']) / 1000:.1f}"
                            f" / {med(s, 'w3', lambda r: r['rss_per_connection_held_bytes']) / 1000:.1f} KB")))
rows.append(("3, idle: connect + login time (all at once; Redis 256 and ngircd 8 in flight)",
             lambda s: cell(s, "w3", f"{med(s, 'w3', lambda r: r['connect_seconds']):.1f} s"
                            f" ({med(s, 'w3', lambda r: r['connects_per_second']):,.0f}/s)")))
rows.append((f"4, {args.storm} registered logins during 1 at 20 msg/s: chat p50/p99",
             lambda s: cell(s, "w4", lat(s, "w4") + delivered(s, "w4"))))
rows.append(("4, login storm: logins done, time, login p50/p99",
             lambda s: cell(s, "w4", "{logins}/{of} in {seconds:.1f} s, {p50:.0f}/{p99:.0f} ms".format(
                 logins=runs[(s, "w4")][0]["storm"]["logins"], of=runs[(s, "w4")][0]["storm"]["of"],
                 seconds=runs[(s, "w4")][0]["storm"]["seconds"],
                 p50=runs[(s, "w4")][0]["storm"]["login_ms"]["p50"],
                 p99=runs[(s, "w4")][0]["storm"]["login_ms"]["p99"]) if (s, "w4") in runs else "")))
rows.append((f"5, HISTORY page of 50 at {int(args.history_fill):,} messages: p50/p99",
             lambda s: cell(s, "w5", "{p50:.2f}/{p99:.2f} ms ({pages} pages, {filled:,} filled)".format(
                 **runs[(s, "w5")][0]["history"]["page_ms"], pages=runs[(s, "w5")][0]["history"]["pages"],
                 filled=runs[(s, "w5")][0]["history"]["filled"]) if (s, "w5") in runs else "")))

out = []
out.append(f"## bench/compare.sh: salond against the IRC servers and Redis ({datetime.date.today().isoformat()})")
out.append("")
out.append("Written by `bench/compare.sh`; do not edit by hand. Server pinned to core 0 and "
           "salon-bench to core 1 with `taskset`; every server fresh for every run; 64-byte texts; "
           f"{args.repeat} runs per workload (median shown; workloads 3–5 once); warm-up {args.warmup} s, "
           f"{args.duration} s measured. Scale: the issue's counts ({args.storm} accounts in workload 4), "
           "except runs of seconds instead of minutes. salond runs as shipped (storage on, "
           "every message committed before delivery), with its per-connection rate limit lifted, so "
           "workload 6 (storage on) is workload 1 for salond: it has no other mode.")
out.append("")
out.append("| workload | " + " | ".join(order) + " |")
out.append("|---|" + "---|" * len(order))
for title, get in rows:
    out.append(f"| {title} | " + " | ".join(get(s) for s in order) + " |")
out.append("")
out.append("Every run (deliveries are of messages sent in the measured window; `lost` = expected − "
           "delivered after a 5 s drain; CPU is the fraction of one core over the measured window):")
out.append("")
out.append("| run | load avg | conns | sent | delivered | expected | lost | dup | err | disc | deliv/s | p50 | p99 | p999 | max ms | RSS KiB before→connected→after | server CPU | bench CPU |")
out.append("|---|" + "---|" * 17)
for line in open(args.results):
    if not line.strip():
        continue
    r = json.loads(line)
    l = r["latency_ms"]
    rss = r["server_rss_kib"]
    out.append(f"| {r['label']} | {loads.get(r['label'], '?')} | {r['connections']} | {r['sent']} | {r['delivered']} | {r['expected']} | "
               f"{r['lost']} | {r['duplicates']} | {r['errors']} | {r['disconnects']} | "
               f"{r['deliveries_per_second']:,.0f} | {l['p50']} | {l['p99']} | {l['p999']} | {l['max']} | "
               f"{rss['before']}→{rss['connected']}→{rss['after']} | {r['server_cpu']} | {r['bench_cpu']} |")
errors = [(json.loads(l)["label"], json.loads(l)["first_error"]) for l in open(args.results)
          if l.strip() and json.loads(l)["first_error"]]
if errors:
    out.append("")
    out.append("First error reported per run:")
    out.append("")
    for label, error in errors:
        out.append(f"- {label}: `{error[:160]}`")
out.append("")
out.append("Versions and machine:")
out.append("")
out.extend(open(args.versions).read().rstrip().splitlines())
out.append("")
out.append("Commands (server, then load generator; `$WORK` is the run's scratch directory):")
out.append("")
out.append("```")
seen = set()
for line in open(args.commands):
    line = line.strip()
    key = line.split("--label")[0]
    if key in seen:
        continue
    seen.add(key)
    out.append(line)
out.append("```")
print("\n".join(out))
