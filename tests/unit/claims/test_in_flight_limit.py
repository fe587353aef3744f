"""Lookups in flight sized by Little's law: budget x observed latency, within a cap."""

from __future__ import annotations

import asyncio

import pytest

from claimbatch.claims.in_flight_limit import AdaptiveInFlightLimit, InFlightSizing
from tests.support.fake_time import FakeTime


def _limit(rate: float | None, cap: int = 500, **sizing: float) -> tuple[AdaptiveInFlightLimit, FakeTime]:
    fake = FakeTime()
    return AdaptiveInFlightLimit(InFlightSizing(cap=cap, **sizing), lambda: rate, fake.clock), fake  # type: ignore[arg-type]


def test_the_limit_follows_rate_times_latency_with_headroom():
    limit, _ = _limit(rate=50, headroom=1.5, latency_weight=1.0)
    limit.observe(2.0)
    assert limit.limit == 150  # 50/s x 2 s x 1.5

    limit.observe(0.2)
    assert limit.limit == 15


def test_the_limit_stays_between_the_floor_and_the_cap():
    limit, _ = _limit(rate=50, cap=100, floor=8, latency_weight=1.0)
    limit.observe(30.0)
    assert limit.limit == 100
    limit.observe(0.001)
    assert limit.limit == 8


def test_without_a_budget_the_limit_is_the_cap():
    limit, _ = _limit(rate=None, cap=64)
    limit.observe(5.0)
    assert limit.limit == 64


def test_the_latency_estimate_moves_gradually_so_one_slow_answer_does_not_resize_the_pool():
    limit, _ = _limit(rate=10, latency_weight=0.05, initial_latency_s=1.0)
    limit.observe(21.0)
    assert limit.mean_latency_s == pytest.approx(2.0)
    for _ in range(200):
        limit.observe(1.0)
    assert limit.mean_latency_s == pytest.approx(1.0, abs=0.01)


async def test_no_more_than_the_limit_run_at_once_and_waiters_go_in_order():
    limit, fake = _limit(rate=2, cap=100, floor=1, headroom=1.0, latency_weight=1e-9, initial_latency_s=2.0)
    assert limit.limit == 4
    started: list[int] = []
    release = asyncio.Event()

    async def lookup(n: int) -> None:
        async with limit.slot():
            started.append(n)
            await release.wait()

    tasks = [asyncio.create_task(lookup(n)) for n in range(10)]
    await asyncio.sleep(0.01)
    assert started == [0, 1, 2, 3] and limit.in_flight == 4
    release.set()
    await asyncio.gather(*tasks)
    assert started == list(range(10))
    assert limit.in_flight == 0 and limit.peak_in_flight == 4


async def test_slower_answers_open_more_slots_for_the_waiters():
    limit, fake = _limit(rate=10, cap=100, floor=1, headroom=1.0, latency_weight=1.0, initial_latency_s=0.1)
    assert limit.limit == 1
    gate = asyncio.Event()
    running: list[int] = []

    async def lookup(n: int) -> None:
        async with limit.slot():
            running.append(n)
            if n == 0:
                with limit.timed():
                    fake.now += 0.5  # the first answer took half a second: 10/s x 0.5 s = 5 in flight
            else:
                await gate.wait()

    tasks = [asyncio.create_task(lookup(n)) for n in range(8)]
    await asyncio.sleep(0.01)
    assert running == [0, 1, 2, 3, 4, 5]
    gate.set()
    await asyncio.gather(*tasks)


async def test_a_cancelled_waiter_gives_its_place_on():
    limit, _ = _limit(rate=1, cap=100, floor=1, headroom=1.0, latency_weight=1e-9, initial_latency_s=1.0)
    hold = asyncio.Event()

    async def lookup() -> None:
        async with limit.slot():
            await hold.wait()

    first = asyncio.create_task(lookup())
    second = asyncio.create_task(lookup())
    third = asyncio.create_task(lookup())
    await asyncio.sleep(0.01)
    second.cancel()
    hold.set()
    await asyncio.gather(first, third)
    assert second.cancelled() and limit.in_flight == 0


def test_nonsense_sizing_is_refused():
    with pytest.raises(ValueError):
        InFlightSizing(cap=0)
    with pytest.raises(ValueError):
        InFlightSizing(cap=10, headroom=0.5)


async def test_waiters_cancelled_together_while_a_slot_is_freed_end_cancelled_and_leave_no_slot_taken():
    limit, _ = _limit(rate=1, cap=100, floor=1, headroom=1.0, latency_weight=1e-9, initial_latency_s=1.0)
    held = limit.slot()
    await held.__aenter__()

    async def lookup() -> None:
        async with limit.slot():
            pass

    waiters = [asyncio.create_task(lookup()) for _ in range(3)]
    await asyncio.sleep(0.01)
    for waiter in waiters:
        waiter.cancel()  # as the runtime stopping cancels every worker at once,
    await held.__aexit__(None, None, None)  # and the slot is freed before the cancelled waiters have run
    outcomes = await asyncio.gather(*waiters, return_exceptions=True)

    assert all(isinstance(outcome, asyncio.CancelledError) for outcome in outcomes), outcomes
    assert limit.in_flight == 0
