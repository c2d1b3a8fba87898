"""A blocking IRC client for the Python benchmarks: CRLF lines over TCP on loopback."""
import socket

HOST = "127.0.0.1"


class IrcClient:
    def __init__(self, port, nick, caps=()):
        self.sock = socket.create_connection((HOST, port))
        self.buffer = b""
        self.lines = []  # complete lines not read yet, the next one last
        self.received = 0  # bytes read from the socket
        self.nick = nick
        if caps:
            self.send("CAP LS 302")
            self.send("CAP REQ :" + " ".join(caps))
            self.until(lambda line: " ACK " in line or " NAK " in line)
            self.send("CAP END")
        self.send(f"NICK {nick}")
        self.send(f"USER {nick} 0 * :{nick}")
        self.until(lambda line: f" 001 {nick} " in line)

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def line(self):
        # Every complete line of a read is split off at once: splitting one at a time would copy
        # the rest of a large reply for each line.
        while not self.lines:
            data = self.sock.recv(1 << 20)
            if not data:
                raise ConnectionError("salond closed the connection")
            self.received += len(data)
            *complete, self.buffer = (self.buffer + data).split(b"\r\n")
            self.lines.extend(reversed(complete))
        text = self.lines.pop().decode(errors="replace")
        if text.startswith("PING "):
            self.send("PONG " + text[5:])
        return text

    def until(self, done, limit=1_000_000):
        """Reads lines until done(line); returns how many it read. Fails on ERROR."""
        for count in range(1, limit + 1):
            text = self.line()
            if text.startswith("ERROR") or " FAIL " in text:
                raise RuntimeError(text)
            if done(text):
                return count
        raise RuntimeError(f"no end after {limit} lines")

    def close(self):
        self.sock.close()
