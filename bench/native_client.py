"""A blocking client of salond's native protocol for the Python benchmarks: one JSON object per
line over TCP on loopback, and a salond of their own to talk to."""
import contextlib, json, shutil, signal, socket, subprocess, tempfile, time

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def own_salond(salond, prefix, extra_args=()):
    """Runs `salond` on loopback with a new temporary data dir, the native port on a free port and
    every other listener off; yields (process, port, data_dir) once it accepts connections, then
    stops it (SIGTERM, SIGKILL after 30 s) and removes the data dir."""
    data_dir = tempfile.mkdtemp(prefix=prefix)
    port = free_port()
    server = subprocess.Popen([
        salond, "--bind", HOST, "--port", str(port), "--http-port", "0", "--irc-port", "0",
        "--tls-port", "0", "--irc-tls-port", "0", "--https-port", "0",
        "--data-dir", data_dir, "--log-level", "warn", *extra_args,
    ], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection((HOST, port)).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.05)
        yield server, port, data_dir
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


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
