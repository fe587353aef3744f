"""What the simulator served, for `GET /_stats`, benchmarks and tests.

Inquiries and token requests are counted apart; `/_stats`, `/_control` and
`/_health` are not counted at all. Thread-safe: the server's event loop writes,
a test thread may read.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class ServerStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current = 0
        self._reset_counters()

    def _reset_counters(self) -> None:
        self._requests = 0
        self._token_requests = 0
        self._by_status: Counter[int] = Counter()
        self._token_by_status: Counter[int] = Counter()
        self._rejected: Counter[str] = Counter()
        self._scenarios: Counter[str] = Counter()
        self._peak = self._current

    def inquiry_started(self) -> int:
        """Count an inquiry arriving; returns how many are in flight, this one included."""
        with self._lock:
            self._requests += 1
            self._current += 1
            self._peak = max(self._peak, self._current)
            return self._current

    def inquiry_finished(self, status: int | None) -> None:
        """An inquiry left the server: answered with `status`, or abandoned (None)."""
        with self._lock:
            self._current -= 1
            if status is not None:
                self._by_status[status] += 1

    def token_request(self, status: int) -> None:
        with self._lock:
            self._token_requests += 1
            self._token_by_status[status] += 1

    def rejected(self, reason: str) -> None:
        """An inquiry refused by a server-wide knob: outage, rate_limit, concurrency, random_error."""
        with self._lock:
            self._rejected[reason] += 1

    def scenario(self, name: str) -> None:
        """What an inquiry turned out to be: found, not_found, invalid_input, a fault kind, …"""
        with self._lock:
            self._scenarios[name] += 1

    def reset(self) -> None:
        """Zero every counter; inquiries in flight stay in flight (peak restarts from them)."""
        with self._lock:
            self._reset_counters()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            by_status = dict(self._by_status)
            return {
                "requests": self._requests,
                "token_requests": self._token_requests,
                "by_status": {str(code): n for code, n in sorted(by_status.items())},
                "token_by_status": {str(code): n for code, n in sorted(self._token_by_status.items())},
                "throttled": by_status.get(429, 0),
                "errors": sum(n for code, n in by_status.items() if code >= 500),
                "peak_concurrency": self._peak,
                "current_concurrency": self._current,
                "rejected": dict(sorted(self._rejected.items())),
                "scenarios": dict(sorted(self._scenarios.items())),
            }
