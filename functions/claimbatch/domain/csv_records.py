"""Decoded text → header and records (SPEC §2 "delimiter", "quoting", "line endings",
"blank lines", "huge fields").

Records are read a block of physical lines (LF, CRLF or CR) at a time, as the
C `csv` module reads them (doubled quotes, quotes inside unquoted values taken
as they are, non-strict):

- a block without any quote needs no csv: each line splits on the delimiter,
  and when every line has the header's number of fields, the whole block at
  once, into a flat `RecordGrid` (the usual case, and the fastest);
- a block in which every line is one whole record is read by csv from the list
  of its lines;
- any other block (a quoted value over several lines, a line over budget) is
  followed line by line by `_LineFeed`, which knows where records end and bounds
  the memory one record may take: a record longer than its budget — a huge value,
  or a quote never closed that would swallow the rest of the file — is skipped
  to its end and reported as a `BrokenRecord`, and reading goes on.

The delimiter is the one under which the header line reads best.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum, auto
from itertools import chain, islice, repeat

from claimbatch.domain.errors import InputFileError
from claimbatch.domain.text_decoding import EMPTY_MESSAGE

DELIMITERS = (",", "\t", "|", ";")  # by preference when the header reads as well with several
HEADER_BUDGET = 65_536  # characters of the header record
MAX_RECORD_BUDGET = 16 * 1024 * 1024
BATCH_RECORDS = 256  # records per batch: small enough that few objects outlive a GC generation
FOLLOWED_BATCH_RECORDS = 32  # records per batch when lines are followed one by one (records may be large)

_csv_limit_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class BrokenRecord:
    """A record that could not be read as fields; `error` says why, for the results file."""

    error: str


@dataclass(frozen=True, slots=True)
class RecordGrid:
    """Records that all have `width` fields, flat: field j of record i is fields[i * width + j]."""

    fields: list[str]
    width: int

    def __len__(self) -> int:
        return len(self.fields) // self.width

    def record(self, index: int) -> list[str]:
        return self.fields[index * self.width : (index + 1) * self.width]


Batch = list[list[str]] | RecordGrid | BrokenRecord


class _RecordTooLong(Exception):
    """Raised by the feed, through csv.reader, for a record over its budget
    (already skipped to its end by then)."""


def _record_end_patterns(delimiter: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Two patterns that fully match a line on which csv.reader ends a record:
    one for a line that starts a record, one for a line that continues a quoted
    field. Same rules as csv (doubled quotes; after a closing quote, or in an
    unquoted field, a quote is a plain character)."""
    d = re.escape(delimiter)
    closed_tail = rf'"(?!")[^{d}\r\n]*+'
    field = rf'(?:"(?:[^"]++|"")*+{closed_tail}|[^"{d}\r\n][^{d}\r\n]*+|)'
    rest = rf"(?:{d}{field})*+(?:\r\n|\r|\n)?"
    return re.compile(field + rest), re.compile(rf'(?:[^"]++|"")*+{closed_tail}{rest}')


class _State(Enum):
    BOUNDARY = auto()  # start of a field, or just after a closing quote
    UNQUOTED = auto()
    QUOTED = auto()


class _RecordEndScanner:
    """Where a record ends, as csv.reader reads it, over text in pieces of any size
    (used to skip a broken record, whose lines may be pieces of an over-long line)."""

    def __init__(self, delimiter: str) -> None:
        self._delimiter = delimiter
        self._stop = re.compile("[" + re.escape(delimiter) + "\r\n]")
        self._state = _State.BOUNDARY

    def ends_in(self, text: str) -> bool:
        state, i, length = self._state, 0, len(text)
        while i < length:
            if state is _State.QUOTED:
                found = text.find('"', i)
                if found < 0:
                    break
                state, i = _State.BOUNDARY, found + 1
            elif state is _State.BOUNDARY:
                char = text[i]
                if char == '"':
                    state, i = _State.QUOTED, i + 1
                elif char == self._delimiter:
                    i += 1
                elif char in "\r\n":
                    return True
                else:
                    state = _State.UNQUOTED
            else:
                stop = self._stop.search(text, i)
                if stop is None:
                    break
                if stop.group() != self._delimiter:
                    return True
                state, i = _State.BOUNDARY, stop.end()
        self._state = state
        return False


