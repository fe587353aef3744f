"""Is a claim's member the patient of the row? Ours to decide: a claim-number
search answers with the claims the payer holds under that number, whoever the
patient is.

Same date of birth, and the same first and last name once both sides are
normalised: letter case, accents, spaces, hyphens, apostrophes and periods do
not count (`O'Brien-Smith` = `OBRIEN SMITH`, `José` = `JOSE`).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_IGNORED = frozenset(" \t-'.\u2019\u2018\u00b4`\u2010\u2011\u2012\u2013\u2014")


_ASCII_IGNORED = str.maketrans("", "", "".join(char for char in _IGNORED if char.isascii()))
_PAYER_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def normalised_name(name: str | None) -> str:
    """The letters of a name that matter for the comparison."""
    if not name:
        return ""
    if name.isascii():  # most names: no accents to take apart, one pass of C
        return name.translate(_ASCII_IGNORED).casefold()
    decomposed = unicodedata.normalize("NFKD", name)
    kept = (char for char in decomposed if not unicodedata.combining(char) and char not in _IGNORED)
    return "".join(kept).casefold()


def payer_date(value: str | None) -> date | None:
    """A payer date (MM/DD/YYYY, leading zeros optional), or None. Read as
    strptime("%m/%d/%Y") would, without its cost (a fifth of a lookup's mapping)."""
    if not value:
        return None
    match = _PAYER_DATE.fullmatch(value.strip())
    if match is None:
        return None
    try:
        return date(int(match[3]), int(match[1]), int(match[2]))
    except ValueError:  # month 13, February 30
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
