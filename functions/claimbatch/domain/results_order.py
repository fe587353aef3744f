"""The last guard of "nothing lost": one result per row 1..total, in order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter

from claimbatch.domain.result_row import ResultRow, RowOutcome

MISSING_RESULT_ERROR = "result missing: the row was never processed; retry the job"


def rows_of_chunks(parts: Iterable[tuple[int, list[ResultRow]]]) -> Iterator[ResultRow]:
    """The rows of stored chunk parts given in chunk order, in row order.

    Each part is (chunk number, its rows sorted by row). A chunk's looked-up rows
    and its row errors are two parts of the same row range whose rows interleave;
    chunks themselves never overlap, so merging within a chunk is enough."""
    for _, same_chunk in groupby(parts, key=itemgetter(0)):
        first = next(same_chunk)[1]
        others = [rows for _, rows in same_chunk]
        if not others:
            yield from first
        else:
            yield from sorted([*first, *(row for rows in others for row in rows)], key=lambda result: result.row)


def one_result_per_row(
    results: Iterable[ResultRow], total: int, on_missing: Callable[[int], None] = lambda row: None
) -> Iterator[ResultRow]:
    """Yield exactly rows 1..total from results sorted by row.

    A gap (which the counters should make impossible) becomes a failed,
    retryable row instead of a silently shorter file; duplicates and rows past
    `total` are dropped.
    """
    expected = 1
    for result in results:
        if result.row < expected or result.row > total:
            continue
        while expected < result.row:
            on_missing(expected)
            yield _missing(expected)
            expected += 1
        yield result
        expected += 1
    while expected <= total:
        on_missing(expected)
        yield _missing(expected)
        expected += 1


def _missing(row: int) -> ResultRow:
    return ResultRow(row=row, claim_number="", outcome=RowOutcome.FAILED, error=MISSING_RESULT_ERROR, retryable=True)
