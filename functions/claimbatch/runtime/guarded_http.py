"""uvicorn's HTTP/1.1 protocol with bounds a local server open to its network needs.

uvicorn accepts every connection and waits as long as a client likes for a
request's headers, so idle half-sent requests can take every file descriptor of
the process (and with them the inbox watcher's). Here:

- a connection beyond `max_connections` open at once is closed as soon as it is
  accepted (before it can send anything);
- a connection that has not sent a whole request head within `header_timeout_s`
  of opening, or of its previous answer, is closed, however slowly it trickles
  bytes in (uvicorn's keep-alive timer restarts with every byte).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from uvicorn.protocols.http.h11_impl import H11Protocol

from claimbatch.observability import logger

_REPORT_EVERY_S = 10.0  # refused connections are logged at most this often, with their count


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int = 100
    header_timeout_s: float = 10.0


class _RefusalReport:
    """Counts refused connections; one log line per period rather than one per connection."""

    def __init__(self) -> None:
        self.refused = 0
        self.last_report = -_REPORT_EVERY_S

    def add(self, limit: int) -> None:
        self.refused += 1
        now = time.monotonic()
        if now - self.last_report >= _REPORT_EVERY_S:
            logger.warning("job API connections refused: too many open", extra={"refused": self.refused, "limit": limit})
            self.refused, self.last_report = 0, now


def guarded_h11_protocol(limits: ConnectionLimits) -> type[H11Protocol]:
    """An H11Protocol class (for `uvicorn.Config(http=…)`) that keeps to `limits`."""
    report = _RefusalReport()

    class GuardedH11Protocol(H11Protocol):
        _head_deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > limits.max_connections:
                report.add(limits.max_connections)
                transport.close()
                return
            self._expect_head()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._expect_head()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._head_deadline is not None:
                self._head_deadline.cancel()
            super().connection_lost(exc)

        def _expect_head(self) -> None:
            """Close the connection unless a new request's head has arrived in time."""
            if self._head_deadline is not None:
                self._head_deadline.cancel()
            answered = self.cycle  # a new request makes a new cycle

            def too_slow() -> None:
                if self.cycle is answered and not self.transport.is_closing():
                    self.transport.close()

            self._head_deadline = self.loop.call_later(limits.header_timeout_s, too_slow)

    return GuardedH11Protocol


__all__ = ["ConnectionLimits", "guarded_h11_protocol"]
