#!/usr/bin/env python3
"""What the largest replies a user can provoke cost salond, asked for 100 times at once.

  bulk_replies.py --salond PATH [--clients 100]
                  [--cases history,list,search,dms,chathistory,monitor,lists]

Starts its own salond (loopback, ephemeral ports, a temporary data dir), makes the replies as
large as the limits allow, then asks for them from many connections at once:
  history   a channel holds 200 messages of 2,700 x U+0001 (16 KB each once JSON-escaped);
            every client sends HISTORY {limit: 200} at the same moment.
  list      200 channels with 2,500-byte topics of U+0001 (15 KB each escaped); every client
            pages through LIST at the same moment.
  search    100,000 messages with "needle" in a channel the clients are not in; every client
            sends SEARCH {query: "needle"} at the same moment, so that each search looks at
            its 20,000 index matches (the bound) and finds none it may read.
  dms       300 DMs of 4,000 bytes wait for one account, which then logs in.
IRC clients, each registered as a guest with the capabilities the case needs:
  chathistory  a channel holds 200 messages of 4,096 bytes (10 IRC lines each); every client
            sends CHATHISTORY LATEST #chathistory * 1000 at the same moment.
  monitor   every client monitors 100 nicks of 30 characters (the MONITOR= bound), then sends
            MONITOR L at the same moment.
  lists     a channel with as many bans and ban exceptions as an operator could set (up to
            the server's MAXLIST, else 1,000 each); every client asks MODE +b and +e at once.
For each: wall time until every client had every reply, bytes received, replies per client,
and salond's RSS before and at its peak (sampled every 10 ms); for search also how long after
the last post the index had every message. Prints one JSON line per case;
asserts nothing. Every loop is bounded in count and time.
"""
import argparse, json, threading, time

from irc_client import IrcClient
from native_client import Client, free_port, own_salond

DEADLINE_S = 120
CROWD_MESSAGES = 100_000


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class PeakRss(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, rss_kib(pid), True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.01)

    def stop(self):
        self.running = False
        self.join()
        return self.peak


def measure(name, pid, clients, work):
    """Runs work(client) on every client in its own thread, all released at once."""
    for c in clients:
        c.received = 0
    before = rss_kib(pid)
    sampler = PeakRss(pid)
    sampler.start()
    start = threading.Barrier(len(clients) + 1)
    results, errors = [None] * len(clients), []

    def run(i, client):
        start.wait()
        try:
            results[i] = work(client)
        except Exception as e:  # a dropped client is a figure, not a crash of the bench
            errors.append(str(e))

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    start.wait()
    for t in threads:
        t.join(DEADLINE_S)
    elapsed = time.monotonic() - t0
    peak = sampler.stop()
    print(json.dumps({
        "case": name, "clients": len(clients), "seconds": round(elapsed, 2),
        "errors": len(errors), "first_error": errors[0] if errors else None,
        "mib_received": round(sum(c.received for c in clients) / 2**20, 1),
        "replies_per_client": results[0] if results and results[0] is not None else None,
        "rss_before_mib": round(before / 1024, 1), "rss_peak_mib": round(peak / 1024, 1),
    }), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--salond", required=True)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--cases", default="history,list,search,dms,chathistory,monitor,lists")
    args = parser.parse_args()
    cases = set(args.cases.split(","))

    irc_port = free_port()
    with own_salond(args.salond, "salon-bulk-", [
        "--messages-per-second", "100000", "--message-burst", "100000",
        "--channel-creation-burst", "1000", "--irc-port", str(irc_port),
    ]) as (server, port, data):
        owner = Client(port)
        owner.call("REGISTER", {"us": "owner", "pwd": "correct-horse-battery-9"})
        owner.call("JOIN", {"channel": "big"})
        text = "\x01" * 2700
        for _ in range(200):
            owner.send("SEND", {"channel": "big", "text": text})
        for _ in range(200):
            owner.reply()
        topic = "\x01" * 2500
        for i in range(200):
            owner.call("JOIN", {"channel": f"topic-{i}"})
            owner.call("TOPIC", {"channel": f"topic-{i}", "topic": topic})
            owner.call("PART", {"channel": f"topic-{i}"})

        if "search" in cases:
            owner.call("JOIN", {"channel": "crowd"})
            for start in range(0, CROWD_MESSAGES, 1000):
                for i in range(start, start + 1000):
                    owner.send("SEND", {"channel": "crowd", "text": f"a needle, number {i}"})
                for _ in range(1000):
                    owner.reply()
            owner.call("SEND", {"channel": "crowd", "text": "needle qzxjv: the last one"})
            posted = time.monotonic()
            while not owner.call("SEARCH", {"query": "qzxjv"})["messages"]:
                if time.monotonic() > posted + DEADLINE_S:
                    raise RuntimeError("the search index did not catch up")
                time.sleep(0.1)
            print(json.dumps({"case": "search_index", "messages": CROWD_MESSAGES + 1,
                              "indexed_after_last_post_s": round(time.monotonic() - posted, 1)}),
                  flush=True)

        clients = [Client(port) for _ in range(args.clients)]
        for c in clients:
            c.call("CONN", {"us": "", "pwd": "", "channel": "big"})
        time.sleep(1)  # the join's own HISTORY event arrives before the figures start
        for c in clients:
            c.sock.setblocking(False)
            try:
                while c.sock.recv(1 << 20):
                    pass
            except BlockingIOError:
                pass
            c.sock.setblocking(True)
            c.buffer, c.received = b"", 0

        def history(client):
            client.call("HISTORY", {"channel": "big", "limit": 200})
            return 1

        def list_all(client):
            pages, after = 0, None
            while pages < 1000:
                body = client.call("LIST", {"after": after} if after else {})
                pages += 1
                if not body.get("more"):
                    return pages
                after = body["channels"][-1]["name"]
            return pages

        def search(client):
            body = client.call("SEARCH", {"query": "needle"})
            if body["messages"] or not body.get("more"):
                raise RuntimeError(f"unexpected search page: {body}")
            return 1

        if "history" in cases:
            measure("history", server.pid, clients, history)
        if "search" in cases:
            measure("search", server.pid, clients, search)
        if "list" in cases:
            measure("list", server.pid, clients, list_all)
        for c in clients:
            c.sock.close()

        bob = Client(port)
        bob.call("REGISTER", {"us": "bob", "pwd": "correct-horse-battery-9"})
        bob.call("END")
        senders = [Client(port) for _ in range(3)]
        for s in senders:
            s.call("CONN", {"us": "", "pwd": ""})
            for _ in range(100):
                s.send("DM", {"to": "bob", "text": "d" * 4000})
        for s in senders:
            for _ in range(100):
                s.reply()
        bob = Client(port)

        def dms(client):
            client.send("CONN", {"us": "bob", "pwd": "correct-horse-battery-9"})
            got = 0
            while got < 300:
                frame = client.frame()
                if "NOTICE" in frame:
                    raise RuntimeError(str(frame))
                got += "DM" in frame
            return got

        if "dms" in cases:
            measure("dms", server.pid, [bob], dms)

        irc_cases(server.pid, port, irc_port, args.clients, cases)


