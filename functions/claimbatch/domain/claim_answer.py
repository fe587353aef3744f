"""What a claims provider answers for one claim query, independent of any payer API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    """The status of a claim as the payer reported it."""

    status: str
    patient_first_name: str
    patient_last_name: str
    total_charged: Decimal | None
    total_paid: Decimal | None
    processed_date: date | None
    status_category: str | None = None  # X12 277 claim507Code, e.g. F1
    status_code: str | None = None  # X12 277 claim508Code, e.g. 65
    payment_number: str | None = None
    payment_date: date | None = None

    def __repr__(self) -> str:
        return f"ClaimStatus(status={self.status!r}, <redacted>)"


class LookupKind(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    FAILED = "failed"


NOT_FOUND_MESSAGE = "Claim not found"


@dataclass(frozen=True, slots=True)
class LookupOutcome:
    """The end of one lookup, after the client's own retries.

    `retryable` marks failures worth trying again later (API unavailable,
    throttled, timed out); a permanent failure (400) is not. `redeliver` says
    whether a retryable failure is worth another delivery of its chunk soon
    (an outage may end in minutes); False when the API itself is unusable as
    configured (credentials rejected, unreadable or oversized answers): the row
    is written at once, and a job retry looks it up again.
    """

    kind: LookupKind
    claim: ClaimStatus | None = None
    error: str | None = None
    retryable: bool = False
    attempts: int = 1
    redeliver: bool = True

    @classmethod
    def found(cls, claim: ClaimStatus, attempts: int = 1) -> LookupOutcome:
        return cls(LookupKind.FOUND, claim=claim, attempts=attempts)

    @classmethod
    def not_found(cls, attempts: int = 1) -> LookupOutcome:
        return cls(LookupKind.NOT_FOUND, error=NOT_FOUND_MESSAGE, attempts=attempts)

    @classmethod
    def failed(cls, error: str, *, retryable: bool, attempts: int = 1, redeliver: bool = True) -> LookupOutcome:
        return cls(LookupKind.FAILED, error=error, retryable=retryable, attempts=attempts, redeliver=redeliver)
