"""The seed's example claim and recorded response shapes of the claims API."""

from __future__ import annotations

from datetime import date

from claimbatch.domain.claim_row import ClaimQuery

SEED_QUERY = ClaimQuery(
    claim_number="ZE59426195",
    first_name="CHANTAL",
    last_name="KISA",
    date_of_birth=date(1975, 5, 10),
    subscriber_id="057896633",
)

# PHI values that must never show up in a log line.
SEED_PHI = ("ZE59426195", "CHANTAL", "KISA", "05/10/1975", "1975-05-10", "057896633")

SEED_CLAIM = {
    "claimNumber": "ZE59426195",
    "claimStatus": "Finalized",
    "member": {
        "firstName": "CHANTAL",
        "lastName": "KISA",
        "dateOfBirth": "05/10/1975",
        "subscriberId": "057896633",
        "memberId": "057896633",
    },
    "claimEvents": {"receivedDate": "07/21/2025", "processedDate": "08/08/2025", "statusEffectiveDate": "08/08/2025"},
    "claimLevelTotalAmount": {
        "totalBilledChargeAmount": "720.00",
        "totalAllowedAmount": "402.00",
        "totalPaidAmount": "351.00",
        "totalPatientResponsibilityAmount": "51.00",
    },
    "payments": [
        {
            "paymentNumber": "EFT0001234",
            "paymentModeCode": "E",
            "paymentIssueDate": "08/12/2025",
            "adjudicatedClaimPaymentAmount": "351.00",
        }
    ],
    "claimStatusCrosswalkData": [
        {
            "claim507Code": "F1",
            "claim507CodeDesc": "Finalized/Payment-The claim/line has been paid.",
            "claim508Code": "65",
            "claim508CodeDesc": "Claim/line has been paid.",
        }
    ],
}


def inquiry_answer(*claims: dict) -> dict:
    return {
        "data": {
            "searchClaim": {"claims": list(claims), "pagination": {"hasMoreRecords": False, "nextPageToken": None}}
        }
    }


def member_query(claim_number: str) -> ClaimQuery:
    """A query for a claim number with the member the simulator holds its claim under."""
    from datetime import datetime

    from claimbatch.simulator.members import row_member

    member = row_member(claim_number)
    born = datetime.strptime(member.date_of_birth, "%m/%d/%Y").date()
    return ClaimQuery(claim_number, member.first_name, member.last_name, born, member.subscriber_id)


def member_line(claim_number: str) -> str:
    """An input line (no line end) for a claim number, with its own member."""
    from claimbatch.simulator.sample import member_row

    return ",".join(member_row(claim_number))


def claims_csv(rows: int) -> str:
    """A well-formed input of `rows` rows: the seed claim every tenth row, other claims
    (each with the member the simulator holds it under) between."""
    lines = ["claim_number,first_name,last_name,date_of_birth,subscriber_id"]
    for row in range(1, rows + 1):
        lines.append("ZE59426195,CHANTAL,KISA,05/10/1975,057896633" if row % 10 == 1 else member_line(f"ZX{row:08d}"))
    return "\n".join(lines) + "\n"
