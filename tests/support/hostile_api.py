"""A claims API that misbehaves on purpose, on a loopback port: it rejects every
access token, answers garbage, trickles its answer one byte at a time, or
sends an answer far too large. It counts the requests it got, by path."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN_PATH = "/apip/auth/sntl/v1/token"
INQUIRY_PATH = "/oihub/claim/inquiry/v1"
MODES = ("reject", "garbage", "trickle", "huge", "expired_tokens")


@dataclass
class HostileApi:
    mode: str
    base_url: str = ""
    trickle_pause_s: float = 0.3
    huge_bytes: int = 3_000_000
    requests: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, path: str) -> None:
        with self._lock:
            self.requests[path] += 1

    @property
    def inquiries(self) -> int:
        return self.requests[INQUIRY_PATH]

    @property
    def token_requests(self) -> int:
        return self.requests[TOKEN_PATH]


def _handler(api: HostileApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, length: int | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            api.count(self.path)
            if self.path == TOKEN_PATH:
                expires_in = 0 if api.mode == "expired_tokens" else 3600
                token = json.dumps({"access_token": f"t{time.monotonic_ns()}", "expires_in": expires_in})
                self._send(200, token.encode())
            elif api.mode == "reject":
                self._send(401, b'{"errors": [{"code": "AUTH_FAILURE", "description": "Invalid or expired token"}]}')
            elif api.mode == "garbage":
                self._send(200, b"<html>upstream said something</html>")
            elif api.mode == "huge":
                self._send(200, b"{" + b" " * api.huge_bytes + b"}")
            elif api.mode == "trickle":
                self._trickle()
            else:
                self._send(200, b'{"data": {"searchClaim": {"claims": [], "pagination": {"hasMoreRecords": false}}}}')

        def _trickle(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(100):  # bounded: gives up on its own after 100 bytes
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(api.trickle_pause_s)

    return Handler


@contextmanager
def hostile_api(mode: str, **options: object) -> Iterator[HostileApi]:
    assert mode in MODES, mode
    api = HostileApi(mode, **options)  # type: ignore[arg-type]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    api.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
