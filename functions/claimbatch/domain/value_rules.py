"""The rules a data row's values must follow before they reach the payer API
(docs/input-files.md: "values", "date_of_birth", "ids", "names").

Each `check_*` function returns the value it accepts and raises ValueRuleError
with a message that names the column and what is wrong. Those messages go to
the results file (which holds the row's data anyway); never log them.

`is_plain_id` and `is_plain_name` are quick tests for the usual case: when they
say yes, the matching `check_*` would accept the value too.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

MAX_ID_CHARS = 30
MAX_NAME_CHARS = 60
EARLIEST_BIRTH_YEAR = 1900
FORBIDDEN_NAME_CHARS = "~*:^"  # payer gateways reject them
NAME_PUNCTUATION = " '-."
ECHO_CHARS = 40  # at most this much of a bad value is shown in its error

_ID_CHARS = re.compile(r"[A-Za-z0-9-]+")
_ID_CHAR = re.compile(r"[A-Za-z0-9-]")
_SCIENTIFIC = re.compile(r"\d+(?:[.,]\d+)?[eE][+-]\d+", re.ASCII)  # how spreadsheets write 579000000
_DECIMAL_ZERO = re.compile(r"\d+[.,]0+", re.ASCII)  # 57896633.0
_US_DATE = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d+)", re.ASCII)  # MM/DD/YYYY, M/D/YYYY, MM-DD-YYYY
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)  # YYYY-MM-DD
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)  # YYYYMMDD

_SPREADSHEET_HINT = "a spreadsheet turned the id into a number (format the column as text and export again)"


class ValueRuleError(ValueError):
    """A value breaks a rule; `message` is the row error for the results file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def echo(value: str) -> str:
    """A bad value as shown in its error: quoted, shortened, control characters escaped."""
    shown = value if len(value) <= ECHO_CHARS else value[: ECHO_CHARS - 1] + "…"
    if not shown.isprintable():
        shown = "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in shown)
    return f"'{shown}'"


def _show_char(char: str) -> str:
    if char == " ":
        return "a space"
    if char == "\t":
        return "a tab"
    if char.isprintable():
        return f"'{char}'"
    return f"U+{ord(char):04X}"


def is_plain_id(value: str) -> bool:
    return (
        0 < len(value) <= MAX_ID_CHARS
        and value.isascii()
        and (value.isalnum() or _ID_CHARS.fullmatch(value) is not None)
    )


def check_id(column: str, value: str) -> str:
    """claim_number, subscriber_id: 1–30 letters A–Z, digits or `-`; ids are strings
    (leading zeros are kept)."""
    if is_plain_id(value):
        return value
    if not value:
        raise ValueRuleError(f"{column} is empty")
    if _SCIENTIFIC.fullmatch(value):
        raise ValueRuleError(f"{column} {echo(value)} is in scientific notation: {_SPREADSHEET_HINT}")
    if _DECIMAL_ZERO.fullmatch(value):
        raise ValueRuleError(f"{column} {echo(value)} has decimals: {_SPREADSHEET_HINT}")
    for char in value:
        if _ID_CHAR.fullmatch(char) is None:
            raise ValueRuleError(
                f"{column} {echo(value)} contains {_show_char(char)}; only letters A-Z, digits and - are allowed"
            )
    raise ValueRuleError(f"{column} {echo(value)} is longer than {MAX_ID_CHARS} characters ({len(value):,})")


def is_plain_name(value: str) -> bool:
    return len(value) <= MAX_NAME_CHARS and (
        value.isalpha() or value.replace(" ", "").replace("'", "").replace("-", "").replace(".", "").isalpha()
    )


def check_name(column: str, value: str) -> str:
    """first_name, last_name: 1–60 characters; letters of any script (with their
    combining marks), spaces, `'`, `-`, `.`; at least one letter."""
    if is_plain_name(value):
        return value
    if not value:
        raise ValueRuleError(f"{column} is empty")
    for char in value:
        if char in FORBIDDEN_NAME_CHARS:
            raise ValueRuleError(f"{column} {echo(value)} contains '{char}', which payer gateways reject")
    for char in value:
        if char not in NAME_PUNCTUATION and unicodedata.category(char)[0] not in "LM":
            raise ValueRuleError(
                f"{column} {echo(value)} contains {_show_char(char)}; only letters, spaces, ' - and . are allowed"
            )
    if not any(unicodedata.category(char)[0] == "L" for char in value):
        raise ValueRuleError(f"{column} {echo(value)} has no letters")
    if len(value) > MAX_NAME_CHARS:
        raise ValueRuleError(f"{column} {echo(value)} is longer than {MAX_NAME_CHARS} characters ({len(value):,})")
    return value


def parse_date_of_birth(value: str, today: date) -> date:
    """MM/DD/YYYY, M/D/YYYY, MM-DD-YYYY, YYYY-MM-DD or YYYYMMDD; from 1900 up to `today`."""
    if not value:
        raise ValueRuleError("date_of_birth is empty")
    invalid = f"date_of_birth {echo(value)} is not a valid date (expected MM/DD/YYYY)"
    if match := _US_DATE.fullmatch(value):
        month, day, year = match[1], match[3], match[4]
        if len(year) == 2:
            raise ValueRuleError(f"date_of_birth {echo(value)} has a two-digit year (expected MM/DD/YYYY)")
        if len(year) != 4:
            raise ValueRuleError(invalid)
    elif match := (_ISO_DATE.fullmatch(value) or _COMPACT_DATE.fullmatch(value)):
        year, month, day = match[1], match[2], match[3]
    else:
        raise ValueRuleError(invalid)
    try:
        born = date(int(year), int(month), int(day))
    except ValueError:
        raise ValueRuleError(invalid) from None
    if born.year < EARLIEST_BIRTH_YEAR:
        raise ValueRuleError(f"date_of_birth {echo(value)} is before {EARLIEST_BIRTH_YEAR}")
    if born > today:
        raise ValueRuleError(f"date_of_birth {echo(value)} is in the future")
    return born


@lru_cache(maxsize=16_384)  # about 3 MB; a miss costs a regular-expression match
def read_valid_birth(value: str) -> date:
    """The date of a date_of_birth text that already passed the rule (input files carry
    dates of birth as written as far as the rows queue); raises ValueRuleError for any other
    text. The bound on the future was checked when the file was read, on its day."""
    return parse_date_of_birth(value, date.max)


__all__ = [
    "EARLIEST_BIRTH_YEAR",
    "MAX_ID_CHARS",
    "MAX_NAME_CHARS",
    "NAME_PUNCTUATION",
    "ValueRuleError",
    "check_id",
    "check_name",
    "echo",
    "is_plain_id",
    "is_plain_name",
    "parse_date_of_birth",
    "read_valid_birth",
]
