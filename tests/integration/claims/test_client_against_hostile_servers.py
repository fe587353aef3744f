"""The claims client against servers that misbehave over real loopback HTTP:
an answer that trickles in one byte at a time, an answer far too large, garbage,
and an API that rejects every access token. Counted, not timed (only generous
bounds, so a stuck client fails instead of hanging)."""

from __future__ import annotations

import asyncio

from claimbatch.claims.optum_client import CREDENTIALS_REJECTED_ERROR, OptumClaimsClient
from claimbatch.claims.settings import ClaimsApiSettings, RetryBudget
from claimbatch.domain.claim_answer import LookupKind
from tests.support.claims_data import SEED_QUERY
from tests.support.hostile_api import hostile_api

GENEROUS_S = 60


def _settings(base_url: str, **overrides: object) -> ClaimsApiSettings:
    return ClaimsApiSettings(
        base_url=base_url, client_id="id", client_secret="secret", provider_tin="123456789", **overrides
    )


async def test_an_answer_that_trickles_in_ends_at_the_deadline_as_a_timeout():
    with hostile_api("trickle", trickle_pause_s=0.2) as api:
        # Each byte comes well within the read timeout: only the overall deadline ends the request.
        settings = _settings(
            api.base_url, request_timeout_s=5, request_deadline_s=1, retry=RetryBudget(max_attempts=2, base_delay_s=0.01)
        )
        async with OptumClaimsClient(settings) as client:
            outcome = await asyncio.wait_for(client.lookup(SEED_QUERY), GENEROUS_S)

    assert outcome.kind is LookupKind.FAILED and outcome.retryable
    assert outcome.error == "claims API timed out after 2 attempts"
    assert api.inquiries == 2


async def test_an_answer_over_the_size_cap_fails_the_row_without_reading_it_whole():
    with hostile_api("huge", huge_bytes=3_000_000) as api:
        async with OptumClaimsClient(_settings(api.base_url, max_answer_bytes=100_000)) as client:
            outcome = await client.lookup(SEED_QUERY)

    assert outcome.kind is LookupKind.FAILED and outcome.retryable and not outcome.redeliver
    assert outcome.error == "claims API answer larger than 100000 bytes"
    assert api.inquiries == 1


async def test_rejected_credentials_stop_every_lookup_after_one_fresh_token():
    with hostile_api("reject") as api:
        async with OptumClaimsClient(_settings(api.base_url)) as client:
            first = await asyncio.gather(*(client.lookup(SEED_QUERY) for _ in range(3)))
            later = await asyncio.gather(*(client.lookup(SEED_QUERY) for _ in range(50)))

    for outcome in [*first, *later]:
        assert (outcome.error, outcome.retryable, outcome.redeliver) == (CREDENTIALS_REJECTED_ERROR, True, False)
    assert api.inquiries <= 6  # each of the 3 once with the first token, once with a fresh one; then none
    assert api.token_requests <= 2


async def test_garbage_answers_open_the_circuit_and_end_the_lookups():
    with hostile_api("garbage") as api:
        settings = _settings(api.base_url, retry=RetryBudget(max_attempts=5, base_delay_s=0.01))
        async with OptumClaimsClient(settings) as client:
            outcomes = await asyncio.gather(*(client.lookup(SEED_QUERY) for _ in range(3)))
            later = await client.lookup(SEED_QUERY)

    for outcome in [*outcomes, later]:
        assert outcome.kind is LookupKind.FAILED and outcome.retryable and not outcome.redeliver
        assert "unreadable answer" in outcome.error
    assert client.breaker.times_opened >= 1
    assert api.inquiries <= 15