def irc_cases(pid, port, irc_port, count, cases):
    """The IRC gateway's replies built from stored or accumulated data."""
    if "chathistory" in cases:
        owner = Client(port)
        owner.call("CONN", {"us": "", "pwd": "", "channel": "chathistory"})
        for _ in range(200):
            owner.send("SEND", {"channel": "chathistory", "text": "h" * 4096})
        for _ in range(200):
            owner.reply()
        clients = [IrcClient(irc_port, f"hist{i}", ["draft/chathistory", "batch", "server-time",
                                                   "message-tags"]) for i in range(count)]
        for c in clients:  # members only; the join's own history batch is read first
            c.send("JOIN #chathistory")
            c.send("PING :joined")
            c.until(lambda line: "PONG" in line and ":joined" in line)

        def chathistory(client):
            client.send("CHATHISTORY LATEST #chathistory * 1000")
            return client.until(lambda line: line.startswith("BATCH -")
                                or " BATCH -" in line)

        measure("irc_chathistory", pid, clients, chathistory)
        for c in clients:
            c.close()

    if "monitor" in cases:
        clients = [IrcClient(irc_port, f"mon{i}") for i in range(count)]
        names = [f"watched{i:03d}".ljust(30, "x") for i in range(100)]
        for c in clients:
            for at in range(0, len(names), 10):
                c.send("MONITOR + " + ",".join(names[at:at + 10]))
            c.until(lambda line: " 731 " in line and names[-1] in line)

        def monitor_list(client):
            client.send("MONITOR L")
            return client.until(lambda line: " 733 " in line)

        measure("irc_monitor_list", pid, clients, monitor_list)
        for c in clients:
            c.close()

    if "lists" in cases:
        op = IrcClient(irc_port, "listop")
        op.send("JOIN #lists")
        op.until(lambda line: " 366 " in line)
        op.send("PING :isupport")
        entries = 1000
        refused = {"b": 0, "e": 0}
        for letter in "be":
            for at in range(0, entries, 4):
                masks = [f"m{letter}{i:04d}!*@host{i}.example" for i in range(at, at + 4)]
                op.send(f"MODE #lists +{letter * 4} " + " ".join(masks))
            op.send("PING :set")
            def count_refusals(line, letter=letter):
                if " 478 " in line:
                    refused[letter] += 1
                return "PONG" in line and ":set" in line
            op.until(count_refusals)
        print(json.dumps({"case": "irc_lists_set", "tried_each": entries,
                          "refused_bans": refused["b"], "refused_exceptions": refused["e"]}),
              flush=True)
        clients = [IrcClient(irc_port, f"lst{i}") for i in range(count)]

        def lists(client):
            client.send("MODE #lists +b")
            client.send("MODE #lists +e")
            got = client.until(lambda line: " 368 " in line)
            return got + client.until(lambda line: " 349 " in line)

        measure("irc_ban_and_exception_lists", pid, clients, lists)
        for c in clients:
            c.close()
        op.close()


if __name__ == "__main__":
    main()
