"""The simulator's data: the seed claim, not-found rules, derived claims, several claims per number."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest

from claimbatch.simulator.claims_data import InvalidSearchInput, pick_outcome, search_claims

# The 200 answer of CLAIMS_API.md, verbatim.
SEED_ANSWER = json.loads("""
{"data": {"searchClaim": {
  "claims": [{
    "claimNumber": "ZE59426195", "claimStatus": "Finalized",
    "member": {"firstName": "CHANTAL", "lastName": "KISA", "dateOfBirth": "05/10/1975", "subscriberId": "057896633"},
    "claimEvents": {"receivedDate": "07/21/2025", "processedDate": "08/08/2025", "statusEffectiveDate": "08/08/2025"},
    "claimLevelTotalAmount": {"totalBilledChargeAmount": "720.00", "totalAllowedAmount": "402.00",
                              "totalPaidAmount": "351.00", "totalPatientResponsibilityAmount": "51.00"},
    "payments": [{"paymentNumber": "EFT0001234", "paymentModeCode": "ACH", "paymentIssueDate": "08/12/2025",
                  "adjudicatedClaimPaymentAmount": "351.00"}],
    "claimStatusCrosswalkData": [{"claim507Code": "F1", "claim507CodeDesc": "Finalized/Payment",
                                  "claim508Code": "65", "claim508CodeDesc": "Claim/line has been paid."}]
  }],
  "pagination": {"hasMoreRecords": false, "nextPageToken": null}}}}
