"""A data row of an input file, once read: either a valid claim query or a row error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class ClaimQuery:
    """What the payer API is asked about one claim. Every field is PHI."""

    claim_number: str
    first_name: str
    last_name: str
    date_of_birth: date
    subscriber_id: str

    def __repr__(self) -> str:  # keep PHI out of tracebacks and debug output
        return "ClaimQuery(<redacted>)"


@dataclass(frozen=True, slots=True)
class ValidRow:
    """A data record that passed every value rule. `row` is 1-based (docs/input-files.md)."""

    row: int
    query: ClaimQuery


@dataclass(frozen=True, slots=True)
class InvalidRow:
    """A data record with a row error; it never reaches the API.

    `claim_number` is the raw, trimmed value as read (possibly empty or invalid),
    so the results file can still show which claim the row was about.
    """

    row: int
    claim_number: str
    error: str

    def __repr__(self) -> str:
        return f"InvalidRow(row={self.row}, <redacted>)"


ParsedRow = ValidRow | InvalidRow
