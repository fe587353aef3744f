"""The simulator's data: the seed claim, members derived from claim numbers,
not-found rules, derived claims, several claims and pages per number."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest

from claimbatch.simulator.claim_records import pick_outcome
from claimbatch.simulator.claims_data import InvalidSearchInput, claim_pages, search_claims
from claimbatch.simulator.members import SEED_MEMBER, claim_member, row_member
from claimbatch.simulator.search_input import SearchClaimInput

# The 200 answer of the contract's example, verbatim.
SEED_ANSWER = json.loads("""
{"data": {"searchClaim": {
  "claims": [{
    "claimNumber": "ZE59426195", "claimStatus": "Finalized",
    "member": {"firstName": "CHANTAL", "lastName": "KISA", "dateOfBirth": "05/10/1975",
               "subscriberId": "057896633", "memberId": "057896633"},
    "claimEvents": {"receivedDate": "07/21/2025", "processedDate": "08/08/2025", "statusEffectiveDate": "08/08/2025"},
    "claimLevelTotalAmount": {"totalBilledChargeAmount": "720.00", "totalAllowedAmount": "402.00",
                              "totalPaidAmount": "351.00", "totalPatientResponsibilityAmount": "51.00"},
    "payments": [{"paymentNumber": "EFT0001234", "paymentModeCode": "E", "paymentIssueDate": "08/12/2025",
                  "adjudicatedClaimPaymentAmount": "351.00"}],
    "claimStatusCrosswalkData": [{"claim507Code": "F1", "claim507CodeDesc": "Finalized/Payment-The claim/line has been paid.",
                                  "claim508Code": "65", "claim508CodeDesc": "Claim/line has been paid."}]
  }],
  "pagination": {"hasMoreRecords": false, "nextPageToken": null}}}}
""")


def ask(claim_number: str, **changes: str) -> dict:
    return search_claims({"payerId": "87726", "claimNumber": claim_number, **changes})


def only_claim(claim_number: str, **changes: str) -> dict:
    claims = ask(claim_number, **changes)["claims"]
    assert len(claims) == 1
    return claims[0]


def test_seed_claim_is_exactly_the_contract_example() -> None:
    assert ask("ZE59426195") == SEED_ANSWER["data"]["searchClaim"]


@pytest.mark.parametrize("claim_number", ["INVALID123", "INVALID", "NF0001", "nf42"])
def test_invalid_and_nf_claim_numbers_are_never_found(claim_number: str) -> None:
    assert ask(claim_number)["claims"] == []


def test_a_claim_answers_for_its_own_member_whoever_asks() -> None:
    claim = only_claim("AB1234567")
    member = row_member("AB1234567")

    assert claim["claimNumber"] == "AB1234567"
    assert claim["member"] == {
        "firstName": member.first_name,
        "lastName": member.last_name,
        "dateOfBirth": member.date_of_birth,
        "subscriberId": member.subscriber_id,
        "memberId": member.subscriber_id,
    }
    assert row_member("ZE59426195") == SEED_MEMBER


def test_members_differ_between_claim_numbers_and_never_change() -> None:
    members = {row_member(f"AB{n:08d}") for n in range(200)}
    assert len(members) > 190
    assert row_member("AB00000001") == row_member("ab00000001")


def test_mm_claims_belong_to_a_member_no_row_names() -> None:
    for n in range(50):
        number = f"MM{n:08d}"
        asked, holder = row_member(number), claim_member(number)
        assert holder.first_name != asked.first_name and holder.last_name != asked.last_name
        assert only_claim(number)["member"]["firstName"] == holder.first_name


def test_d0_and_e0_claims_carry_their_category() -> None:
    d0 = only_claim("D0123")["claimStatusCrosswalkData"][0]
    e0 = only_claim("E0123")["claimStatusCrosswalkData"][0]
    assert (d0["claim507Code"], d0["claim508Code"]) == ("D0", "35")
    assert e0["claim507Code"] == "E0"


def test_pg_claims_answer_on_two_pages_the_later_status_last() -> None:
    first, second = claim_pages(SearchClaimInput.parse({"payerId": "87726", "claimNumber": "PG42"}))
    assert first[0]["claimStatus"] == "Pending" and second[0]["claimStatus"] == "Finalized"
    assert first[0]["member"] == second[0]["member"]
    assert len(ask("PG42")["claims"]) == 2


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
            assert payment["paymentModeCode"] in {"E", "C"}
            assert payment["paymentNumber"][:3] == ("EFT" if payment["paymentModeCode"] == "E" else "CHK")
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
    own = claim_member("MULTI0001").as_json()
    mine = [claim for claim in claims if claim["member"] == own]
    others = [claim for claim in claims if claim["member"] != own]
    assert len(mine) == 2 and len(others) == 1

    def effective(claim: dict) -> str:
        month, day, year = claim["claimEvents"]["statusEffectiveDate"].split("/")
        return f"{year}{month}{day}"

    # The other member's claim is the newest of all: picking by date alone is wrong.
    assert effective(others[0]) > max(effective(claim) for claim in mine)
    assert max(mine, key=effective)["claimStatus"] == "Finalized"


def test_multi_is_deterministic_and_differs_by_number() -> None:
    assert ask("MULTI0001") == ask("MULTI0001")
    assert ask("MULTI0001") != ask("MULTI0002")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"claimNumber": ""}, "claimNumber"),
        ({"claimNumber": "AB 12"}, "claimNumber"),
        ({"payerId": ""}, "payerId"),
        ({"claimNumber": 57896633}, "claimNumber"),
    ],
)
def test_malformed_input_is_described_by_field_without_its_value(changes: dict, field: str) -> None:
    with pytest.raises(InvalidSearchInput) as raised:
        search_claims({"payerId": "87726", "claimNumber": "AB123", **changes})

    assert f"searchClaimInput.{field}" in raised.value.description
    for value in changes.values():
        if isinstance(value, str) and value.strip():
            assert value not in raised.value.description


def test_payer_id_is_required() -> None:
    with pytest.raises(InvalidSearchInput, match="searchClaimInput.payerId is required"):
        search_claims({"claimNumber": "AB123"})


@pytest.mark.parametrize(
    "member_fields",
    [{"memberFirstName": "CHANTAL"}, {"memberId": "057896633", "memberDateOfBirth": "05/10/1975"}],
)
def test_member_fields_without_service_dates_are_refused(member_fields: dict) -> None:
    with pytest.raises(InvalidSearchInput, match="serviceStartDate and serviceEndDate are required"):
        ask("ZE59426195", **member_fields)


def test_a_member_search_with_service_dates_finds_that_member_only() -> None:
    dates = {"serviceStartDate": "07/01/2025", "serviceEndDate": "08/31/2025"}
    assert ask("ZE59426195", memberFirstName="chantal", memberLastName="Kisa", **dates)["claims"]
    assert ask("ZE59426195", memberFirstName="JOHN", memberLastName="DOE", **dates)["claims"] == []
    with pytest.raises(InvalidSearchInput, match="at most 90 days"):
        ask("ZE59426195", memberFirstName="CHANTAL", serviceStartDate="01/01/2025", serviceEndDate="12/31/2025")


def test_input_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidSearchInput, match="must be an object"):
        search_claims(["ZE59426195"])  # type: ignore[arg-type]
