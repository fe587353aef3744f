"""Input files, text to rows (docs/input-files.md: "delimiter", "quoting", "line endings", "blank lines",
"row number", "values", "ragged rows", "huge fields", "limits"), resuming, and streaming."""

from __future__ import annotations

from collections import Counter

import csv
import io
import itertools
import tracemalloc
from collections.abc import Iterator
from datetime import date

import pytest
from claimbatch.domain.claim_row import ClaimQuery, InvalidRow, ParsedRow, ValidRow
from claimbatch.domain.errors import InputFileError
from claimbatch.domain.input_reader import InputLimits, read_claim_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TODAY = date(2025, 6, 30)
HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id"
ROW = "ZE59426195,CHANTAL,KISA,01/02/1975,057896633"
CHANTAL = ClaimQuery("ZE59426195", "CHANTAL", "KISA", date(1975, 1, 2), "057896633")


def read(text: str | bytes, limits: InputLimits | None = None, **options: int) -> list[ParsedRow]:
    data = text.encode() if isinstance(text, str) else text
    return list(read_claim_rows([data], limits or InputLimits(), today=TODAY, **options))


def outline(rows: list[ParsedRow]) -> list[tuple[int, str]]:
    """(row, claim number or error) per row: what a user sees in the results file."""
    return [(r.row, r.query.claim_number) if isinstance(r, ValidRow) else (r.row, "ERROR " + r.error) for r in rows]


def claims_file(count: int, delimiter: str = ",", newline: str = "\n") -> str:
    lines = [HEADER.replace(",", delimiter)]
    lines += [delimiter.join((f"C{n}", "CHANTAL", "KISA", "01/02/1975", f"{n:09d}")) for n in range(1, count + 1)]
    return newline.join(lines) + newline


@pytest.mark.parametrize("delimiter", [",", "|", "\t", ";"])
def test_each_delimiter_is_detected_from_the_header(delimiter: str) -> None:
    text = f"{HEADER}\n{ROW}\n".replace(",", delimiter)

    assert read(text) == [ValidRow(1, CHANTAL)]


def test_delimiter_detection_is_not_fooled_by_other_delimiters_in_the_header() -> None:
    # Given a pipe-delimited file whose column names hold commas and semicolons
    text = "claim_number|first_name|last_name|date_of_birth|subscriber_id|notes, misc; etc\n" + (
        "ZE59426195|CHANTAL|KISA|01/02/1975|057896633|a, b; c\n"
    )

    assert read(text) == [ValidRow(1, CHANTAL)]


def test_quoted_fields_hold_delimiters_doubled_quotes_and_line_breaks() -> None:
    # Given quoted values: a delimiter, a doubled quote, line breaks (LF, CRLF)
    text = (
        f"{HEADER},notes\n"
        '"ZE59426195","CHANTAL","KISA","01/02/1975","057896633","call, then ""wait"""\n'
        'C2,"O\'NEIL, JR",KISA,01/02/1975,2,"line one\nline two\r\nline three"\n'
        'C3,ANNE,KISA,01/02/1975,3,""\n'
    )

    rows = read(text)

    # Then each record is one row, with the right values, numbered in order
    assert outline(rows) == [
        (1, "ZE59426195"),
        (2, "ERROR first_name 'O'NEIL, JR' contains ','; only letters, spaces, ' - and . are allowed"),
        (3, "C3"),
    ]


def test_a_quoted_line_break_inside_a_required_column_is_a_row_error_not_two_rows() -> None:
    rows = read(f'{HEADER}\nC1,"CHAN\nTAL",KISA,01/02/1975,1\nC2,ANNE,KISA,01/02/1975,2\n')

    assert outline(rows) == [
        (1, "ERROR first_name 'CHAN\\u000aTAL' contains U+000A; only letters, spaces, ' - and . are allowed"),
        (2, "C2"),
    ]


def test_a_quote_inside_an_unquoted_value_is_a_plain_character() -> None:
    rows = read(f'{HEADER}\nC1,O"NEIL,KISA,01/02/1975,1\nC2,ANNE,KISA,01/02/1975,2\n')

    assert outline(rows) == [
        (1, "ERROR first_name 'O\"NEIL' contains '\"'; only letters, spaces, ' - and . are allowed"),
        (2, "C2"),
    ]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_line_endings(newline: str) -> None:
    assert outline(read(claims_file(3, newline=newline))) == [(1, "C1"), (2, "C2"), (3, "C3")]


