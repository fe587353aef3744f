"""Read an input file of claims into rows (docs/input-files.md): the one entry point is `read_claim_rows`.

    for parsed in read_claim_rows(chunks):      # chunks: any iterable of bytes
        match parsed:
            case ValidRow(row, query): ...      # goes to the payer API
            case InvalidRow(row, claim_number, error): ...  # a row error, never sent

Streaming: the file is never held whole; memory stays flat whatever its size.
The chunks may be of any size (1 byte or 1 MiB) and split characters, CRLFs or
a byte order mark anywhere.

File-level problems raise InputFileError, with one sentence for the user. They
can surface at any point of the iteration, also after rows were yielded (a NUL
byte late in the file, the row or byte limit): callers must treat the rows read
so far as void and fail the job with the error's message.

Layers: text_decoding (bytes → text), csv_records (text → records),
header_aliases (header → column positions), value_rules (values → errors),
plain_records (the lines that plainly pass them, as one regular expression),
bulk_checks (the same rules a column at a time).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date
from itertools import chain, compress, count, repeat
from operator import attrgetter, is_

from claimbatch import defaults
from claimbatch.domain.bulk_checks import (
    DATE_CACHE_SIZE,
    QUERY_FIELDS,
    BirthDates,
    PlainNames,
    ValidRowsBuilder,
    not_plain_ids,
    valid_rows_builder,
)
from claimbatch.domain.claim_row import ClaimQuery, InvalidRow, ParsedRow, RowBatch, ValidColumns, ValidRow
from claimbatch.domain.csv_records import (
    MAX_RECORD_BUDGET,
    BrokenRecord,
    DelimitedText,
    MatchedGrid,
    PlainRecord,
    RecordGrid,
)
from claimbatch.domain.errors import InputFileError
from claimbatch.domain.header_aliases import ColumnPositions, count_known_columns, resolve_columns
from claimbatch.domain.plain_records import plain_record_pattern
from claimbatch.domain.text_decoding import decode_text
from claimbatch.domain.value_rules import (
    ValueRuleError,
    check_id,
    check_name,
    parse_date_of_birth,
    read_valid_birth,
)

MIN_RECORD_BUDGET = 65_536  # characters a record may take before it is given up on


@dataclass(frozen=True, slots=True)
class InputLimits:
    """Limits of one input file (docs/input-files.md: "limits", "huge fields")."""

    max_rows: int = defaults.MAX_ROWS_PER_FILE
    max_bytes: int = defaults.MAX_BYTES_PER_FILE
    max_field_chars: int = 10_000

    def __post_init__(self) -> None:
        for limit in fields(self):
            if getattr(self, limit.name) < 1:
                raise ValueError(f"{limit.name} must be at least 1")


def read_claim_rows(
    chunks: Iterable[bytes],
    limits: InputLimits = InputLimits(),
    *,
    start_after_row: int = 0,
    today: date | None = None,
) -> Iterator[ParsedRow]:
    """The data rows of an input file, in order, each valid or with its row error.

    `row` numbers data records from 1 (header excluded, blank lines not counted).
    `start_after_row`: records up to this row number are read (and counted
    against the row limit) but not validated nor yielded, for a splitter that
    resumes. `today` bounds date_of_birth (a future date is a row error).

    Raises InputFileError during iteration (see the module docstring).
    """
    batches = read_claim_batches(chunks, limits, start_after_row=start_after_row, today=today)
    return chain.from_iterable(map(_parsed_rows, batches, repeat(valid_rows_builder()), repeat({})))


def read_claim_batches(
    chunks: Iterable[bytes],
    limits: InputLimits = InputLimits(),
    *,
    start_after_row: int = 0,
    today: date | None = None,
) -> Iterator[RowBatch]:
    """The same rows as `read_claim_rows`, a batch of consecutive rows at a time,
    the valid ones as columns (no object per row): the splitter's fast path."""
    if start_after_row < 0:
        raise ValueError("start_after_row must not be negative")
    if isinstance(chunks, bytes | bytearray | memoryview):  # a whole file in memory is one chunk
        chunks = [bytes(chunks)]
    return _row_batches(chunks, limits, start_after_row, today)


def _parsed_rows(batch: RowBatch, build: ValidRowsBuilder, known_births: dict[str, date]) -> list[ParsedRow]:
    valid = batch.valid
    births: list[date | None] = list(map(known_births.get, valid.births))
    if None in births:
        for index in compress(count(), map(is_, births, repeat(None))):
            births[index] = born = read_valid_birth(valid.births[index])
            if len(known_births) < DATE_CACHE_SIZE:
                known_births[valid.births[index]] = born
    rows = build(valid.rows, valid.claim_numbers, valid.first_names, valid.last_names, births, valid.subscriber_ids)
    if batch.invalid:
        rows = sorted([*rows, *batch.invalid], key=attrgetter("row"))
    return rows


