"""The plain record pattern takes in no line the value rules would refuse, reads
every value as the rules read it, and still takes in the usual lines."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.support.row_rules import row_by_the_rules

from claimbatch.domain.bulk_checks import QUERY_FIELDS
from claimbatch.domain.claim_row import ClaimQuery, InvalidRow, ValidRow
from claimbatch.domain.input_reader import read_claim_batches, read_claim_rows
from claimbatch.domain.plain_records import date_pattern, letter_ranges, name_pattern, plain_record_pattern, year_pattern
from claimbatch.domain.value_rules import ValueRuleError, parse_date_of_birth, read_valid_birth

TODAY = date(2025, 6, 30)
DATE = re.compile(date_pattern(TODAY))


@settings(max_examples=300, deadline=None)
@given(last=st.integers(min_value=1890, max_value=2400), year=st.integers(min_value=1000, max_value=9999))
def test_the_years_are_those_from_1900_to_the_last(last: int, year: int) -> None:
    assert (re.fullmatch(year_pattern(last), str(year)) is not None) == (1900 <= year <= last)


def test_the_letters_of_a_plain_name_are_those_str_isalpha_takes() -> None:
    letter = re.compile(f"[{letter_ranges()}]")

    assert [code for code in range(0x10000) if (letter.fullmatch(chr(code)) is not None) != chr(code).isalpha()] == []
    assert re.fullmatch(name_pattern(), "李 O'NEIL-ÉØ ΑΝΝΑ Анна.") and not re.fullmatch(name_pattern(), "Jose\u0301")


def _written(month: int, day: int, year: int) -> list[str]:
    return [
        f"{month:02d}/{day:02d}/{year}",
        f"{month}/{day}/{year}",
        f"{month:02d}/{day}/{year}",
        f"{year}-{month:02d}-{day:02d}",
        f"{year}{month:02d}{day:02d}",
        f"{year}-{month}-{day}",
        f"{month:02d}-{day:02d}-{year}",
    ]


@pytest.mark.parametrize("year", [1899, 1900, 1901, 1999, 2000, 2023, 2024, 2025, 2026])
def test_a_date_the_pattern_takes_is_one_the_rule_reads_the_same(year: int) -> None:
    for month in range(0, 14):
        for day in range(0, 33):
            for text in _written(month, day, year):
                if DATE.fullmatch(text):
                    assert parse_date_of_birth(text, TODAY) == read_valid_birth(text) == date(year, month, day)


def test_every_day_up_to_last_year_but_29_february_is_taken_in_the_usual_ways() -> None:
    day, left_to_the_rule = date(1900, 1, 1), []
    while day.year < TODAY.year:
        for text in _written(day.month, day.day, day.year)[:5]:
            if not DATE.fullmatch(text):
                left_to_the_rule.append(text)
        day += timedelta(days=1)
    assert {text[:5] for text in left_to_the_rule if "/" in text} <= {"02/29", "2/29/"}
    assert all(text.endswith(("-02-29", "0229")) for text in left_to_the_rule if "/" not in text)
    assert not DATE.fullmatch(f"01/02/{TODAY.year}")  # this year's dates: the rule checks the future


# Mostly values the pattern may take, and the near misses around them.
_id = st.one_of(
    st.from_regex(r"[A-Za-z0-9-]{1,31}", fullmatch=True),
    st.from_regex(r"[A-Z0-9]{1,12}", fullmatch=True),
    st.sampled_from(["", "5.79E+08", "A B", " A1", "A1 ", "É1", "١٢", "A\u00a0"]),
)
_name = st.one_of(
    st.from_regex(r"[A-Za-zÉØß][A-Za-zÉéØß' .-]{0,12}", fullmatch=True),
    st.text(alphabet="AzÉéØß' -.\u0301\u00d7\u01c0\u02b0李", min_size=0, max_size=62),
    st.sampled_from(["ANNE", "O'NEIL", "ST. JOHN", " ANNE", "ANNE ", "-A", "'", "X" * 60, "X" * 61, "A\u2028B"]),
)
_birth = st.one_of(
    st.builds(lambda d, way: _written(d.month, d.day, d.year)[way], st.dates(date(1890, 1, 1), date(2026, 12, 31)), st.integers(0, 6)),
    st.text(alphabet="0123456789/- ٣", max_size=11),
)
_other = st.text(alphabet="ab ,|\t;", max_size=12)


@settings(max_examples=1500, deadline=None)
@given(
    values=st.tuples(_id, _name, _name, _birth, _id),
    others=st.lists(_other, max_size=2),
    delimiter=st.sampled_from([",", "\t", "|", ";"]),
    order=st.randoms(use_true_random=False),
    quotes=st.sampled_from([None, csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_a_line_the_pattern_takes_passes_every_rule_as_it_is(
    values: tuple[str, ...], others: list[str], delimiter: str, order: object, quotes: int | None
) -> None:
    width = len(QUERY_FIELDS) + len(others)
    positions = list(range(width))
    order.shuffle(positions)  # type: ignore[attr-defined]
    at = dict(zip(QUERY_FIELDS, positions, strict=False))
    fields = [""] * width
    for name, value in zip(QUERY_FIELDS, values, strict=True):
        fields[at[name]] = value
    for position, value in zip(positions[len(QUERY_FIELDS) :], others, strict=True):
        fields[position] = value
    if quotes is None:
        line = delimiter.join(fields)
    else:
        written = io.StringIO()
        csv.writer(written, delimiter=delimiter, quoting=quotes, lineterminator="").writerow(fields)
        line = written.getvalue()

    pattern = plain_record_pattern(width, at, delimiter, TODAY, 10, quoted=quotes is not None)
    taken = re.fullmatch(pattern, line) is not None
    event(f"taken: {taken}")
    if taken:
        assert line.replace('"', "").split(delimiter) == fields  # quotes only around values, no delimiter inside one
        assert next(csv.reader([line], delimiter=delimiter)) == fields
        judged = row_by_the_rules(1, [value.strip() for value in values], TODAY)
        assert isinstance(judged, ValidRow)
        query = judged.query
        assert (query.claim_number, query.first_name, query.last_name, query.subscriber_id) == (
            values[0], values[1], values[2], values[4],
        )  # nothing to strip
        assert query.date_of_birth == read_valid_birth(values[3])
        assert all(len(value) <= 10 for value in others)


def test_quoted_fields_are_taken_too_and_a_value_over_lines_is_read_as_csv_reads_it() -> None:
    header = '"claim_number","first_name","last_name","date_of_birth","subscriber_id"\n'
    lines = [
        '"A1","ANNE","LI","05/10/1975","9"\n',
        '"A2","ANNE","LI","05/10/1975",9\n',  # partly quoted
        '"A3","AN""NE","LI","05/10/1975","9"\n',  # a quote inside: the rules say no
        '"A4","ANNE","LI\nLO","05/10/1975","9"\n',  # a value over two lines: the rules say no
        '"A5","ANNE","LI","05/10/1975","9"\n',
    ]

    rows = list(read_claim_rows([(header + "".join(lines)).encode()], today=TODAY))

    assert [(parsed.row, type(parsed).__name__) for parsed in rows] == [
        (1, "ValidRow"), (2, "ValidRow"), (3, "InvalidRow"), (4, "InvalidRow"), (5, "ValidRow"),
    ]
    assert rows[0] == ValidRow(1, ClaimQuery("A1", "ANNE", "LI", date(1975, 5, 10), "9"))


def test_usual_lines_are_taken_and_keep_their_dates_as_written() -> None:
    header = "Subscriber ID,Claim Number,DOB,Last Name,First Name,Notes\n"
    lines = ["W1,ZE1,05/10/1975,O'NEIL,ANNE,\n", "W2,ZE2,1975-05-10,MÜLLER,SØREN,x\n", "W3,ZE3,19750510,ST. JOHN,JOSÉ,\n"]

    batches = list(read_claim_batches([(header + "".join(lines)).encode()], today=TODAY))

    assert [batch.invalid for batch in batches] == [[]]
    assert batches[0].valid.births == ["05/10/1975", "1975-05-10", "19750510"]
    assert batches[0].valid.claim_numbers == ["ZE1", "ZE2", "ZE3"]


def test_read_valid_birth_refuses_what_the_rule_refuses() -> None:
    for text in ("02/30/1975", "01/02/75", "1899-12-31", "", "x"):
        with pytest.raises(ValueRuleError):
            read_valid_birth(text)


def test_a_cr_alone_in_a_crlf_file_still_breaks_its_line_as_csv_reads_it() -> None:
    header = "claim_number,first_name,last_name,date_of_birth,subscriber_id\r\n"
    lines = "A1,ANNE,LI,05/10/1975,9\r\nA2,AN\rNE,LI,05/10/1975,9\r\nA3,ANNE,LI,05/10/1975,9\r\n"

    rows = list(read_claim_rows([(header + lines).encode()], today=TODAY))

    assert [(parsed.row, type(parsed).__name__) for parsed in rows] == [
        (1, "ValidRow"), (2, "InvalidRow"), (3, "InvalidRow"), (4, "ValidRow"),
    ]
    assert [parsed.error for parsed in rows if isinstance(parsed, InvalidRow)] == [
        "row has 2 values but the header has 5 columns",
        "row has 4 values but the header has 5 columns",
    ]


def test_a_block_whose_lines_mostly_do_not_match_is_read_the_other_ways_alone() -> None:
    header = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"
    names = ["प्रिया", "ANNE"]  # Devanagari vowel signs are combining marks: checked one by one
    lines = [f"C{n},{names[n % 10 == 0]},LI,05/10/1975,{n}\n" for n in range(1, 201)]

    batches = list(read_claim_batches([(header + "".join(lines)).encode()], today=TODAY))

    assert sum(len(batch.valid) for batch in batches) == 200
    assert {born for batch in batches for born in batch.valid.births} == {"1975-05-10"}  # all read as the rules read
