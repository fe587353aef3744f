"""Models of what travels between the pipeline's stages (queue messages).

Declared once; the AWS and embedded runtimes carry the same shapes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, overload

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, ValidationError
from pydantic_core import PydanticCustomError, core_schema

from claimbatch.domain.claim_row import ClaimQuery, ValidColumns, ValidRow
from claimbatch.domain.value_rules import read_valid_birth


@dataclass(frozen=True, slots=True)
class QueuedRow:
    """One valid row inside a chunk message. PHI: the queue is encrypted."""

    row: int
    claim_number: str
    first_name: str
    last_name: str
    date_of_birth: date
    subscriber_id: str

    @classmethod
    def of(cls, valid: ValidRow) -> QueuedRow:
        q = valid.query
        return cls(valid.row, q.claim_number, q.first_name, q.last_name, q.date_of_birth, q.subscriber_id)

    def query(self) -> ClaimQuery:
        return ClaimQuery(self.claim_number, self.first_name, self.last_name, self.date_of_birth, self.subscriber_id)

    def __repr__(self) -> str:
        return f"QueuedRow(row={self.row}, <redacted>)"


class QueuedRows(Sequence[QueuedRow]):
    """A chunk's rows one by one, made on first use from its columns (a splitter never makes them)."""

    __slots__ = ("_columns", "_rows")

    def __init__(self, columns: ValidColumns) -> None:
        self._columns = columns
        self._rows: list[QueuedRow] | None = None

    def _made(self) -> list[QueuedRow]:
        if self._rows is None:
            c = self._columns
            births = map(read_valid_birth, c.births)
            self._rows = list(
                map(QueuedRow, c.rows, c.claim_numbers, c.first_names, c.last_names, births, c.subscriber_ids)
            )
        return self._rows

    def __len__(self) -> int:
        return len(self._columns.rows)

    @overload
    def __getitem__(self, index: int) -> QueuedRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[QueuedRow]: ...
    def __getitem__(self, index: int | slice) -> QueuedRow | list[QueuedRow]:
        return self._made()[index]

    def __iter__(self) -> Iterator[QueuedRow]:
        return iter(self._made())

    def __repr__(self) -> str:
        return f"QueuedRows({len(self)} rows, <redacted>)"


_ROWS_JSON = json.JSONEncoder(separators=(",", ":"))
_ASCII_CONTROLS = bytes(range(32))


def _stands_in_json(joined: str, values: int) -> bool:
    """Whether `values` strings joined by '","' can stand between JSON quotes as they are:
    no quote, backslash or control character, nothing but printable text (as every value
    that passed the value rules)."""
    if joined.count('"') != 2 * (values - 1) or "\\" in joined:
        return False
    if joined.isascii():
        data = joined.encode()
        return len(data.translate(None, _ASCII_CONTROLS)) == len(data)
    return joined.isprintable()


_TEXT_KEYS = ("c", "f", "l", "b", "s")


