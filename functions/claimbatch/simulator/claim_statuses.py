"""The statuses a simulated claim can have: claimStatus with its X12 277
category (claim507Code) and status code (claim508Code), and how often each
comes up among derived claims."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StatusOutcome:
    """A claimStatus with its X12 277 category (claim507Code) and status code (claim508Code)."""

    claim_status: str
    category: str
    category_desc: str
    code: str
    code_desc: str

    @property
    def adjudicated(self) -> bool:
        """Finalized claims (paid or denied) have a processed date; the others do not yet."""
        return self.category.startswith("F")

    @property
    def paid(self) -> bool:
        return self.category == "F1"

    def crosswalk_json(self) -> list[dict[str, str]]:
        return [
            {
                "claim507Code": self.category,
                "claim507CodeDesc": self.category_desc,
                "claim508Code": self.code,
                "claim508CodeDesc": self.code_desc,
            }
        ]


PAID = StatusOutcome(
    "Finalized", "F1", "Finalized/Payment-The claim/line has been paid.", "65", "Claim/line has been paid."
)
DENIED_NOT_ELIGIBLE = StatusOutcome(
    "Denied", "F2", "Finalized/Denial", "88", "Entity not eligible for benefits for submitted dates of service."
)
DENIED_NO_ELIGIBILITY = StatusOutcome(
    "Denied", "F2", "Finalized/Denial", "97", "Patient eligibility not found with entity."
)
PENDING_SPECIAL_HANDLING = StatusOutcome(
    "Pending", "P1", "Pending/In Process", "41", "Special handling required at payer site."
)
PENDING_BENEFITS = StatusOutcome("Pending", "P1", "Pending/In Process", "45", "Awaiting benefit determination.")
IN_REVIEW_AUDIT = StatusOutcome("In Review", "P2", "Pending/In Review", "46", "Internal review/audit.")
IN_REVIEW_PROVIDER_AUDIT = StatusOutcome(
    "In Review", "P2", "Pending/In Review", "44", "Charges pending provider audit."
)
ACKNOWLEDGED_RECEIPT = StatusOutcome("Acknowledged", "A1", "Acknowledgement/Receipt", "20", "Accepted for processing.")
ACKNOWLEDGED_ACCEPTED = StatusOutcome(
    "Acknowledged", "A2", "Acknowledgement/Acceptance into adjudication system", "20", "Accepted for processing."
)
REJECTED_UNPROCESSABLE = StatusOutcome(
    "Rejected", "A3", "Acknowledgement/Returned as unprocessable claim", "21", "Missing or invalid information."
)
REJECTED_INVALID = StatusOutcome(
    "Rejected", "A7", "Acknowledgement/Rejected for Invalid Information", "21", "Missing or invalid information."
)
NOT_FOUND = StatusOutcome(
    "Rejected", "D0", "Data Search Unsuccessful", "35", "Claim/encounter not found."
)
NOT_PROCESSED = StatusOutcome(
    "Rejected", "E0", "Response not possible - error on submitted request data", "21",
    "Missing or invalid information.",
)
SYSTEM_UNAVAILABLE = StatusOutcome(
    "Pending", "E1", "Response not possible - System Status", "0", "Cannot provide further status electronically."
)

# (weight out of 100, outcomes the hash picks among): the spread of derived claims.
OUTCOME_WEIGHTS: tuple[tuple[int, tuple[StatusOutcome, ...]], ...] = (
    (40, (PAID,)),
    (15, (DENIED_NOT_ELIGIBLE, DENIED_NO_ELIGIBILITY)),
    (15, (PENDING_SPECIAL_HANDLING, PENDING_BENEFITS)),
    (10, (IN_REVIEW_AUDIT, IN_REVIEW_PROVIDER_AUDIT)),
    (10, (ACKNOWLEDGED_RECEIPT, ACKNOWLEDGED_ACCEPTED)),
    (10, (REJECTED_UNPROCESSABLE, REJECTED_INVALID)),
)
assert sum(weight for weight, _ in OUTCOME_WEIGHTS) == 100
