"""Decoded text → header and records (docs/input-files.md: "delimiter", "quoting", "line endings",
"blank lines", "huge fields").

Records are read a block of physical lines (LF, CRLF or CR) at a time, as the
C `csv` module reads them (doubled quotes, quotes inside unquoted values taken
as they are, non-strict):

- runs of lines that match the caller's plain record pattern (lines that plainly
  pass every value rule, fields quoted or not) are matched a run at a time by one
  regular expression and split at C speed into a `MatchedGrid`;
- a block without any quote needs no csv: each line splits on the delimiter,
  and when every line has the header's number of fields, the whole block at
  once, into a flat `RecordGrid` (the usual case, and the fastest);
- a block in which every line is one whole record is read by csv from the list
  of its lines;
- any other block (a quoted value over several lines, a line over budget) is
  followed line by line by `LineFeed` (csv_line_feed.py), which knows where records end and bounds
  the memory one record may take: a record longer than its budget (a huge value)
  is skipped to its end and reported as a `BrokenRecord`, and reading goes on.

A quote that is never closed must not swallow the rows after it. When a quoted
value over lines (still open at the end of the file, over the record's budget,
or closed by a quote with text right after it) runs over lines that look like records of the header's width
(most of them have its number of delimiters), the quote is taken as a stray: the line where it opened is a `BrokenRecord` and the lines
after it are read again as records of their own. A `BrokenRecord` carries the
fields read before the break, so the row's claim number can still be reported.

The delimiter is the one under which the header line reads best.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice, repeat

from claimbatch.domain.csv_line_feed import LineFeed, RecordTooLong
from claimbatch.domain.errors import InputFileError
from claimbatch.domain.text_decoding import EMPTY_MESSAGE

DELIMITERS = (",", "\t", "|", ";")  # by preference when the header reads as well with several
HEADER_BUDGET = 65_536  # characters of the header record
MAX_RECORD_BUDGET = 16 * 1024 * 1024
BATCH_RECORDS = 256  # records per batch: small enough that few objects outlive a GC generation
FOLLOWED_BATCH_RECORDS = 32  # records per batch when lines are followed one by one (records may be large)
MOSTLY_UNMATCHED = 32  # lines left out by the plain record, more than it took, before a block is read the other ways

_csv_limit_lock = threading.Lock()


QUOTE_NEVER_CLOSED = "row opens a quote that is never closed; the lines after it are read as rows of their own"


@dataclass(frozen=True, slots=True)
class BrokenRecord:
    """A record that could not be read as fields; `error` says why, for the results file.
    `leading`: the fields read whole before the break (the start of the record)."""

    error: str
    leading: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordGrid:
    """Records that all have `width` fields, flat: field j of record i is fields[i * width + j]."""

    fields: list[str]
    width: int

    def __len__(self) -> int:
        return len(self.fields) // self.width

    def record(self, index: int) -> list[str]:
        return self.fields[index * self.width : (index + 1) * self.width]


@dataclass(frozen=True, slots=True)
class MatchedGrid(RecordGrid):
    """Records whose lines each matched the `plain_record` pattern given to `batches()`."""


Batch = list[list[str]] | RecordGrid | BrokenRecord
Piece = list[str] | RecordGrid  # lines still to read as records, or records read already


@dataclass(frozen=True, slots=True)
class PlainRecord:
    """Regular expressions of one record (no line end) that only match lines of the header's
    width holding no line break or NUL, none longer than the record budget: `bare` with no
    quote at all, `quoted` the same with any field wrapped in quotes (and no other quote)."""

    bare: str
    quoted: str


class _RunPatterns:
    """Runs of whole lines that match a plain record, ended by LF or by CRLF, compiled on first use."""

    def __init__(self, record: PlainRecord) -> None:
        self._record = record
        self._compiled: dict[tuple[bool, bool], re.Pattern[str]] = {}

    def pattern(self, *, crlf: bool, quoted: bool) -> re.Pattern[str]:
        if (crlf, quoted) not in self._compiled:
            record = self._record.quoted if quoted else self._record.bare
            line_end = "\\r\\n" if crlf else "\\n"
            self._compiled[crlf, quoted] = re.compile(f"(?:{record}{line_end})*+")
        return self._compiled[crlf, quoted]


def _ensure_csv_field_limit(chars: int) -> None:
    # csv's field limit is process-wide; it is only ever raised here, never lowered.
    with _csv_limit_lock:
        if csv.field_size_limit() < chars:
            csv.field_size_limit(chars)


def detect_delimiter(header_line: str, score: Callable[[Sequence[str]], int]) -> str:
    """The delimiter under which the header line reads best: most known columns,
    then most columns, then the first of DELIMITERS."""

    def reading(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        return score(cells), len(cells)

    return max(DELIMITERS, key=reading)


def _fields_of_lines(text: str, delimiter: str) -> list[str]:
    """The fields of lines that hold no quote, in one flat list: line breaks (LF, CRLF, CR)
    read as delimiters; nothing after the last one."""
    if "\r" not in text:
        flat = text.replace("\n", delimiter)
    elif text.count("\r") == text.count("\r\n"):  # CRLF throughout, as Excel writes
        flat = text.replace("\r\n", delimiter)
    else:
        flat = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", delimiter)
    fields = flat.split(delimiter)
    if text.endswith(("\n", "\r")):
        fields.pop()  # after the last line break
    return fields


def _grid_batches(grid: RecordGrid) -> Iterator[RecordGrid]:
    step = BATCH_RECORDS * grid.width
    if len(grid.fields) <= step:
        yield grid
        return
    for start in range(0, len(grid.fields), step):
        yield type(grid)(grid.fields[start : start + step], grid.width)


class DelimitedText:
    """A delimited text once its header is read: `delimiter`, `header`, then `batches()`.

    Raises InputFileError when there is no header line or it is over HEADER_BUDGET.
    """

    def __init__(self, blocks: Iterable[str], *, score_header: Callable[[Sequence[str]], int]) -> None:
        self._feed = feed = LineFeed(blocks, HEADER_BUDGET)
        first = self._first_nonblank_line()
        self.delimiter = delimiter = detect_delimiter(first, score_header)
        feed.set_delimiter(delimiter)
        feed.follow((first,))
        self._dialect = {"delimiter": delimiter, "quotechar": '"', "doublequote": True, "strict": False}
        try:
            self.header: list[str] = next(csv.reader(feed, **self._dialect))  # type: ignore[arg-type]
            feed.width = len(self.header)
        except RecordTooLong:
            raise InputFileError(f"header line is longer than {HEADER_BUDGET:,} characters") from None
        except csv.Error as error:
            raise InputFileError(f"header line is not valid CSV ({error})") from None

    def _first_nonblank_line(self) -> str:
        while (line := self._feed.raw_line()) is not None:
            if line.isspace():
                continue
            if len(line) > HEADER_BUDGET:
                raise InputFileError(f"header line is longer than {HEADER_BUDGET:,} characters")
            return line
        raise InputFileError(EMPTY_MESSAGE)

    def batches(self, *, record_budget: int, plain_record: PlainRecord | None = None) -> Iterator[Batch]:
        """Data records in order, in batches of at most BATCH_RECORDS; blank lines
        skipped. A record longer than `record_budget` characters comes alone as a
        BrokenRecord, and reading goes on. Runs of lines that match `plain_record`
        come as MatchedGrid batches."""
        feed = self._feed
        feed.budget = budget = min(record_budget, MAX_RECORD_BUDGET)
        _ensure_csv_field_limit(budget + 1)
        runs = _RunPatterns(plain_record) if plain_record else None
        pieces: list[Piece] | None = self._pieces_of_lines(feed.take_stretch(), runs)
        while pieces is not None:
            for piece in pieces:
                if isinstance(piece, RecordGrid):
                    yield from _grid_batches(piece)
                else:
                    yield from self._batches_of_lines(piece, budget)
            pieces = self._next_pieces(runs)

    def _batches_of_lines(self, lines: list[str], budget: int) -> Iterator[Batch]:
        if not lines:
            return
        block = self._read_block(lines)
        if block is None:
            self._feed.follow(lines)
            yield from self._followed_batches(budget)
        elif isinstance(block, RecordGrid):
            yield from _grid_batches(block)
        else:
            block = self._without_blanks(block)
            for start in range(0, len(block), BATCH_RECORDS):
                yield block[start : start + BATCH_RECORDS]

    def _pieces_of_lines(self, lines: list[str], runs: _RunPatterns | None) -> list[Piece]:
        """Lines handed out as a list (the rest of the header's block; a block cut after a CR),
        read as a text of whole lines is when they end in LF."""
        if runs is not None and lines and lines[-1].endswith("\n"):
            pieces = self._plain_pieces("".join(lines), runs)
            if pieces is not None:
                return pieces
        return [lines]

    def _next_pieces(self, runs: _RunPatterns | None) -> list[Piece] | None:
        """The next block of lines, read at C speed where it can be: runs of lines that match
        the plain record, or the whole block as a grid; None at the end."""
        text = self._feed.next_text()
        if not isinstance(text, str):
            return None if text is None else self._pieces_of_lines(text, runs)
        if runs is not None and (pieces := self._plain_pieces(text, runs)) is not None:
            return pieces
        grid = self._grid_of_text(text)
        return [grid or io.StringIO(text, newline="").readlines()]

    def _plain_pieces(self, text: str, runs: _RunPatterns) -> list[Piece] | None:
        """Whole lines (the text ends in LF) as runs of lines that match the plain record,
        each a MatchedGrid, and the lines between them; None when the text has a NUL.

        The lines of a text with a CR are matched as ending in CRLF (any other line is one
        between the runs, read as `io` reads lines). In a text with quotes a field may be
        quoted: the quotes go before the fields split. From a line between the runs that
        may open a quoted value over lines, the rest of the text is read as lines. A text
        whose lines mostly do not match (names in a script with combining marks, say) is
        left to the other ways as soon as that shows (None), so it costs no more than before."""
        if "\x00" in text:
            return None
        quoted, crlf = '"' in text, "\r" in text
        run, line_end = runs.pattern(crlf=crlf, quoted=quoted), "\r\n" if crlf else "\n"
        delimiter, width = self.delimiter, len(self.header)
        pieces: list[Piece] = []
        start, size = 0, len(text)
        matched = left = 0  # lines
        while start < size:
            end = run.match(text, start).end()  # type: ignore[union-attr]  # `(…)*+` always matches
            if end > start:
                run_text = text[start:end].replace('"', "") if quoted else text[start:end]
                fields = run_text.replace(line_end, delimiter).split(delimiter)
                fields.pop()  # after the last line break
                pieces.append(MatchedGrid(fields, width))
                matched += len(fields) // width
            if end == size:
                break
            left += 1
            if left > matched and left >= MOSTLY_UNMATCHED:
                return None
            start = text.index("\n", end) + 1
            lines = [line := text[end:start]]
            if quoted and not self._feed.starts_complete.fullmatch(line):
                pieces.append(io.StringIO(text[end:], newline="").readlines())
                break
            if line.count("\r") != line.endswith("\r\n"):  # a CR alone breaks the line too
                lines = io.StringIO(line, newline="").readlines()
            if pieces and isinstance(pieces[-1], list):
                pieces[-1].extend(lines)
            else:
                pieces.append(lines)
        return pieces

    def _grid_of_text(self, text: str) -> RecordGrid | None:
        """Whole lines ending in LF read as _read_block reads a block without quotes whose
        lines all have the header's number of fields; None for any other text.

        Each line break becomes NUL and a delimiter (a NUL is never in the text), so the
        fields split at C speed; every record is whole when each line's last field, and
        no other, ends with that NUL."""
        width, delimiter = len(self.header), self.delimiter
        if width < 2 or delimiter.isspace() or '"' in text or "\x00" in text:
            return None
        breaks = text.count("\n")
        if "\r" not in text:
            flat = text.replace("\n", "\x00" + delimiter)
        elif text.count("\r") == text.count("\r\n") == breaks:  # CRLF throughout, as Excel writes
            flat = text.replace("\r\n", "\x00" + delimiter)
        else:
            return None
        fields = flat.split(delimiter)
        fields.pop()  # after the last line break
        if len(fields) != breaks * width:
            return None
        ends = fields[width - 1 :: width]
        if not all(map(str.endswith, ends, repeat("\x00"))):
            return None
        fields[width - 1 :: width] = map(str.removesuffix, ends, repeat("\x00"))
        budget = self._feed.budget
        if len(text) > budget and max(map(len, fields)) * width + width + 1 > budget:
            return None  # a line may be over the budget: read line by line
        return RecordGrid(fields, width)

    def _read_block(self, lines: list[str]) -> RecordGrid | list[list[str]] | None:
        """The records of a block in which every line is one whole record, read at
        C speed; None when the block must be followed line by line.

        A block without any quote is read without csv, as csv would read it: each
        line splits on the delimiter (and when every line has the header's number
        of fields, the whole block at once). Other blocks are read by csv, from the
        list of their lines. Blocks whose records all have the header's number of
        fields come as a RecordGrid.
        """
        text = "".join(lines)
        if len(text) > self._feed.budget and max(map(len, lines)) > self._feed.budget:
            return None
        if '"' not in text:  # no quoting: csv would split each line on the delimiter, nothing more
            width, delimiter = len(self.header), self.delimiter
            if (
                width > 1
                and set(map(str.count, lines, repeat(delimiter))) == {width - 1}
                and not (delimiter.isspace() and any(map(str.isspace, lines)))  # blank lines, tab-delimited
            ):
                fields = _fields_of_lines(text, delimiter)
                if len(fields) == len(lines) * width:
                    return RecordGrid(fields, width)
            return list(map(str.split, map(str.rstrip, lines, repeat("\r\n")), repeat(delimiter)))
        records = list(csv.reader(lines, **self._dialect))  # type: ignore[arg-type]
        if len(records) != len(lines) or not self._feed.starts_complete.fullmatch(lines[-1]):
            return None  # a record spans lines
        width = len(self.header)
        if width > 1 and not self.delimiter.isspace() and set(map(len, records)) == {width}:  # so none is blank
            return RecordGrid(list(chain.from_iterable(records)), width)
        return records

    def _followed_batches(self, budget: int) -> Iterator[Batch]:
        feed = self._feed
        reader = csv.reader(feed, **self._dialect)  # type: ignore[arg-type]
        while True:
            batch: list[list[str]] = []
            broken: BrokenRecord | None = None
            try:
                batch.extend(islice(reader, FOLLOWED_BATCH_RECORDS))  # keeps the records read before an exception
            except RecordTooLong as error:
                message = (
                    QUOTE_NEVER_CLOSED
                    if error.quote_never_closed
                    else f"row is longer than {budget:,} characters (a huge value, or a quote that is never closed)"
                )
                broken = BrokenRecord(message, error.leading)
            except csv.Error as error:
                feed.abandon_record()
                broken = BrokenRecord(f"row is not valid CSV ({error})")
            pulled = len(batch)
            if batch and (batch := self._without_blanks(batch)):
                yield batch
            if broken is not None:
                yield broken
            elif pulled < FOLLOWED_BATCH_RECORDS:
                return

    def _without_blanks(self, records: list[list[str]]) -> list[list[str]]:
        """Drop the records of blank lines: an empty or whitespace-only line reads
        as [], [''] or ['   '] (tab-delimited, as whitespace-only fields)."""
        if self.delimiter.isspace():
            if all(map(str.strip, map("".join, records))):
                return records
            return [record for record in records if "".join(record).strip()]
        if min(map(len, records)) > 1:
            return records
        return [record for record in records if len(record) > 1 or (record and record[0].strip())]


__all__ = [
    "DELIMITERS",
    "HEADER_BUDGET",
    "QUOTE_NEVER_CLOSED",
    "Batch",
    "BrokenRecord",
    "DelimitedText",
    "MatchedGrid",
    "PlainRecord",
    "RecordGrid",
    "detect_delimiter",
]
