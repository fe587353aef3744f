"""Physical lines of decoded text, followed one by one where records span lines
(see csv_records): where records end, the memory one record may take, and stray
quotes handed back as the lines they swallowed."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from enum import Enum, auto
from itertools import chain
from typing import NoReturn

_CLOSING_QUOTE = re.compile(r'(?:[^"]++|"")*+"(.?)', re.DOTALL)  # on a line read inside a quoted value


class RecordTooLong(Exception):
    """Raised by the feed, through csv.reader, for a record over its budget
    (already skipped to its end by then), or for a quote never closed (the lines
    after it handed out again). `leading`: the fields before the break."""

    def __init__(self, leading: tuple[str, ...] = (), *, quote_never_closed: bool = False) -> None:
        super().__init__()
        self.leading = leading
        self.quote_never_closed = quote_never_closed


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


class LineFeed:
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
        self.width = 0  # the header's number of fields, once known
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

    def __iter__(self) -> LineFeed:
        return self

    def __next__(self) -> str:
        line = next(self._lines, None)
        if line is None:
            lines = self.next_block() if self._open else None
            if lines is None:
                if self._open and self._quote_is_stray():
                    self._hand_back_after_quote()
                raise StopIteration
            self._lines = iter(lines)
            line = next(self._lines)
        if len(line) > self.budget:
            leading = self.leading_fields(self._record[0] if self._record else line)
            self._skip_record([*self._record, line])
            raise RecordTooLong(leading)
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
            if self._closed_amiss(line) and self._quote_is_stray():  # closed by the next stray quote
                self._hand_back_after_quote()
            leading = self.leading_fields(self._record[0])
            self._close_record()
            if over:
                raise RecordTooLong(leading)
        elif self._record_chars > self.budget:
            if self._quote_is_stray():
                self._hand_back_after_quote()
            leading = self.leading_fields(self._record[0])
            self._skip_record(self._record)
            raise RecordTooLong(leading)

    def _closed_amiss(self, line: str) -> bool:
        """The quoted value closes on this line with text right after its closing quote
        (`C3,"A…` read inside a quote), as well-formed CSV never has it."""
        found = _CLOSING_QUOTE.match(line)
        return found is not None and found.group(1) not in ("", self.delimiter, "\r", "\n")

    def _quote_is_stray(self) -> bool:
        """Most lines inside the quote have as many delimiters as a record of the header's width."""
        inside = self._record[1:]
        if not inside or self.width < 2:
            return False
        records = sum(1 for line in inside if line.count(self.delimiter) == self.width - 1)
        return records * 2 > len(inside)

    def _hand_back_after_quote(self) -> NoReturn:
        """The record is the line where the quote opened; the lines after it are read again."""
        first, inside = self._record[0], self._record[1:]
        self._close_record()
        self._lines = chain(inside, self._lines)
        raise RecordTooLong(self.leading_fields(first), quote_never_closed=True)

    def leading_fields(self, text: str) -> tuple[str, ...]:
        """The whole fields at the start of a broken record's first line (the last one read may be cut)."""
        fields = next(csv.reader([text[: self.budget].rstrip("\r\n")], delimiter=self.delimiter, strict=False), [])
        return tuple(fields[:-1])

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
            if (lines := self._lines_of(block)) is not None:
                return lines
        return self._rest()

    def next_text(self) -> str | list[str] | None:
        """As next_block, but whole lines that end in LF come as one text, not split into
        lines (the reader splits them only when it cannot read them as a grid); any other
        stretch (a lone CR at the cut, a line with no end in sight) comes as its lines."""
        for block in self._blocks:
            cut = block.rfind("\n") + 1
            if cut == 0 or "\r" in block[cut:]:
                if (lines := self._lines_of(block)) is not None:
                    return lines
                continue
            text = self._take_carry() + block[:cut] if self._carry else block[:cut]
            if cut < len(block):
                self._carry, self._carry_chars = [block[cut:]], len(block) - cut
            return text
        return self._rest()

    def _lines_of(self, block: str) -> list[str] | None:
        """The whole lines a block completes (None when it completes none), the rest carried."""
        if "\n" not in block and "\r" not in block:
            self._carry.append(block)
            self._carry_chars += len(block)
            if self._carry_chars > self.budget:
                return [self._take_carry()]
            return None
        if self._carry:
            block = self._take_carry() + block
        lines = io.StringIO(block, newline="").readlines()
        if not lines[-1].endswith("\n"):  # unfinished, or a CR that an LF may follow
            last = lines.pop()
            self._carry, self._carry_chars = [last], len(last)
        return lines or None

    def _rest(self) -> list[str] | None:
        if self._carry:
            return [self._take_carry()]
        return None

    def _take_carry(self) -> str:
        text = "".join(self._carry)
        self._carry, self._carry_chars = [], 0
        return text




__all__ = ["LineFeed", "RecordTooLong"]
