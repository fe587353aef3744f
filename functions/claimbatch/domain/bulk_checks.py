"""Value checks a whole column at a time, at C speed, for the common case: the
same rules as value_rules.py (tested against them), with a fall-back to the
row-by-row checks wherever a column is not plainly valid. And the bulk builder
of ValidRow objects, filling their slots a column at a time."""

from __future__ import annotations

import calendar
import re
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import date
from itertools import compress, count, repeat
from operator import is_, not_
from types import MemberDescriptorType

from claimbatch.domain.claim_row import ClaimQuery, ParsedRow, ValidRow
from claimbatch.domain.value_rules import (
    EARLIEST_BIRTH_YEAR,
    MAX_ID_CHARS,
    MAX_NAME_CHARS,
    NAME_PUNCTUATION,
    ValueRuleError,
    is_plain_name,
    parse_date_of_birth,
)


_PLAIN_ID = re.compile(rf"[A-Za-z0-9-]{{1,{MAX_ID_CHARS}}}")


def not_plain_ids(values: list[str]) -> Iterable[int]:
    """Positions of the values value_rules.is_plain_id would not pass."""
    joined = "".join(values)
    if (
        joined.isascii()
        and (joined.isalnum() or joined.replace("-", "").isalnum())  # only A-Z, a-z, 0-9 and -
        and "" not in values
        and max(map(len, values)) <= MAX_ID_CHARS
    ):
        return ()
    return compress(count(), map(not_, map(_PLAIN_ID.fullmatch, values)))


_EARLIEST_BIRTH = date(EARLIEST_BIRTH_YEAR, 1, 1)

# Distinct date_of_birth texts remembered per file (about 17 MB at most): every date since
# 1900 written in two or three ways. Texts past it are read by quick_iso_birth, a bit slower.
DATE_CACHE_SIZE = 120_000
NAME_CACHE_SIZE = 100_000  # distinct valid names remembered per file
# Columns at least this long bring in a whole year with a date; shorter ones (the few lines
# the plain record pattern leaves to the rules) would pay for days they never meet.
WHOLE_YEAR_COLUMN = 64


class BirthDates:
    """date_of_birth columns read as value_rules.parse_date_of_birth reads each value.

    A file holds few distinct dates of birth (one per day since 1900, in the
    ways the file writes them): each text is read once and remembered, so most
    of a column is one dictionary lookup per value. The first date of a year read
    the quick way in a long column brings in every day of that year written the same
    way, made a column at a time (a file's dates are spread over its members' birth years).
    """

    def __init__(self, today: date) -> None:
        self._today = today
        self._known: dict[str, str] = {}  # text → ISO date, for texts that passed the rule
        self._iso_texts: dict[str, str] = {}  # one string per date, however written
        self._years_known: set[tuple[str, int]] = set()  # (way of writing, year) brought in whole

    def read(self, texts: list[str]) -> tuple[list[str | None], set[int]]:
        """The ISO dates (YYYY-MM-DD) of a column, and the positions of the texts that break the rule."""
        known = self._known
        births = list(map(known.get, texts))
        suspects: set[int] = set()
        if None not in births:
            return births, suspects
        today, canonical = self._today, self._iso_texts
        for index in compress(count(), map(is_, births, repeat(None))):
            text = texts[index]
            born = known.get(text)  # its year may have come in with an earlier text of the column
            if born is None:
                born = quick_iso_birth(text, today)
                if born is not None and len(texts) >= WHOLE_YEAR_COLUMN:
                    self._bring_in_year(text, born)
                else:
                    try:
                        born = parse_date_of_birth(text, today).isoformat()
                    except ValueRuleError:
                        suspects.add(index)
                        continue
                if len(known) < DATE_CACHE_SIZE:
                    known[text] = canonical.setdefault(born, born)
            births[index] = born
        return births, suspects

    def _bring_in_year(self, text: str, iso: str) -> None:
        """Remember every day of the year of `iso` up to today, written as `text` is."""
        way, year = way_written(text), int(iso[:4])
        if (way, year) in self._years_known or len(self._known) + len(_ISO_MONTH_DAYS[True]) > DATE_CACHE_SIZE:
            return
        self._years_known.add((way, year))
        isos = year_in_iso(year, self._today)
        isos = list(map(self._iso_texts.setdefault, isos, isos))
        self._known.update(zip(year_written(way, year, self._today), isos, strict=True))


