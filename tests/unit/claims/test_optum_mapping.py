"""Mapping recorded answer shapes of the claims API into claim statuses, and
choosing the row's own claim among those a claim-number search returns."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from claimbatch.claims.claim_choice import MEMBER_MISMATCH_ERROR, choose_claim, outcome_of
from claimbatch.claims.member_match import normalised_name
from claimbatch.claims.optum_schema import InquiryResponse, inquiry_body, to_claim_status
from claimbatch.domain.claim_answer import LookupKind
from claimbatch.domain.claim_row import ClaimQuery
from tests.support.claims_data import SEED_CLAIM, SEED_QUERY, inquiry_answer


def _claims(payload: dict):
    return InquiryResponse.model_validate(payload).data.search_claim.claims


def test_found_claim_maps_every_field_of_the_row():
    claim = choose_claim(_claims(inquiry_answer(SEED_CLAIM)), SEED_QUERY)

    status = to_claim_status(claim)

    assert status.status == "Finalized"
    assert (status.patient_first_name, status.patient_last_name) == ("CHANTAL", "KISA")
    assert status.total_charged == Decimal("720.00")
    assert status.total_paid == Decimal("351.00")
    assert status.processed_date == date(2025, 8, 8)
    assert (status.status_category, status.status_code) == ("F1", "65")
    assert (status.payment_number, status.payment_date) == ("EFT0001234", date(2025, 8, 12))


def test_not_found_is_an_empty_claims_list():
    assert _claims(inquiry_answer()) == []


def test_several_claims_prefers_the_member_of_the_row_then_the_latest_status():
    other_member = copy.deepcopy(SEED_CLAIM)
    other_member["member"]["firstName"] = "SOMEONE"
    other_member["claimEvents"]["statusEffectiveDate"] = "12/31/2025"
    older = copy.deepcopy(SEED_CLAIM)
    older["claimStatus"] = "Pending"
    older["claimEvents"]["statusEffectiveDate"] = "07/22/2025"

    chosen = choose_claim(_claims(inquiry_answer(other_member, older, SEED_CLAIM)), SEED_QUERY)

    assert chosen.claim_status == "Finalized"
    assert chosen.member.first_name == "CHANTAL"


def test_claims_of_another_member_only_are_never_chosen():
    a = copy.deepcopy(SEED_CLAIM)
    a["member"]["lastName"] = "OTHER"
    a["claimStatus"] = "Denied"
    b = copy.deepcopy(a)
    b["member"]["dateOfBirth"] = "05/11/1975"
    b["member"]["lastName"] = "KISA"

    assert choose_claim(_claims(inquiry_answer(b, a)), SEED_QUERY) is None
    outcome = outcome_of(_claims(inquiry_answer(b, a)), SEED_QUERY, attempts=1)
    assert outcome.kind is LookupKind.FAILED and not outcome.retryable
    assert outcome.error == MEMBER_MISMATCH_ERROR
    assert outcome.claim is None  # nothing of the other patient's claim is carried on


@pytest.mark.parametrize(
    ("payer", "row"),
    [
        ("O'BRIEN-SMITH", "obrien smith"),
        ("JOSÉ", "Jose"),
        ("ST. JOHN", "ST JOHN"),
        ("VAN DER BERG", "vanderberg"),
        ("D\u2019ANDRE", "D'ANDRE"),
        ("MÜLLER", "MULLER"),
    ],
)
def test_member_names_match_after_normalising(payer, row):
    assert normalised_name(payer) == normalised_name(row)
    claim = copy.deepcopy(SEED_CLAIM)
    claim["member"]["lastName"] = payer
    query = ClaimQuery("ZE59426195", "chantal", row, SEED_QUERY.date_of_birth, "anything")
    assert choose_claim(_claims(inquiry_answer(claim)), query) is not None


@pytest.mark.parametrize("first", ["CHANTALE", "CHANTA", ""])
def test_a_different_name_is_another_member(first):
    claim = copy.deepcopy(SEED_CLAIM)
    claim["member"]["firstName"] = first
    assert choose_claim(_claims(inquiry_answer(claim)), SEED_QUERY) is None


def test_same_status_date_is_decided_by_the_processed_date():
    earlier = copy.deepcopy(SEED_CLAIM)
    earlier["claimStatus"] = "Pending"
    earlier["claimEvents"]["processedDate"] = "08/01/2025"
    assert choose_claim(_claims(inquiry_answer(earlier, SEED_CLAIM)), SEED_QUERY).claim_status == "Finalized"


@pytest.mark.parametrize("category", ["D0", "A4"])
def test_claims_all_in_not_found_categories_are_not_found(category):
    claim = copy.deepcopy(SEED_CLAIM)
    claim["claimStatusCrosswalkData"][0]["claim507Code"] = category
    assert outcome_of(_claims(inquiry_answer(claim)), SEED_QUERY, 1).kind is LookupKind.NOT_FOUND
    assert outcome_of([], SEED_QUERY, 1).kind is LookupKind.NOT_FOUND


@pytest.mark.parametrize("category", ["E0", "E3", "E4"])
def test_not_processed_categories_fail_for_good_with_the_payer_description(category):
    claim = copy.deepcopy(SEED_CLAIM)
    claim["claimStatusCrosswalkData"][0].update(claim507Code=category, claim507CodeDesc="Cannot process this request.")
    outcome = outcome_of(_claims(inquiry_answer(claim)), SEED_QUERY, 1)
    assert (outcome.kind, outcome.error, outcome.retryable) == (LookupKind.FAILED, "Cannot process this request.", False)


def test_missing_amounts_dates_and_payments_map_to_empty_values():
    sparse = {
        "claimNumber": "P1",
        "claimStatus": "Pending",
        "member": {"firstName": "A", "lastName": "B"},
        "claimEvents": {"receivedDate": "07/21/2025", "processedDate": None},
        "claimLevelTotalAmount": {"totalBilledChargeAmount": "15.5", "totalPaidAmount": None},
        "payments": None,
        "claimStatusCrosswalkData": [],
    }

    status = to_claim_status(_claims(inquiry_answer(sparse))[0])

    assert status.total_charged == Decimal("15.5")
    assert status.total_paid is None
    assert status.processed_date is None
    assert status.payment_number is None and status.status_category is None


def test_inquiry_body_carries_the_row_as_the_api_names_it():
    body = inquiry_body(SEED_QUERY, "87726")

    assert body["operationName"] == "SearchClaim"
    # A search by claim number only: member fields would make it a member search.
    assert body["variables"]["searchClaimInput"] == {"payerId": "87726", "claimNumber": "ZE59426195"}
    assert "searchClaim(searchClaimInput: $searchClaimInput)" in body["query"]
