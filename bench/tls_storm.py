#!/usr/bin/env python3
"""A storm of TLS handshakes against salond's TLS port, on loopback only.

  tls_storm.py --port P --cert CERT [--handshakes N] [--parallel K]

Opens N connections (K at a time), completes each TLS handshake (verified against CERT, e.g.
what `salond tls self-signed` wrote), and closes it without logging in. Prints one JSON line:
handshakes done, failures, seconds, handshakes/s, and the client-side p50/p99 handshake time.
Asserts nothing; bounded in count. Run it beside salon-bench to see what handshakes cost chat.
"""
import argparse, json, socket, ssl, threading, time

HOST = "127.0.0.1"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--handshakes", type=int, default=1000)
    parser.add_argument("--parallel", type=int, default=16)
    args = parser.parse_args()
    context = ssl.create_default_context(cafile=args.cert)
    lock = threading.Lock()
    times, failures, next_index = [], [0], [0]

    def worker():
        while True:
            with lock:
                if next_index[0] >= args.handshakes:
                    return
                next_index[0] += 1
            start = time.monotonic()
            try:
                with socket.create_connection((HOST, args.port), timeout=10) as raw:
                    with context.wrap_socket(raw, server_hostname="localhost"):
                        pass
                with lock:
                    times.append(time.monotonic() - start)
            except OSError:
                with lock:
                    failures[0] += 1

    begin = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(args.parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - begin
    times.sort()
    pick = lambda q: round(times[min(len(times) - 1, int(q * len(times)))] * 1000, 2) if times else None
    print(json.dumps({"workload": "tls_storm", "handshakes": len(times), "failures": failures[0],
                      "seconds": round(seconds, 2), "per_second": round(len(times) / seconds, 1),
                      "p50_ms": pick(0.5), "p99_ms": pick(0.99)}))


if __name__ == "__main__":
    main()
