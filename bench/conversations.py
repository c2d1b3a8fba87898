#!/usr/bin/env python3
"""What the version 2 reads cost a reader once salond holds many messages.

  conversations.py --salond PATH [--messages 1000000] [--channels 100] [--samples 300]

Starts its own salond (loopback, ephemeral ports, a temporary data dir), fills it through the
protocol: four writers post `--messages` messages of eight words each (from a vocabulary of
5,000 made-up words) across `--channels` channels. A registered reader is in every one of
them, has a read marker in each, and has reacted to 20 older messages of each. Once the
background search index has caught up (how long after the fill is printed), one request at a
time from the reader:
  search         SEARCH for a 3-8 character piece of a vocabulary word, over all its channels
  history_after  HISTORY {channel, after} for the last ~70 changes of one channel (the resume:
                 ~50 new messages and the 20 reactions)
  conversations  CONVERSATIONS (the sidebar: 100 channels, each with its unread count)
Prints one JSON line per case with p50, p99 and max in milliseconds, measured at the client
over loopback; asserts nothing. Every loop is bounded in count and time.
"""
import argparse, json, os, random, string, threading, time

from native_client import Client, own_salond

PASSWORD = "correct-horse-battery-9"
WRITERS = 4
PIPELINE = 400  # posts in flight per writer
REACTED_PER_CHANNEL = 20


def vocabulary(rng, size=5000):
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10))))
    return sorted(words)


def skip_replies(client, count):
    """Reads until `count` OK lines went by, without parsing the rest."""
    seen = 0
    while seen < count:
        line = client.line()
        if line.startswith(b'{"OK"'):
            seen += 1
        elif line.startswith(b'{"NO"'):
            raise RuntimeError(line.decode(errors="replace"))


def fill(port, channels, messages, words, seed):
    """Posts into `channels`, which no other writer is in: a writer then reads back only its own
    messages, so that it keeps up with them and salond never drops it for a full send queue."""
    rng = random.Random(seed)
    writer = Client(port, timeout=120)
    writer.call("CONN", {"us": "", "pwd": "", "join": False})
    for c in channels:
        writer.call("JOIN", {"channel": c})
    posted = 0
    while posted < messages:
        n = min(PIPELINE, messages - posted)
        out = bytearray()
        for _ in range(n):
            text = " ".join(rng.choice(words) for _ in range(8))
            out += json.dumps({"SEND": {"channel": rng.choice(channels), "text": text}}).encode() + b"\n"
        writer.sock.sendall(out)
        skip_replies(writer, n)
        posted += n


def percentiles(samples):
    samples = sorted(samples)
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    return {"p50_ms": round(pick(0.50) * 1e3, 3), "p99_ms": round(pick(0.99) * 1e3, 3),
            "max_ms": round(samples[-1] * 1e3, 3)}


def timed(client, verb, args):
    t0 = time.perf_counter()
    client.call(verb, args)
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--salond", required=True)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()

    with own_salond(args.salond, "salon-conv-bench-", [
        "--messages-per-second", "1000000", "--message-burst", "1000000",
        "--channels-created-per-minute", "100000", "--channel-creation-burst", "100000",
        "--max-channels-per-user", str(args.channels),
    ]) as (server, port, data_dir):
        rng = random.Random(1)
        words = vocabulary(rng)
        channels = ["home"] + [f"room{i:03}" for i in range(1, args.channels)]
        reader = Client(port, timeout=120)
        reader.call("REGISTER", {"us": "reader", "pwd": PASSWORD, "v": 2})
        for c in channels[1:]:
            reader.call("JOIN", {"channel": c})
        reader.sock.close()  # offline while the writers post: no echoes to drain

        t0 = time.monotonic()
        per_writer = args.messages // WRITERS
        threads = [threading.Thread(target=fill,
                                    args=(port, channels[i::WRITERS], per_writer, words, i))
                   for i in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        fill_s = time.monotonic() - t0

        reader = Client(port, timeout=120)
        reader.call("CONN", {"us": "reader", "pwd": PASSWORD, "v": 2})
        # Search is indexed in the background: measure it once the index has caught up, which a
        # last message of its own shows.
        reader.call("SEND", {"channel": "home", "text": "zzqqxx index caught up"})
        t_index = time.monotonic()
        while not reader.call("SEARCH", {"query": "zzqqxx"})["messages"]:
            if time.monotonic() - t_index > 600:
                raise RuntimeError("the search index did not catch up in 10 minutes")
            time.sleep(0.5)
        index_lag_s = time.monotonic() - t_index
        # A read marker halfway through each channel's newest page, so that every channel has
        # unread messages to count.
        newest = {}
        for c in channels:
            page = reader.call("HISTORY", {"channel": c, "limit": 100})["messages"]
            newest[c] = page
            reader.call("READ", {"channel": c, "id": page[len(page) // 2]["id"]})
        # Reactions on older messages of every channel: each takes a new rev, so that every
        # resume below returns changed messages (the partial rev index) beside new ones.
        for c in channels:
            older = reader.call("HISTORY", {"channel": c, "before": newest[c][0]["id"],
                                            "limit": 100})["messages"]
            for m in rng.sample(older, min(REACTED_PER_CHANNEL, len(older))):
                reader.call("REACT", {"id": m["id"], "emoji": "\U0001F44D"})
        db_mib = sum(os.path.getsize(os.path.join(data_dir, f)) for f in os.listdir(data_dir)) / 2**20
        print(json.dumps({"case": "fill", "messages": per_writer * WRITERS, "channels": len(channels),
                          "seconds": round(fill_s, 1), "index_caught_up_after_s": round(index_lag_s, 1),
                          "db_mib": round(db_mib, 1)}), flush=True)

        queries = []
        while len(queries) < args.samples:
            word = rng.choice(words)
            n = rng.randint(3, 8)
            if len(word) >= n:
                start = rng.randint(0, len(word) - n)
                queries.append(word[start:start + n])
        search = [timed(reader, "SEARCH", {"query": q}) for q in queries]
        print(json.dumps({"case": "search", "samples": len(search), **percentiles(search)}), flush=True)

        after = []
        for i in range(args.samples):
            c = channels[i % len(channels)]
            page = newest[c]
            after.append(timed(reader, "HISTORY", {"channel": c, "after": page[len(page) // 2]["rev"]}))
        print(json.dumps({"case": "history_after", "samples": len(after), **percentiles(after)}), flush=True)

        sidebar = [timed(reader, "CONVERSATIONS", {}) for _ in range(args.samples)]
        print(json.dumps({"case": "conversations", "conversations": len(channels),
                          "samples": len(sidebar), **percentiles(sidebar)}), flush=True)


if __name__ == "__main__":
    main()
