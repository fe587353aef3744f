"""Lookups in flight sized by Little's law: budget x observed latency, within a cap."""

from __future__ import annotations

import asyncio

import pytest

from claimbatch.claims.in_flight_limit import AdaptiveInFlightLimit, InFlightSizing
from claimbatch.claims.latency_window import LatencyWindow
from claimbatch.claims.optum_client import OptumClaimsClient
from claimbatch.claims.settings import ClaimsApiSettings
from tests.support.fake_time import FakeTime


def _limit(rate: float | None, cap: int = 500, **sizing: float) -> tuple[AdaptiveInFlightLimit, FakeTime]:
    fake = FakeTime()
    return AdaptiveInFlightLimit(InFlightSizing(cap=cap, **sizing), lambda: rate, fake.clock), fake  # type: ignore[arg-type]


def _answer(limit: AdaptiveInFlightLimit, fake: FakeTime, seconds: float) -> None:
    """One request timed from its send to its answer `seconds` later."""
    with limit.timed():
        fake.now += seconds


def test_the_limit_follows_rate_times_latency_with_headroom():
    limit, fake = _limit(rate=50, headroom=1.5, latency_window=4)
    for _ in range(4):
        _answer(limit, fake, 2.0)
    assert limit.limit == 150  # 50/s x 2 s x 1.5

    for _ in range(4):
        _answer(limit, fake, 0.25)
    assert limit.limit == 19  # 50/s x 0.25 s x 1.5 = 18.75


def test_the_limit_stays_between_the_floor_and_the_cap():
    limit, fake = _limit(rate=50, cap=100, floor=8, latency_window=1, initial_latency_s=0.001)  # the window holds one
    _answer(limit, fake, 30.0)
    assert limit.limit == 100
    _answer(limit, fake, 0.001)
    assert limit.limit == 8


def test_without_a_budget_the_limit_is_the_cap():
    limit, fake = _limit(rate=None, cap=64)
    _answer(limit, fake, 5.0)
    assert limit.limit == 64


def test_the_latency_is_the_mean_over_the_last_requests_sent_so_one_slow_answer_does_not_resize_the_pool():
    limit, fake = _limit(rate=10, latency_window=20, initial_latency_s=1.0)
    _answer(limit, fake, 21.0)
    for _ in range(19):
        _answer(limit, fake, 1.0)
    assert limit.mean_latency_s == pytest.approx(2.0)  # (21 + 19) / 20
    for _ in range(20):
        _answer(limit, fake, 1.0)
    assert limit.mean_latency_s == pytest.approx(1.0)  # the slow one has left the window


def test_at_the_end_of_a_job_the_estimate_is_not_pulled_up_by_the_slowest_answers_alone():
    # 10 requests of 1 s and 2 of 9 s sent in the same second: a running mean weighing the latest
    # answers most ends near 9 s; every answer of the window weighs the same: (10 x 1 + 2 x 9) / 12.
    window = LatencyWindow(size=12, prior_s=1.0, clock=(fake := FakeTime()).clock)
    quick = [window.sent() for _ in range(10)]
    slow = [window.sent() for _ in range(2)]
    fake.now += 1.0
    for request in quick:
        window.answered(request)
    fake.now += 8.0
    for request in slow:
        window.answered(request)
    assert window.mean_s() == pytest.approx(28 / 12)
    assert window.quantile_s(0.5) == pytest.approx(1.0) and window.quantile_s(0.9) == pytest.approx(9.0)


def test_the_stated_latency_fills_in_for_the_first_answers_until_enough_are_in():
    window = LatencyWindow(size=100, prior_s=1.5, clock=(fake := FakeTime()).clock, prior_answers=10)
    assert window.mean_s() == 1.5
    request = window.sent()
    fake.now += 0.5
    window.answered(request)
    assert window.mean_s() == pytest.approx((0.5 + 9 * 1.5) / 10)  # one fast answer says little yet
    for _ in range(9):
        window.answered(window.sent())  # answered at once
    assert window.mean_s() == pytest.approx(0.05)  # ten real answers: the stated latency is gone


