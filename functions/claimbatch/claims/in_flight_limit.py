"""How many lookups one client keeps in flight, sized by Little's law.

Requests in flight = request rate x latency. With a request budget the rate is
known (the pacing limiter's current rate, lower after 429s); the latency is
measured on every answer. The limit follows rate x latency x headroom, between
a floor and a cap that bounds memory and connections, so a payer that answers
in seconds gets the whole budget used and a fast one no more connections than
it needs. Without a budget nothing paces the requests, and the limit is the cap.
The latency is the mean of the last answer times, each weighing the same
(latency_window.py): one slow answer does not resize the pool, the stated
latency fills in for the first answers, and the wait for a slot or the pace
never counts.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from claimbatch.claims.latency_window import LatencyWindow, SentRequest

T = TypeVar("T")


@dataclass(frozen=True)
class InFlightSizing:
    cap: int  # never more lookups in flight than this (memory, sockets)
    floor: int = 4  # never fewer, so a few slow answers do not starve the pool
    # Above rate x mean latency: latency varies, and a slot freed late must not idle the budget.
    headroom: float = 1.5
    # The latency is measured over this many of the last answers: enough for a steady
    # mean of a long-tailed payer, few enough to follow a change within seconds at a budget.
    latency_window: int = 512
    initial_latency_s: float = 1.0  # assumed (as a floor) until the window is full
    # Answer times above this are not measured (latency_window.py): longer than any request may take.
    longest_answer_s: float = math.inf

    def __post_init__(self) -> None:
        if self.cap < 1 or self.floor < 1 or self.headroom < 1 or self.latency_window < 1:
            raise ValueError("in-flight sizing: cap, floor and window at least 1, headroom at least 1")


class AdaptiveInFlightLimit:
    """A semaphore whose size follows rate x observed latency (single event loop).

    `rate` returns the requests per second the client may send now, or None when
    nothing paces it. Waiters are served first come, first served, so the rows of
    the chunk that asked first finish first.
    """

    def __init__(self, sizing: InFlightSizing, rate: Callable[[], float | None], clock: Callable[[], float]) -> None:
        self._sizing = sizing
        self._rate = rate
        self.latencies = LatencyWindow(
            sizing.latency_window, sizing.initial_latency_s, clock, longest_s=sizing.longest_answer_s
        )
        self.in_flight = 0
        self.peak_in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def mean_latency_s(self) -> float:
        return self.latencies.mean_s()

    @property
    def waiting(self) -> int:
        """Lookups waiting for a slot."""
        return len(self._waiters)

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
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    async def finish_held(self, request: Coroutine[Any, Any, T]) -> T:
        """Run a request that holds an acquired slot, give the slot back when it ends. Cancelling
        the caller does not cancel the request: it ends on its own (its own deadline bounds it),
        and its answer or error is dropped."""
        task = asyncio.ensure_future(request)
        task.add_done_callback(self._end_held)
        return await asyncio.shield(task)

    def _end_held(self, task: asyncio.Future[Any]) -> None:
        self.release()
        if not task.cancelled():
            task.exception()  # read, so an error nobody waits for any more is not reported as lost

    @contextmanager
    def timed(self) -> Iterator[SentRequest]:
        """Around the request itself (after its slot and pace): its answer time feeds the estimate."""
        request = self.latencies.sent()
        try:
            yield request
        finally:
            self.latencies.answered(request)

    async def acquire(self) -> None:
        """Take a slot, for a request that gives it back with `release` when it ends (not
        necessarily in the task that took it)."""
        if not self._waiters and self.in_flight < self.limit:
            self._take()
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot was handed over just as we were cancelled: give it on
            elif waiter in self._waiters:  # a cancelled waiter may already have been passed over
                self._waiters.remove(waiter)
            raise

    def _take(self) -> None:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        limit = self.limit
        while self._waiters and self.in_flight < limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._take()
                waiter.set_result(None)
