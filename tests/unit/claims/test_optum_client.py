"""The client's behaviour on every row of docs/claims-api.md's error table, with the
API faked by respx and time faked, so no test waits for a real backoff."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from claimbatch.claims.optum_client import INQUIRY_PATH, TOKEN_PATH, OptumClaimsClient
from claimbatch.claims.settings import ClaimsApiSettings, RetryBudget
from claimbatch.domain.claim_answer import LookupKind
from tests.support.claims_data import SEED_CLAIM, SEED_QUERY, inquiry_answer
from tests.support.fake_time import FakeTime
from tests.support.optum_api import BASE, TOKEN_OK



def _settings(**retry: object) -> ClaimsApiSettings:
    return ClaimsApiSettings(
        base_url=BASE,
        client_id="demo-client",
        client_secret="demo-secret",
        provider_tin="123456789",
        retry=RetryBudget(**retry),
    )


def _client(fake_time: FakeTime, **retry: object) -> OptumClaimsClient:
    return OptumClaimsClient(_settings(**retry), timing=fake_time.timing())


async def test_found_claim_sends_the_documented_headers(api, fake_time):
    inquiry = api.post(INQUIRY_PATH).mock(return_value=httpx.Response(200, json=inquiry_answer(SEED_CLAIM)))

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert outcome.kind is LookupKind.FOUND and outcome.claim.status == "Finalized"
    request = inquiry.calls.last.request
    assert request.headers["Authorization"] == "Bearer tok-1"
    assert request.headers["providerTaxId"] == "123456789"
    assert len(request.headers["x-optum-consumer-correlation-id"]) == 36


async def test_empty_claims_list_is_not_found(api, fake_time):
    api.post(INQUIRY_PATH).mock(return_value=httpx.Response(200, json=inquiry_answer()))

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert outcome.kind is LookupKind.NOT_FOUND and outcome.error == "Claim not found"


async def test_400_fails_at_once_with_the_description(api, fake_time):
    body = {"errors": [{"code": "GRAPHQL_VALIDATION_FAILED", "description": "memberId is invalid"}]}
    inquiry = api.post(INQUIRY_PATH).mock(return_value=httpx.Response(400, json=body))

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert outcome.kind is LookupKind.FAILED and not outcome.retryable
    assert outcome.error == "memberId is invalid"
    assert inquiry.call_count == 1 and fake_time.sleeps == []


async def test_401_refreshes_the_token_once_and_retries(api, fake_time):
    token = api.post(TOKEN_PATH).mock(
        side_effect=[
            TOKEN_OK,
            httpx.Response(200, json={"access_token": "tok-2", "token_type": "Bearer", "expires_in": 3600}),
        ]
    )
    inquiry = api.post(INQUIRY_PATH).mock(
        side_effect=[
            httpx.Response(401, json={"errors": [{"code": "AUTH_FAILURE", "description": "expired"}]}),
            httpx.Response(200, json=inquiry_answer(SEED_CLAIM)),
        ]
    )

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert outcome.kind is LookupKind.FOUND
    assert token.call_count == 2
    assert inquiry.calls[1].request.headers["Authorization"] == "Bearer tok-2"


async def test_401_twice_fails_retryably_without_a_loop(api, fake_time):
    inquiry = api.post(INQUIRY_PATH).mock(return_value=httpx.Response(401, json={"errors": []}))

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert outcome.kind is LookupKind.FAILED and outcome.retryable
    assert inquiry.call_count == 2


async def test_rejected_credentials_fail_the_lookup_clearly(api, fake_time):
    api.post(TOKEN_PATH).mock(return_value=httpx.Response(401, json={"error": "invalid_client"}))

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert outcome.error == "claims API rejected the credentials"


async def test_429_honours_retry_after_then_succeeds(api, fake_time):
    api.post(INQUIRY_PATH).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}, json={"errors": [{"code": "TOO_MANY_REQUESTS"}]}),
            httpx.Response(200, json=inquiry_answer(SEED_CLAIM)),
        ]
    )

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert outcome.kind is LookupKind.FOUND and outcome.attempts == 2
    assert fake_time.sleeps == [7.0]
    assert client.stats.throttled == 1


async def test_429_pauses_every_other_lookup_of_the_client(api, fake_time):
    api.post(INQUIRY_PATH).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "5"}),
            httpx.Response(200, json=inquiry_answer(SEED_CLAIM)),
            httpx.Response(200, json=inquiry_answer(SEED_CLAIM)),
        ]
    )

    async with _client(fake_time) as client:
        await client.lookup(SEED_QUERY)
        paused_at = fake_time.now
        fake_time.now -= 3  # a second lookup arriving 2 s into the 5 s pause waits out the rest
        await client.lookup(SEED_QUERY)

    assert fake_time.sleeps[-1] == pytest.approx(3.0)
    assert paused_at > 0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_retry_with_backoff_then_succeed(api, fake_time, status):
    api.post(INQUIRY_PATH).mock(
        side_effect=[httpx.Response(status), httpx.Response(status), httpx.Response(200, json=inquiry_answer())]
    )

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert outcome.kind is LookupKind.NOT_FOUND and outcome.attempts == 3
    assert len(fake_time.sleeps) == 2
    # full jitter: each wait lies in [0, base * 2**(n-1))
    assert 0 <= fake_time.sleeps[0] < 0.2 and 0 <= fake_time.sleeps[1] < 0.4


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (httpx.ReadTimeout("slow"), "claims API timed out"),
        (httpx.ConnectError("refused"), "claims API unreachable"),
    ],
)
async def test_timeouts_and_connection_errors_are_retried_until_the_budget_stops(api, fake_time, error, reason):
    inquiry = api.post(INQUIRY_PATH).mock(side_effect=error)

    async with _client(fake_time, max_attempts=4) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert inquiry.call_count == 4
    assert outcome.kind is LookupKind.FAILED and outcome.retryable
    assert outcome.error == f"{reason} after 4 attempts"


async def test_retry_budget_in_time_stops_before_the_attempts_run_out(api, fake_time):
    inquiry = api.post(INQUIRY_PATH).mock(return_value=httpx.Response(429, headers={"Retry-After": "20"}))

    async with _client(fake_time, max_attempts=10, max_elapsed_s=45) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert inquiry.call_count == 3  # waits of 20 + 20 fit in 45 s, a third would not
    assert outcome.retryable and "throttled" in outcome.error


@pytest.mark.parametrize("category", ["E1", "E2"])
async def test_payer_system_unavailable_in_the_crosswalk_is_treated_like_503(api, fake_time, category):
    unavailable = {**SEED_CLAIM, "claimStatusCrosswalkData": [{"claim507Code": category, "claim508Code": "0"}]}
    api.post(INQUIRY_PATH).mock(
        side_effect=[
            httpx.Response(200, json=inquiry_answer(unavailable)),
            httpx.Response(200, json=inquiry_answer(SEED_CLAIM)),
        ]
    )

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert outcome.kind is LookupKind.FOUND and outcome.attempts == 2


async def test_concurrent_lookups_share_one_token(api, fake_time):
    api.post(INQUIRY_PATH).mock(return_value=httpx.Response(200, json=inquiry_answer(SEED_CLAIM)))

    async with _client(fake_time) as client:
        await asyncio.gather(*(client.lookup(SEED_QUERY) for _ in range(25)))

    assert api.routes[0].call_count == 1
    assert client.stats.token_requests == 1


async def test_token_is_refreshed_shortly_before_it_expires(api, fake_time):
    api.post(INQUIRY_PATH).mock(return_value=httpx.Response(200, json=inquiry_answer(SEED_CLAIM)))

    async with _client(fake_time) as client:
        await client.lookup(SEED_QUERY)
        fake_time.now += 3600 - 59  # inside the 60 s refresh margin
        await client.lookup(SEED_QUERY)

    assert client.stats.token_requests == 2


def test_the_secret_never_shows_in_the_settings_repr():
    assert "demo-secret" not in repr(_settings())
