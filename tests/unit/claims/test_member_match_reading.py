"""The payer's dates and names read exactly as the plain definitions would:
strptime("%m/%d/%Y") for a date, NFKD without accents and separators for a name."""

from __future__ import annotations

import unicodedata
from datetime import datetime

import pytest

from claimbatch.claims.member_match import normalised_name, payer_date

DATES = [
    "05/10/1975", "5/1/1975", " 05/10/1975 ", "05/10/1975\n", "12/31/9999", "1/1/0001",
    "13/01/2000", "02/30/2000", "00/10/2000", "1/1/0000", "2000-01-01", "05/10/75", "05/10/19755",
    "05/10/1975x", "5 /1/1975", "\uff10\uff15/10/1975", "", None,
]
NAMES = ["O'Brien-Smith", "OBRIEN SMITH", "José", "JOSE", "a.b`c\tD", "ÅSA", "Straße", "\ufb01", "Zoë\u2019s", "", None]
IGNORED = " \t-'.\u2019\u2018\u00b4`\u2010\u2011\u2012\u2013\u2014"


def _strptime_date(value):
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%m/%d/%Y").date()
    except ValueError:
        return None


def _nfkd_name(name):
    decomposed = unicodedata.normalize("NFKD", name or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c not in IGNORED).casefold()


@pytest.mark.parametrize("value", DATES)
def test_a_payer_date_is_read_as_strptime_reads_it(value):
    assert payer_date(value) == _strptime_date(value)


@pytest.mark.parametrize("name", NAMES)
def test_a_name_is_normalised_as_nfkd_without_accents_and_separators(name):
    assert normalised_name(name) == _nfkd_name(name)
