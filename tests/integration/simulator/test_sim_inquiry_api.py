"""The SearchClaim inquiry over loopback HTTP: data, pages, validation against
the published schema, headers."""

from __future__ import annotations

import json
import logging

import pytest
from sim_http import SEARCH_CLAIM_QUERY, SimulatorClient, graphql_body, search_input

from claimbatch.claims.optum_schema import SEARCH_CLAIM_QUERY as CLIENT_QUERY
from claimbatch.simulator.members import claim_member
from tests.support.claims_data import SEED_CLAIM, inquiry_answer

# The contract's example answer, word for word.
SEED_ANSWER = inquiry_answer(SEED_CLAIM)


async def test_seed_claim_answers_the_contract_example(shared_api: SimulatorClient) -> None:
    body = {
        "operationName": "SearchClaim",
        "query": CLIENT_QUERY,
        "variables": {"searchClaimInput": search_input("ZE59426195")},
    }
    response = await shared_api.inquire(body=body)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == SEED_ANSWER


async def test_the_answer_holds_exactly_the_fields_asked_for(shared_api: SimulatorClient) -> None:
    (claim,) = await shared_api.claims("ZE59426195")

    assert set(claim) == {"claimNumber", "claimStatus", "member", "claimEvents", "claimStatusCrosswalkData"}
    assert set(claim["claimEvents"]) == {"statusEffectiveDate"}
    assert claim["member"]["firstName"] == "CHANTAL"


async def test_the_published_example_query_is_accepted_whole(shared_api: SimulatorClient) -> None:
    response = await shared_api.inquire(body={"query": PUBLISHED_EXAMPLE_QUERY, "variables": {"searchClaimInput": search_input("AB12345")}})

    assert response.status_code == 200, response.text
    (claim,) = response.json()["data"]["searchClaim"]["claims"]
    assert claim["claimDetailedInformation"] is None and claim["claimNumber"] == "AB12345"


async def test_the_input_argument_of_the_old_example_is_refused(shared_api: SimulatorClient) -> None:
    query = SEARCH_CLAIM_QUERY.replace("searchClaim(searchClaimInput:", "searchClaim(input:")
    response = await shared_api.inquire(body={"query": query, "variables": {"searchClaimInput": search_input("AB1")}})

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Unknown argument 'input' on field 'Query.searchClaim'." in error["description"]


async def test_unknown_fields_are_refused_with_the_validator_message(shared_api: SimulatorClient) -> None:
    query = SEARCH_CLAIM_QUERY.replace("claimStatus member", "claimStatus patientName member")
    response = await shared_api.inquire(body={"query": query, "variables": {"searchClaimInput": search_input("AB1")}})

    assert response.status_code == 400
    assert response.json()["errors"][0]["description"] == "Cannot query field 'patientName' on type 'Claims'."


async def test_a_claim_answers_for_its_own_member_whoever_asks(shared_api: SimulatorClient) -> None:
    (claim,) = await shared_api.claims("QA7000001")
    holder = claim_member("QA7000001")

    assert claim["member"]["firstName"] == holder.first_name and claim["member"]["lastName"] == holder.last_name


async def test_member_fields_without_service_dates_are_refused(shared_api: SimulatorClient) -> None:
    response = await shared_api.inquire("ZE59426195", memberFirstName="CHANTAL", memberLastName="KISA")

    assert response.status_code == 400
    assert "serviceStartDate and serviceEndDate are required" in response.json()["errors"][0]["description"]


async def test_pg_claims_answer_on_two_pages(shared_api: SimulatorClient) -> None:
    first = (await shared_api.inquire("PG0001")).json()["data"]["searchClaim"]
    assert first["pagination"]["hasMoreRecords"] is True
    token = first["pagination"]["nextPageToken"]
    second = (await shared_api.inquire("PG0001", headers={"nextPageToken": token})).json()["data"]["searchClaim"]
    bogus = await shared_api.inquire("PG0001", headers={"nextPageToken": "not-a-token"})

    assert [first["claims"][0]["claimStatus"], second["claims"][0]["claimStatus"]] == ["Pending", "Finalized"]
    assert second["pagination"] == {"hasMoreRecords": False, "nextPageToken": None}
    assert bogus.status_code == 400


@pytest.mark.parametrize("claim_number", ["INVALID123", "NF00042"])
async def test_invalid_and_nf_claims_are_not_found(shared_api: SimulatorClient, claim_number: str) -> None:
    response = await shared_api.inquire(claim_number)

    assert response.status_code == 200
    assert response.json() == {
        "data": {"searchClaim": {"claims": [], "pagination": {"hasMoreRecords": False, "nextPageToken": None}}}
    }


async def test_other_claims_exist_and_stay_the_same(shared_api: SimulatorClient) -> None:
    assert await shared_api.claims("QA7000001") == await shared_api.claims("QA7000001")


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
        (graphql_body({"claimNumber": "AB1"}), "payerId"),
        (graphql_body({**search_input("AB1"), "claimNumber": 12345}), "claimNumber"),
        (graphql_body({**search_input("AB1"), "memberDateOfBirth": "1975-05-10", "serviceStartDate": "01/01/2025",
                       "serviceEndDate": "01/31/2025"}), "memberDateOfBirth"),
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


