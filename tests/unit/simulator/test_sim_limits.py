"""Rate limit, outage schedule, random errors and latency, on a clock the test turns by hand."""

from __future__ import annotations

import random

import pytest

from claimbatch.simulator.limits import LatencyModel, OutageSchedule, RandomErrors, TokenBucket, retry_after_header


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_token_bucket_admits_one_seconds_worth_then_refuses() -> None:
    bucket = TokenBucket(rate=5, burst=None, clock=FakeClock())

    answers = [bucket.try_acquire() for _ in range(8)]

    assert answers[:5] == [None] * 5
    assert all(wait is not None and 0 < wait <= 0.2 for wait in answers[5:])


def test_token_bucket_refills_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10, burst=None, clock=clock)
    for _ in range(10):
        bucket.try_acquire()
    assert bucket.try_acquire() is not None

    clock.advance(0.25)

    assert [bucket.try_acquire() for _ in range(3)][:2] == [None, None]


def test_token_bucket_never_stores_more_than_its_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    clock.advance(60)

    assert [bucket.try_acquire() is None for _ in range(5)] == [True, True, True, False, False]


def test_slow_rate_still_admits_a_first_request() -> None:
    bucket = TokenBucket(rate=0.5, burst=None, clock=FakeClock())

    assert bucket.try_acquire() is None
    assert bucket.try_acquire() == pytest.approx(2.0)


@pytest.mark.parametrize(("wait", "header"), [(0.01, "1"), (1.0, "1"), (1.2, "2"), (0, "1")])
def test_retry_after_is_whole_seconds_at_least_one(wait: float, header: str) -> None:
    assert retry_after_header(wait) == header


def test_outage_on_demand_lasts_its_length_and_zero_ends_it() -> None:
    clock = FakeClock()
    outage = OutageSchedule(clock)
    assert not outage.is_down()

    outage.start(5)
    clock.advance(4.9)
    assert outage.is_down() and outage.remaining_s() == pytest.approx(0.1)
    clock.advance(0.2)
    assert not outage.is_down()

    outage.start(5)
    outage.start(0)
    assert not outage.is_down()


def test_scheduled_outage_starts_after_its_delay_from_server_start() -> None:
    clock = FakeClock()
    outage = OutageSchedule(clock, after_s=10, for_s=3)

    clock.advance(9.9)
    assert not outage.is_down()
    clock.advance(0.2)
    assert outage.is_down()
    clock.advance(3)
    assert not outage.is_down()


def test_random_errors_hit_about_their_rate_and_replay_from_the_seed() -> None:
    def pattern(seed: int) -> list[bool]:
        errors = RandomErrors(0.3, random.Random(seed))
        return [errors.strikes() for _ in range(2000)]

    hits = pattern(7)
    assert 0.25 < sum(hits) / len(hits) < 0.35
    assert pattern(7) == hits
    assert pattern(8) != hits


def test_no_random_errors_at_rate_zero() -> None:
    errors = RandomErrors(0.0, random.Random(1))

    assert not any(errors.strikes() for _ in range(1000))


def test_latency_stays_within_mean_plus_minus_jitter() -> None:
    latency = LatencyModel(mean_ms=100, jitter_ms=30, rng=random.Random(3))

    delays = [latency.delay_s() for _ in range(1000)]

    assert min(delays) >= 0.07 and max(delays) <= 0.13
    assert sum(delays) / len(delays) == pytest.approx(0.1, abs=0.005)


def test_latency_is_never_negative_and_zero_by_default() -> None:
    assert LatencyModel(0, 0, random.Random(0)).delay_s() == 0
    assert all(LatencyModel(5, 50, random.Random(0)).delay_s() >= 0 for _ in range(100))


def test_long_tailed_latency_has_the_stated_median_and_99th_percentile():
    latency = LatencyModel(mean_ms=1500, jitter_ms=0, rng=random.Random(11), p99_ms=14_000)
    delays = sorted(latency.delay_s() for _ in range(20_000))

    assert delays[len(delays) // 2] == pytest.approx(1.5, rel=0.05)
    assert delays[int(len(delays) * 0.99)] == pytest.approx(14.0, rel=0.1)
    assert delays[0] > 0