class RowChunk:
    """The valid rows of one chunk of the input file, held as columns.

    Chunk `chunk` covers input rows chunk*size+1 .. (chunk+1)*size; its id is
    deterministic, so a chunk sent twice (splitter re-run, SQS redelivery) is
    still counted once. On the queue (docs/aws-design.md, "Message formats"):
    `{"job_id": …, "chunk": 7, "rows": [701, …], "c": [claim_number, …], "f": […],
    "l": […], "b": ["05/10/1975", …], "s": […]}`, dates of birth as the file wrote them
    (value_rules.read_valid_birth reads them). Messages in the earlier shapes are read
    as well: `"d"` with ISO dates instead of `"b"`, or one object per row.
    """

    __slots__ = ("job_id", "chunk", "columns")

    def __init__(
        self,
        job_id: str,
        chunk: int,
        rows: Iterable[QueuedRow] = (),
        *,
        columns: ValidColumns | None = None,
    ) -> None:
        self.job_id = job_id
        self.chunk = chunk
        self.columns = columns if columns is not None else _columns_of(rows)

    @property
    def rows(self) -> QueuedRows:
        return QueuedRows(self.columns)

    def to_json(self) -> str:
        """The message body: compact JSON, written straight from the columns."""
        c = self.columns
        parts = [f'{{"job_id":{json.dumps(self.job_id)},"chunk":{int(self.chunk)},"rows":{_ROWS_JSON.encode(c.rows)}']
        for key, column in zip(_TEXT_KEYS, (c.claim_numbers, c.first_names, c.last_names, c.births, c.subscriber_ids)):
            joined = '","'.join(column)
            if not c.rule_checked and not _stands_in_json(joined, len(column)):
                joined = json.dumps(column, ensure_ascii=False, separators=(",", ":"))[2:-2]
            parts.append(f',"{key}":["{joined}"]' if column else f',"{key}":[]')
        parts.append("}")
        return "".join(parts)

    @classmethod
    def from_json(cls, text: str | bytes) -> RowChunk:
        """Read a message body (either shape); raises ValueError when it is not a rows message."""
        return cls.from_message(json.loads(text))

    @classmethod
    def from_message(cls, message: Any) -> RowChunk:
        """A decoded message body (either shape); raises ValueError when it is not a rows message."""
        if isinstance(message, dict) and "c" in message:
            parsed = _ColumnarMessage.model_validate(message)
            if parsed.b is not None:
                births = parsed.b
                for text in births:
                    read_valid_birth(text)  # a date the rule passed, or not a rows message
            elif parsed.d is not None:
                births = [born.isoformat() for born in parsed.d]
            else:
                raise ValueError("a rows message without dates of birth")
            columns = ValidColumns(parsed.rows, parsed.c, parsed.f, parsed.l, births, parsed.s)
            if len(set(map(len, columns.columns()))) > 1:
                raise ValueError("the columns of a rows message differ in length")
            return cls(parsed.job_id, parsed.chunk, columns=columns)
        legacy = _RowObjectsMessage.model_validate(message)
        return cls(legacy.job_id, legacy.chunk, [row.queued() for row in legacy.rows])

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        """So a pydantic model (an SQS record's `Json[RowChunk]` body) reads the message."""
        return core_schema.no_info_plain_validator_function(_validated_chunk)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RowChunk):
            return NotImplemented
        return (self.job_id, self.chunk, self.columns) == (other.job_id, other.chunk, other.columns)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RowChunk(job_id={self.job_id!r}, chunk={self.chunk}, rows={len(self.columns)}, <redacted>)"


def _validated_chunk(value: Any) -> RowChunk:
    if isinstance(value, RowChunk):
        return value
    try:
        return RowChunk.from_message(value)
    except ValidationError as error:
        raise PydanticCustomError("row_chunk", "not a rows message: {problem}", {"problem": str(error)}) from None
    except ValueError as error:
        raise PydanticCustomError("row_chunk", "not a rows message: {problem}", {"problem": str(error)}) from None


def _columns_of(rows: Iterable[QueuedRow]) -> ValidColumns:
    columns = ValidColumns.empty()
    for row in rows:
        columns.rows.append(row.row)
        columns.claim_numbers.append(row.claim_number)
        columns.first_names.append(row.first_name)
        columns.last_names.append(row.last_name)
        columns.births.append(row.date_of_birth.isoformat())
        columns.subscriber_ids.append(row.subscriber_id)
    return columns


class _ColumnarMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    job_id: str
    chunk: int
    rows: list[int]
    c: list[str]
    f: list[str]
    l: list[str]  # noqa: E741 (the message's own key)
    b: list[str] | None = None  # as written in the file
    d: list[date] | None = None  # ISO, as written before
    s: list[str]


class _RowObject(BaseModel):
    """One row of a message in the earlier shape: `{"row": 701, "c": …, "f": …, "l": …, "d": …, "s": …}`."""

    row: int
    claim_number: str = Field(alias="c")
    first_name: str = Field(alias="f")
    last_name: str = Field(alias="l")
    date_of_birth: date = Field(alias="d")
    subscriber_id: str = Field(alias="s")

    def queued(self) -> QueuedRow:
        return QueuedRow(
            self.row, self.claim_number, self.first_name, self.last_name, self.date_of_birth, self.subscriber_id
        )


class _RowObjectsMessage(BaseModel):
    """A rows message as written before the columns: one object per row."""

    job_id: str
    chunk: int
    rows: list[_RowObject]


class SplitContinuation(BaseModel):
    """Asks the splitter to go on with a job from its saved cursor."""

    kind: str = "continue_split"
    job_id: str


class AggregationRequest(BaseModel):
    """Asks the aggregator to write a job's results (or a failed job's summary)."""

    job_id: str