class _LineFeed:
    """Physical lines of the text, terminators kept, a block at a time
    (`next_block`), or one at a time through `__next__` for csv.reader when a
    stretch of lines must be followed: `__next__` follows quoted fields across
    lines, enforces `budget` (characters per record and per line), and stops at
    the end of the stretch unless a record is still open.
    """

    def __init__(self, blocks: Iterable[str], budget: int) -> None:
        self._blocks = iter(blocks)
        self._lines: Iterator[str] = iter(())  # lines of the stretch being followed
        self._carry: list[str] = []
        self._carry_chars = 0
        self.budget = budget
        self.delimiter = ","
        self.starts_complete, self._continues_complete = _record_end_patterns(",")
        self._open = False  # the last line handed out ended inside a quoted field
        self._record: list[str] = []  # lines so far of an open (multi-line) record
        self._record_chars = 0

    def set_delimiter(self, delimiter: str) -> None:
        self.delimiter = delimiter
        self.starts_complete, self._continues_complete = _record_end_patterns(delimiter)

    def follow(self, lines: Iterable[str]) -> None:
        """Make `lines` the stretch `__next__` hands out (before what is left of the current one)."""
        self._lines = chain(lines, self._lines)

    def take_stretch(self) -> list[str]:
        """What is left of the current stretch, no longer followed."""
        lines, self._lines = list(self._lines), iter(())
        return lines

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        line = next(self._lines, None)
        if line is None:
            lines = self.next_block() if self._open else None
            if lines is None:
                raise StopIteration
            self._lines = iter(lines)
            line = next(self._lines)
        if len(line) > self.budget:
            self._skip_record([*self._record, line])
            raise _RecordTooLong
        if self._open or '"' in line:
            self._follow(line)
        return line

    def _follow(self, line: str) -> None:
        if not self._open:
            if self.starts_complete.fullmatch(line):
                return
            self._open, self._record, self._record_chars = True, [line], len(line)
            return
        self._record.append(line)
        self._record_chars += len(line)
        if self._continues_complete.fullmatch(line):
            over = self._record_chars > self.budget
            self._close_record()
            if over:
                raise _RecordTooLong
        elif self._record_chars > self.budget:
            self._skip_record(self._record)
            raise _RecordTooLong

    def _close_record(self) -> None:
        self._open, self._record, self._record_chars = False, [], 0

    def _skip_record(self, texts: list[str]) -> None:
        scanner = _RecordEndScanner(self.delimiter)
        ended = any(scanner.ends_in(text) for text in texts)
        while not ended and (line := self.raw_line()) is not None:
            ended = scanner.ends_in(line)
        self._close_record()

    def abandon_record(self) -> None:
        """After csv gave up on a record midway: skip what is left of it."""
        if self._open:
            self._skip_record(self._record)

    def raw_line(self) -> str | None:
        """The next line (or piece of an over-long line) outside any record; None at the end."""
        line = next(self._lines, None)
        while line is None:
            lines = self.next_block()
            if lines is None:
                return None
            self._lines = iter(lines)
            line = next(self._lines, None)
        return line

    def next_block(self) -> list[str] | None:
        """The lines of the next block(s) of text, or None at the end. A line with
        no end in sight once over the budget comes alone, as a piece."""
        for block in self._blocks:
            if "\n" not in block and "\r" not in block:
                self._carry.append(block)
                self._carry_chars += len(block)
                if self._carry_chars > self.budget:
                    return [self._take_carry()]
                continue
            if self._carry:
                block = self._take_carry() + block
            lines = io.StringIO(block, newline="").readlines()
            if not lines[-1].endswith("\n"):  # unfinished, or a CR that an LF may follow
                last = lines.pop()
                self._carry, self._carry_chars = [last], len(last)
            if lines:
                return lines
        if self._carry:
            return [self._take_carry()]
        return None

    def _take_carry(self) -> str:
        text = "".join(self._carry)
        self._carry, self._carry_chars = [], 0
        return text


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


class DelimitedText:
    """A delimited text once its header is read: `delimiter`, `header`, then `batches()`.

    Raises InputFileError when there is no header line or it is over HEADER_BUDGET.
    """

    def __init__(self, blocks: Iterable[str], *, score_header: Callable[[Sequence[str]], int]) -> None:
        self._feed = feed = _LineFeed(blocks, HEADER_BUDGET)
        first = self._first_nonblank_line()
        self.delimiter = delimiter = detect_delimiter(first, score_header)
        feed.set_delimiter(delimiter)
        feed.follow((first,))
        self._dialect = {"delimiter": delimiter, "quotechar": '"', "doublequote": True, "strict": False}
        try:
            self.header: list[str] = next(csv.reader(feed, **self._dialect))  # type: ignore[arg-type]
        except _RecordTooLong:
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

    def batches(self, *, record_budget: int) -> Iterator[Batch]:
        """Data records in order, in batches of at most BATCH_RECORDS; blank lines
        skipped. A record longer than `record_budget` characters comes alone as a
        BrokenRecord, and reading goes on."""
        feed = self._feed
        feed.budget = budget = min(record_budget, MAX_RECORD_BUDGET)
        _ensure_csv_field_limit(budget + 1)
        lines: list[str] | None = feed.take_stretch()
        while lines is not None:
            if not lines:
                pass
            elif (block := self._read_block(lines)) is None:
                feed.follow(lines)
                yield from self._followed_batches(budget)
            elif isinstance(block, RecordGrid):
                step = BATCH_RECORDS * block.width
                for start in range(0, len(block.fields), step):
                    yield RecordGrid(block.fields[start : start + step], block.width)
            else:
                block = self._without_blanks(block)
                for start in range(0, len(block), BATCH_RECORDS):
                    yield block[start : start + BATCH_RECORDS]
            lines = feed.next_block()

    def _read_block(self, lines: list[str]) -> RecordGrid | list[list[str]] | None:
        """The records of a block in which every line is one whole record, read at
        C speed; None when the block must be followed line by line.

        A block without any quote is read without csv, as csv would read it: each
        line splits on the delimiter (and when every line has the header's number
        of fields, the whole block at once). Other blocks are read by csv, from the
        list of their lines. Blocks whose records all have the header's number of
        fields come as a RecordGrid.
        """
        if max(map(len, lines)) > self._feed.budget:
            return None
        text = "".join(lines)
        if '"' not in text:  # no quoting: csv would split each line on the delimiter, nothing more
            width, delimiter = len(self.header), self.delimiter
            if (
                width > 1
                and set(map(str.count, lines, repeat(delimiter))) == {width - 1}
                and not (delimiter.isspace() and any(map(str.isspace, lines)))  # blank lines, tab-delimited
            ):
                if "\r" in text:
                    text = text.replace("\r\n", "\n").replace("\r", "\n")
                fields = text.replace("\n", delimiter).split(delimiter)
                if text.endswith("\n"):
                    fields.pop()  # after the last line break
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
            except _RecordTooLong:
                broken = BrokenRecord(
                    f"row is longer than {budget:,} characters (a huge value, or a quote that is never closed)"
                )
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


__all__ = ["DELIMITERS", "HEADER_BUDGET", "Batch", "BrokenRecord", "DelimitedText", "RecordGrid", "detect_delimiter"]