def _month_days(leap: bool) -> list[tuple[int, int]]:
    year = 2000 if leap else 2001
    return [(month, day) for month in range(1, 13) for day in range(1, calendar.monthrange(year, month)[1] + 1)]


# Each day of a (leap or common) year, in calendar order, in each way quick_iso_birth reads.
_ISO_MONTH_DAYS = {leap: [f"-{m:02d}-{d:02d}" for m, d in _month_days(leap)] for leap in (True, False)}
_MONTH_DAY_PREFIXES = {
    "MM/DD/YYYY": {leap: [f"{m:02d}/{d:02d}/" for m, d in _month_days(leap)] for leap in (True, False)},
    "M/D/YYYY": {leap: [f"{m}/{d}/" for m, d in _month_days(leap)] for leap in (True, False)},
}
_MONTH_DAY_SUFFIXES = {
    "YYYY-MM-DD": _ISO_MONTH_DAYS,
    "YYYYMMDD": {leap: [f"{m:02d}{d:02d}" for m, d in _month_days(leap)] for leap in (True, False)},
}


def way_written(text: str) -> str:
    """Which of quick_iso_birth's ways of writing a date a text it reads is written in."""
    if len(text) == 10 and text[2] == "/":
        return "MM/DD/YYYY"
    if "/" in text:
        return "M/D/YYYY"
    return "YYYY-MM-DD" if "-" in text else "YYYYMMDD"


def _days_until_today(year: int, today: date) -> int:
    days = _ISO_MONTH_DAYS[calendar.isleap(year)]
    if year < today.year:
        return len(days)
    return bisect_right(days, f"-{today.month:02d}-{today.day:02d}") if year == today.year else 0


def year_in_iso(year: int, today: date) -> list[str]:
    """The days of a year from 1900 on, up to today, as ISO dates, in calendar order."""
    days = _ISO_MONTH_DAYS[calendar.isleap(year)][: _days_until_today(year, today)]
    return list(map(str.__add__, repeat(str(year)), days))


def year_written(way: str, year: int, today: date) -> list[str]:
    """The same days as year_in_iso, written `way`."""
    leap, days = calendar.isleap(year), _days_until_today(year, today)
    if way in _MONTH_DAY_PREFIXES:
        return list(map(str.__add__, _MONTH_DAY_PREFIXES[way][leap][:days], repeat(str(year))))
    return list(map(str.__add__, repeat(str(year)), _MONTH_DAY_SUFFIXES[way][leap][:days]))


class PlainNames:
    """Picks out the names of a column that value_rules.is_plain_name might not pass."""

    def __init__(self) -> None:
        self._known: set[str] = set()  # names with punctuation seen to pass is_plain_name

    def suspects(self, values: list[str]) -> Iterable[int]:
        """Positions of the values is_plain_name would not pass."""
        letters = "".join(values).replace(" ", "").replace("'", "").replace("-", "").replace(".", "")
        if (
            letters.isalpha()  # only letters besides the punctuation names may hold,
            and all(map(str.strip, values, repeat(NAME_PUNCTUATION)))  # at least one in each name,
            and max(map(len, values)) <= MAX_NAME_CHARS
        ):
            return ()
        known = self._known
        suspects = []
        for index in compress(count(), map(not_, map(str.isalpha, values))):  # "O'NEIL", "प्रिया" (marks), "J*"
            name = values[index]
            if name in known:
                continue
            if not is_plain_name(name):
                suspects.append(index)
            elif len(known) < NAME_CACHE_SIZE:
                known.add(name)
        if max(map(len, values)) > MAX_NAME_CHARS:
            suspects.extend(compress(count(), map(MAX_NAME_CHARS.__lt__, map(len, values))))
        return suspects