def test_a_request_that_ends_twice_counts_once():
    window = LatencyWindow(size=2, prior_s=1.0, clock=(fake := FakeTime()).clock, prior_answers=0)
    request = window.sent()
    fake.now += 3.0
    window.answered(request)
    fake.now += 5.0
    window.answered(request)  # given up after it had answered
    assert request.answer_s == 3.0 and window.mean_s() == pytest.approx(3.0)


def test_an_answer_time_longer_than_any_request_may_take_is_not_measured():
    # A request resumed after its process was frozen (a Lambda environment between invocations)
    # ends with a time no payer answer can have: it would inflate the mean for the next invocation.
    window = LatencyWindow(size=10, prior_s=1.0, clock=(fake := FakeTime()).clock, prior_answers=0, longest_s=61.0)
    timed_out, frozen = window.sent(), window.sent()
    fake.now += 60.5
    window.answered(timed_out)  # ended by its own deadline, a little late: a real (slow) answer time
    fake.now += 300.0
    window.answered(frozen)
    assert window.answers == 1 and window.mean_s() == pytest.approx(60.5)
    window.answered(frozen)  # still counted once: never
    assert window.answers == 1


def test_the_client_measures_no_answer_time_past_its_request_deadline():
    settings = ClaimsApiSettings(
        base_url="https://claims.test", client_id="id", client_secret="secret", provider_tin="123456789",
        request_deadline_s=20.0,
    )
    client = OptumClaimsClient(settings, timing=(fake := FakeTime()).timing())
    window = client.in_flight.latencies
    slow, frozen = window.sent(), window.sent()
    fake.now += 20.5
    window.answered(slow)  # ended by its deadline, its timer a little late
    fake.now += 600.0
    window.answered(frozen)  # resumed after a ten-minute freeze
    assert window.answers == 1


def test_the_running_sums_stay_exact_over_many_requests():
    window = LatencyWindow(size=8, prior_s=1.0, clock=(fake := FakeTime(start=1.7e9)).clock)
    for n in range(10_000):
        request = window.sent()
        fake.now += 0.001 * (n % 7)
        window.answered(request)
    exact = sum(0.001 * (n % 7) for n in range(10_000 - 8, 10_000)) / 8
    assert window.mean_s() == pytest.approx(exact, abs=1e-6)  # the clock itself resolves 2e-7 s at 1.7e9


async def test_no_more_than_the_limit_run_at_once_and_waiters_go_in_order():
    limit, fake = _limit(rate=2, cap=100, floor=1, headroom=1.0, latency_window=1000, initial_latency_s=2.0)
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
    limit, fake = _limit(rate=10, cap=100, floor=1, headroom=1.0, latency_window=1, initial_latency_s=0.1)
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
    limit, _ = _limit(rate=1, cap=100, floor=1, headroom=1.0, latency_window=1000, initial_latency_s=1.0)
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
    with pytest.raises(ValueError):
        InFlightSizing(cap=10, latency_window=0)
    with pytest.raises(ValueError):
        LatencyWindow(size=10, prior_s=0, clock=FakeTime().clock)


async def test_waiters_cancelled_together_while_a_slot_is_freed_end_cancelled_and_leave_no_slot_taken():
    limit, _ = _limit(rate=1, cap=100, floor=1, headroom=1.0, latency_window=1000, initial_latency_s=1.0)
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


def test_a_request_sent_is_not_cancelled_with_its_caller_and_keeps_its_slot_until_it_ends():
    # Cancelling a request while it connects can leak an HTTP pool slot: the caller stops
    # waiting, the request ends on its own (its deadline bounds it) and then frees its slot.
    limit, _ = _limit(rate=None, cap=1)
    answer = asyncio.Event()
    ended: list[str] = []

    async def request() -> str:
        try:
            await answer.wait()
            return "answered"
        finally:
            ended.append("cancelled" if asyncio.current_task().cancelling() else "ended")  # type: ignore[union-attr]

    async def scenario() -> None:
        await limit.acquire()
        caller = asyncio.ensure_future(limit.finish_held(request()))
        await asyncio.sleep(0)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        assert limit.in_flight == 1 and ended == [], "still running, still holding its slot"
        answer.set()
        for _ in range(3):
            await asyncio.sleep(0)
        assert ended == ["ended"] and limit.in_flight == 0

    asyncio.run(scenario())
