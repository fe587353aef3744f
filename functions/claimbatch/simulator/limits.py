"""Server-wide limits and noise: rate limit, outages, random errors, latency.

Each takes its clock and random generator from the caller, so it can be tested
without waiting and replayed from a seed. None of them sleeps.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable

Clock = Callable[[], float]
_Z_99 = 2.3263478740408408  # the standard normal's 99th percentile


class TokenBucket:
    """A rate limit over all clients: `rate` requests per second, bursts up to `burst`.

    A request takes one token when there is one; otherwise it is refused and told
    how long until the next token.
    """

    def __init__(self, rate: float, burst: float | None, clock: Clock) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = burst if burst else max(1.0, rate)
        self._tokens = self.capacity
        self._clock = clock
        self._updated = clock()
        self._lock = threading.Lock()

    def try_acquire(self) -> float | None:
        """None when admitted; otherwise the seconds until a token is available."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return None
            return (1.0 - self._tokens) / self.rate


def retry_after_header(wait_s: float) -> str:
    """Retry-After is whole seconds; never tell a client 0."""
    return str(max(1, math.ceil(wait_s)))


class OutageSchedule:
    """When the whole API answers 503: an optional window scheduled from server start,
    plus outages started on demand (`POST /_control {"down_for_s": N}`)."""

    def __init__(self, clock: Clock, after_s: float | None = None, for_s: float = 0.0) -> None:
        self._clock = clock
        started = clock()
        self._scheduled: tuple[float, float] | None = None
        if after_s is not None and for_s > 0:
            self._scheduled = (started + after_s, started + after_s + for_s)
        self._down_until = 0.0

    def start(self, for_s: float) -> None:
        """Down from now for `for_s` seconds; 0 ends an outage started on demand."""
        self._down_until = self._clock() + for_s

    def remaining_s(self) -> float:
        """Seconds of outage left from now (0 when up)."""
        now = self._clock()
        remaining = max(0.0, self._down_until - now)
        if self._scheduled and self._scheduled[0] <= now < self._scheduled[1]:
            remaining = max(remaining, self._scheduled[1] - now)
        return remaining

    def is_down(self) -> bool:
        return self.remaining_s() > 0


class RandomErrors:
    """Answers a fraction `rate` of requests with an error, from a seeded generator."""

    def __init__(self, rate: float, rng: random.Random) -> None:
        self.rate = rate
        self._rng = rng
        self._lock = threading.Lock()

    def strikes(self) -> bool:
        if self.rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < self.rate


class LatencyModel:
    """Delay before each answer. Without `p99_ms`: uniform in [mean - jitter, mean + jitter], never
    negative. With it: lognormal, `mean_ms` its median and `p99_ms` its 99th percentile, the long
    tail real claim-status answers have (most in a second or two, a few past ten)."""

    def __init__(self, mean_ms: float, jitter_ms: float, rng: random.Random, p99_ms: float | None = None) -> None:
        self.mean_ms = mean_ms
        self.jitter_ms = jitter_ms
        self._rng = rng
        self._lock = threading.Lock()
        self._sigma = math.log(p99_ms / mean_ms) / _Z_99 if p99_ms and mean_ms > 0 and p99_ms > mean_ms else None

    def delay_s(self) -> float:
        if self.mean_ms <= 0 and self.jitter_ms <= 0:
            return 0.0
        with self._lock:
            if self._sigma is not None:
                return self._rng.lognormvariate(math.log(self.mean_ms), self._sigma) / 1000.0
            offset = self._rng.uniform(-self.jitter_ms, self.jitter_ms) if self.jitter_ms > 0 else 0.0
        return max(0.0, self.mean_ms + offset) / 1000.0
