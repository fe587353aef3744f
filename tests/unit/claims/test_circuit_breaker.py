"""The circuit breaker, alone and inside the client."""

from __future__ import annotations

import httpx
import respx

from claimbatch.claims.circuit_breaker import BreakerSettings, BreakerState, CircuitBreaker
from claimbatch.claims.optum_client import CIRCUIT_OPEN_ERROR, INQUIRY_PATH, TOKEN_PATH, OptumClaimsClient
from claimbatch.claims.settings import ClaimsApiSettings, RetryBudget
from claimbatch.domain.claim_answer import LookupKind
from tests.support.claims_data import SEED_CLAIM, SEED_QUERY, inquiry_answer
from tests.support.fake_time import FakeTime


def test_opens_after_consecutive_failures_and_probes_once_after_the_wait():
    fake = FakeTime()
    breaker = CircuitBreaker(BreakerSettings(failure_threshold=3, open_for_s=5), fake.clock)

    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()

    assert breaker.state is BreakerState.OPEN and not breaker.allow()
    fake.now += 5
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED and breaker.allow()


def test_a_failed_probe_doubles_the_wait():
    fake = FakeTime()
    breaker = CircuitBreaker(BreakerSettings(failure_threshold=1, open_for_s=5, max_open_for_s=8), fake.clock)
    breaker.record_failure()
    fake.now += 5
    assert breaker.allow()

    breaker.record_failure()

    assert breaker.retry_in_s() == 8
    fake.now += 7.9
    assert not breaker.allow()


def test_a_success_resets_the_failure_count():
    breaker = CircuitBreaker(BreakerSettings(failure_threshold=3), FakeTime().clock)
    for outcome in ("fail", "fail", "ok", "fail", "fail"):
        breaker.record_failure() if outcome == "fail" else breaker.record_success()
    assert breaker.state is BreakerState.CLOSED


async def test_client_stops_calling_a_dead_api_then_resumes_when_it_is_back():
    fake = FakeTime()
    settings = ClaimsApiSettings(
        base_url="https://claims.example.test",
        client_id="demo-client",
        client_secret="demo-secret",
        provider_tin="123456789",
        retry=RetryBudget(max_attempts=2),
        breaker_failure_threshold=4,
        breaker_open_for_s=10,
    )
    with respx.mock(base_url="https://claims.example.test") as api:
        api.post(TOKEN_PATH).mock(return_value=httpx.Response(200, json={"access_token": "t", "expires_in": 3600}))
        inquiry = api.post(INQUIRY_PATH).mock(return_value=httpx.Response(503))
        async with OptumClaimsClient(settings, timing=fake.timing()) as client:
            outcomes = [await client.lookup(SEED_QUERY) for _ in range(6)]
            calls_while_down = inquiry.call_count
            inquiry.mock(return_value=httpx.Response(200, json=inquiry_answer(SEED_CLAIM)))
            fake.now += 11
            recovered = await client.lookup(SEED_QUERY)

    assert calls_while_down == 4  # then the circuit opened: no more calls to a dead API
    assert outcomes[-1].error == CIRCUIT_OPEN_ERROR and outcomes[-1].retryable
    assert recovered.kind is LookupKind.FOUND
