"""One line of the results file, and how it is made from a row and its lookup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from claimbatch.domain.claim_answer import LookupKind, LookupOutcome
from claimbatch.domain.claim_row import InvalidRow


class RowOutcome(StrEnum):
    """How a row ended; each maps to one counter of the job."""

    SUCCEEDED = "succeeded"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class ResultRow:
    """A row's final result. Plain strings so every store can hold it as is."""

    row: int
    claim_number: str
    outcome: RowOutcome
    status: str = ""
    patient_name: str = ""
    total_charged: str = ""
    total_paid: str = ""
    processed_date: str = ""
    error: str = ""
    retryable: bool = False
    status_category: str = ""
    status_code: str = ""
    payment_number: str = ""
    payment_date: str = ""

    @property
    def success(self) -> bool:
        return self.outcome is RowOutcome.SUCCEEDED

    def __repr__(self) -> str:
        return f"ResultRow(row={self.row}, outcome={self.outcome.value}, <redacted>)"

    def to_record(self) -> dict[str, object]:
        """A flat dict for storage (DynamoDB item attributes, SQLite columns)."""
        return {
            "row": self.row,
            "claim_number": self.claim_number,
            "outcome": self.outcome.value,
            "status": self.status,
            "patient_name": self.patient_name,
            "total_charged": self.total_charged,
            "total_paid": self.total_paid,
            "processed_date": self.processed_date,
            "error": self.error,
            "retryable": self.retryable,
            "status_category": self.status_category,
            "status_code": self.status_code,
            "payment_number": self.payment_number,
            "payment_date": self.payment_date,
        }

    @classmethod
    def from_record(cls, record: dict[str, object]) -> ResultRow:
        fields = dict(record)
        fields["row"] = int(fields["row"])  # DynamoDB hands numbers back as Decimal
        fields["outcome"] = RowOutcome(fields["outcome"])
        fields["retryable"] = bool(fields.get("retryable", False))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: ("" if v is None else v) for k, v in fields.items() if k in known})


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _us_date(value: date | None) -> str:
    return "" if value is None else value.strftime("%m/%d/%Y")


def result_from_lookup(row: int, claim_number: str, outcome: LookupOutcome) -> ResultRow:
    """Map a lookup outcome to the result line of its row (docs/claims-api.md "Row mapping")."""
    if outcome.kind is LookupKind.FOUND and outcome.claim is not None:
        claim = outcome.claim
        return ResultRow(
            row=row,
            claim_number=claim_number,
            outcome=RowOutcome.SUCCEEDED,
            status=claim.status,
            patient_name=f"{claim.patient_first_name} {claim.patient_last_name}".strip(),
            total_charged=_money(claim.total_charged),
            total_paid=_money(claim.total_paid),
            processed_date=_us_date(claim.processed_date),
            status_category=claim.status_category or "",
            status_code=claim.status_code or "",
            payment_number=claim.payment_number or "",
            payment_date=_us_date(claim.payment_date),
        )
    if outcome.kind is LookupKind.NOT_FOUND:
        return ResultRow(
            row=row, claim_number=claim_number, outcome=RowOutcome.NOT_FOUND, error=outcome.error or ""
        )
    return ResultRow(
        row=row,
        claim_number=claim_number,
        outcome=RowOutcome.FAILED,
        error=outcome.error or "lookup failed",
        retryable=outcome.retryable,
    )


def result_from_invalid(invalid: InvalidRow) -> ResultRow:
    return ResultRow(
        row=invalid.row, claim_number=invalid.claim_number, outcome=RowOutcome.INVALID, error=invalid.error
    )