def test_mixed_line_endings() -> None:
    text = f"{HEADER}\r\nC1,A,B,01/02/1975,1\nC2,A,B,01/02/1975,2\rC3,A,B,01/02/1975,3\r\n"

    assert outline(read(text)) == [(1, "C1"), (2, "C2"), (3, "C3")]


def test_blank_lines_are_skipped_and_not_counted() -> None:
    # Given empty and whitespace-only lines before, between and after the rows
    text = f"{HEADER}\n\nC1,A,B,01/02/1975,1\n   \n\t\r\n\r\nC2,A,B,01/02/1975,2\n \n\n"

    # Then row numbers count data records only
    assert outline(read(text)) == [(1, "C1"), (2, "C2")]


def test_blank_lines_in_a_tab_delimited_file() -> None:
    text = claims_file(0, "\t") + "\t\t\t\t\n" + "C1\tA\tB\t01/02/1975\t1\n" + "  \t \n"

    assert outline(read(text)) == [(1, "C1")]


def test_a_tab_delimited_blank_line_with_every_tab_is_still_blank() -> None:
    text = (
        claims_file(0, "\t")
        + "C1\tA\tB\t01/02/1975\t1\n"
        + "\t\t\t\t\n"
        + " \t\t \t\t\r\n"
        + "C2\tA\tB\t01/02/1975\t2\n"
    )

    assert outline(read(text)) == [(1, "C1"), (2, "C2")]


def test_a_line_of_empty_fields_is_a_row_not_a_blank_line() -> None:
    assert outline(read(f"{HEADER}\n,,,,\n")) == [
        (
            1,
            "ERROR claim_number is empty; first_name is empty; last_name is empty; "
            "date_of_birth is empty; subscriber_id is empty",
        )
    ]


def test_values_are_trimmed() -> None:
    text = f"{HEADER}\n  ZE59426195 ,\tCHANTAL\t,  KISA,  01/02/1975  , 057896633\u00a0\n"

    assert read(text) == [ValidRow(1, CHANTAL)]


def test_quoted_values_are_trimmed_too() -> None:
    assert read(f'{HEADER}\n" ZE59426195 "," CHANTAL","KISA ","01/02/1975"," 057896633 "\n') == [ValidRow(1, CHANTAL)]


def test_ids_are_strings_leading_zeros_kept() -> None:
    rows = read(f"{HEADER}\n000123,A,B,01/02/1975,057896633\n")

    assert isinstance(rows[0], ValidRow)
    assert (rows[0].query.claim_number, rows[0].query.subscriber_id) == ("000123", "057896633")


def test_ragged_rows_are_row_errors_and_reading_goes_on() -> None:
    text = (
        f"{HEADER}\n"
        "C1,A,B,01/02/1975,1,extra\n"  # one field too many (a trailing comma)
        "C2,A,B,01/02/1975\n"  # one too few
        "C3\n"  # a single value
        "C4,A,B,01/02/1975,4\n"
    )

    rows = read(text)

    assert rows == [
        InvalidRow(1, "C1", "row has 6 values but the header has 5 columns"),
        InvalidRow(2, "C2", "row has 4 values but the header has 5 columns"),
        InvalidRow(3, "C3", "row has 1 values but the header has 5 columns"),
        ValidRow(4, ClaimQuery("C4", "A", "B", date(1975, 1, 2), "4")),
    ]


def test_ragged_row_without_its_claim_number_column_reports_no_claim_number() -> None:
    rows = read("first_name,last_name,date_of_birth,subscriber_id,claim_number\nA,B,01/02/1975,1\n")

    assert rows == [InvalidRow(1, "", "row has 4 values but the header has 5 columns")]


def test_a_field_of_exactly_the_limit_is_fine_one_more_is_a_row_error() -> None:
    text = (
        f"{HEADER},notes\n"
        f"C1,A,B,01/02/1975,1,{'x' * 10_000}\n"
        f"C2,A,B,01/02/1975,2,{'x' * 10_001}\n"
        "C3,A,B,01/02/1975,3,\n"
    )

    assert outline(read(text)) == [(1, "C1"), (2, "ERROR notes is longer than 10,000 characters"), (3, "C3")]


def test_a_huge_required_value_is_named_without_being_echoed() -> None:
    rows = read(f"{HEADER}\nC1,{'A' * 20_000},B,01/02/1975,1\n{'9' * 10_001},A,B,01/02/1975,2\n")

    assert rows == [
        InvalidRow(1, "C1", "first_name is longer than 10,000 characters"),
        InvalidRow(2, "", "claim_number is longer than 10,000 characters"),
    ]


