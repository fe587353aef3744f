"""The splitter's fast path (read_claim_batches: rows as columns, a batch at a time)
judges every row exactly as the value rules do, one row at a time."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.row_rules import row_by_the_rules

import claimbatch.domain.bulk_checks as bulk_checks
from claimbatch.domain.claim_row import InvalidRow, ParsedRow, RowBatch, ValidRow
from claimbatch.domain.input_reader import InputLimits, read_claim_batches, read_claim_rows
from claimbatch.domain.value_rules import parse_date_of_birth

TODAY = date(2025, 6, 30)
HEADER = ["claim_number", "first_name", "last_name", "date_of_birth", "subscriber_id"]


def _flattened(batches: list[RowBatch]) -> list[ParsedRow]:
    rows: list[ParsedRow] = []
    for batch in batches:
        for parsed in batch.valid.valid_rows():
            rows.append(parsed)
        rows.extend(batch.invalid)
    return sorted(rows, key=lambda parsed: parsed.row)


def _file(records: list[list[str]], line_end: str, quoting: int = csv.QUOTE_MINIMAL) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end, quoting=quoting)
    writer.writerow(HEADER)
    writer.writerows(records)
    return out.getvalue().encode()


_day = st.dates(min_value=date(1890, 1, 1), max_value=date(2026, 12, 31))
_birth = st.one_of(
    st.builds(lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}", _day),
    st.builds(lambda d: f"{d.month}/{d.day}/{d.year}", _day),
    st.builds(date.isoformat, _day),
    st.builds(lambda d: d.strftime("%Y%m%d"), _day),
    st.sampled_from(["02/30/1975", "13/45/1975", "01/02/75", "", "x", " 01/02/1975 ", "٠١/٠٢/١٩٧٥"]),
)
_id = st.one_of(st.from_regex(r"[A-Z0-9-]{1,12}", fullmatch=True), st.sampled_from(["", "5.79E+08", "A B", " A1 ", "É1"]))
_name = st.one_of(
    st.sampled_from(["ANNE", "O'NEIL", "MARY ANN", "李", "Jose\u0301", " LI ", "J*", "", "A,B", 'SAY "HI"', "X" * 61]),
    st.text(alphabet="abZé '-.", min_size=1, max_size=8),
)
_record = st.tuples(_id, _name, _name, _birth, _id).map(list)


@settings(max_examples=120, deadline=None)
@given(
    records=st.lists(_record, min_size=1, max_size=600),
    line_end=st.sampled_from(["\n", "\r\n", "\r"]),
    start_after=st.integers(min_value=0, max_value=30),
    cache_size=st.sampled_from([0, 3, 50_000]),
    piece=st.sampled_from([None, 5, 64, 1000]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_batches_judge_each_row_as_the_rules_do_one_by_one(
    records: list[list[str]], line_end: str, start_after: int, cache_size: int, piece: int | None, quoting: int
) -> None:
    whole = _file(records, line_end, quoting)
    data = [whole] if piece is None else [whole[at : at + piece] for at in range(0, len(whole), piece)]
    expected = [row_by_the_rules(row, [v.strip() for v in values], TODAY) for row, values in enumerate(records, 1) if row > start_after]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulk_checks, "DATE_CACHE_SIZE", cache_size)
        patch.setattr(bulk_checks, "NAME_CACHE_SIZE", cache_size)
        batches = list(read_claim_batches(data, start_after_row=start_after, today=TODAY))
        rows = list(read_claim_rows(data, start_after_row=start_after, today=TODAY))

    assert _flattened(batches) == expected
    assert rows == expected
    # Batches are consecutive stretches of rows: each row in exactly one, valid or not
    covered = [row for batch in batches for row in range(batch.first, batch.last + 1)]
    assert covered == list(range(start_after + 1, len(records) + 1))
    for batch in batches:
        in_batch = sorted([*batch.valid.rows, *(error.row for error in batch.invalid)])
        assert in_batch == list(range(batch.first, batch.last + 1))
        assert batch.valid.rule_checked  # so a message is written from the values as they are:
        for column in filter(None, batch.valid.columns()[1:]):
            assert json.loads('["' + '","'.join(column) + '"]') == column
        for row, born in zip(batch.valid.rows, batch.valid.births, strict=True):  # as written, or the rule's ISO date
            assert born in (records[row - 1][3].strip(), parse_date_of_birth(records[row - 1][3].strip(), TODAY).isoformat())


def test_a_date_read_once_is_read_the_same_later_in_the_file() -> None:
    # Given the same date texts, valid and not, over many batches
    records = [[f"C{n}", "ANNE", "LI", ("01/02/1975", "1975-01-02", "02/30/1975")[n % 3], "1"] for n in range(1, 2000)]

    rows = list(read_claim_rows([_file(records, "\n")], InputLimits(), today=TODAY))

    assert [type(parsed).__name__ for parsed in rows] == [("ValidRow", "ValidRow", "InvalidRow")[n % 3] for n in range(1, 2000)]
    assert {parsed.query.date_of_birth for parsed in rows if isinstance(parsed, ValidRow)} == {date(1975, 1, 2)}


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(_birth, st.text(alphabet="0123456789/-٣ +", min_size=7, max_size=11)))
def test_a_date_read_the_quick_way_is_the_date_the_rule_reads(text: str) -> None:
    from claimbatch.domain.bulk_checks import quick_iso_birth

    for written in ("01/02/1975", "1/2/1975", "01/2/1975", "1/02/1975", "1975-01-02", "19750102"):
        assert quick_iso_birth(written, TODAY) == "1975-01-02"
    quick = quick_iso_birth(text, TODAY)

    if quick is not None:
        assert parse_date_of_birth(text, TODAY).isoformat() == quick


@pytest.mark.parametrize("year", [1900, 1975, 2000, 2023, 2024, TODAY.year])
def test_every_day_of_a_year_brought_in_reads_as_the_rule_reads_it(year: int) -> None:
    isos = bulk_checks.year_in_iso(year, TODAY)

    for way in ("MM/DD/YYYY", "M/D/YYYY", "YYYY-MM-DD", "YYYYMMDD"):
        texts = bulk_checks.year_written(way, year, TODAY)
        assert [parse_date_of_birth(text, TODAY).isoformat() for text in texts] == isos
        same_as_padded = {"MM/DD/YYYY"} if way == "M/D/YYYY" else set()  # 12/25/1975 is written either way
        ways = {bulk_checks.way_written(text) for text in texts}
        assert way in ways and ways <= {way, *same_as_padded}
    last = TODAY if year == TODAY.year else date(year, 12, 31)
    assert isos == [date.fromordinal(day).isoformat() for day in range(date(year, 1, 1).toordinal(), last.toordinal() + 1)]
    assert bulk_checks.year_in_iso(TODAY.year + 1, TODAY) == []


def test_a_year_comes_in_whole_with_its_first_date_in_the_way_it_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_checks, "WHOLE_YEAR_COLUMN", 2)
    births = bulk_checks.BirthDates(TODAY)
    assert births.read(["03/04/1975", "1975-05-06"]) == (["1975-03-04", "1975-05-06"], set())

    def not_again(text: str, today: date) -> str | None:
        raise AssertionError(f"{text} was read again")

    monkeypatch.setattr(bulk_checks, "quick_iso_birth", not_again)
    assert births.read(["12/31/1975", "1975-02-28"]) == (["1975-12-31", "1975-02-28"], set())
    monkeypatch.undo()
    assert births.read(["02/29/1975", "2025-07-01"]) == ([None, None], {0, 1}), "no such day; a day after today"


def test_a_short_column_brings_in_no_year() -> None:
    births = bulk_checks.BirthDates(TODAY)

    assert births.read(["03/04/1975"] * (bulk_checks.WHOLE_YEAR_COLUMN - 1))[1] == set()
    assert births.read(["03/05/1975"]) == (["1975-03-05"], set())
    assert len(births._known) == 2  # the two texts met, not their year
