"""A compact encoding of many result rows, for the stores that keep a chunk's rows
together: compact JSON, one array per row in ResultRow's field order, trailing
empty fields left out (a row error is `[7,"C7","invalid","","","","","","bad date"]`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from claimbatch.domain.result_row import ResultRow, RowOutcome

_FIELDS = tuple(ResultRow.__dataclass_fields__)
_RETRYABLE = _FIELDS.index("retryable")
_ALWAYS = 3  # row, claim_number, outcome
_OUTCOMES = {outcome.value: outcome for outcome in RowOutcome}


def _values(result: ResultRow) -> list[object]:
    values: list[object] = [
        result.row,
        result.claim_number,
        result.outcome.value,
        result.status,
        result.patient_name,
        result.total_charged,
        result.total_paid,
        result.processed_date,
        result.error,
        int(result.retryable),
        result.status_category,
        result.status_code,
        result.payment_number,
        result.payment_date,
    ]
    end = len(values)
    while end > _ALWAYS and not values[end - 1]:
        end -= 1
    return values[:end]


def encode_results(results: Iterable[ResultRow]) -> bytes:
    """UTF-8 JSON of the rows, sorted by row."""
    rows = [_values(result) for result in sorted(results, key=_row)]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()


def _row(result: ResultRow) -> int:
    return result.row


def decode_results(data: bytes | str) -> list[ResultRow]:
    """The rows of `encode_results`, in row order."""
    return [_result(values) for values in json.loads(data)]


def _result(values: list[Any]) -> ResultRow:
    values[2] = _OUTCOMES[values[2]]
    if len(values) > _RETRYABLE:
        values[_RETRYABLE] = bool(values[_RETRYABLE])
    return ResultRow(*values)


def without_rows(results: Iterable[ResultRow], rows: Sequence[int]) -> list[ResultRow]:
    dropped = set(rows)
    return [result for result in results if result.row not in dropped]


__all__ = ["decode_results", "encode_results", "without_rows"]
