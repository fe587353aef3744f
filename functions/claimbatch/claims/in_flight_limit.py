"""How many lookups one client keeps in flight, sized by Little's law.

Requests in flight = request rate x latency. With a request budget the rate is
known (the pacing limiter's current rate, lower after 429s); the latency is
measured on every answer. The limit follows rate x latency x headroom, between
a floor and a cap that bounds memory and connections, so a payer that answers
in seconds gets the whole budget used and a fast one no more connections than
it needs. Without a budget nothing paces the requests, and the limit is the cap.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class InFlightSizing:
    cap: int  # never more lookups in flight than this (memory, sockets)
    floor: int = 4  # never fewer, so a few slow answers do not starve the pool
    # Above rate x mean latency: latency varies, and a slot freed late must not idle the budget.
    headroom: float = 1.5
    # Weight of each new latency in the running mean: about the last 1/weight answers count.
    latency_weight: float = 0.02
    initial_latency_s: float = 1.0  # assumed until answers come back

    def __post_init__(self) -> None:
        if self.cap < 1 or self.floor < 1 or self.headroom < 1 or not 0 < self.latency_weight <= 1:
            raise ValueError("in-flight sizing: cap and floor at least 1, headroom at least 1, weight in (0, 1]")


class AdaptiveInFlightLimit:
    """A semaphore whose size follows rate x observed latency (single event loop).

    `rate` returns the requests per second the client may send now, or None when
    nothing paces it. Waiters are served first come, first served, so the rows of
    the chunk that asked first finish first.
    """

    def __init__(self, sizing: InFlightSizing, rate: Callable[[], float | None], clock: Callable[[], float]) -> None:
        self._sizing = sizing
        self._rate = rate
        self._clock = clock
        self.mean_latency_s = sizing.initial_latency_s
        self.in_flight = 0
        self.peak_in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def limit(self) -> int:
        rate = self._rate()
        if rate is None:
            return self._sizing.cap
        wanted = math.ceil(rate * self.mean_latency_s * self._sizing.headroom)
        return max(min(self._sizing.floor, self._sizing.cap), min(self._sizing.cap, wanted))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the slots for one request, its pacing included: a slot freed
        never lets out a burst of requests that were paced while they waited."""
        await self._acquire()
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def timed(self) -> Iterator[None]:
        """Around the request itself: its latency feeds the estimate."""
        started = self._clock()
        try:
            yield
        finally:
            self.observe(self._clock() - started)

    def observe(self, latency_s: float) -> None:
        weight = self._sizing.latency_weight
        self.mean_latency_s += weight * (max(0.0, latency_s) - self.mean_latency_s)

    async def _acquire(self) -> None:
        if not self._waiters and self.in_flight < self.limit:
            self._take()
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # the slot was handed over just as we were cancelled: give it on
            elif waiter in self._waiters:  # a cancelled waiter may already have been passed over
                self._waiters.remove(waiter)
            raise

    def _take(self) -> None:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def _release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        limit = self.limit
        while self._waiters and self.in_flight < limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._take()
                waiter.set_result(None)
