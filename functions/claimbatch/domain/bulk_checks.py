"""Value checks a whole column at a time, at C speed, for the common case: the
same rules as value_rules.py (tested against them), with a fall-back to the
row-by-row checks wherever a column is not plainly valid. And the bulk builder
of ValidRow objects, filling their slots a column at a time."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import date
from itertools import compress, count, repeat
from operator import itemgetter, not_
from types import MemberDescriptorType

from claimbatch.domain.claim_row import ClaimQuery, ParsedRow, ValidRow
from claimbatch.domain.value_rules import EARLIEST_BIRTH_YEAR, MAX_ID_CHARS


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


_ISO_PARTS = itemgetter(slice(6, 10), slice(0, 2), slice(3, 5))  # MM/DD/YYYY → (YYYY, MM, DD)
_EARLIEST_BIRTH = date(EARLIEST_BIRTH_YEAR, 1, 1)


def us_dates_in_bulk(texts: list[str], today: date) -> list[date | None] | None:
    """The dates of a column in which every value is a valid MM/DD/YYYY date of
    birth, as value_rules.parse_date_of_birth reads them; None for any other
    column (then each value takes the usual way). The usual column, at C speed:
    date.fromisoformat takes nothing but ASCII digits where digits belong."""
    size = len(texts)
    if not size or set(map(len, texts)) != {10}:
        return None
    joined = "".join(texts)
    if joined[2::10] != "/" * size or joined[5::10] != "/" * size:
        return None
    try:
        births: list[date | None] = list(map(date.fromisoformat, map("-".join, map(_ISO_PARTS, texts))))
    except ValueError:  # 13/45/1975, 0a/01/1975
        return None
    if min(births) < _EARLIEST_BIRTH or max(births) > today:  # type: ignore[type-var]
        return None
    return births


def quick_iso_birth(text: str, today: date) -> str | None:
    """The ISO date of a date_of_birth written MM/DD/YYYY or YYYY-MM-DD, when
    value_rules.parse_date_of_birth accepts it (as that date); None for any other
    text (then the rule decides). date.fromisoformat takes nothing but ASCII
    digits where digits belong, as the rule's patterns do."""
    if len(text) != 10:
        return None
    if text[2] == "/" and text[5] == "/":
        iso = f"{text[6:]}-{text[:2]}-{text[3:5]}"
    elif text[4] == "-" and text[7] == "-":
        iso = text
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
