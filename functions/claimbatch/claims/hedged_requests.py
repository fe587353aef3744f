"""Hedged requests: a copy of a request that is slow to answer, sent only with budget that would go unused.

A job (or a worker's batch) ends with its slowest answer. With a long-tailed
payer (median 1.5 s, a few answers past 14 s, the odd one past the request
timeout) the last rows keep the job waiting long after the last row was sent,
while the request budget sits idle. So once a request has waited longer than
most answers take (`HedgePolicy`), and the client has budget to spare (no lookup
waits for a slot or its pace), the same request is sent again. A copy goes
through the same slot and pace as any request, so it never takes budget a
waiting row could use and never exceeds the budget. The payer answers the same
inquiry twice; it is a read.

The first usable answer wins (the caller says which are: a page, not a 429 or a
5xx). An answer that is not usable is kept like an error: the lookup gets it
only once every copy has ended without a usable one (the earliest copy's, the
original first), so a copy's quick 429 never beats the original's 200. No
further copy goes once one has ended without a usable answer.

The slower copy is not cancelled but left to end on its own (its answer is
dropped here; the caller's `send` has already counted it, and told the rate
limiter of a 429): cancelling a request while its connection is being made can
leave the HTTP client's pool with a slot that is never given back (httpcore
1.0.9), and enough of them stop every lookup. It keeps its slot until it ends,
within the request timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from claimbatch.claims.latency_window import LatencyWindow
from claimbatch.claims.retry_policy import RetryTiming

T = TypeVar("T")
MarkSent = Callable[[], None]
# One copy of the request: `copy` is 0 for the first, 1 and on for hedges; it calls
# `mark_sent` when it leaves (after its slot and pace), which starts its clock.
Send = Callable[[int, MarkSent], Awaitable[T]]
Usable = Callable[[T], bool]  # an answer that ends the race; any other waits for the other copies


@dataclass(frozen=True)
class HedgePolicy:
    # A copy is slow once older than this quantile of the recent answer times ... (only budget
    # nobody wanted pays for a copy, so slow starts early)
    quantile: float = 0.6
    # ... and than this multiple of their median: a payer whose answers all take about the
    # same time is never hedged for the spread of a few milliseconds.
    median_multiple: float = 1.5
    max_copies: int = 3  # the first request and at most two hedges
    recheck_s: float = 0.5  # a slow copy waiting for spare budget looks again this often
    min_answers: int = 50  # no copies until this many answers say what slow is

    def __post_init__(self) -> None:
        if not 0 < self.quantile < 1 or self.median_multiple < 1 or self.max_copies < 1 or self.recheck_s <= 0:
            raise ValueError("hedge policy: quantile in (0, 1), multiple at least 1, copies at least 1")
        if self.min_answers < 1:
            raise ValueError("hedge policy: at least one answer before the first copy")


class _Copy(Generic[T]):
    """One copy in flight: its task, and when it left (None while it waits for its slot and pace)."""

    __slots__ = ("task", "sent_at", "left")

    def __init__(self) -> None:
        self.task: asyncio.Future[T] | None = None
        self.sent_at: float | None = None
        self.left: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @property
    def pending(self) -> bool:
        return self.task is not None and not self.task.done()


class Hedger:
    """Sends a request, and copies of it while it is slow and budget is spare; the first usable answer wins."""

    def __init__(
        self, policy: HedgePolicy, latencies: LatencyWindow, spare_budget: Callable[[], bool], timing: RetryTiming
    ) -> None:
        self._policy = policy
        self._latencies = latencies
        self._spare_budget = spare_budget
        self._timing = timing
        self.hedges = 0  # copies sent beyond the first
        self.hedges_won = 0  # answers that came from a copy
        self._slow_after: tuple[float, float] | None = None  # (computed at, seconds)

    def slow_after_s(self) -> float:
        """How long a copy may take before it counts as slow (recomputed at most every recheck)."""
        now = self._timing.clock()
        if self._slow_after is None or now - self._slow_after[0] >= self._policy.recheck_s:
            window = self._latencies
            seconds = max(window.quantile_s(self._policy.quantile), self._policy.median_multiple * window.quantile_s(0.5))
            self._slow_after = (now, seconds)
        return self._slow_after[1]

    async def first_answer(self, send: Send[T], usable: Usable[T]) -> T:
        copies: list[_Copy[T]] = []
        self._add_copy(copies, send)
        try:
            return await self._race(copies, send, usable)
        except asyncio.CancelledError:  # the lookup itself is given up (the runtime stops): every copy goes
            pending = [copy.task for copy in copies if copy.task is not None and copy.pending]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            raise
        finally:
            for copy in copies:  # the slower copies end on their own; their answers and errors are dropped
                if copy.task is not None and copy.pending:
                    copy.task.add_done_callback(_drop_outcome)

    async def _race(self, copies: list[_Copy[T]], send: Send[T], usable: Usable[T]) -> T:
        failure: BaseException | None = None
        unusable: tuple[int, T] | None = None  # the earliest copy's answer that was not usable
        while True:
            pending = {copy.task for copy in copies if copy.task is not None and copy.pending}
            if not pending:  # no usable answer: an answer says more than an exception
                if unusable is not None:
                    return unusable[1]
                assert failure is not None
                raise failure
            newest = copies[-1]
            if newest.sent_at is None and newest.pending:  # not sent yet: nothing to time
                await asyncio.wait({*pending, newest.left}, return_when=asyncio.FIRST_COMPLETED)
            else:
                await self._wait(pending, self._wait_s(copies))
            for index, copy in enumerate(copies):
                if copy.task in pending and copy.task is not None and copy.task.done():
                    error = copy.task.exception()
                    if error is not None:
                        failure = failure or error  # another copy may still answer
                        continue
                    answer = copy.task.result()
                    if usable(answer):
                        if index:
                            self.hedges_won += 1
                        return answer
                    if unusable is None or index < unusable[0]:
                        unusable = (index, answer)  # kept like an error: another copy may still answer
            if self._should_hedge(copies):
                self._add_copy(copies, send)

    async def _wait(self, pending: set[asyncio.Future[T]], timeout_s: float | None) -> None:
        """Until a copy ends, or `timeout_s` on the client's clock."""
        if timeout_s is None:
            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            return
        timer = asyncio.ensure_future(self._timing.sleep(timeout_s))
        try:
            await asyncio.wait({*pending, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()

    def _add_copy(self, copies: list[_Copy[T]], send: Send[T]) -> None:
        copy: _Copy[T] = _Copy()

        index = len(copies)

        def mark_sent() -> None:
            copy.sent_at = self._timing.clock()
            if index:
                self.hedges += 1  # counted once it goes: a copy given up while it waited for its pace cost nothing
            if not copy.left.done():
                copy.left.set_result(None)

        copy.task = asyncio.ensure_future(send(index, mark_sent))
        copies.append(copy)

    def _wait_s(self, copies: list[_Copy[T]]) -> float | None:
        """Until the newest copy turns slow, or a recheck once it is slow and the budget is busy;
        None once no more copies may go."""
        if not self._may_add(copies):
            return None
        sent_at = copies[-1].sent_at
        assert sent_at is not None
        until_slow = self.slow_after_s() - (self._timing.clock() - sent_at)
        return until_slow if until_slow > 0 else self._policy.recheck_s

    def _should_hedge(self, copies: list[_Copy[T]]) -> bool:
        if not self._may_add(copies) or self._latencies.answers < self._policy.min_answers:
            return False
        sent_at = copies[-1].sent_at
        assert sent_at is not None
        slow = self._timing.clock() - sent_at >= self.slow_after_s()
        return slow and self._spare_budget()

    def _may_add(self, copies: list[_Copy[T]]) -> bool:
        """Room for another copy, and the newest has left and is still out: a copy that has ended
        without a usable answer (a 429, a 5xx) is no reason to send one more."""
        newest = copies[-1]
        return len(copies) < self._policy.max_copies and newest.sent_at is not None and newest.pending


def _drop_outcome(task: asyncio.Future[object]) -> None:
    """A slower copy's answer or error is not wanted; reading it keeps asyncio from reporting it."""
    if not task.cancelled():
        task.exception()
