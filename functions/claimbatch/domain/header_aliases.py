"""Which header cell is which required column (docs/input-files.md: "columns", "header matching").

A header cell is normalised (case-insensitive, surrounding spaces ignored, runs
of non-alphanumerics read as `_`, leading and trailing `_` dropped) and looked up
among the aliases of each required column. When several cells name the same
column, the column's own name (`claim_number`) wins over its aliases, and any
alias wins over a "member …" name or date of birth (the subscriber's, who may
not be the patient); two cells left tied are a file-level error naming both.

Messages never echo a header cell that is not a known column name: a "header"
may hold patient data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from claimbatch.domain.errors import InputFileError

REQUIRED_COLUMNS: tuple[str, ...] = ("claim_number", "first_name", "last_name", "date_of_birth", "subscriber_id")

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "claim_number": (
        "claim_number",
        "claim_no",
        "claim_num",
        "claim_id",
        "claim",
        "claim #",
        "icn",
        "payer claim number",
        "claimnumber",
        "claim_nbr",
    ),
    "first_name": (
        "first_name",
        "first",
        "firstname",
        "fname",
        "patient first name",
        "member first name",
        "patient_first",
    ),
    "last_name": (
        "last_name",
        "last",
        "lastname",
        "lname",
        "surname",
        "patient last name",
        "member last name",
        "patient_last",
    ),
    "date_of_birth": (
        "date_of_birth",
        "dob",
        "birth date",
        "birthdate",
        "patient dob",
        "member dob",
        "dateofbirth",
        "patient date of birth",
        "member date of birth",
    ),
    "subscriber_id": (
        "subscriber_id",
        "subscriber",
        "subscriber number",
        "member id",
        "memberid",
        "member number",
        "insured id",
        "subscriberid",
        "subscriber_no",
    ),
}

_NON_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")
_OWN_NAME, _ALIAS, _SUBSCRIBERS = 0, 1, 2  # how strongly a cell names its column; lower wins
_SUBSCRIBER_COLUMNS = ("first_name", "last_name", "date_of_birth")
_KNOWN_SHOWN = 20  # column names listed in a missing-column message


def normalise_header(name: str) -> str:
    """'  Patient DOB ' → 'patient_dob', 'Claim #' → 'claim'."""
    return _NON_ALPHANUMERIC.sub("_", name.strip().lower()).strip("_")


def _alias_index() -> dict[str, tuple[str, int]]:
    """normalised alias → (column, strength)."""
    index: dict[str, tuple[str, int]] = {}
    for column, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            name = normalise_header(alias)
            if name == column:
                strength = _OWN_NAME
            elif column in _SUBSCRIBER_COLUMNS and name.startswith("member_"):
                strength = _SUBSCRIBERS
            else:
                strength = _ALIAS
            index.setdefault(name, (column, strength))
    return index


_ALIAS_INDEX = _alias_index()


@dataclass(frozen=True, slots=True)
class ColumnPositions:
    """0-based position of each required column in the header."""

    claim_number: int
    first_name: int
    last_name: int
    date_of_birth: int
    subscriber_id: int


def _candidates(header: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
    """column → [(strength, position), …] of the cells naming it, strongest first, then leftmost."""
    found: dict[str, list[tuple[int, int]]] = {}
    for position, cell in enumerate(header):
        match = _ALIAS_INDEX.get(normalise_header(cell))
        if match is not None:
            found.setdefault(match[0], []).append((match[1], position))
    for cells in found.values():
        cells.sort()
    return found


def match_columns(header: Sequence[str]) -> dict[str, int]:
    """The required columns found in `header`, each with the position of its strongest cell."""
    return {column: cells[0][1] for column, cells in _candidates(header).items()}


def count_known_columns(header: Sequence[str]) -> int:
    return len(_candidates(header))


def resolve_columns(header: Sequence[str]) -> ColumnPositions:
    """The position of every required column, or InputFileError naming the missing
    ones, or the two cells that name one column equally well."""
    candidates = _candidates(header)
    for column in REQUIRED_COLUMNS:
        cells = candidates.get(column, [])
        if len(cells) > 1 and cells[0][0] == cells[1][0]:
            first, second = (header[position].strip() for _, position in cells[:2])
            raise InputFileError(f"columns '{first}' and '{second}' both name {column}: keep one, or rename the other")
    missing = [column for column in REQUIRED_COLUMNS if column not in candidates]
    if not missing:
        return ColumnPositions(**{column: cells[0][1] for column, cells in candidates.items()})
    label = "column" if len(missing) == 1 else "columns"
    count = len(header)
    if not candidates:
        cells = "value" if count == 1 else "values"
        hint = " — is the file delimited by comma, pipe, tab or semicolon?" if count == 1 else ""
        raise InputFileError(
            f"missing required {label}: {', '.join(missing)} (the first line is not a header naming them: "
            f"none of its {count:,} {cells} is a known column name{hint})"
        )
    # Only the cells that are column names are shown; the others may be patient data.
    known = [cell.strip() for cell in header if normalise_header(cell) in _ALIAS_INDEX][:_KNOWN_SHOWN]
    others = count - len(known)
    if others:
        known.append(f"and {others:,} other {'column' if others == 1 else 'columns'}")
    raise InputFileError(f"missing required {label}: {', '.join(missing)} (found: {', '.join(known)})")


__all__ = [
    "COLUMN_ALIASES",
    "REQUIRED_COLUMNS",
    "ColumnPositions",
    "count_known_columns",
    "match_columns",
    "normalise_header",
    "resolve_columns",
]
