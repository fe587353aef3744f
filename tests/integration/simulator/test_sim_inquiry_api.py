"""The SearchClaim inquiry over loopback HTTP: data, validation, headers."""

from __future__ import annotations

import json
import logging

import pytest
from sim_http import SimulatorClient, graphql_body, search_input

from tests.support.claims_data import SEED_CLAIM, inquiry_answer

# CLAIMS_API.md's example answer, word for word.
SEED_ANSWER = inquiry_answer(SEED_CLAIM)


async def test_seed_claim_answers_the_contract_example(shared_api: SimulatorClient) -> None:
    response = await shared_api.inquire("ZE59426195")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == SEED_ANSWER


async def test_seed_claim_for_another_member_is_not_found(shared_api: SimulatorClient) -> None:
    assert await shared_api.claims("ZE59426195", memberDateOfBirth="05/10/1976") == []
    assert await shared_api.claims("ZE59426195", memberFirstName="CHARLES") == []


@pytest.mark.parametrize("claim_number", ["INVALID123", "NF00042"])
async def test_invalid_and_nf_claims_are_not_found(shared_api: SimulatorClient, claim_number: str) -> None:
    response = await shared_api.inquire(claim_number)

    assert response.status_code == 200
    assert response.json() == {
        "data": {"searchClaim": {"claims": [], "pagination": {"hasMoreRecords": False, "nextPageToken": None}}}
    }


async def test_other_claims_exist_for_the_member_asked_and_stay_the_same(shared_api: SimulatorClient) -> None:
    first = await shared_api.claims("QA7000001", memberFirstName="maria", memberLastName="Lopez", memberId="W777")
    again = await shared_api.claims("QA7000001", memberFirstName="maria", memberLastName="Lopez", memberId="W777")

    assert first == again
    (claim,) = first
    assert claim["member"]["firstName"] == "MARIA" and claim["member"]["lastName"] == "LOPEZ"
    assert claim["member"]["subscriberId"] == "W777"


async def test_multi_answers_several_claims(shared_api: SimulatorClient) -> None:
    claims = await shared_api.claims("MULTI77")

    assert len(claims) == 3
    assert len({claim["claimEvents"]["statusEffectiveDate"] for claim in claims}) == 3
    assert len({json.dumps(claim["member"], sort_keys=True) for claim in claims}) == 2


async def test_correlation_id_is_echoed(shared_api: SimulatorClient) -> None:
    response = await shared_api.inquire(headers={"x-optum-consumer-correlation-id": "corr-123"})

    assert response.headers["x-optum-consumer-correlation-id"] == "corr-123"


@pytest.mark.parametrize(
    ("headers", "mentions"),
    [
        ({"providerTaxId": None}, "providerTaxId"),
        ({"providerTaxId": "12345"}, "providerTaxId"),
        ({"providerTaxId": "12345678X"}, "providerTaxId"),
        ({"x-optum-consumer-correlation-id": None}, "x-optum-consumer-correlation-id"),
    ],
)
async def test_bad_headers_are_graphql_validation_failed(
    shared_api: SimulatorClient, headers: dict[str, str | None], mentions: str
) -> None:
    response = await shared_api.inquire(headers=headers)

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert mentions in error["description"]


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"query": "query SearchClaim { searchClaim }"}, "searchClaimInput"),
        ({"variables": {"searchClaimInput": search_input("AB1")}}, "query"),
        (graphql_body({**search_input("AB1"), "memberDateOfBirth": "1975-05-10"}), "memberDateOfBirth"),
        (graphql_body({k: v for k, v in search_input("AB1").items() if k != "memberId"}), "memberId is required"),
        (graphql_body({**search_input("AB1"), "claimNumber": 12345}), "claimNumber"),
        (["not", "an", "object"], "object"),
    ],
)
async def test_malformed_bodies_are_graphql_validation_failed(
    shared_api: SimulatorClient, body: object, mentions: str
) -> None:
    response = await shared_api.inquire(body=body)

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert mentions in error["description"]
    assert "1975" not in error["description"]


async def test_body_that_is_not_json_is_graphql_validation_failed(shared_api: SimulatorClient) -> None:
    token = await shared_api.access_token()
    response = await shared_api.http.post(
        "/oihub/claim/inquiry/v1",
        content=b"claimNumber=ZE59426195",
        headers={
            "Authorization": f"Bearer {token}",
            "providerTaxId": "123456789",
            "x-optum-consumer-correlation-id": "c1",
        },
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_simulator_logs_no_request_content(shared_api: SimulatorClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    await shared_api.inquire("ZE59426195")
    await shared_api.inquire("E500PHI", memberFirstName="SECRETNAME")
    await shared_api.inquire("AB1", memberDateOfBirth="13/45/1975")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    for phi in ("ZE59426195", "CHANTAL", "KISA", "05/10/1975", "057896633", "E500PHI", "SECRETNAME", "13/45/1975"):
        assert phi not in logged