""")

CHANTAL = {
    "payerId": "87726",
    "memberId": "057896633",
    "memberFirstName": "CHANTAL",
    "memberLastName": "KISA",
    "memberDateOfBirth": "05/10/1975",
}


def ask(claim_number: str, **changes: str) -> dict:
    return search_claims({**CHANTAL, "claimNumber": claim_number, **changes})


def only_claim(claim_number: str, **changes: str) -> dict:
    claims = ask(claim_number, **changes)["claims"]
    assert len(claims) == 1
    return claims[0]


def test_seed_claim_is_exactly_the_contract_example() -> None:
    assert ask("ZE59426195") == SEED_ANSWER["data"]["searchClaim"]


def test_seed_claim_matches_member_names_case_insensitively() -> None:
    assert ask("ZE59426195", memberFirstName="chantal", memberLastName="Kisa") == SEED_ANSWER["data"]["searchClaim"]


@pytest.mark.parametrize(
    "mismatch",
    [
        {"memberFirstName": "CHANTALE"},
        {"memberLastName": "KISSA"},
        {"memberDateOfBirth": "05/11/1975"},
        {"memberId": "057896634"},
    ],
    ids=["first name", "last name", "date of birth", "subscriber id"],
)
def test_seed_claim_for_another_member_is_not_found(mismatch: dict[str, str]) -> None:
    assert ask("ZE59426195", **mismatch) == {
        "claims": [],
        "pagination": {"hasMoreRecords": False, "nextPageToken": None},
    }


@pytest.mark.parametrize("claim_number", ["INVALID123", "INVALID", "NF0001", "nf42"])
def test_invalid_and_nf_claim_numbers_are_never_found(claim_number: str) -> None:
    assert ask(claim_number)["claims"] == []


def test_derived_claim_is_for_the_member_asked_in_payer_capitals() -> None:
    claim = only_claim("AB1234567", memberFirstName="Jean-Luc", memberLastName="o'neil", memberId="W123")

    assert claim["claimNumber"] == "AB1234567"
    assert claim["member"] == {
        "firstName": "JEAN-LUC",
        "lastName": "O'NEIL",
        "dateOfBirth": "05/10/1975",
        "subscriberId": "W123",
    }


def test_derived_claim_is_the_same_every_time() -> None:
    assert ask("XY0000042") == ask("XY0000042")
    assert ask("XY0000042") != ask("XY0000043")


def _derived_sample(n: int = 600) -> list[dict]:
    return [only_claim(f"C{i:07d}") for i in range(n)]


def test_derived_claims_spread_over_every_status() -> None:
    statuses = Counter(claim["claimStatus"] for claim in _derived_sample())

    assert set(statuses) == {"Finalized", "Denied", "Pending", "In Review", "Acknowledged", "Rejected"}
    assert all(count >= 20 for count in statuses.values()), statuses
    assert statuses.most_common(1)[0][0] == "Finalized"


EXPECTED_CATEGORIES = {
    "Finalized": {"F1"},
    "Denied": {"F2"},
    "Pending": {"P1"},
    "In Review": {"P2"},
    "Acknowledged": {"A1", "A2"},
    "Rejected": {"A3", "A7"},
}


def test_derived_claims_have_codes_amounts_and_dates_consistent_with_their_status() -> None:
    for claim in _derived_sample():
        status = claim["claimStatus"]
        (crosswalk,) = claim["claimStatusCrosswalkData"]
        amounts = {k: Decimal(v) for k, v in claim["claimLevelTotalAmount"].items()}
        events = claim["claimEvents"]

        assert crosswalk["claim507Code"] in EXPECTED_CATEGORIES[status], claim
        assert crosswalk["claim507CodeDesc"] and crosswalk["claim508Code"] and crosswalk["claim508CodeDesc"]
        assert all(v.count(".") == 1 and len(v.split(".")[1]) == 2 for v in claim["claimLevelTotalAmount"].values())
        assert amounts["totalBilledChargeAmount"] > 0
        assert events["receivedDate"] and events["statusEffectiveDate"]

        if status == "Finalized":
            assert (crosswalk["claim508Code"], crosswalk["claim508CodeDesc"]) == ("65", "Claim/line has been paid.")
            assert 0 < amounts["totalPaidAmount"] <= amounts["totalAllowedAmount"] <= amounts["totalBilledChargeAmount"]
            assert amounts["totalPaidAmount"] + amounts["totalPatientResponsibilityAmount"] == amounts[
                "totalAllowedAmount"
            ]
            assert events["processedDate"] == events["statusEffectiveDate"]
            (payment,) = claim["payments"]
            assert payment["adjudicatedClaimPaymentAmount"] == claim["claimLevelTotalAmount"]["totalPaidAmount"]
            assert payment["paymentModeCode"] in {"ACH", "CHK"}
            assert payment["paymentNumber"][:3] == ("EFT" if payment["paymentModeCode"] == "ACH" else "CHK")
        elif status == "Denied":
            assert amounts["totalPaidAmount"] == 0
            assert events["processedDate"] is not None
            assert claim["payments"] == []
        else:
            assert amounts["totalPaidAmount"] == 0
            assert events["processedDate"] is None
            assert claim["payments"] == []


def test_received_date_comes_before_the_status_date() -> None:
    from datetime import datetime

    def day(value: str) -> datetime:
        return datetime.strptime(value, "%m/%d/%Y")

    for claim in _derived_sample(200):
        events = claim["claimEvents"]
        assert day(events["receivedDate"]) < day(events["statusEffectiveDate"])


def test_pick_outcome_depends_only_on_the_claim_number() -> None:
    assert pick_outcome("ZZ9") == pick_outcome("ZZ9")
    assert pick_outcome("zz9") == pick_outcome("ZZ9")


def test_multi_claim_number_answers_several_claims_and_one_clear_right_pick() -> None:
    claims = ask("MULTI0001")["claims"]

    assert len(claims) == 3
    assert {claim["claimNumber"] for claim in claims} == {"MULTI0001"}
    asked = {"firstName": "CHANTAL", "lastName": "KISA", "dateOfBirth": "05/10/1975", "subscriberId": "057896633"}
    mine = [claim for claim in claims if claim["member"] == asked]
    others = [claim for claim in claims if claim["member"] != asked]
    assert len(mine) == 2 and len(others) == 1
    other_member = others[0]["member"]
    assert all(other_member[field] != asked[field] for field in asked)

    def effective(claim: dict) -> str:
        month, day, year = claim["claimEvents"]["statusEffectiveDate"].split("/")
        return f"{year}{month}{day}"

    # The other member's claim is the newest of all: picking by date alone is wrong.
    assert effective(others[0]) > max(effective(claim) for claim in mine)
    right_pick = max(mine, key=effective)
    assert right_pick["claimStatus"] == "Finalized"
    assert len({effective(claim) for claim in claims}) == 3


def test_multi_is_deterministic_and_differs_by_number() -> None:
    assert ask("MULTI0001") == ask("MULTI0001")
    assert ask("MULTI0001") != ask("MULTI0002")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"claimNumber": ""}, "claimNumber"),
        ({"claimNumber": "AB 12"}, "claimNumber"),
        ({"memberDateOfBirth": "1975-05-10"}, "memberDateOfBirth"),
        ({"memberDateOfBirth": "02/30/1975"}, "memberDateOfBirth"),
        ({"memberFirstName": "  "}, "memberFirstName"),
        ({"memberId": 57896633}, "memberId"),
        ({"payerId": ""}, "payerId"),
    ],
)
def test_malformed_input_is_described_by_field_without_its_value(changes: dict, field: str) -> None:
    with pytest.raises(InvalidSearchInput) as raised:
        search_claims({**CHANTAL, "claimNumber": "AB123", **changes})

    assert f"searchClaimInput.{field}" in raised.value.description
    for value in changes.values():
        if isinstance(value, str) and value.strip():
            assert value not in raised.value.description


def test_missing_fields_are_all_named() -> None:
    with pytest.raises(InvalidSearchInput) as raised:
        search_claims({"payerId": "87726"})

    for field in ("claimNumber", "memberId", "memberFirstName", "memberLastName", "memberDateOfBirth"):
        assert f"searchClaimInput.{field} is required" in raised.value.description


def test_input_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidSearchInput, match="must be an object"):
        search_claims(["ZE59426195"])  # type: ignore[arg-type]
