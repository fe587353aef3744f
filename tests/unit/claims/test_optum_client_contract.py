"""The client against recorded shapes of the published contract: pages, both
error shapes, headers, token lifetimes (respx, fake time)."""

from __future__ import annotations

import copy
import json

import httpx
import pytest
import respx

from claimbatch.claims.claim_choice import MEMBER_MISMATCH_ERROR
from claimbatch.claims.optum_client import INQUIRY_PATH, TOKEN_PATH, OptumClaimsClient
from claimbatch.claims.settings import ClaimsApiSettings
from claimbatch.domain.claim_answer import LookupKind
from tests.support.claims_data import SEED_CLAIM, SEED_QUERY, inquiry_answer
from tests.support.fake_time import FakeTime
from tests.support.optum_api import BASE



def _token(expires_in: object = 3600) -> httpx.Response:
    return httpx.Response(200, json={"access_token": "tok", "token_type": "Bearer", "expires_in": expires_in})


def _client(fake_time: FakeTime, **settings: object) -> OptumClaimsClient:
    return OptumClaimsClient(
        ClaimsApiSettings(
            base_url=BASE, client_id="id", client_secret="secret", provider_tin="123456789", **settings
        ),
        timing=fake_time.timing(),
    )


@pytest.fixture
def api():  # its own token, with the lifetime some tests change
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.post(TOKEN_PATH).mock(return_value=_token())
        yield mock


def _page(*claims: dict, next_token: str | None = None) -> httpx.Response:
    body = inquiry_answer(*claims)
    body["data"]["searchClaim"]["pagination"] = {"hasMoreRecords": next_token is not None, "nextPageToken": next_token}
    return httpx.Response(200, json=body)


async def test_every_page_is_read_before_choosing(api, fake_time):
    pending = copy.deepcopy(SEED_CLAIM)
    pending["claimStatus"] = "Pending"
    pending["claimEvents"]["statusEffectiveDate"] = "07/25/2025"
    other = copy.deepcopy(SEED_CLAIM)
    other["member"]["firstName"] = "SOMEONE"
    inquiry = api.post(INQUIRY_PATH).mock(
        side_effect=[_page(pending, next_token="p2"), _page(other, next_token="p3"), _page(SEED_CLAIM)]
    )

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert outcome.kind is LookupKind.FOUND and outcome.claim.status == "Finalized"
    pages = [call.request.headers.get("nextPageToken") for call in inquiry.calls]
    assert pages == [None, "p2", "p3"]
    bodies = {call.request.content for call in inquiry.calls}
    assert len(bodies) == 1  # the same request, page after page


async def test_at_most_ten_pages_are_read(api, fake_time):
    inquiry = api.post(INQUIRY_PATH).mock(return_value=_page(SEED_CLAIM, next_token="again"))

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert inquiry.call_count == 10 and outcome.kind is LookupKind.FOUND


async def test_claims_of_another_patient_fail_the_row_and_nothing_of_them_is_kept(api, fake_time, captured_logs):
    other = copy.deepcopy(SEED_CLAIM)
    other["member"].update(firstName="JOHN", lastName="DOE")
    api.post(INQUIRY_PATH).mock(return_value=_page(other))

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert (outcome.kind, outcome.error, outcome.retryable) == (LookupKind.FAILED, MEMBER_MISMATCH_ERROR, False)
    assert outcome.claim is None
    assert "JOHN" not in captured_logs.text and "720.00" not in captured_logs.text


async def test_graphql_errors_with_http_200_fail_the_row_with_the_message(api, fake_time):
    body = {"data": None, "errors": [{"message": "PSPFNS : Currently not Supported for UMR", "extensions": {"code": "PSPFNS"}}]}
    inquiry = api.post(INQUIRY_PATH).mock(return_value=httpx.Response(200, json=body))

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert (outcome.kind, outcome.error, outcome.retryable) == (
        LookupKind.FAILED,
        "PSPFNS : Currently not Supported for UMR",
        False,
    )
    assert inquiry.call_count == 1


