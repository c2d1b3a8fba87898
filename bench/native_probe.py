#!/usr/bin/env python3
"""Measures a running salond over the native protocol, on loopback only.

  native_probe.py acks  --port P [--messages N] [--window W] [--text-bytes B]
      One guest sends N messages to `home`, keeping W unacknowledged, and prints how many
      acknowledgements per second it got (each OK means the message is committed to disk).
  native_probe.py idle  --port P --pid PID [--connections N] [--channels C]
      Opens N guest connections spread over C channels, waits for every login, and prints the
      server's RSS before and after and the difference per connection. From one address salond
      creates 20 channels at once by default: start it with --channel-creation-burst >= C.
      With --tls CERT the connections are TLS (the port is then salond's --tls-port), verified
      against CERT (e.g. what `salond tls self-signed` wrote): the figure for an idle TLS
      connection, beside the plain one.

Prints one JSON line of figures; asserts nothing. Every run is bounded in count and time.
"""
import argparse, json, selectors, socket, ssl, sys, time

HOST = "127.0.0.1"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


def connect(port, source=HOST):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((source, 0))
    sock.connect((HOST, port))
    return sock


def read_lines(sock, buffer):
    data = sock.recv(1 << 20)
    if not data:
        raise ConnectionError("salond closed the connection")
    buffer += data
    *lines, rest = buffer.split(b"\n")
    return lines, rest


def acks(args):
    sock = connect(args.port)
    sock.sendall(b'{"CONN":{"us":""}}\n')
    buffer = b""
    while True:
        lines, buffer = read_lines(sock, buffer)
        if any(line.startswith(b'{"HISTORY"') for line in lines):
            break
    frame = (json.dumps({"SEND": {"channel": "home", "text": "x" * args.text_bytes}}) + "\n").encode()
    sent = acked = 0
    deadline = time.monotonic() + args.seconds
    start = time.monotonic()
    while acked < args.messages and time.monotonic() < deadline:
        burst = min(args.window - (sent - acked), args.messages - sent)
        if burst > 0:
            sock.sendall(frame * burst)
            sent += burst
        lines, buffer = read_lines(sock, buffer)
        for line in lines:
            if line.startswith(b'{"OK"'):
                acked += 1
            elif line.startswith(b'{"NO"'):
                sys.exit("salond refused a message: " + line.decode())
    elapsed = time.monotonic() - start
    print(json.dumps({"workload": "acks", "messages": acked, "window": args.window,
                      "text_bytes": args.text_bytes, "seconds": round(elapsed, 3),
                      "acks_per_second": round(acked / elapsed)}))


def idle(args):
    tls = None
    if args.tls:
        tls = ssl.create_default_context(cafile=args.tls)
    before = rss_kib(args.pid)
    selector = selectors.DefaultSelector()
    socks = []
    start = time.monotonic()
    for i in range(args.connections):
        # Spread source addresses over 127.0.0.0/8 so no per-address limit or port range binds.
        source = "127.0.%d.%d" % (1 + i // 250 % 250, 1 + i % 250)
        sock = connect(args.port, source)
        if tls:
            sock = tls.wrap_socket(sock, server_hostname="localhost")
        channel = "idle-%d" % (i % args.channels)
        sock.sendall((json.dumps({"CONN": {"us": "", "channel": channel}}) + "\n").encode())
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, [b""])
        socks.append(sock)
    waiting = set(socks)
    deadline = time.monotonic() + args.seconds
    while waiting and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1):
            try:
                data = key.fileobj.recv(1 << 16)
            except (BlockingIOError, ssl.SSLWantReadError):
                continue
            key.data[0] += data
            if b'{"HISTORY"' in key.data[0]:
                waiting.discard(key.fileobj)
                key.data[0] = b""
    login_seconds = time.monotonic() - start
    time.sleep(1.0)  # let the server settle before reading its memory
    after = rss_kib(args.pid)
    logged_in = len(socks) - len(waiting)
    print(json.dumps({"workload": "idle", "tls": bool(tls), "connections": logged_in,
                      "channels": args.channels,
                      "connect_and_login_seconds": round(login_seconds, 2),
                      "rss_before_kib": before, "rss_after_kib": after,
                      "bytes_per_connection": round((after - before) * 1024 / max(1, logged_in))}))
    for sock in socks:
        sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="workload", required=True)
    a = sub.add_parser("acks")
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--messages", type=int, default=100_000)
    a.add_argument("--window", type=int, default=256)
    a.add_argument("--text-bytes", type=int, default=64)
    a.add_argument("--seconds", type=float, default=60)
    i = sub.add_parser("idle")
    i.add_argument("--port", type=int, required=True)
    i.add_argument("--pid", type=int, required=True)
    i.add_argument("--connections", type=int, default=5000)
    i.add_argument("--channels", type=int, default=100)
    i.add_argument("--seconds", type=float, default=60)
    i.add_argument("--tls", metavar="CERT", help="connect over TLS, trusting CERT")
    args = parser.parse_args()
    {"acks": acks, "idle": idle}[args.workload](args)


if __name__ == "__main__":
    main()
