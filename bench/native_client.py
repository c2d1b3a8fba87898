"""A blocking client of salond's native protocol for the Python benchmarks: one JSON object per
line over TCP on loopback."""
import json, socket

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port, timeout=None):
        self.sock = socket.create_connection((HOST, port))
        self.sock.settimeout(timeout)
        self.buffer = b""
        self.received = 0  # bytes read from the socket

    def send(self, verb, args):
        self.sock.sendall(json.dumps({verb: args}).encode() + b"\n")

    def line(self):
        """The next frame, unparsed."""
        while b"\n" not in self.buffer:
            data = self.sock.recv(1 << 20)
            if not data:
                raise ConnectionError("salond closed the connection")
            self.received += len(data)
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def frame(self):
        return json.loads(self.line())

    def reply(self):
        """The next OK or NO, as (verb, body); events before it are skipped."""
        while True:
            frame = self.frame()
            verb = next(iter(frame))
            if verb in ("OK", "NO"):
                return verb, frame[verb]

    def call(self, verb, args=None):
        self.send(verb, args or {})
        kind, body = self.reply()
        if kind != "OK":
            raise RuntimeError(f"{verb} failed: {body}")
        return body