@pytest.mark.parametrize(
    "body",
    [
        {"errors": [{"code": "GRAPHQL_VALIDATION_FAILED", "description": "Unknown argument 'input'."}]},
        {"data": None, "errors": [{"message": "Unknown argument 'input'.", "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]},
    ],
    ids=["gateway shape", "graphql shape"],
)
async def test_400_in_either_error_shape_gives_the_payer_text(api, fake_time, body):
    api.post(INQUIRY_PATH).mock(return_value=httpx.Response(400, json=body))

    async with _client(fake_time) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert outcome.error == "Unknown argument 'input'." and not outcome.retryable


async def test_environment_header_only_when_configured(api, fake_time):
    inquiry = api.post(INQUIRY_PATH).mock(return_value=_page(SEED_CLAIM))

    async with _client(fake_time) as plain:
        await plain.lookup(SEED_QUERY)
    async with _client(fake_time, environment="sandbox") as sandbox:
        await sandbox.lookup(SEED_QUERY)
        await sandbox.lookup(SEED_QUERY)

    first, second, third = (call.request for call in inquiry.calls)
    assert "environment" not in first.headers
    assert second.headers["environment"] == "sandbox"
    ids = {request.headers["x-optum-consumer-correlation-id"] for request in (first, second, third)}
    assert len(ids) == 3  # one correlation id per request
    assert json.loads(second.content)["variables"] == {"searchClaimInput": {"payerId": "87726", "claimNumber": "ZE59426195"}}


@pytest.mark.parametrize(("expires_in", "token_requests"), [(7200, 1), ("7200", 1), (1800, 2)])
async def test_token_lives_as_long_as_expires_in_says(api, fake_time, expires_in, token_requests):
    api.post(TOKEN_PATH).mock(return_value=_token(expires_in))
    api.post(INQUIRY_PATH).mock(return_value=_page(SEED_CLAIM))

    async with _client(fake_time) as client:
        await client.lookup(SEED_QUERY)
        fake_time.now += 3600  # an hour later: a two-hour token is still good
        await client.lookup(SEED_QUERY)

    assert client.stats.token_requests == token_requests


def test_request_timeout_is_thirty_seconds_unless_set():
    settings = ClaimsApiSettings(base_url=BASE, client_id="i", client_secret="s", provider_tin="123456789")
    assert settings.request_timeout_s == 30.0


@pytest.mark.parametrize("expires_in", [0, -30])
async def test_a_token_said_to_live_no_time_is_kept_a_minute(api, fake_time, expires_in):
    api.post(TOKEN_PATH).mock(return_value=_token(expires_in))
    api.post(INQUIRY_PATH).mock(return_value=_page(SEED_CLAIM))

    async with _client(fake_time) as client:
        for _ in range(5):
            await client.lookup(SEED_QUERY)
            fake_time.now += 5  # 25 s in all: within the minute's floor

    assert client.stats.token_requests == 1


async def test_a_401_right_after_a_fresh_token_rejects_the_credentials_and_stops_calling(api, fake_time):
    inquiry = api.post(INQUIRY_PATH).mock(return_value=httpx.Response(401, json={"errors": []}))

    async with _client(fake_time) as client:
        first = await client.lookup(SEED_QUERY)
        later = [await client.lookup(SEED_QUERY) for _ in range(10)]

    for outcome in (first, *later):
        assert (outcome.error, outcome.retryable, outcome.redeliver) == ("claims API rejected the credentials", True, False)
    assert inquiry.call_count == 2 and client.stats.token_requests == 2


async def test_credentials_are_tried_again_after_a_while(api, fake_time):
    inquiry = api.post(INQUIRY_PATH).mock(
        side_effect=[httpx.Response(401), httpx.Response(401), _page(SEED_CLAIM)]
    )

    async with _client(fake_time) as client:
        rejected = await client.lookup(SEED_QUERY)
        fake_time.now += 600  # the settings were fixed meanwhile
        found = await client.lookup(SEED_QUERY)

    assert rejected.error == "claims API rejected the credentials"
    assert found.kind is LookupKind.FOUND and inquiry.call_count == 3


async def test_unreadable_answers_count_towards_the_circuit(api, fake_time):
    api.post(INQUIRY_PATH).mock(return_value=httpx.Response(200, content=b"<html>"))

    async with _client(fake_time) as client:
        outcomes = [await client.lookup(SEED_QUERY) for _ in range(4)]

    assert client.breaker.times_opened == 1
    assert all(not outcome.redeliver and "unreadable" in outcome.error for outcome in outcomes)
    assert api.routes[1].call_count == 10  # the breaker's threshold; then no more requests


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_an_answer_over_the_cap_is_a_row_error(api, fake_time, declared):
    body = b'{"data": {"searchClaim": {"claims": []}}, "pad": "' + b"x" * 5000 + b'"}'
    if declared:
        response = httpx.Response(200, content=body)
    else:
        response = httpx.Response(200, stream=httpx.ByteStream(body), headers={"Transfer-Encoding": "chunked"})
    api.post(INQUIRY_PATH).mock(return_value=response)

    async with _client(fake_time, max_answer_bytes=1000) as client:
        outcome = await client.lookup(SEED_QUERY)

    assert outcome.error == "claims API answer larger than 1000 bytes" and outcome.retryable and not outcome.redeliver