@pytest.mark.parametrize("size", [150_000, 2_000_000])
def test_a_huge_quoted_value_over_many_lines_is_one_row_error(size: int) -> None:
    # Given a quoted value far over the limit, spanning lines, between good rows
    huge = ('lorem ipsum, dolor ""sit"" amet\n' * (size // 30))[:size]
    text = f'{HEADER},notes\nC1,A,B,01/02/1975,1,x\nC2,A,B,01/02/1975,2,"{huge}"\nC3,A,B,01/02/1975,3,y\n'

    rows = read(text)

    # Then it is one row error, and the rows after it keep their numbers
    assert [(r.row, type(r).__name__) for r in rows] == [(1, "ValidRow"), (2, "InvalidRow"), (3, "ValidRow")]
    assert rows[1].error.startswith(("notes is longer than 10,000 characters", "row is longer than"))  # type: ignore[union-attr]


def test_a_huge_unquoted_line_is_one_row_error_that_keeps_its_claim_number() -> None:
    text = f"{HEADER}\nC1,A,B,01/02/1975,1\nC2,{'A' * 3_000_000},B,01/02/1975,2\nC3,A,B,01/02/1975,3\n"

    rows = read(text)

    assert rows[1] == InvalidRow(
        2, "C2", "row is longer than 100,017 characters (a huge value, or a quote that is never closed)"
    )
    assert outline(rows)[::2] == [(1, "C1"), (3, "C3")]


def test_a_huge_line_keeps_no_claim_number_when_its_claim_column_is_the_huge_one() -> None:
    rows = read(f"{HEADER}\n{'9' * 3_000_000},A,B,01/02/1975,2\n")

    assert [(row.row, row.claim_number) for row in rows] == [(1, "")]  # type: ignore[union-attr]


QUOTE_NEVER_CLOSED = "ERROR row opens a quote that is never closed; the lines after it are read as rows of their own"


def test_a_quote_never_closed_swallows_no_row() -> None:
    # Given a stray opening quote, then many more lines
    text = f'{HEADER}\nC1,A,B,01/02/1975,1\nC2,"A,B,01/02/1975,2\n' + "C3,A,B,01/02/1975,3\n" * 20_000

    rows = read(text)

    # Then the line where it starts is a row error, and every later line is a row
    assert outline(rows)[:3] == [(1, "C1"), (2, QUOTE_NEVER_CLOSED), (3, "C3")]
    assert len(rows) == 20_002 and outline(rows)[-1] == (20_002, "C3")
    assert rows[1].claim_number == "C2"  # type: ignore[union-attr]


def test_a_quote_opening_a_row_never_closed_swallows_no_row() -> None:
    # Given the quote at the very start of the row, as a spreadsheet cut short writes it
    text = f'{HEADER}\n"ZE59426195,CHANTAL,KISA,05/10/1975,057896633\n' + "C3,A,B,01/02/1975,3\n" * 20_000

    rows = read(text)

    assert outline(rows)[:2] == [(1, QUOTE_NEVER_CLOSED), (2, "C3")]
    assert len(rows) == 20_001


def test_a_short_unclosed_quote_at_the_end_swallows_no_row() -> None:
    rows = read(f'{HEADER}\nC1,A,B,01/02/1975,1\nC2,"A,B,01/02/1975,2\nC3,A,B,01/02/1975,3\n')

    assert outline(rows) == [(1, "C1"), (2, QUOTE_NEVER_CLOSED), (3, "C3")]


def test_two_quotes_never_closed_in_a_row_each_cost_one_line() -> None:
    body = "C1,A,B,01/02/1975,1\n" * 5 + 'C2,"A,B,01/02/1975,2\n' + 'C3,"A,B,01/02/1975,3\n' + "C4,A,B,01/02/1975,4\n" * 5

    rows = read(f"{HEADER}\n{body}")

    assert [claim for _, claim in outline(rows)] == ["C1"] * 5 + [QUOTE_NEVER_CLOSED] * 2 + ["C4"] * 5


def test_a_quoted_value_over_lines_that_closes_is_still_one_row() -> None:
    rows = read(f'{HEADER},notes\nC1,A,B,01/02/1975,1,"first line\nsecond, line"\nC2,A,B,01/02/1975,2,x\n')

    assert outline(rows) == [(1, "C1"), (2, "C2")]


def test_memory_stays_flat_for_a_quote_never_closed_in_a_big_file() -> None:
    # Given a 20 MB file whose second row opens a quote that is never closed
    def chunks() -> Iterator[bytes]:
        yield f'{HEADER},notes\nC1,A,B,01/02/1975,1,"\n'.encode()
        for _ in range(320):
            yield b"C3,A,B,01/02/1975,3,x\n" * 3000

    tracemalloc.start()
    try:
        kinds = Counter(type(r).__name__ for r in read_claim_rows(chunks(), today=TODAY))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert kinds == {"InvalidRow": 1, "ValidRow": 960_000}
    assert peak < 8 * 1024 * 1024


def peak_memory_reading(blocks: int) -> int:
    """Peak memory while reading a file of `blocks` MiB, streamed in 1 MiB chunks, rows dropped as read."""
    block = "".join(f"ZE{n:08d},CHANTAL,KISA,{n % 12 + 1:02d}/02/1975,{n:09d}\n" for n in range(20_000)).encode()

    def chunks() -> Iterator[bytes]:
        yield f"{HEADER}\n".encode()
        for _ in range(blocks):
            yield block

    tracemalloc.start()
    try:
        count = sum(1 for _ in read_claim_rows(chunks(), today=TODAY))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000 * blocks
    return peak


def test_memory_stays_flat_whatever_the_file_size() -> None:
    # Given the same rows, in a 2 MB and in an 8 MB file
    small, big = peak_memory_reading(2), peak_memory_reading(8)

    # Then reading the bigger one takes no more memory (beyond noise), and little
    assert big < small * 1.2
    assert big < 4 * 1024 * 1024


def test_at_most_max_rows_data_rows() -> None:
    assert len(read(claims_file(3), InputLimits(max_rows=3))) == 3


def test_more_rows_than_the_limit_is_a_file_error_raised_once_the_limit_is_passed() -> None:
    rows = read_claim_rows([claims_file(5).encode()], InputLimits(max_rows=3), today=TODAY)

    assert [next(rows).row for _ in range(3)] == [1, 2, 3]
    with pytest.raises(InputFileError) as raised:
        next(rows)
    assert raised.value.message == "file has more than 3 data rows (limit)"


def test_row_limit_message_uses_thousands_separators() -> None:
    assert InputLimits().max_rows == 1_000_000
    with pytest.raises(InputFileError, match=r"^file has more than 1,000 data rows \(limit\)$"):
        read(claims_file(1001), InputLimits(max_rows=1000))


def test_blank_lines_do_not_count_against_the_row_limit() -> None:
    text = claims_file(2) + "\n" * 50

    assert len(read(text, InputLimits(max_rows=2))) == 2


def test_a_broken_row_counts_against_the_row_limit() -> None:
    text = f"{HEADER}\nC1,A,B,01/02/1975,1\nC2,{'A' * 200_000},B,01/02/1975,2\nC3,A,B,01/02/1975,3\n"

    with pytest.raises(InputFileError, match="more than 2 data rows"):
        read(text, InputLimits(max_rows=2))


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_rows must be at least 1"):
        InputLimits(max_rows=0)


def test_a_smaller_field_limit_can_be_configured() -> None:
    rows = read(f"{HEADER},notes\nC1,A,B,01/02/1975,1,{'x' * 51}\n", InputLimits(max_field_chars=50))

    assert outline(rows) == [(1, "ERROR notes is longer than 50 characters")]


def test_a_larger_field_limit_can_be_configured() -> None:
    big = "x" * 300_000

    rows = read(f'{HEADER},notes\nC1,A,B,01/02/1975,1,"{big}"\n', InputLimits(max_field_chars=500_000))

    assert outline(rows) == [(1, "C1")]


def test_start_after_row_resumes_with_the_same_row_numbers() -> None:
    # Given a file with blank lines, a bad row and a broken row before the resume point
    text = (
        f"{HEADER}\n\nC1,A,B,01/02/1975,1\nBAD*,A,B,01/02/1975,2\n"
        f"C3,{'A' * 200_000},B,01/02/1975,3\n\nC4,A,B,01/02/1975,4\nC5,A,B,13/13/1975,5\n"
    )
    everything = outline(read(text))

    # When read again from after row 3
    resumed = outline(read(text, start_after_row=3))

    # Then exactly the rows after it come, numbered as in a full read
    assert (
        resumed
        == everything[3:]
        == [(4, "C4"), (5, "ERROR date_of_birth '13/13/1975' is not a valid date (expected MM/DD/YYYY)")]
    )


@pytest.mark.parametrize("start", [0, 1, 1023, 1024, 1025, 2500, 3000, 5000])
def test_start_after_row_across_batches(start: int) -> None:
    rows = read(claims_file(3000), start_after_row=start)

    assert [r.row for r in rows] == list(range(start + 1, 3001))


def test_start_after_row_still_counts_skipped_rows_against_the_limit() -> None:
    with pytest.raises(InputFileError, match="more than 10 data rows"):
        read(claims_file(11), InputLimits(max_rows=10), start_after_row=10)


def test_start_after_row_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="start_after_row"):
        read_claim_rows([b""], start_after_row=-1)


def test_many_rows_with_scattered_errors_keep_order_and_numbers() -> None:
    lines = [HEADER]
    expected = []
    for n in range(1, 5001):
        if n % 97 == 0:
            lines.append(f"C{n},A,B,02/30/1975,{n}")
            expected.append((n, "ERROR date_of_birth '02/30/1975' is not a valid date (expected MM/DD/YYYY)"))
        elif n % 101 == 0:
            lines.append(f"C{n},A,B,01/02/1975")
            expected.append((n, "ERROR row has 4 values but the header has 5 columns"))
        elif n % 89 == 0:
            lines.append("")
            continue
        else:
            lines.append(f"C-{n},Zoë Anne,O'Neil,1/2/1975,{n:09d}")
            expected.append((n, f"C-{n}"))
    # blank lines are not counted: renumber the expectation
    expected = [(index, outcome) for index, (_, outcome) in enumerate(expected, 1)]

    assert outline(read("\n".join(lines) + "\n")) == expected


# --- streaming: the way bytes are chunked never changes the rows -----------------------------

RICH_TEXT = (
    "\ufeffClaim #;First Name;Last Name;DOB;Member ID;Notes\r\n"
    'ZE59426195;CHANTAL;KISA;01/02/1975;057896633;"a;b\r\nc ""quoted"""\r\n'
    "\r\n"
    "  ZE2 ;Zoë;Ørsted-李;1975-02-03;X-1;é\r"
    "ZE3;José;O'Neil;19750203;5.79E+08;\n"
    'ZE4;A*B;K;13/45/1975;1;""\r\n'
    "ZE5;A;B;01/02/1975\r\n"
    "   \r\n"
    'ZE6;𠜎;B;01/02/1975;6;"unterminated\n'
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "utf-16-be"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=30))
def test_any_chunking_gives_the_same_rows(encoding: str, cuts: list[int]) -> None:
    data = RICH_TEXT.encode(encoding)
    if encoding.startswith("utf-16"):
        data = data[2:]  # RICH_TEXT starts with U+FEFF, which Python encodes as the BOM for -le/-be already
        data = ("\ufeff".encode(encoding)) + data
    whole = list(read_claim_rows([data], today=TODAY))
    points = sorted({c for c in cuts if c < len(data)} | {0, len(data)})
    chunks = [data[a:b] for a, b in itertools.pairwise(points)]

    assert list(read_claim_rows(chunks, today=TODAY)) == whole
    assert len(whole) == 6


