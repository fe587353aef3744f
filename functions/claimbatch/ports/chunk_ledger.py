"""Which chunks of a job have been counted: a chunk's marker and the job's counters
change together, so a chunk delivered any number of times is counted once."""

from __future__ import annotations

from typing import Protocol

from claimbatch.domain.job import OutcomeTally


class ChunkLedger(Protocol):
    """Chunks counted into a job exactly once (and uncounted for a retry)."""

    def count_chunk(self, job_id: str, chunk_id: str, tally: OutcomeTally) -> bool:
        """Add a finished chunk's tally to the job counters exactly once per chunk_id.
        False when that chunk was counted before, or the job no longer accepts rows."""
        ...

    def uncount_chunk(self, job_id: str, chunk_id: str, tally: OutcomeTally) -> bool:
        """Undo the counting of a chunk of a job reopened for a retry (PROCESSING): remove
        its marker and take `tally` off the counters, atomically, only if the marker was there."""
        ...
