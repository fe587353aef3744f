"""A data row of an input file, once read: either a valid claim query or a row error."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from claimbatch.domain.value_rules import read_valid_birth


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


@dataclass(slots=True)
class ValidColumns:
    """Valid rows of a stretch of the file, a column each (the fast path: no object per row).

    `rows` ascend; `births` are date texts the rule passed, as written (ISO where a row
    was checked alone); `read_valid_birth` reads them. Every field is PHI but `rows`.

    `rule_checked`: every value is as the input reader let it pass the value rules, so
    none holds a quote, a backslash or a control character (a message is written from
    them as they are). `extend` keeps it only when both sides have it; columns made
    outside the input reader must not claim it.
    """

    rows: list[int]
    claim_numbers: list[str]
    first_names: list[str]
    last_names: list[str]
    births: list[str]
    subscriber_ids: list[str]
    rule_checked: bool = field(default=False, compare=False)

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"ValidColumns(rows={len(self.rows)}, <redacted>)"

    def sliced(self, start: int, stop: int) -> ValidColumns:
        return ValidColumns(*(column[start:stop] for column in self.columns()), rule_checked=self.rule_checked)

    def columns(self) -> tuple[list[int], list[str], list[str], list[str], list[str], list[str]]:
        return (self.rows, self.claim_numbers, self.first_names, self.last_names, self.births, self.subscriber_ids)

    def extend(self, other: ValidColumns) -> None:
        for mine, theirs in zip(self.columns(), other.columns(), strict=True):
            mine.extend(theirs)  # type: ignore[attr-defined]
        self.rule_checked = self.rule_checked and other.rule_checked

    def valid_rows(self) -> list[ValidRow]:
        queries = map(
            ClaimQuery,
            self.claim_numbers,
            self.first_names,
            self.last_names,
            map(read_valid_birth, self.births),
            self.subscriber_ids,
        )
        return list(map(ValidRow, self.rows, queries))

    @staticmethod
    def empty(*, rule_checked: bool = False) -> ValidColumns:
        """No rows; `rule_checked` for columns that will only be extended by the reader's."""
        return ValidColumns([], [], [], [], [], [], rule_checked=rule_checked)


@dataclass(slots=True)
class RowBatch:
    """Data rows `first`..`last` of the file, each either in `valid` or in `invalid` (ascending)."""

    first: int
    last: int
    valid: ValidColumns
    invalid: list[InvalidRow]

    def parsed_rows(self) -> list[ParsedRow]:
        """The rows one by one, in order."""
        valid: list[ParsedRow] = self.valid.valid_rows()
        if not self.invalid:
            return valid
        return sorted([*valid, *self.invalid], key=_row_number)


def _row_number(parsed: ParsedRow) -> int:
    return parsed.row