def test_one_byte_chunks_give_the_same_rows() -> None:
    data = RICH_TEXT.encode("utf-8")

    assert list(read_claim_rows([bytes([b]) for b in data], today=TODAY)) == read(data)


@pytest.mark.parametrize("chunk", [1, 2, 3, 1000, 65_535, 65_536, 65_537, 1 << 20])
def test_chunk_sizes_around_block_boundaries(chunk: int) -> None:
    data = claims_file(7000, newline="\r\n").encode()
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)] if chunk > 3 else None
    if chunks is None:  # tiny chunks only over the first part, to stay quick
        head = data[:200_000]
        cut = head.rindex(b"\r\n") + 2
        chunks = [head[i : i + chunk] for i in range(0, cut, chunk)] + [data[cut:]]

    rows = list(read_claim_rows(chunks, today=TODAY))

    assert [r.row for r in rows] == list(range(1, 7001))
    assert all(isinstance(r, ValidRow) for r in rows)


_note = st.text(alphabet=st.sampled_from(["a", ",", '"', "\n", "\r", " ", "é", ";", "\t"]), max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    notes=st.lists(_note, min_size=1, max_size=20),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    delimiter=st.sampled_from([",", "|", "\t", ";"]),
)
def test_anything_a_csv_writer_writes_reads_back_row_for_row(notes: list[str], newline: str, delimiter: str) -> None:
    # Given a file written by a standard CSV writer, with arbitrary notes in an extra column
    # (Python's writer quotes a value holding CR or LF only when that character ends its lines)
    buffer = io.StringIO()
    quoting = csv.QUOTE_MINIMAL if newline == "\r\n" else csv.QUOTE_ALL
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerow(["claim_number", "first_name", "last_name", "date_of_birth", "subscriber_id", "notes"])
    for n, note in enumerate(notes, 1):
        writer.writerow([f"C{n}", "ANNE", "KISA", "01/02/1975", str(n), note])

    rows = read(buffer.getvalue())

    # Then every row reads back, in order, valid
    assert outline(rows) == [(n, f"C{n}") for n in range(1, len(notes) + 1)]


