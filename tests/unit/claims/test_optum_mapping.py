"""Mapping recorded answer shapes of the claims API into claim statuses."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from claimbatch.claims.optum_schema import InquiryResponse, choose_claim, inquiry_body, to_claim_status
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


def test_several_claims_without_a_matching_member_takes_the_latest():
    a = copy.deepcopy(SEED_CLAIM)
    a["member"]["lastName"] = "OTHER"
    a["claimStatus"] = "Denied"
    a["claimEvents"]["statusEffectiveDate"] = "09/01/2025"
    b = copy.deepcopy(a)
    b["claimStatus"] = "Pending"
    b["claimEvents"]["statusEffectiveDate"] = "01/01/2025"

    assert choose_claim(_claims(inquiry_answer(b, a)), SEED_QUERY).claim_status == "Denied"


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
    assert body["variables"]["searchClaimInput"] == {
        "payerId": "87726",
        "claimNumber": "ZE59426195",
        "memberId": "057896633",
        "memberFirstName": "CHANTAL",
        "memberLastName": "KISA",
        "memberDateOfBirth": "05/10/1975",
    }
