"""The results file (docs/results-file.md): one CSV line per input row, streamed as UTF-8 bytes.

The first nine columns are exactly those of the system this replaces; the
extras (X12 277 status category and code, payment number and date) follow.
Written without a byte order mark, with LF line endings, in chunks of about
`CHUNK_BYTES` for a multipart upload or a file.

Safe to open in a spreadsheet (OWASP CSV injection): a text cell starting with
`=`, `+`, `-`, `@`, tab, CR or LF gets a leading `'`. Numbers stay numbers: the
row number, and any cell that is a plain decimal number such as `720.00` or
`-5.00`, are written as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

from claimbatch.domain.result_row import ResultRow

RESULT_COLUMNS: tuple[str, ...] = (
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

_FORMULA_STARTS = frozenset("=+-@\t\r\n")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?", re.ASCII)


def safe_cell(text: str) -> str:
    """A text cell as written: with a leading `'` if a spreadsheet could run it as a formula."""
    if text and text[0] in _FORMULA_STARTS and _PLAIN_NUMBER.fullmatch(text) is None:
        return "'" + text
    return text


def result_cells(result: ResultRow) -> list[str]:
    """The cells of one results line, in RESULT_COLUMNS order."""
    return [
        str(result.row),
        safe_cell(result.claim_number),
        safe_cell(result.status),
        safe_cell(result.patient_name),
        safe_cell(result.total_charged),
        safe_cell(result.total_paid),
        safe_cell(result.processed_date),
        "True" if result.success else "False",
        safe_cell(result.error),
        safe_cell(result.status_category),
        safe_cell(result.status_code),
        safe_cell(result.payment_number),
        safe_cell(result.payment_date),
    ]


def iter_results_csv(rows: Iterable[ResultRow], *, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The results file for `rows` (already in row order), header first, as UTF-8
    chunks of at least `chunk_bytes` bytes each but the last. Rows are read as the
    chunks are taken, so memory stays flat whatever the number of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    for result in rows:
        cells = result_cells(result)
        if "\r" in "".join(cells):
            buffer.write(_quoted_line(cells))
        else:
            writer.writerow(cells)
        if buffer.tell() >= chunk_bytes:
            yield _encode(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield _encode(buffer.getvalue())


def _quoted_line(cells: list[str]) -> str:
    # csv.writer (3.11) quotes a cell holding LF but not one holding a lone CR when
    # lines end in LF; readers that take CR as a line end would split the row.
    return ",".join(_quoted(cell) for cell in cells) + "\n"


def _quoted(cell: str) -> str:
    if any(char in cell for char in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _encode(text: str) -> bytes:
    # A lone surrogate (say from a payer's JSON) must not sink the whole file.
    return text.encode("utf-8", errors="replace")


__all__ = ["CHUNK_BYTES", "RESULT_COLUMNS", "iter_results_csv", "result_cells", "safe_cell"]
