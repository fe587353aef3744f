"""The results of a job's rows, stored per chunk (ports/chunk_ledger.py): with the
chunk's marker once it is counted, or as a partial chunk before that (the rows a
delivery answered when others have to wait for a next one)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from claimbatch.domain.result_row import ResultRow
from claimbatch.ports.chunk_ledger import ChunkId


class RowResults(Protocol):
    """Results by chunk: written with the chunk, read back by chunk or in row order."""

    def chunk_results(self, job_id: str, chunk: ChunkId) -> dict[int, ResultRow]:
        """The results stored for the chunk (counted or partial), by row; strongly consistent."""
        ...

    def put_partial_results(self, job_id: str, chunk: ChunkId, results: Sequence[ResultRow]) -> None:
        """Keep the rows of a chunk known so far (those stored before included) so that a
        next delivery does not look them up again; replaces the chunk's partial results,
        and leaves a counted chunk as it is."""
        ...

    def forget_results(self, job_id: str, chunk: ChunkId, rows: Sequence[int]) -> None:
        """Drop `rows` from a partial chunk, so a worker looks them up again; a counted
        chunk is left as it is (uncount_chunk forgets its rows)."""
        ...

    def iter_results(self, job_id: str) -> Iterator[ResultRow]:
        """Every stored result of the job (counted and partial chunks), in row order, streaming."""
        ...
