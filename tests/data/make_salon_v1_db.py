#!/usr/bin/env python3
"""Writes salon-v1.db: a database of schema version 1, made by the real version-1 salond.

The store's migration test opens a copy of it. Made once and checked in; remake it only with a
salond of the last version-1 release (the one before issue 22), never with a newer one:

    make_salon_v1_db.py PATH/TO/v1/salond tests/data/salon-v1.db

What it holds (the test relies on it): accounts Alice and bob; ids 1-2 in home, 3 and 8 in dev,
DMs 4 and 6 from Alice to bob (6 sent while bob was offline: pending), 5 from bob to Alice, and
7 from a guest to Alice (Guest28512 in the checked-in file: guest names are drawn at random, so a
remade file needs the migration test to follow).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.lines = self.sock.makefile("r")

    def request(self, verb, args):
        self.sock.sendall((json.dumps({verb: args}) + "\n").encode())
        while True:
            reply = json.loads(self.lines.readline())
            if "OK" in reply:
                return reply["OK"]
            if "NO" in reply:
                raise RuntimeError(f"{verb}: {reply['NO']}")

    def close(self):
        self.request("END", {})
        self.sock.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill(port):
    alice = Client(port)
    alice.request("REGISTER", {"us": "Alice", "pwd": "correct horse battery"})
    bob = Client(port)
    bob.request("REGISTER", {"us": "bob", "pwd": "correct horse battery"})
    alice.request("JOIN", {"channel": "dev"})
    bob.request("JOIN", {"channel": "dev"})
    alice.request("SEND", {"channel": "home", "text": "Hello Ärger über alles"})
    bob.request("SEND", {"channel": "home", "text": "second in home"})
    alice.request("SEND", {"channel": "dev", "text": "the build is green"})
    alice.request("DM", {"to": "bob", "text": "secret plan for bob"})
    bob.request("DM", {"to": "Alice", "text": "reply to alice"})
    bob.close()
    time.sleep(0.3)  # bob's logout is done: the next DM waits for him
    alice.request("DM", {"to": "bob", "text": "while you were away"})
    guest = Client(port)
    guest.request("CONN", {"us": "", "pwd": ""})
    guest.request("DM", {"to": "Alice", "text": "hi from a guest"})
    guest.close()
    alice.request("SEND", {"channel": "dev", "text": "last words in dev"})
    alice.close()


def main():
    salond, output = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        server = subprocess.Popen(
            [salond, "--port", str(port), "--http-port", "0", "--irc-port", "0",
             "--data-dir", data, "--log-level", "warn"])
        try:
            for _ in range(50):
                try:
                    socket.create_connection(("127.0.0.1", port)).close()
                    break
                except OSError:
                    time.sleep(0.1)
            fill(port)
        finally:
            server.terminate()
            server.wait()
        # Closed cleanly: the WAL is checkpointed into the one file.
        shutil.copyfile(os.path.join(data, "salon.db"), output)


if __name__ == "__main__":
    main()