def quick_iso_birth(text: str, today: date) -> str | None:
    """The ISO date of a date_of_birth written MM/DD/YYYY, M/D/YYYY, YYYY-MM-DD or
    YYYYMMDD, when value_rules.parse_date_of_birth accepts it (as that date); None
    for any other text (then the rule decides). date.fromisoformat takes nothing
    but ASCII digits where digits belong, as the rule's patterns do."""
    size = len(text)
    if size == 10 and text[2] == "/" and text[5] == "/":
        iso = f"{text[6:]}-{text[:2]}-{text[3:5]}"
    elif size == 10 and text[4] == "-" and text[7] == "-":
        iso = text
    elif 8 <= size <= 9 and text.count("/") == 2:
        month, day, year = text.split("/")
        if len(year) != 4 or not 1 <= len(month) <= 2 or not 1 <= len(day) <= 2:
            return None
        iso = f"{year}-{month:0>2}-{day:0>2}"
    elif size == 8 and text.isdigit():
        iso = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    else:
        return None
    try:
        born = date.fromisoformat(iso)
    except ValueError:
        return None
    return iso if _EARLIEST_BIRTH <= born <= today else None


# ClaimQuery's fields, in order: the columns a row is checked by.
QUERY_FIELDS = ("claim_number", "first_name", "last_name", "date_of_birth", "subscriber_id")
_ROW_FIELDS = ("row", "query")

ValidRowsBuilder = Callable[
    [Sequence[int], list[str], list[str], list[str], list[date | None], list[str]], list[ParsedRow]
]


def valid_rows_builder() -> ValidRowsBuilder:
    """`(rows, claims, firsts, lasts, births, subscribers) → [ValidRow(row, ClaimQuery(...)), ...]`.

    Frozen dataclasses set each field through object.__setattr__, which would be
    a third of the time spent on a row; this fills the slots directly, a column
    at a time. Should the models change shape (other fields, a __post_init__, no
    slots), it falls back to their constructors.
    """
    if not fills_slots(ClaimQuery, QUERY_FIELDS) or not fills_slots(ValidRow, _ROW_FIELDS):

        def construct(
            rows: Sequence[int],
            claims: list[str],
            firsts: list[str],
            lasts: list[str],
            births: list[date | None],
            subscribers: list[str],
        ) -> list[ParsedRow]:
            queries = map(ClaimQuery, claims, firsts, lasts, births, subscribers)
            return list(map(ValidRow, rows, queries))  # type: ignore[arg-type]

        return construct
    new = object.__new__
    query_setters = [ClaimQuery.__dict__[name].__set__ for name in QUERY_FIELDS]
    set_row, set_query = (ValidRow.__dict__[name].__set__ for name in _ROW_FIELDS)

    def fill(
        rows: Sequence[int],
        claims: list[str],
        firsts: list[str],
        lasts: list[str],
        births: list[date | None],
        subscribers: list[str],
    ) -> list[ParsedRow]:
        queries = list(map(new, repeat(ClaimQuery, len(claims))))
        for setter, column in zip(query_setters, (claims, firsts, lasts, births, subscribers), strict=True):
            deque(map(setter, queries, column), maxlen=0)
        valid_rows = list(map(new, repeat(ValidRow, len(claims))))
        deque(map(set_row, valid_rows, rows), maxlen=0)
        deque(map(set_query, valid_rows, queries), maxlen=0)
        return valid_rows

    return fill


def fills_slots(model: type, names: tuple[str, ...]) -> bool:
    return (
        tuple(field.name for field in fields(model)) == names
        and not hasattr(model, "__post_init__")
        and all(isinstance(model.__dict__.get(name), MemberDescriptorType) for name in names)
    )
