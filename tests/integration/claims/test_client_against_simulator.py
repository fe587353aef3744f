"""The claims client against the real simulator over loopback HTTP: the
simulator holds the published schema, so every found answer here also proves
the client's document and variables are the ones the gateway accepts."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

import pytest

from claimbatch.claims.claim_choice import MEMBER_MISMATCH_ERROR
from claimbatch.claims.optum_client import OptumClaimsClient
from claimbatch.claims.settings import ClaimsApiSettings, RetryBudget
from claimbatch.domain.claim_answer import LookupKind
from claimbatch.simulator.server import start_simulator
from tests.support.claims_data import SEED_PHI, SEED_QUERY, member_query
from tests.support.fake_time import FakeTime


def _settings(base_url: str, **overrides: object) -> ClaimsApiSettings:
    return ClaimsApiSettings(
        base_url=base_url, client_id="demo-client", client_secret="demo-secret", provider_tin="123456789", **overrides
    )


def _query(claim_number: str):
    return member_query(claim_number)


def _unique(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:8].upper()


async def test_seed_claim_with_its_exact_figures(simulator):
    async with OptumClaimsClient(_settings(simulator.base_url)) as client:
        outcome = await client.lookup(SEED_QUERY)

    claim = outcome.claim
    assert outcome.kind is LookupKind.FOUND
    assert (claim.status, str(claim.total_charged), str(claim.total_paid)) == ("Finalized", "720.00", "351.00")
    assert claim.processed_date.isoformat() == "2025-08-08"
    assert (claim.status_category, claim.status_code, claim.payment_number) == ("F1", "65", "EFT0001234")


async def test_invalid_and_d0_claims_are_not_found(simulator):
    async with OptumClaimsClient(_settings(simulator.base_url)) as client:
        invalid = await client.lookup(_query("INVALID123"))
        d0 = await client.lookup(_query(_unique("D0")))

    assert invalid.kind is d0.kind is LookupKind.NOT_FOUND
    assert d0.error == "Claim not found"


async def test_a_claim_of_another_patient_fails_and_nothing_of_it_is_logged(simulator, captured_logs):
    claim_number = _unique("MM")
    async with OptumClaimsClient(_settings(simulator.base_url)) as client:
        other = await client.lookup(_query(claim_number))
        seed_for_someone_else = await client.lookup(dataclasses.replace(SEED_QUERY, first_name="JOHN", last_name="DOE"))

    for outcome in (other, seed_for_someone_else):
        assert (outcome.kind, outcome.error, outcome.retryable) == (LookupKind.FAILED, MEMBER_MISMATCH_ERROR, False)
        assert outcome.claim is None
    from claimbatch.simulator.members import claim_member

    holder = claim_member(claim_number)
    for value in (holder.first_name, holder.last_name, holder.date_of_birth, holder.subscriber_id, "CHANTAL", "KISA"):
        assert value not in captured_logs.text


async def test_the_later_status_on_the_second_page_is_chosen(simulator):
    async with OptumClaimsClient(_settings(simulator.base_url)) as client:
        outcome = await client.lookup(_query(_unique("PG")))

    assert outcome.kind is LookupKind.FOUND and outcome.claim.status == "Finalized"
    assert outcome.attempts == 2  # one request per page


async def test_e0_and_graphql_errors_fail_for_good_with_the_payer_text(simulator):
    async with OptumClaimsClient(_settings(simulator.base_url)) as client:
        not_processed = await client.lookup(_query(_unique("E0")))
        unsupported = await client.lookup(_query(_unique("EGQL")))

    assert (not_processed.kind, not_processed.retryable) == (LookupKind.FAILED, False)
    assert not_processed.error == "Response not possible - error on submitted request data"
    assert (unsupported.error, unsupported.retryable) == ("PSPFNS : Currently not Supported for UMR", False)
    assert unsupported.attempts == 1


async def test_payer_system_unavailable_twice_is_retried_then_found(simulator):
    fake = FakeTime()
    async with OptumClaimsClient(_settings(simulator.base_url), timing=fake.timing()) as client:
        outcome = await client.lookup(_query(_unique("EUNAV")))

    assert outcome.kind is LookupKind.FOUND and outcome.attempts == 3
    assert len(fake.sleeps) == 2


async def test_503_twice_then_success_and_429_twice_then_success(simulator):
    fake = FakeTime()
    async with OptumClaimsClient(_settings(simulator.base_url), timing=fake.timing()) as client:
        unavailable = await client.lookup(_query(_unique("E503X2")))
        throttled = await client.lookup(_query(_unique("E429X2")))

    assert unavailable.kind is LookupKind.FOUND and unavailable.attempts == 3
    assert throttled.kind is LookupKind.FOUND and throttled.attempts == 3
    assert fake.sleeps[-2:] == [1.0, 1.0]  # the simulator's Retry-After, honoured


async def test_400_is_permanent_and_500_exhausts_the_budget(simulator):
    fake = FakeTime()
    async with OptumClaimsClient(_settings(simulator.base_url, retry=RetryBudget(max_attempts=4)), timing=fake.timing()) as client:
        rejected = await client.lookup(_query(_unique("E400")))
        broken = await client.lookup(_query(_unique("E500")))

    assert rejected.kind is LookupKind.FAILED and not rejected.retryable and rejected.attempts == 1
    assert broken.kind is LookupKind.FAILED and broken.retryable and broken.attempts == 4


async def test_payer_unavailable_answer_is_retried_and_fails_retryably(simulator):
    fake = FakeTime()
    async with OptumClaimsClient(_settings(simulator.base_url, retry=RetryBudget(max_attempts=2)), timing=fake.timing()) as client:
        outcome = await client.lookup(_query(_unique("EUNAVX5")))

    assert outcome.retryable and "payer system unavailable" in outcome.error


async def test_slow_answer_times_out_and_is_retryable(simulator):
    settings = _settings(simulator.base_url, request_timeout_s=0.05, retry=RetryBudget(max_attempts=2))
    async with OptumClaimsClient(settings, timing=FakeTime().timing()) as client:
        outcome = await client.lookup(_query(_unique("SLOW")))

    assert outcome.retryable and outcome.error == "claims API timed out after 2 attempts"


async def test_concurrent_lookups_request_one_token_and_respect_the_in_flight_cap():
    with start_simulator(latency_ms=20) as simulator:
        async with OptumClaimsClient(_settings(simulator.base_url, max_in_flight=5)) as client:
            outcomes = await asyncio.gather(*(client.lookup(_query(f"CAP{n:05d}")) for n in range(40)))
        stats = simulator.stats()

    assert all(outcome.kind is LookupKind.FOUND for outcome in outcomes)
    assert stats["token_requests"] == 1
    assert stats["peak_concurrency"] <= 5


async def test_expired_token_is_refreshed_once_for_all_concurrent_lookups():
    with start_simulator(token_ttl_s=0.3) as simulator:
        settings = _settings(simulator.base_url, token_refresh_margin_s=0)
        async with OptumClaimsClient(settings) as client:
            await client.lookup(SEED_QUERY)
            await asyncio.sleep(0.4)  # the server-side token has expired; the first 401 refreshes it
            outcomes = await asyncio.gather(*(client.lookup(SEED_QUERY) for _ in range(10)))
        stats = simulator.stats()

    assert all(outcome.kind is LookupKind.FOUND for outcome in outcomes)
    assert stats["token_requests"] == 2


async def test_wrong_secret_fails_every_lookup_clearly(simulator):
    settings = ClaimsApiSettings(
        base_url=simulator.base_url, client_id="demo-client", client_secret="wrong", provider_tin="123456789"
    )
    async with OptumClaimsClient(settings) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert outcome.error == "claims API rejected the credentials"


async def test_rate_limited_simulator_is_ridden_out(simulator):
    with start_simulator(rate_limit=20) as limited:
        fake = FakeTime()
        async with OptumClaimsClient(_settings(limited.base_url), timing=fake.timing()) as client:
            outcomes = await asyncio.gather(*(client.lookup(_query(f"RL{n:05d}")) for n in range(40)))

    assert {outcome.kind for outcome in outcomes} <= {LookupKind.FOUND, LookupKind.FAILED}
    assert client.stats.throttled > 0


async def test_no_phi_in_the_logs_of_a_batch_of_lookups(simulator, captured_logs):
    fake = FakeTime()
    queries = [
        SEED_QUERY,
        _query("INVALID123"),
        _query(_unique("E503X2")),
        _query(_unique("E400")),
        _query(_unique("E429X2")),
        dataclasses.replace(SEED_QUERY, first_name="JOHN"),
    ]
    async with OptumClaimsClient(_settings(simulator.base_url, retry=RetryBudget(max_attempts=3)), timing=fake.timing()) as client:
        await asyncio.gather(*(client.lookup(query) for query in queries))

    logs = captured_logs.text
    assert "inquiry" in logs  # the client did log its retries
    for value in SEED_PHI:
        assert value not in logs
    assert "demo-secret" not in logs