# --- against a reference: csv.reader over the whole text, then the value rules ------------------

_value = st.text(alphabet=st.sampled_from([*list('aZ09 -,;"\r\n'), "é"]), max_size=6)
_valid_looking = st.sampled_from(["C1", "ANNE", "O'NEIL", "01/02/1975", "1975-01-02", "057896633", " Zoë "])


def reference(text: str, delimiter: str) -> list[ParsedRow]:
    from claimbatch.domain.value_rules import ValueRuleError, check_id, check_name, parse_date_of_birth

    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header, data = records[0], records[1:]
    blank = (
        (lambda r: not "".join(r).strip())
        if delimiter.isspace()
        else (lambda r: len(r) <= 1 and not "".join(r).strip())
    )
    rows: list[ParsedRow] = []
    for n, record in enumerate((r for r in data if not blank(r)), 1):
        if len(record) != len(header):
            claim = record[0].strip() if record else ""
            rows.append(InvalidRow(n, claim, f"row has {len(record)} values but the header has {len(header)} columns"))
            continue
        claim, first, last, born, subscriber = (value.strip() for value in record)
        errors, values = [], []
        for column, value in zip(
            ("claim_number", "first_name", "last_name", "date_of_birth", "subscriber_id"),
            (claim, first, last, born, subscriber),
            strict=True,
        ):
            try:
                if column.endswith(("_number", "_id")):
                    values.append(check_id(column, value))
                elif column == "date_of_birth":
                    values.append(parse_date_of_birth(value, TODAY))
                else:
                    values.append(check_name(column, value))
            except ValueRuleError as error:
                errors.append(error.message)
        rows.append(InvalidRow(n, claim, "; ".join(errors)) if errors else ValidRow(n, ClaimQuery(*values)))  # type: ignore[arg-type]
    return rows


