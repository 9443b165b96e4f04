"""A local HTTP server that replays provider responses (Yahoo chart v8, Twelve Data time_series).

Tests script what each API path answers: a queue of replies consumed in order, then a default
reply. Every request is recorded (path, query, headers, time) so tests can check what the binary
sent. Binds 127.0.0.1 only; nothing here touches the internet.
"""
from __future__ import annotations

import dataclasses
import http.server
import pathlib
import threading
import time
import urllib.parse

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "providers"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclasses.dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = dataclasses.field(default_factory=dict)
    delay: float = 0.0             # seconds to sleep before answering (timeouts)
    cut_connection: bool = False   # announce the full length, send half, close (a broken transfer)
    content_type: str = "application/json;charset=utf-8"


@dataclasses.dataclass
class Request:
    path: str
    query: dict
    headers: dict
    at: float


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):  # noqa: N802 (http.server API)
        parsed = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query, keep_blank_values=True).items()}
        server: ReplayServer = self.server.replay  # type: ignore[attr-defined]
        server.record(Request(parsed.path, query, dict(self.headers.items()), time.monotonic()))
        reply = server.next_reply(parsed.path, query)
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            if reply.cut_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if reply.cut_connection:
                self.wfile.write(reply.body[: len(reply.body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its timeout): expected in timeout tests


class ReplayServer:
    def __init__(self):
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.replay = self  # type: ignore[attr-defined]
        self.port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._queues: dict[str, list[Reply]] = {}
        self._defaults: dict[str, Reply] = {}
        self._responders: dict = {}
        self.requests: list[Request] = []
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    # Routes are path prefixes: "/v8/finance/chart/" (Yahoo) and "/time_series" (Twelve Data).
    YAHOO = "/v8/finance/chart/"
    TWELVEDATA = "/time_series"

    def respond(self, route: str, answer):
        """Answer `route` with `answer(path, query) -> Reply` (a market that changes as time goes on);
        scripted replies still come first."""
        with self._lock:
            self._responders[route] = answer

    def script(self, route: str, *replies: Reply, default: Reply | None = None):
        with self._lock:
            self._queues[route] = list(replies)
            if default is not None:
                self._defaults[route] = default

    def next_reply(self, path: str, query: dict | None = None) -> Reply:
        with self._lock:
            for route, queue in self._queues.items():
                if path.startswith(route) and queue:
                    return queue.pop(0)
            responder = next((fn for route, fn in self._responders.items() if path.startswith(route)), None)
            if responder is None:
                for route, reply in self._defaults.items():
                    if path.startswith(route):
                        return reply
        if responder is not None:
            return responder(path, query or {})
        return Reply(404, b'{"error":"no reply scripted for this path"}')

    def record(self, request: Request):
        with self._lock:
            self.requests.append(request)

    def requests_to(self, route: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(route)]

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()
