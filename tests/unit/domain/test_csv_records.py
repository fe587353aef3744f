"""The record layer agrees with csv.reader on where records end, however the text is cut."""

from __future__ import annotations

import csv
import itertools

import pytest
from claimbatch.domain.csv_line_feed import _record_end_patterns, _RecordEndScanner
from claimbatch.domain.csv_records import (
    Batch,
    BrokenRecord,
    DelimitedText,
    RecordGrid,
    detect_delimiter,
)
from claimbatch.domain.header_aliases import count_known_columns
from hypothesis import given, settings
from hypothesis import strategies as st

_line_body = st.text(alphabet=st.sampled_from(["a", ",", '"', " ", ";", "\t"]), max_size=12)
_terminator = st.sampled_from(["\n", "\r\n", "\r", ""])


def csv_ends_record_after(lines: list[str], delimiter: str) -> bool:
    """Whether csv.reader ends the first record exactly at the end of the last of `lines`."""
    reader = csv.reader([*lines, "Z\n"], delimiter=delimiter, strict=False)
    next(reader)
    return reader.line_num == len(lines)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@settings(max_examples=300, deadline=None)
@given(body=_line_body, terminator=_terminator)
def test_a_line_that_starts_a_record_ends_it_when_csv_says_so(delimiter: str, body: str, terminator: str) -> None:
    line = body + terminator
    starts_complete, _ = _record_end_patterns(delimiter)

    assert (starts_complete.fullmatch(line) is not None) == csv_ends_record_after([line], delimiter)


@pytest.mark.parametrize("delimiter", [",", ";"])
@settings(max_examples=300, deadline=None)
@given(body=_line_body, terminator=_terminator)
def test_a_line_inside_a_quoted_field_ends_the_record_when_csv_says_so(
    delimiter: str, body: str, terminator: str
) -> None:
    line = body + terminator
    _, continues_complete = _record_end_patterns(delimiter)

    assert (continues_complete.fullmatch(line) is not None) == csv_ends_record_after(
        [f'a{delimiter}"open\n', line], delimiter
    )


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.tuples(_line_body, st.sampled_from(["\n", "\r\n", "\r"])), min_size=1, max_size=6),
    cuts=st.lists(st.integers(min_value=0, max_value=80), max_size=6),
)
def test_the_scanner_finds_the_record_end_csv_finds_in_text_cut_anywhere(
    lines: list[tuple[str, str]], cuts: list[int]
) -> None:
    texts = [body + end for body, end in lines]
    text = "".join(texts)
    reader = csv.reader([*texts, "Z\n"], strict=False)
    next(reader)
    ending_line = reader.line_num  # csv ends the first record with the line break of this line

    scanner = _RecordEndScanner(",")
    points = sorted({c for c in cuts if c < len(text)} | {0, len(text)})
    ending_piece = next(
        ((start, stop) for start, stop in itertools.pairwise(points) if scanner.ends_in(text[start:stop])), None
    )

    if ending_line > len(lines):  # a quote still open at the end: no end in sight
        assert ending_piece is None
        return
    # the scanner says the record ends in the piece holding that line break
    line_break_at = len("".join(texts[:ending_line])) - len(lines[ending_line - 1][1])
    assert ending_piece is not None
    assert ending_piece[0] <= line_break_at < ending_piece[1]


_field = st.text(alphabet=st.sampled_from(["a", ",", '"', "\n", "\r", " ", "é", ";"]), max_size=8)
_plain_field = st.text(alphabet=st.sampled_from(["a", " ", "é", "-"]), max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.one_of(
        st.lists(st.lists(_field, min_size=1, max_size=4), min_size=1, max_size=12),  # anything
        st.lists(st.lists(_plain_field, min_size=3, max_size=3), min_size=1, max_size=12),  # the usual block
        st.lists(st.lists(_plain_field, min_size=2, max_size=4), min_size=1, max_size=12),  # ragged, unquoted
    ),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    newline=st.sampled_from(["\r\n", "\n", "\r"]),
    delimiter=st.sampled_from([",", ";"]),
    cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=12),
)
def test_records_are_those_of_csv_reader_however_the_text_is_cut(
    rows: list[list[str]], quoting: int, newline: str, delimiter: str, cuts: list[int]
) -> None:
    import io

    if newline != "\r\n":  # Python's writer quotes CR or LF only when that character ends its lines
        quoting = csv.QUOTE_ALL
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=newline).writerows(
        [["h1", "h2", "h3"], *rows]
    )
    text = buffer.getvalue()
    expected = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))[1:]
    expected = [r for r in expected if len(r) > 1 or (r and r[0].strip())]
    points = sorted({c for c in cuts if c < len(text)} | {0, len(text)})
    blocks = [text[a:b] for a, b in itertools.pairwise(points)]

    table = DelimitedText(blocks, score_header=count_known_columns)
    records = [record for batch in table.batches(record_budget=65_536) for record in as_records(batch)]

    assert table.header == ["h1", "h2", "h3"]
    assert records == expected


