"""The shared request budget: paced, and adapting to 429s (AIMD)."""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Coroutine
from typing import Any

import pytest

from claimbatch.claims.rate_limiter import AdaptiveRateLimiter, RateBudget
from claimbatch.claims.retry_policy import RetryTiming
from tests.support.fake_time import FakeTime


async def test_requests_are_spaced_at_the_configured_rate():
    fake = FakeTime()
    limiter = AdaptiveRateLimiter(RateBudget(start_rps=10), fake.timing())
    start = fake.now

    for _ in range(21):
        await limiter.acquire()

    assert fake.now - start == pytest.approx(2.0)


async def test_concurrent_callers_share_one_budget():
    fake = FakeTime()
    limiter = AdaptiveRateLimiter(RateBudget(start_rps=50), fake.timing())
    start = fake.now

    await asyncio.gather(*(limiter.acquire() for _ in range(101)))

    assert fake.now - start == pytest.approx(2.0)  # 101 requests at 50/s take two seconds


async def test_a_burst_of_429s_halves_the_rate_once_then_it_climbs_back():
    fake = FakeTime()
    limiter = AdaptiveRateLimiter(RateBudget(start_rps=40, increase_rps_per_s=2), fake.timing())

    for _ in range(5):
        limiter.on_throttled()
    assert limiter.rate == 20 and limiter.decreases == 1

    fake.now += 5
    limiter.on_success()
    assert limiter.rate == 30

    fake.now += 60
    limiter.on_success()
    assert limiter.rate == 40  # never above the configured budget


async def test_the_rate_never_falls_below_the_floor():
    fake = FakeTime()
    limiter = AdaptiveRateLimiter(RateBudget(start_rps=4, min_rps=1), fake.timing())

    for _ in range(10):
        fake.now += 2
        limiter.on_throttled()

    assert limiter.rate == 1


async def test_by_default_the_rate_climbs_back_to_the_budget_within_about_ten_seconds():
    fake = FakeTime()
    limiter = AdaptiveRateLimiter(RateBudget(start_rps=50), fake.timing())

    limiter.on_throttled()
    assert limiter.rate == 25
    fake.now += 5
    limiter.on_success()
    assert limiter.rate == 50  # 5 requests/s more each second


async def test_requests_held_up_by_a_stalled_process_take_new_slots_instead_of_going_at_once():
    fake = FakeTime()
    limiter = AdaptiveRateLimiter(RateBudget(start_rps=10, max_lateness_s=0.25), fake.timing())
    await limiter.acquire()  # at once; the next slot is 0.1 s on
    started = fake.now

    async def stalled_sleep(seconds: float) -> None:
        limiter._timing.sleep = fake.sleep  # only this one sleep overruns
        await fake.sleep(seconds + 2.0)  # the process was held up for two seconds

    limiter._timing.sleep = stalled_sleep
    await limiter.acquire()

    assert limiter.late_wakeups == 1 and limiter.longest_stall_s == pytest.approx(2.0)
    assert fake.now - started == pytest.approx(2.1)  # woken 2 s late: a fresh slot, now, as nobody else waits
    await limiter.acquire()
    assert fake.now - started == pytest.approx(2.2)  # and the next a tenth of a second on, not at once


class VirtualTime:
    """Sleepers that overlap, as on a real clock: time jumps to the next wake-up once every task waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), id(woken), woken))
        await woken

    async def run(self, *coroutines: Coroutine[Any, Any, None]) -> None:
        tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
        while not all(task.done() for task in tasks):
            for _ in range(20):
                await asyncio.sleep(0)  # every task runs until it sleeps or ends
            if self._sleepers:
                wake_at, _, woken = heapq.heappop(self._sleepers)
                self.now = max(self.now, wake_at)
                woken.set_result(None)
        await asyncio.gather(*tasks)


async def test_after_a_429_the_requests_already_waiting_for_their_pace_go_at_the_new_rate():
    time = VirtualTime()
    limiter = AdaptiveRateLimiter(RateBudget(start_rps=10), RetryTiming(sleep=time.sleep, clock=time.clock))
    sent: list[float] = []

    async def request(n: int) -> None:
        await limiter.acquire()
        sent.append(time.now)
        if n == 2:
            limiter.on_throttled()  # the third answer is a 429: 5 requests/s from now on

    await time.run(*(request(n) for n in range(10)))  # all ten queued for their pace at once

    gaps = [later - earlier for earlier, later in zip(sent, sent[1:])]
    assert gaps[:2] == pytest.approx([0.1, 0.1])
    assert all(gap >= 0.2 - 1e-9 for gap in gaps[2:]), gaps  # none of the queued ones at the old pace
    assert sent[-1] - sent[2] == pytest.approx(7 * 0.2)


async def test_without_a_429_queued_requests_keep_their_pace():
    time = VirtualTime()
    limiter = AdaptiveRateLimiter(RateBudget(start_rps=10), RetryTiming(sleep=time.sleep, clock=time.clock))
    sent: list[float] = []

    async def request() -> None:
        await limiter.acquire()
        sent.append(time.now)

    await time.run(*(request() for _ in range(10)))

    assert [later - earlier for earlier, later in zip(sent, sent[1:])] == pytest.approx([0.1] * 9)
