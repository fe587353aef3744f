"""A real HTTP receiver of webhooks on loopback: it answers from a script of statuses
(then 200), keeps every request, and verifies each signature with the
`standardwebhooks` library, as a customer's endpoint would."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class ReceivedWebhook:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    status: int  # what the receiver answered
    verified: bool

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(self, secret: str | None = None) -> None:
        self.secret = secret
        self.received: list[ReceivedWebhook] = []
        self.statuses: list[int] = []  # answered in order, then 200
        self.redirect_to: str | None = None  # answer 302 with this Location instead
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks"

    def verified(self) -> list[ReceivedWebhook]:
        with self._lock:
            return [hook for hook in self.received if hook.verified]

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> ReceivedWebhook:
        verified = False
        if self.secret is not None:
            try:
                Webhook(self.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
        with self._lock:
            status = 302 if self.redirect_to else (self.statuses.pop(0) if self.statuses else 200)
            hook = ReceivedWebhook(path=path, headers=headers, body=body, status=status, verified=verified)
            self.received.append(hook)
        return hook

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                hook = receiver._record(self.path, headers, body)
                self.send_response(hook.status)
                if receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def webhook_receiver(secret: str | None = None) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(secret).start()
    try:
        yield receiver
    finally:
        receiver.stop()
