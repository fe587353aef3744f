"""The regular expression of a data line that plainly passes every value rule, so a
block of such lines is read without looking at one value at a time.

The pattern is a strict subset of value_rules: whatever it matches, the rules
accept as it is (no spaces to strip, ids of 1–30 letters, digits and `-`,
names of letters and `' - .` that start with a letter, dates that exist, from
1900 to the end of last year, in the common ways of writing them, every other
column short and without quote, line break or delimiter). A line it does not
match is checked value by value, as before: the pattern may only ever leave out
too many lines, never take one in that a rule would refuse (tests hold it to
value_rules line by line). A field may be in quotes when the quotes only wrap it
(csv reads `"ANNE"` as ANNE). The dates it takes stay as written
(value_rules.read_valid_birth reads them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import cache

from claimbatch.domain.value_rules import EARLIEST_BIRTH_YEAR, MAX_ID_CHARS, MAX_NAME_CHARS

_ID = f"[A-Za-z0-9-]{{1,{MAX_ID_CHARS}}}+"


@cache
def letter_ranges() -> str:
    """The characters of the Basic Multilingual Plane that str.isalpha takes (as is_plain_name
    does), as the ranges of a character class. Names with combining marks or letters past
    U+FFFF are checked one by one."""
    ranges, start = [], None
    for code in range(0x10000 + 1):
        letter = code < 0x10000 and chr(code).isalpha()
        if letter and start is None:
            start = code
        elif not letter and start is not None:
            first, last = re.escape(chr(start)), re.escape(chr(code - 1))
            ranges.append(first if start == code - 1 else f"{first}-{last}")
            start = None
    return "".join(ranges)


@cache
def name_pattern() -> str:
    """A name that starts with a letter, of at most MAX_NAME_CHARS letters and `' - .` (spaces
    inside), never ending with a space (nothing to strip)."""
    letters = letter_ranges()
    return f"[{letters}][{letters} '.-]{{0,{MAX_NAME_CHARS - 1}}}+(?<! )"

# Month and day that exist in every year (29 February is left to the rule).
_DAYS_31 = ("0[13578]|1[02]", "0[1-9]|[12][0-9]|3[01]")
_DAYS_30 = ("0[469]|11", "0[1-9]|[12][0-9]|30")
_DAYS_28 = ("02", "0[1-9]|1[0-9]|2[0-8]")


def _month_day(separator: str, *, short: bool) -> str:
    """MM{sep}DD for every month; `short` also takes M and D without their leading zero."""

    def short_of(choices: str) -> str:
        return choices.replace("0[", "0?[").replace("02", "0?2") if short else choices

    ways = (f"(?:{short_of(month)}){separator}(?:{short_of(day)})" for month, day in (_DAYS_31, _DAYS_30, _DAYS_28))
    return "(?:" + "|".join(ways) + ")"


def year_pattern(last: int) -> str:
    """Four-digit years from EARLIEST_BIRTH_YEAR to `last`, as a regular expression."""
    if last < EARLIEST_BIRTH_YEAR:
        return "(?!)"
    century, within = divmod(last, 100)
    decade, unit = divmod(within, 10)
    ways = [f"{whole}[0-9][0-9]" for whole in range(EARLIEST_BIRTH_YEAR // 100, century)]
    if decade:
        ways.append(f"{century}[0-{decade - 1}][0-9]")
    ways.append(f"{century}{decade}[0-{unit}]")
    return "(?:" + "|".join(ways) + ")"


def date_pattern(today: date) -> str:
    """MM/DD/YYYY, M/D/YYYY, YYYY-MM-DD and YYYYMMDD of days that exist, from 1900 to the
    end of the year before `today`'s (this year's dates are left to the rule's future check)."""
    year = year_pattern(today.year - 1)
    us = f"{_month_day('/', short=True)}/{year}"
    iso = f"{year}-{_month_day('-', short=False)}"
    compact = f"{year}{_month_day('', short=False)}"
    return f"(?:{us}|{iso}|{compact})"


def plain_record_pattern(
    width: int, positions: Mapping[str, int], delimiter: str, today: date, max_field_chars: int, *, quoted: bool = False
) -> str:
    """One record of `width` fields (no line end) whose query columns, at `positions`
    (QUERY_FIELDS → 0-based position), plainly pass their rules; `quoted`: any field may be
    wrapped in quotes (its value holds none), as csv reads it."""
    kinds = {"claim_number": _ID, "subscriber_id": _ID, "first_name": name_pattern(), "last_name": name_pattern()}
    kinds["date_of_birth"] = date_pattern(today)
    other = f"[^{re.escape(delimiter)}\"\\r\\n]{{0,{max_field_chars}}}+"
    fields = [other] * width
    for name, position in positions.items():
        fields[position] = kinds[name]
    if quoted:
        fields = [f'(?:"{field}"|{field})' for field in fields]
    return re.escape(delimiter).join(fields)


__all__ = ["date_pattern", "letter_ranges", "name_pattern", "plain_record_pattern", "year_pattern"]
