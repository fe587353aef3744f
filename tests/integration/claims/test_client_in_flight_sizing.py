"""Lookups in flight follow the request budget x the payer's latency (Little's law), over loopback HTTP."""

from __future__ import annotations

import asyncio
import dataclasses

from claimbatch.claims.optum_client import OptumClaimsClient
from claimbatch.claims.settings import ClaimsApiSettings
from claimbatch.simulator.server import start_simulator
from tests.support.claims_data import SEED_QUERY


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