def _row_batches(
    chunks: Iterable[bytes], limits: InputLimits, start_after_row: int, today: date | None
) -> Iterator[RowBatch]:
    text = decode_text(chunks, max_bytes=limits.max_bytes)
    table = DelimitedText(text, score_header=count_known_columns)
    columns = resolve_columns(table.header)
    checker = _RowChecker(table.header, columns, limits, date.today() if today is None else today)
    yield from checker.batches(table, start_after_row)


class _RowChecker:
    """Turns batches of records into RowBatches: valid rows as columns, row errors apart.

    Lines that match the plain record (plain_records.py) come as a MatchedGrid and
    go into the columns as they are. Any other batch is checked a column at a time, with C-level passes that pick out the
    rows that might break a rule (bulk_checks: `not_plain_ids`, `PlainNames`, and
    `BirthDates`, which remembers the date texts of the file already read); all
    others go into the columns as they are. Each picked row goes through `_check`, which applies
    value_rules and names every problem. The passes only ever pick too many
    rows, never too few.
    """

    def __init__(self, header: Sequence[str], columns: ColumnPositions, limits: InputLimits, today: date) -> None:
        self._width = len(header)
        self._columns = columns
        self._limits = limits
        self._today = today
        self._births = BirthDates(today)
        self._names = PlainNames()
        self._has_extra_columns = self._width > len(QUERY_FIELDS)
        self._positions = tuple(getattr(columns, name) for name in QUERY_FIELDS)
        labels = [cell.strip() or f"column {position + 1}" for position, cell in enumerate(header)]
        for name in QUERY_FIELDS:
            labels[getattr(columns, name)] = name
        self._labels = labels

    def batches(self, table: DelimitedText, start_after_row: int) -> Iterator[RowBatch]:
        max_rows = self._limits.max_rows
        budget = max(MIN_RECORD_BUDGET, self._width * (2 * self._limits.max_field_chars + 3) + 2)
        row = 0  # data records read so far
        for batch in table.batches(record_budget=budget, plain_record=self._plain_record(table.delimiter, budget)):
            if isinstance(batch, BrokenRecord):
                row += 1
                if row > max_rows:
                    raise _too_many_rows(max_rows)
                if row > start_after_row:
                    broken = InvalidRow(row, self._claim_before_break(batch), batch.error)
                    yield RowBatch(row, row, ValidColumns.empty(rule_checked=True), [broken])
                continue
            batch_first = row + 1
            row += len(batch)
            first, last = max(batch_first, start_after_row + 1), min(row, max_rows)
            if first <= last:
                yield self._check_batch(batch, first - batch_first, first, last)
            if row > max_rows:
                raise _too_many_rows(max_rows)

    def _plain_record(self, delimiter: str, budget: int) -> PlainRecord | None:
        """The patterns of a record that plainly passes the rules; None when one might be over budget."""
        max_field = self._limits.max_field_chars
        if self._width * (max_field + 3) > min(budget, MAX_RECORD_BUDGET):
            return None
        positions = {name: getattr(self._columns, name) for name in QUERY_FIELDS}
        bare, quoted = (
            plain_record_pattern(self._width, positions, delimiter, self._today, max_field, quoted=quotes)
            for quotes in (False, True)
        )
        return PlainRecord(bare, quoted)

    def _claim_before_break(self, broken: BrokenRecord) -> str:
        """The claim number of a record that could not be read whole, when it came before the break."""
        position = self._columns.claim_number
        if position >= len(broken.leading):
            return ""
        claim = broken.leading[position].strip()
        return claim if len(claim) <= self._limits.max_field_chars else ""

    def _check_batch(self, batch: list[list[str]] | RecordGrid, skip: int, first: int, last: int) -> RowBatch:
        """Rows first..last, which are the records of `batch` from index `skip` on."""
        rows = range(first, last + 1)
        width = self._width
        if isinstance(batch, RecordGrid):
            fields = batch.fields
            if skip or len(batch) != len(rows):
                fields = fields[skip * width : (skip + len(rows)) * width]
            if isinstance(batch, MatchedGrid):  # every value passed already
                columns = [fields[position::width] for position in self._positions]
                return RowBatch(first, last, ValidColumns(list(rows), *columns, rule_checked=True), [])
            return self._check_grid(rows, fields)
        records = batch[skip : skip + len(rows)]
        if set(map(len, records)) == {width}:
            return self._check_grid(rows, list(chain.from_iterable(records)))
        ragged = [self._ragged(row, record) for row, record in zip(rows, records, strict=True) if len(record) != width]
        uniform = [(row, record) for row, record in zip(rows, records, strict=True) if len(record) == width]
        if not uniform:
            return RowBatch(first, last, ValidColumns.empty(rule_checked=True), ragged)
        checked = self._check_grid(
            [row for row, _ in uniform], list(chain.from_iterable(record for _, record in uniform))
        )
        invalid = sorted([*checked.invalid, *ragged], key=attrgetter("row"))
        return RowBatch(first, last, checked.valid, invalid)

    def _check_grid(self, rows: Sequence[int], fields: list[str]) -> RowBatch:
        """Rows whose records have as many fields as the header, flat (see RecordGrid)."""
        width = self._width
        if len(rows) <= FEW_RECORDS:
            return self._check_each(rows, fields)
        columns = [list(map(str.strip, fields[position::width])) for position in self._positions]
        claims, firsts, lasts, birth_texts, subscribers = columns
        births, suspects = self._births.read(birth_texts)
        suspects.update(not_plain_ids(claims), not_plain_ids(subscribers))
        suspects.update(self._names.suspects(firsts), self._names.suspects(lasts))
        max_field = self._limits.max_field_chars
        if self._has_extra_columns and fields and max(map(len, fields)) > max_field:
            suspects.update(
                index
                for index in range(len(rows))
                if max(map(len, fields[index * width : (index + 1) * width])) > max_field
            )
        valid = ValidColumns(list(rows), claims, firsts, lasts, births, subscribers, rule_checked=True)  # type: ignore[arg-type]
        invalid: list[InvalidRow] = []
        if suspects:
            dropped = []
            for index in sorted(suspects):
                parsed = self._check(rows[index], fields[index * width : (index + 1) * width])
                if isinstance(parsed, InvalidRow):
                    invalid.append(parsed)
                    dropped.append(index)
                else:
                    births[index] = parsed.query.date_of_birth.isoformat()
            valid = _without(valid, dropped)
        first = rows[0] if len(rows) else 0
        return RowBatch(first, rows[-1] if len(rows) else first - 1, valid, invalid)

    def _check_each(self, rows: Sequence[int], fields: list[str]) -> RowBatch:
        """As _check_grid, one record at a time (the lines between plain runs come a few at a time)."""
        width = self._width
        valid, invalid = ValidColumns.empty(rule_checked=True), []
        for index, row in enumerate(rows):
            parsed = self._check(row, fields[index * width : (index + 1) * width])
            if isinstance(parsed, InvalidRow):
                invalid.append(parsed)
                continue
            query = parsed.query
            for column, value in zip(
                valid.columns(),
                (row, query.claim_number, query.first_name, query.last_name, query.date_of_birth.isoformat(), query.subscriber_id),
                strict=True,
            ):
                column.append(value)  # type: ignore[attr-defined]
        first = rows[0] if len(rows) else 0
        return RowBatch(first, rows[-1] if len(rows) else first - 1, valid, invalid)

    def _ragged(self, row: int, record: list[str]) -> InvalidRow:
        position = self._columns.claim_number
        claim = record[position].strip() if position < len(record) else ""
        if len(claim) > self._limits.max_field_chars:
            claim = ""
        return InvalidRow(row, claim, f"row has {len(record):,} values but the header has {self._width:,} columns")

    def _check(self, row: int, record: list[str]) -> ParsedRow:
        """Every rule on one record of the header's width; all its problems, joined by '; '."""
        max_field = self._limits.max_field_chars
        errors: list[str] = []
        huge = set()
        for position, text in enumerate(record):
            if len(text) > max_field:
                huge.add(position)
                errors.append(f"{self._labels[position]} is longer than {max_field:,} characters")
        values: dict[str, object] = {}
        for name in QUERY_FIELDS:
            position = getattr(self._columns, name)
            if position in huge:
                continue
            try:
                values[name] = self._check_value(name, record[position].strip())
            except ValueRuleError as error:
                errors.append(error.message)
        at_claim = self._columns.claim_number
        if errors:
            return InvalidRow(row, "" if at_claim in huge else record[at_claim].strip(), "; ".join(errors))
        return ValidRow(row, ClaimQuery(**values))  # type: ignore[arg-type]

    def _check_value(self, name: str, value: str) -> object:
        if name in ("claim_number", "subscriber_id"):
            return check_id(name, value)
        if name in ("first_name", "last_name"):
            return check_name(name, value)
        return parse_date_of_birth(value, self._today)


FEW_DROPPED = 16  # invalid rows of a batch taken out of its columns one by one
FEW_RECORDS = 8  # a batch this small is checked a record at a time: column passes would cost more


def _without(valid: ValidColumns, dropped: list[int]) -> ValidColumns:
    """The columns (lists of their own) without the rows at the positions `dropped` (ascending)."""
    if len(dropped) > FEW_DROPPED:
        keep = [True] * len(valid)
        for index in dropped:
            keep[index] = False
        return ValidColumns(*(list(compress(column, keep)) for column in valid.columns()), rule_checked=valid.rule_checked)
    for column in valid.columns():
        for index in reversed(dropped):
            del column[index]
    return valid


def _too_many_rows(max_rows: int) -> InputFileError:
    return InputFileError(f"file has more than {max_rows:,} data rows (limit)")


__all__ = ["InputLimits", "read_claim_batches", "read_claim_rows", "valid_rows_builder"]