async def test_a_request_without_correlation_id_is_answered(shared_api: SimulatorClient) -> None:
    response = await shared_api.inquire(headers={"x-optum-consumer-correlation-id": None})

    assert response.status_code == 200  # the header is optional in the published contract


async def test_simulator_logs_no_request_content(shared_api: SimulatorClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    await shared_api.inquire("ZE59426195")
    await shared_api.inquire("E500PHI", memberFirstName="SECRETNAME")
    await shared_api.inquire("AB1", memberDateOfBirth="13/45/1975", serviceStartDate="01/01/2025", serviceEndDate="01/02/2025")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    for phi in ("ZE59426195", "CHANTAL", "KISA", "05/10/1975", "057896633", "E500PHI", "SECRETNAME", "13/45/1975"):
        assert phi not in logged


# The query of the SearchClaim example in the payer's published Claim Inquiry API description, whole.
PUBLISHED_EXAMPLE_QUERY = (
    "query SearchClaim($searchClaimInput: SearchClaimInput!) { searchClaim(searchClaimInput: $searchClaimInput) "
    "{ claims { claimNumber claimReceiptLocatorNumber claimInventoryControlNumber claimStatus isMedicarePendProcess "
    "hasClaimDetails member { subscriberId policyNumber firstName lastName middleInitial dateOfBirth relationshipCode "
    "dependentSequenceNumber memberId } provider { submitted { billingTin billingProviderName billingNpi "
    "renderingProviderName } adjudicated { billingTinPrefix billingTin billingTinSuffix billingProviderName billingNpi "
    "billingProviderMpin renderingProviderName renderingProviderMpin } } claimEvents { receivedDate processedDate "
    "processedTime serviceStartDate serviceEndDate statusEffectiveDate } claimLevelInfo { patientAccountNumber "
    "claimType providerNetworkStatus claimFlagTag surpriseMedicalBillingIndicator surpriseMedicalBillingState } "
    "claimLevelTotalAmount { totalBilledChargeAmount totalProviderWriteOffAmount totalPatientNotCoveredAmount "
    "totalProviderNotCoveredAmount totalAllowedAmount totaldeductibleAmount totalCopayAmount totalCoinsAmount "
    "totalPaidAmount totalPatientResponsibilityAmount } payments { paymentNumber adjudicatedClaimPaymentNumber "
    "adjudicatedClaimPaymentAmount checkSeriesDesignator paymentModeCode paymentAmount paymentIssueDate "
    "claimPayeeAssignmentCode payeeName payeeAddress { addressLine cityName state zip } } claimStatusCrosswalkData "
    "{ claim507Code claim507CodeDesc claim508Code claim508CodeDesc adjudicatedClaimSuffixCode "
    "adjudicatedClaimPaymentNumber } claimAdjudicationCodes { claimCodeType code description } documents "
    "{ documentType documentCreatedDate documentReceivedDate documentName documentId } claimDetailedInformation "
    "{ claimNumber adjudicatedClaimSummaryStatus claimActionIdentifier allowedActions payerId coordinationOfBenefits "
    "{ cobPayerId claimOIPaidAmount otherInsuredName submittedCobIndicator cobPayerType cobDesc cobPolicyDesc "
    "cobPaymentType adjudicatedCobIndicator cobMedicalCalcType cobCommercialCalcType } diagnosisCodes "
    "{ diagnosisSequenceNumber diagnosisCode diagnosisCodeType } claimDetailEvents { receivedDate initialDecisionDate "
    "lastDenialDate } claimLevelIndicators { claimReprocessedIndicator paymentToEnrolleeCode isCapitationIndicator "
    "electronicPayerID placeOfService payerType } patientInfo { patientName patientGroupNumber patientSubscriberNumber "
    "patientRelationship } claimLineActions { ticketType allowedAction actionMessage allowedReconReasons "
    "allowedReconsiderationReasons { isAttachmentRequired requestReason requestReasonDesc requestReasonMsg } "
    "requiredConsentForm note documentLink ticketDetails { ticketNumber ticketSubmitDate ticketStatus ticketOutcome "
    "ticketReason isClosed lastUpdatedDate lastComment ticketType } } lines { lineKey lineNumber unitCount serviceCode "
    "revenueCode linePaymentServiceCode procedureCode procedureTypeCode modifiers diagnosisPointers lineEvents "
    "{ processedDate processedTime serviceStartDate serviceEndDate } lineLevelTotalAmounts { billedChargeAmount "
    "notCoveredAmount providerNotCoveredAmount patientNotCoveredAmount providerWriteOffAmount allowedAmount "
    "deductibleAmount copayAmount coinsuranceAmount paidAmount memberResponsiblityAmount medicarePaidAmount "
    "reserveAmount qualifiedPaymentAmount } lineIndicators { inventoryControlNumberSuffix "
    "inventoryControlNumberSuffixVersion providerNetworkStatus transactionCode causeCode overrideCode "
    "planCoveragePercent capitationIndicator capFundType lineLevelPlaceOfService surpriseMedicalBillingIndicator "
    "surpriseMedicalBillingState providerGroupOfferPercentage } lineAdjudicationCodes { type code description } } } } "
    "pagination { hasMoreRecords nextPageToken } } }"
)
