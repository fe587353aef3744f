"""Which header cell is which required column (SPEC §2 "columns", "header matching").

A header cell is normalised (case-insensitive, surrounding spaces ignored, runs
of non-alphanumerics read as `_`, leading and trailing `_` dropped) and looked up
among the aliases of each required column. When several cells name the same
column, the better alias wins (the column's own name first, then the aliases in
the order listed below), then the leftmost cell.
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
_FOUND_SHOWN = 20  # header names listed in a missing-column message
_NAME_SHOWN = 40  # characters of each
# A header cell holding a date or a long run of digits (an id): the "header" holds patient data.
_LOOKS_LIKE_DATA = re.compile(r"\d{4,}|\d{1,2}[/-]\d{1,2}[/-]\d{2,4}")


def normalise_header(name: str) -> str:
    """'  Patient DOB ' → 'patient_dob', 'Claim #' → 'claim'."""
    return _NON_ALPHANUMERIC.sub("_", name.strip().lower()).strip("_")


def _alias_index() -> dict[str, tuple[str, int]]:
    """normalised alias → (column, rank); a lower rank is a better match."""
    index: dict[str, tuple[str, int]] = {}
    for column, aliases in COLUMN_ALIASES.items():
        for rank, alias in enumerate(aliases):
            index.setdefault(normalise_header(alias), (column, rank))
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


def match_columns(header: Sequence[str]) -> dict[str, int]:
    """The required columns found in `header`, each with its position."""
    best: dict[str, tuple[int, int]] = {}
    for position, cell in enumerate(header):
        match = _ALIAS_INDEX.get(normalise_header(cell))
        if match is None:
            continue
        column, rank = match
        if column not in best or (rank, position) < best[column]:
            best[column] = (rank, position)
    return {column: position for column, (_, position) in best.items()}


def count_known_columns(header: Sequence[str]) -> int:
    return len(match_columns(header))


def resolve_columns(header: Sequence[str]) -> ColumnPositions:
    """The position of every required column, or InputFileError naming the missing ones.

    When no required column is found at all, the first line is probably data,
    not a header: the message then does not echo it (it would be patient data).
    """
    found = match_columns(header)
    missing = [column for column in REQUIRED_COLUMNS if column not in found]
    if not missing:
        return ColumnPositions(**found)
    label = "column" if len(missing) == 1 else "columns"
    if not found:
        count = len(header)
        cells = "value" if count == 1 else "values"
        hint = " — is the file delimited by comma, pipe, tab or semicolon?" if count == 1 else ""
        raise InputFileError(
            f"missing required {label}: {', '.join(missing)} (the first line is not a header naming them: "
            f"none of its {count:,} {cells} is a known column name{hint})"
        )
    if any(_LOOKS_LIKE_DATA.search(cell) for cell in header):
        # Part header, part patient data: name only the cells that are column names.
        known = [cell.strip() for cell in header if _ALIAS_INDEX.get(normalise_header(cell))]
        others = len(header) - len(known)
        raise InputFileError(
            f"missing required {label}: {', '.join(missing)} (found: {', '.join(known)}, "
            f"and {others:,} {'value' if others == 1 else 'values'} that are not column names)"
        )
    names = [_shorten(cell.strip()) for cell in header[:_FOUND_SHOWN]]
    if len(header) > _FOUND_SHOWN:
        names.append("…")
    raise InputFileError(f"missing required {label}: {', '.join(missing)} (found: {', '.join(names)})")


def _shorten(name: str) -> str:
    return name if len(name) <= _NAME_SHOWN else name[: _NAME_SHOWN - 1] + "…"


__all__ = [
    "COLUMN_ALIASES",
    "REQUIRED_COLUMNS",
    "ColumnPositions",
    "count_known_columns",
    "match_columns",
    "normalise_header",
    "resolve_columns",
]