@pytest.mark.parametrize(
    "text",
    [
        'h1,h2\n"a","b"\n"","c"\n"d,e",""\n',  # every field quoted: read without csv
        'h1,h2\n"a","b"\n"x""y","c"\n',  # a doubled quote: read by csv
        'h1,h2\n"a","b"\n"x"y,"c"\n',  # text after a closing quote
        'h1,h2\n"a",b\n',  # some fields quoted
        'h1,h2\n"a","b","c"\n"a","b"\n',  # ragged, quoted
        'h1,h2\r\n"a","b"\r"c","d"',  # CR, and no line break at the end
        "h1,h2\na,b\nc,d,e\n\nf\n",  # ragged and blank, unquoted
    ],
)
def test_blocks_read_without_csv_are_read_as_csv_reads_them(text: str) -> None:
    import io

    expected = [r for r in list(csv.reader(io.StringIO(text, newline="")))[1:] if len(r) > 1 or (r and r[0].strip())]

    table = DelimitedText([text], score_header=count_known_columns)

    assert [record for batch in table.batches(record_budget=65_536) for record in as_records(batch)] == expected


def as_records(batch: Batch) -> list[list[str]]:
    if isinstance(batch, RecordGrid):
        return [batch.record(index) for index in range(len(batch))]
    assert isinstance(batch, list)
    return batch


def test_a_record_over_budget_is_broken_and_the_next_one_is_read() -> None:
    text = 'h1,h2\na,b\nc,"' + "x\n" * 50_000 + '"\nd,e\n'

    table = DelimitedText([text[i : i + 1000] for i in range(0, len(text), 1000)], score_header=count_known_columns)
    items = list(table.batches(record_budget=65_536))

    assert items[0] == [["a", "b"]]
    assert isinstance(items[1], BrokenRecord)
    assert items[2:] == [[["d", "e"]]]


def test_batches_are_small_so_that_few_rows_are_alive_at_once() -> None:
    text = "h1,h2\n" + "".join(f"{n},x\n" for n in range(2000))

    batches = list(DelimitedText([text], score_header=count_known_columns).batches(record_budget=65_536))

    assert sum(len(b) for b in batches) == 2000  # type: ignore[arg-type]
    assert max(len(b) for b in batches) <= 256  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [
        ("claim_number,first_name,last_name,dob,member id\n", ","),
        ("claim_number|first_name|last_name|dob|member id\n", "|"),
        ("claim_number\tfirst_name\tlast_name\tdob\tmember id\n", "\t"),
        ("claim_number;first_name;last_name;dob;member id\n", ";"),
        ("claim_number;first, name;last name;dob;member id\n", ";"),
        ("a,b,c\n", ","),
        ("a;b;c\n", ";"),
        ("nothing\n", ","),
    ],
)
def test_delimiter_detection(line: str, delimiter: str) -> None:
    assert detect_delimiter(line, count_known_columns) == delimiter


@settings(max_examples=200, deadline=None)
@given(
    text=st.lists(st.sampled_from(["a", ",", "\n", "\r", "\r\n", "aaaaaa"]), max_size=60).map("".join),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=10),
    budget=st.sampled_from([5, 65_536]),
)
def test_texts_of_whole_lines_hold_the_lines_blocks_do_however_the_text_is_cut(
    text: str, cuts: list[int], budget: int
) -> None:
    import io

    from claimbatch.domain.csv_line_feed import LineFeed

    points = sorted({c for c in cuts if c < len(text)} | {0, len(text)})
    blocks = [text[a:b] for a, b in itertools.pairwise(points)]
    by_lines, by_texts = LineFeed(blocks, budget), LineFeed(blocks, budget)

    lines, from_texts = [], []
    while (block := by_lines.next_block()) is not None:
        lines.extend(block)
    while (piece := by_texts.next_text()) is not None:
        from_texts.extend(io.StringIO(piece, newline="").readlines() if isinstance(piece, str) else piece)

    assert from_texts == lines


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_line_over_budget_in_a_plain_block_is_broken_and_the_others_are_read(newline: str) -> None:
    text = newline.join(["h1,h2", "a,b", "c," + "x" * 70_000, "d,e", ""])

    items = list(DelimitedText([text], score_header=count_known_columns).batches(record_budget=65_536))

    records = [item for item in items if not isinstance(item, BrokenRecord)]
    assert [record for batch in records for record in as_records(batch)] == [["a", "b"], ["d", "e"]]
    assert sum(isinstance(item, BrokenRecord) for item in items) == 1
