"""A circuit breaker for the claims API: when it keeps failing, stop sending
lookups (they come back as retryable "circuit open" failures, which the
pipeline defers) and let one probe through now and then until it answers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from claimbatch.claims.retry_policy import Clock


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerSettings:
    failure_threshold: int = 10  # consecutive failures (5xx, timeouts) that open it
    open_for_s: float = 5.0  # first wait before a probe; doubles while probes fail
    max_open_for_s: float = 60.0


class CircuitBreaker:
    def __init__(self, settings: BreakerSettings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock
        self.state = BreakerState.CLOSED
        self._failures = 0
        self._open_for = settings.open_for_s
        self._opened_at = 0.0
        self._probe_in_flight = False
        self.times_opened = 0

    def allow(self) -> bool:
        """May a request go out now? In HALF_OPEN exactly one probe may."""
        if self.state is BreakerState.CLOSED:
            return True
        if self.state is BreakerState.OPEN and self._clock() - self._opened_at >= self._open_for:
            self.state = BreakerState.HALF_OPEN
        if self.state is BreakerState.HALF_OPEN and not self._probe_in_flight:
            self._probe_in_flight = True
            return True
        return False

    def retry_in_s(self) -> float:
        """How long until a probe may go (0 when closed)."""
        if self.state is BreakerState.CLOSED:
            return 0.0
        return max(0.0, self._opened_at + self._open_for - self._clock())

    def record_success(self) -> None:
        self.state = BreakerState.CLOSED
        self._failures = 0
        self._open_for = self._settings.open_for_s
        self._probe_in_flight = False

    def record_failure(self) -> None:
        if self.state is BreakerState.HALF_OPEN:
            self._open(min(self._open_for * 2, self._settings.max_open_for_s))
            return
        self._failures += 1
        if self.state is BreakerState.CLOSED and self._failures >= self._settings.failure_threshold:
            self._open(self._settings.open_for_s)

    def _open(self, open_for: float) -> None:
        self.state = BreakerState.OPEN
        self._open_for = open_for
        self._opened_at = self._clock()
        self._probe_in_flight = False
        self.times_opened += 1
