"""Which chunks of a job have been counted, and with which results: a chunk's results,
its marker and the job's counters change together, so a chunk delivered any number
of times is counted once and every row it holds is stored once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from claimbatch.domain.result_row import ResultRow


@dataclass(frozen=True, order=True, slots=True)
class ChunkId:
    """One stored part of chunk k (input rows k*n+1 .. (k+1)*n): the rows it looked
    up, or, with `row_errors`, the splitter's row errors of the same rows."""

    chunk: int
    row_errors: bool = False

    @property
    def key(self) -> str:
        """Sorts as the rows do: zero-padded, and a chunk's row errors right after its looked-up rows."""
        return f"{self.chunk:09d}{'i' if self.row_errors else ''}"

    @classmethod
    def of_key(cls, key: str) -> ChunkId:
        return cls(int(key.rstrip("i")), key.endswith("i"))


class ChunkLedger(Protocol):
    """Chunks counted into a job exactly once with their results (and uncounted for a retry)."""

    def count_chunk(self, job_id: str, chunk: ChunkId, results: Sequence[ResultRow]) -> bool:
        """Store the chunk's final results and add their tally to the job's counters, in one
        transaction, once per chunk. False (nothing written) when the chunk was counted
        before, `results` is empty, or the job no longer accepts rows."""
        ...

    def count_chunks(self, job_id: str, parts: Sequence[tuple[ChunkId, Sequence[ResultRow]]]) -> list[bool]:
        """count_chunk for each of several parts, with fewer store trips: whether each part
        was counted now, in order. Each part is counted at most once and never half: a
        part counted before is left as it is while the others are counted."""
        ...

    def uncount_chunk(self, job_id: str, chunk: ChunkId, forget: Sequence[int]) -> bool:
        """Undo the counting of a chunk of a job reopened for a retry (PROCESSING), in one
        transaction: the tally of its stored results comes off the counters, and it is kept
        as a partial chunk holding every result but those of the rows in `forget`.
        False (nothing changed) when the chunk is not counted or the job is not being retried."""
        ...
