"""Lookups in flight follow the request budget x the payer's latency (Little's law), over loopback HTTP."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

from claimbatch.claims.optum_client import OptumClaimsClient
from claimbatch.claims.settings import ClaimsApiSettings
from claimbatch.domain.claim_answer import LookupKind
from claimbatch.simulator.server import start_simulator
from tests.support.claims_data import SEED_QUERY, member_query


def _settings(base_url: str, **overrides: object) -> ClaimsApiSettings:
    return ClaimsApiSettings(
        base_url=base_url, client_id="demo-client", client_secret="demo-secret", provider_tin="123456789", **overrides
    )


async def test_a_paced_client_keeps_budget_times_latency_in_flight_and_is_never_throttled():
    # 40 requests/s at 0.5 s each: about 20 in flight are needed, more than the old fixed 16.
    with start_simulator(latency_ms=500, rate_limit=40) as simulator:
        settings = _settings(simulator.base_url, max_in_flight=512, rate_limit_rps=40, expected_latency_s=0.1)
        async with OptumClaimsClient(settings) as client:
            queries = [dataclasses.replace(SEED_QUERY) for _ in range(160)]
            await asyncio.gather(*(client.lookup(query) for query in queries))
            limit = client.in_flight
        stats = simulator.stats()

    assert stats["throttled"] == 0
    assert 0.35 < limit.mean_latency_s < 0.8  # learnt from the answers, starting from 0.1 s
    assert 20 <= limit.limit <= 60  # 40/s x ~0.5 s x headroom 1.5, far below the cap of 512
    assert 16 < stats["peak_concurrency"] <= limit.peak_in_flight


async def test_without_a_budget_the_cap_is_the_limit():
    with start_simulator(latency_ms=50) as simulator:
        async with OptumClaimsClient(_settings(simulator.base_url, max_in_flight=6)) as client:
            await asyncio.gather(*(client.lookup(SEED_QUERY) for _ in range(30)))
            assert client.in_flight.limit == 6 and client.in_flight.peak_in_flight == 6
        assert simulator.stats()["peak_concurrency"] <= 6


async def test_with_a_long_tail_the_client_holds_budget_times_the_mean_latency_and_ends_on_that_mean():
    # Lognormal answers, median 0.3 s, 99th percentile 2 s: a mean of about 0.42 s, the odd answer past 2 s.
    with start_simulator(latency_ms=300, latency_p99_ms=2000, rate_limit=40) as simulator:
        settings = _settings(simulator.base_url, max_in_flight=512, rate_limit_rps=40, expected_latency_s=0.1)
        async with OptumClaimsClient(settings) as client:
            queries = [dataclasses.replace(SEED_QUERY) for _ in range(300)]
            await asyncio.gather(*(client.lookup(query) for query in queries))
            limit = client.in_flight
        stats = simulator.stats()

    assert stats["throttled"] == 0
    # Measured over the requests sent, not the answers that came back last (the slowest ones):
    # after the last answer the estimate is still the payer's mean, not its tail.
    assert 0.25 < limit.mean_latency_s < 0.8
    assert 40 * 0.3 <= stats["peak_concurrency"] <= limit.peak_in_flight  # about 40/s x 0.42 s, more at peaks


async def test_a_slow_request_is_beaten_by_a_copy_once_the_budget_has_room_to_spare():
    # The claim answers after 30 s the first time and at once after that; nothing else waits for the budget.
    with start_simulator(latency_ms=20, rate_limit=40, slow_s=30) as simulator:
        settings = _settings(simulator.base_url, max_in_flight=64, rate_limit_rps=40)
        async with OptumClaimsClient(settings) as client:
            await asyncio.gather(*(client.lookup(SEED_QUERY) for _ in range(60)))  # what the payer's usual pace is
            slow = member_query("SLOWX1" + uuid.uuid4().hex[:8].upper())
            outcome = await asyncio.wait_for(client.lookup(slow), timeout=15)
            hedges, won = client.hedger.hedges, client.hedger.hedges_won
        stats = simulator.stats()

    assert outcome.kind is LookupKind.FOUND and outcome.attempts == 1
    # A copy once the request is slower than most answers; a second one if the first copy is slow too (a loaded machine).
    assert 1 <= hedges <= 2 and won == 1
    assert stats["requests"] == 61 + hedges and stats["throttled"] == 0


async def test_without_a_budget_no_copy_is_sent():
    with start_simulator(latency_ms=20, slow_s=1) as simulator:
        async with OptumClaimsClient(_settings(simulator.base_url, max_in_flight=8)) as client:
            await asyncio.gather(*(client.lookup(SEED_QUERY) for _ in range(60)))
            outcome = await client.lookup(member_query("SLOWX1" + uuid.uuid4().hex[:8].upper()))
            assert client.hedger.hedges == 0
        assert outcome.kind is LookupKind.FOUND and simulator.stats()["requests"] == 61
