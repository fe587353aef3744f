"""Is a claim's member the patient of the row? Ours to decide: a claim-number
search answers with the claims the payer holds under that number, whoever the
patient is.

Same date of birth, and the same first and last name once both sides are
normalised: letter case, accents, spaces, hyphens, apostrophes and periods do
not count (`O'Brien-Smith` = `OBRIEN SMITH`, `José` = `JOSE`).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

_IGNORED = frozenset(" \t-'.\u2019\u2018\u00b4`\u2010\u2011\u2012\u2013\u2014")


def normalised_name(name: str | None) -> str:
    """The letters of a name that matter for the comparison."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    kept = (char for char in decomposed if not unicodedata.combining(char) and char not in _IGNORED)
    return "".join(kept).casefold()


def payer_date(value: str | None) -> date | None:
    """A payer date (MM/DD/YYYY, leading zeros optional), or None."""
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%m/%d/%Y").date()
    except ValueError:
        return None


def member_matches(
    *, first_name: str | None, last_name: str | None, date_of_birth: str | None,
    row_first_name: str, row_last_name: str, row_date_of_birth: date,
) -> bool:
    first, last = normalised_name(first_name), normalised_name(last_name)
    return (
        bool(first and last)
        and payer_date(date_of_birth) == row_date_of_birth
        and first == normalised_name(row_first_name)
        and last == normalised_name(row_last_name)
    )
