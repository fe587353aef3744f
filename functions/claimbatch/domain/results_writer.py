"""Writing the results file (SPEC §3), streaming, spreadsheet-safe."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

from claimbatch.domain.result_row import ResultRow

RESULT_COLUMNS = (
    "row",
    "claim_number",
    "status",
    "patient_name",
    "total_charged",
    "total_paid",
    "processed_date",
    "success",
    "error",
    "status_category",
    "status_code",
    "payment_number",
    "payment_date",
)
CHUNK_BYTES = 64 * 1024

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def safe_cell(value: str) -> str:
    """OWASP CSV injection guard: a text cell that a spreadsheet would run as a
    formula gets a leading quote. Numbers (e.g. -5.00) stay numbers."""
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _cells(result: ResultRow) -> list[str]:
    return [
        str(result.row),
        safe_cell(result.claim_number),
        safe_cell(result.status),
        safe_cell(result.patient_name),
        result.total_charged,
        result.total_paid,
        result.processed_date,
        "True" if result.success else "False",
        safe_cell(result.error),
        safe_cell(result.status_category),
        safe_cell(result.status_code),
        safe_cell(result.payment_number),
        result.payment_date,
    ]


def iter_results_csv(rows: Iterable[ResultRow]) -> Iterator[bytes]:
    """The header and one line per result, UTF-8 with LF endings, in chunks of about 64 KiB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    for result in rows:
        writer.writerow(_cells(result))
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
