"""Server-wide knobs over loopback HTTP: rate limit, concurrency cap, error rate, latency, outages, stats."""

from __future__ import annotations

import asyncio
import time

import httpx
from sim_http import Connect, SimulatorClient, StartSimulator


async def burst(api: SimulatorClient, n: int, claim_number: str = "AB1000") -> list[httpx.Response]:
    await api.access_token()
    return list(await asyncio.gather(*(api.inquire(f"{claim_number}{i}") for i in range(n))))


async def test_rate_limit_throttles_a_burst_over_it(start: StartSimulator, connect: Connect) -> None:
    api = connect(start(rate_limit=5))

    responses = await burst(api, 20)

    codes = [r.status_code for r in responses]
    assert codes.count(200) >= 5  # the bucket holds one second's worth
    assert codes.count(429) >= 8  # loose: a slow machine refills a few tokens during the burst
    throttled = [r for r in responses if r.status_code == 429]
    assert len(throttled) == 20 - codes.count(200)
    assert all(r.json()["errors"][0]["code"] == "TOO_MANY_REQUESTS" for r in throttled)
    assert all(int(r.headers["Retry-After"]) >= 1 for r in throttled)
    stats = api.simulator.stats()
    assert stats["throttled"] == len(throttled)
    assert stats["rejected"] == {"rate_limit": len(throttled)}


async def test_rate_limit_does_not_apply_to_token_requests(start: StartSimulator, connect: Connect) -> None:
    api = connect(start(rate_limit=1))

    assert [(await api.request_token()).status_code for _ in range(3)] == [200, 200, 200]


async def test_max_concurrency_throttles_parallel_requests(start: StartSimulator, connect: Connect) -> None:
    api = connect(start(max_concurrency=2, latency_ms=200))

    responses = await burst(api, 8)

    codes = [r.status_code for r in responses]
    assert codes.count(200) >= 2
    assert codes.count(429) >= 1
    assert codes.count(200) + codes.count(429) == 8
    stats = api.simulator.stats()
    assert stats["rejected"]["concurrency"] == codes.count(429)
    assert stats["peak_concurrency"] > 2  # arrivals are counted even when refused


async def test_peak_concurrency_counts_overlapping_requests(start: StartSimulator, connect: Connect) -> None:
    api = connect(start(latency_ms=150))

    responses = await burst(api, 10)

    assert all(r.status_code == 200 for r in responses)
    stats = api.simulator.stats()
    assert 5 <= stats["peak_concurrency"] <= 10
    assert stats["current_concurrency"] == 0


async def test_latency_delays_every_inquiry(start: StartSimulator, connect: Connect) -> None:
    api = connect(start(latency_ms=120, jitter_ms=20))
    await api.access_token()

    started = time.monotonic()
    response = await api.inquire("AB1")

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.1


async def _error_pattern(start: StartSimulator, connect: Connect, seed: int, n: int = 150) -> list[int]:
    api = connect(start(error_rate=0.3, seed=seed))
    return [(await api.inquire(f"AB{i}")).status_code for i in range(n)]


async def test_error_rate_answers_about_that_fraction_503_replayably(start: StartSimulator, connect: Connect) -> None:
    first = await _error_pattern(start, connect, seed=11)
    again = await _error_pattern(start, connect, seed=11)

    assert set(first) == {200, 503}
    assert 0.15 <= first.count(503) / len(first) <= 0.45
    assert again == first


async def test_outage_control_answers_503_to_everything_then_recovers(api: SimulatorClient) -> None:
    token = await api.access_token()

    control = await api.http.post("/_control", json={"down_for_s": 0.3})
    assert control.status_code == 200 and 0 < control.json()["outage_remaining_s"] <= 0.3

    assert (await api.inquire("AB1", token=token)).status_code == 503
    assert (await api.inquire("ZE59426195", token=token)).status_code == 503
    assert (await api.request_token()).status_code == 503

    await asyncio.sleep(0.35)

    assert (await api.inquire("AB1", token=token)).status_code == 200
    assert (await api.request_token()).status_code == 200
    assert api.simulator.stats()["rejected"] == {"outage": 2}


async def test_outage_can_be_ended_early(api: SimulatorClient) -> None:
    await api.access_token()
    await api.http.post("/_control", json={"down_for_s": 60})
    assert (await api.inquire("AB1")).status_code == 503

    await api.http.post("/_control", json={"down_for_s": 0})

    assert (await api.inquire("AB1")).status_code == 200


async def test_scheduled_outage_from_server_start(start: StartSimulator, connect: Connect) -> None:
    api = connect(start(outage_after_s=0, outage_for_s=0.3))

    assert (await api.request_token()).status_code == 503
    assert api.simulator.stats()["outage_remaining_s"] > 0

    await asyncio.sleep(0.35)

    assert (await api.inquire("AB1")).status_code == 200


async def test_control_refuses_unknown_commands(api: SimulatorClient) -> None:
    for body in ({"down_for": 3}, {"down_for_s": -1}, {"down_for_s": "10"}, {}, [1]):
        assert (await api.http.post("/_control", json=body)).status_code == 400


async def test_stats_report_what_was_served_and_not_themselves(api: SimulatorClient) -> None:
    await api.inquire("AB1")
    await api.inquire("INVALID1")
    await api.inquire("E500")
    await api.inquire("E429X1")
    await api.inquire(token="bad")

    await api.http.post("/_control", json={"reset_faults": True})
    response = await api.http.get("/_stats")

    assert response.status_code == 200
    stats = response.json()
    assert stats["requests"] == 5
    assert stats["token_requests"] == 1
    assert stats["by_status"] == {"200": 2, "401": 1, "429": 1, "500": 1}
    assert stats["throttled"] == 1
    assert stats["errors"] == 1
    assert stats["peak_concurrency"] == 1
    assert stats["current_concurrency"] == 0
    assert stats["scenarios"]["auth_failure"] == 1


async def test_reset_stats_zeroes_the_counters(api: SimulatorClient) -> None:
    await api.inquire("AB1")

    response = await api.http.post("/_control", json={"reset_stats": True})

    assert response.status_code == 200
    stats = (await api.http.get("/_stats")).json()
    assert stats["requests"] == 0 and stats["token_requests"] == 0 and stats["by_status"] == {}


async def test_in_process_stats_match_the_endpoint(api: SimulatorClient) -> None:
    await api.inquire("AB1")

    over_http = (await api.http.get("/_stats")).json()
    direct = api.simulator.stats()

    assert {k: v for k, v in over_http.items() if k != "uptime_s"} == {
        k: v for k, v in direct.items() if k != "uptime_s"
    }
