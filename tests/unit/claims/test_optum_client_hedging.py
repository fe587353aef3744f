"""The client's copies of slow requests: only a definitive answer wins, and every copy's answer
reaches the rate limiter and the stats (respx, fake clock: no real waits)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from claimbatch.claims.optum_client import INQUIRY_PATH, OptumClaimsClient
from claimbatch.claims.settings import ClaimsApiSettings
from claimbatch.domain.claim_answer import LookupKind
from tests.support.claims_data import SEED_CLAIM, SEED_QUERY, inquiry_answer
from tests.support.fake_time import FakeTime
from tests.support.optum_api import BASE

FOUND = httpx.Response(200, json=inquiry_answer(SEED_CLAIM))
THROTTLED = httpx.Response(429, json={"errors": [{"code": "TOO_MANY_REQUESTS"}]})


class SlowFirst:
    """The inquiry endpoint: the first request answers when the test says; every later one at once."""

    def __init__(self, later: httpx.Response) -> None:
        self.first: asyncio.Future[httpx.Response] | None = None
        self.later = later
        self.calls = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls > 1:
            return self.later
        self.first = asyncio.get_running_loop().create_future()
        return await self.first


def _client(fake_time: FakeTime) -> OptumClaimsClient:
    settings = ClaimsApiSettings(
        base_url=BASE, client_id="demo-client", client_secret="demo-secret", provider_tin="123456789", rate_limit_rps=10
    )
    client = OptumClaimsClient(settings, timing=fake_time.timing())
    for _ in range(60):  # answers have taken a second: a request is slow after 1.5 s
        request = client.in_flight.latencies.sent()
        fake_time.now += 1.0
        client.in_flight.latencies.answered(request)
    return client


async def _until(condition, rounds: int = 5000) -> None:  # type: ignore[no-untyped-def]
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def test_a_copy_s_429_does_not_beat_the_first_request_s_200_and_still_slows_the_budget(api, fake_time):
    payer = SlowFirst(later=THROTTLED)
    api.post(INQUIRY_PATH).mock(side_effect=payer)

    async with _client(fake_time) as client:
        assert client.limiter is not None
        rate = client.limiter.rate
        lookup = asyncio.create_task(client.lookup(SEED_QUERY))
        await _until(lambda: payer.calls == 2 and client.stats.throttled == 1)
        assert client.limiter.decreases == 1 and client.limiter.rate < rate  # the copy's 429 reached the limiter
        for _ in range(20):
            await asyncio.sleep(0)
        assert not lookup.done()  # the first request may still answer
        assert payer.first is not None
        payer.first.set_result(FOUND)
        outcome = await lookup

    assert outcome.kind is LookupKind.FOUND and outcome.attempts == 1  # no retry: the 200 was used
    assert client.stats.requests == 2 and client.stats.retries == 0
    assert client.hedger.hedges == 1 and client.hedger.hedges_won == 0


async def test_a_429_of_a_copy_that_ends_after_the_winner_still_reaches_the_limiter(api, fake_time):
    hedge_answer: asyncio.Future[httpx.Response] = asyncio.get_running_loop().create_future()
    calls: list[int] = []

    async def inquiry(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            await _until(lambda: len(calls) == 2)  # the first answers once its copy has gone
            return FOUND
        return await hedge_answer

    api.post(INQUIRY_PATH).mock(side_effect=inquiry)
    async with _client(fake_time) as client:
        assert client.limiter is not None
        outcome = await client.lookup(SEED_QUERY)
        assert outcome.kind is LookupKind.FOUND and client.limiter.decreases == 0
        hedge_answer.set_result(THROTTLED)  # the copy left to end on its own answers 429
        await _until(lambda: client.stats.throttled == 1)
        assert client.limiter.decreases == 1


async def test_when_every_copy_answers_an_error_the_attempt_is_retried(api, fake_time):
    payer = SlowFirst(later=THROTTLED)
    api.post(INQUIRY_PATH).mock(side_effect=payer)

    async with _client(fake_time) as client:
        lookup = asyncio.create_task(client.lookup(SEED_QUERY))
        await _until(lambda: payer.calls == 2 and client.stats.throttled == 1)
        assert payer.first is not None
        payer.first.set_result(httpx.Response(503))
        await _until(lambda: client.stats.retries >= 1)  # the first request's 503 came back: a retry
        assert client.stats.server_errors == 1 and client.stats.throttled == 1
        lookup.cancel()
        with pytest.raises(asyncio.CancelledError):
            await lookup