@settings(max_examples=120, deadline=None)
@given(
    rows=st.lists(
        st.one_of(
            st.lists(_valid_looking, min_size=5, max_size=5),
            st.lists(st.one_of(_value, _valid_looking), min_size=0, max_size=7),
            st.sampled_from([[], [""] * 5, [" "] * 5, [" "], ["", " ", "", "", "\t"]]),  # blank or nearly
        ),
        min_size=1,
        max_size=25,
    ),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    newline=st.sampled_from(["\r\n", "\n", "\r"]),
    delimiter=st.sampled_from([",", "\t", "|", ";"]),
    start=st.integers(min_value=0, max_value=30),
    chunk=st.integers(min_value=1, max_value=40),
)
def test_reads_as_csv_reader_and_the_value_rules_would(
    rows: list[list[str]], quoting: int, newline: str, delimiter: str, start: int, chunk: int
) -> None:
    import functools

    from claimbatch.domain import csv_records, input_reader, text_decoding

    if newline != "\r\n":  # Python's writer quotes CR or LF only when that character ends its lines
        quoting = csv.QUOTE_ALL
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    writer.writerow(HEADER.split(","))
    writer.writerows(rows)
    text = buffer.getvalue()
    data = text.encode()
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]

    # tiny text blocks and batches, so that their edges fall everywhere
    tiny_blocks = functools.partial(text_decoding.decode_text, block_bytes=16, sample_bytes=16)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(input_reader, "decode_text", tiny_blocks)
        patch.setattr(csv_records, "BATCH_RECORDS", 3)
        parsed = list(read_claim_rows(chunks, today=TODAY, start_after_row=start))

    assert parsed == reference(text, delimiter)[start:]
