#!/usr/bin/env python3
"""What DELETE_ACCOUNT costs when the account wrote a million messages, and what the others'
chat feels meanwhile.

  account_deletion.py --salond PATH [--messages 1000000] [--channels 4] [--dms 5000]
                      [--senders 10] [--rate 20] [--window 10]

Starts its own salond (loopback, ephemeral ports, a temporary data dir) and fills it through the
protocol: the account `victim` posts `--messages` channel messages across `--channels` channels
(four connections, pipelined) and exchanges `--dms` direct messages with five partners. Then
`--senders` other registered users, all in one channel, post `--rate` messages per second each and
time every SEND to its OK (which salond sends once the message is stored). After `--window`
seconds of that chat alone, the victim sends DELETE_ACCOUNT; the chat goes on until `--window`
seconds after the deletion's OK. Prints one JSON line per phase: the fill, the chat before, the
chat during the deletion (sends started between DELETE_ACCOUNT and its OK), the chat after, the
deletion (time to OK, salond's RSS before, at its peak while deleting, after). Asserts nothing;
every loop is bounded in count or time.
"""
import argparse, json, os, threading, time

from conversations import percentiles, skip_replies
from native_client import Client, own_salond

PASSWORD = "correct-horse-battery-9"
PIPELINE = 400  # posts in flight
PARTNERS = 5


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def post_pipelined(client, frames):
    """Sends the frames PIPELINE at a time, each batch once the previous one is acknowledged."""
    for at in range(0, len(frames), PIPELINE):
        batch = frames[at:at + PIPELINE]
        client.sock.sendall(b"".join(batch))
        skip_replies(client, len(batch))


def fill(port, channels, messages, dms, partners):
    """The victim posts `messages` into `channels` and `dms` DMs to `partners`, on one connection:
    every session of a user gets its channels' messages, so a second one would read them all
    again."""
    victim = Client(port, timeout=300)
    victim.call("CONN", {"us": "victim", "pwd": PASSWORD, "join": False})
    for c in channels:
        victim.call("JOIN", {"channel": c})
    frames = [json.dumps({"SEND": {"channel": channels[i % len(channels)],
                                   "text": f"victim message {i} with a few more words"}}
                         ).encode() + b"\n" for i in range(messages)]
    # The partners are offline: the DMs wait for them (pending), as they would.
    frames += [json.dumps({"DM": {"to": partners[i % len(partners)], "text": f"direct {i}"}}
                          ).encode() + b"\n" for i in range(dms)]
    post_pipelined(victim, frames)
    victim.sock.close()


class Sender(threading.Thread):
    """Posts into `chat` at `rate` per second until told to stop; records (start, round trip)."""

    def __init__(self, port, name, rate, stop):
        super().__init__(daemon=True)
        self.client = Client(port, timeout=120)
        self.client.call("REGISTER", {"us": name, "pwd": PASSWORD, "join": False})
        self.client.call("JOIN", {"channel": "chat"})
        self.rate, self.stop, self.samples = rate, stop, []

    def run(self):
        period = 1.0 / self.rate
        next_at = time.monotonic()
        n = 0
        while not self.stop.is_set():
            next_at += period
            t0 = time.monotonic()
            self.client.call("SEND", {"channel": "chat", "text": f"chat {n}"})
            self.samples.append((t0, time.monotonic() - t0))
            n += 1
            time.sleep(max(0.0, next_at - time.monotonic()))


def phase(name, samples, **extra):
    print(json.dumps({"case": name, "samples": len(samples), **(percentiles(samples) if samples else {}),
                      **extra}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--salond", required=True)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--dms", type=int, default=5000)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--window", type=float, default=10)
    args = parser.parse_args()

    with own_salond(args.salond, "salon-deletion-bench-", [
        "--messages-per-second", "1000000", "--message-burst", "1000000",
        "--max-connections-per-address", "100000", "--failed-logins-per-minute", "1000000",
    ]) as (server, port, data_dir):
        for name in ["victim"] + [f"partner{i}" for i in range(PARTNERS)]:
            c = Client(port, timeout=60)
            c.call("REGISTER", {"us": name, "pwd": PASSWORD, "join": False})
            c.sock.close()

        t0 = time.monotonic()
        channels = [f"archive{i}" for i in range(args.channels)]
        fill(port, channels, args.messages, args.dms, [f"partner{i}" for i in range(PARTNERS)])
        fill_s = time.monotonic() - t0
        db_mib = sum(os.path.getsize(os.path.join(data_dir, f)) for f in os.listdir(data_dir)
                     if os.path.isfile(os.path.join(data_dir, f))) / 2**20
        print(json.dumps({"case": "fill", "channel_messages": args.messages,
                          "channels": args.channels, "dms": args.dms, "seconds": round(fill_s, 1),
                          "db_mib": round(db_mib, 1)}), flush=True)

        stop = threading.Event()
        senders = [Sender(port, f"chatter{i}", args.rate, stop) for i in range(args.senders)]
        for s in senders:
            s.start()
        time.sleep(args.window)

        victim = Client(port, timeout=600)
        victim.call("CONN", {"us": "victim", "pwd": PASSWORD, "join": False})
        rss = [rss_mib(server.pid)]
        rss_before = rss[0]
        deleting = threading.Event()
        deleting.set()

        def watch_rss():
            while deleting.is_set():
                rss.append(rss_mib(server.pid))
                time.sleep(0.1)

        watcher = threading.Thread(target=watch_rss, daemon=True)
        watcher.start()
        started = time.monotonic()
        victim.call("DELETE_ACCOUNT", {"pwd": PASSWORD})
        finished = time.monotonic()
        deleting.clear()
        watcher.join()
        time.sleep(args.window)
        stop.set()
        for s in senders:
            s.join(30)
        rss_after = rss_mib(server.pid)

        samples = [sample for s in senders for sample in s.samples]
        phase("chat_before", [rt for t, rt in samples if t < started])
        phase("chat_during", [rt for t, rt in samples if started <= t < finished])
        phase("chat_after", [rt for t, rt in samples if t >= finished])
        print(json.dumps({"case": "delete_account", "seconds": round(finished - started, 2),
                          "rss_before_mib": round(rss_before, 1), "rss_peak_mib": round(max(rss), 1),
                          "rss_after_mib": round(rss_after, 1)}), flush=True)


if __name__ == "__main__":
    main()
