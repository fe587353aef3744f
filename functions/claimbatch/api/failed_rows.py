"""GET /jobs/{id}/errors: the lines of the results file whose `success` is False,
header first, passed through byte for byte (so they read as the file does)."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator
from itertools import chain

from claimbatch.domain.results_writer import RESULT_COLUMNS

SUCCESS_COLUMN = RESULT_COLUMNS.index("success")


class TooManyFailedRows(Exception):
    """The failed rows are more than an answer may hold."""


def _records(chunks: Iterable[bytes]) -> Iterator[str]:
    """The file's CSV records as text, each with its LF (the writer ends lines so); a
    record whose quoted cell holds line breaks stays whole: its quotes balance once complete."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    record = ""
    for text in chain((decoder.decode(chunk) for chunk in chunks), [decoder.decode(b"", final=True)]):
        *lines, rest = text.split("\n")
        for line in lines:
            record += line + "\n"
            if record.count('"') % 2 == 0:
                yield record
                record = ""
        record += rest
    if record:
        yield record


def failed_rows_csv(chunks: Iterable[bytes], max_bytes: int) -> bytes:
    out: list[bytes] = []
    size = 0
    for index, record in enumerate(_records(chunks)):
        if index > 0:
            cells = next(csv.reader([record]), [])
            if len(cells) <= SUCCESS_COLUMN or cells[SUCCESS_COLUMN] != "False":
                continue
        encoded = record.encode("utf-8")
        size += len(encoded)
        if size > max_bytes:
            raise TooManyFailedRows
        out.append(encoded)
    return b"".join(out)
