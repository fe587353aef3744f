"""Where jobs, their counters and the per-row results live (DynamoDB, SQLite)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from claimbatch.domain.job import Job, JobState, OutcomeTally
from claimbatch.domain.result_row import ResultRow


class JobStore(Protocol):
    def create_job(self, job: Job) -> bool:
        """Store a new job; False (and no change) when a job with that id exists."""
        ...

    def get_job(self, job_id: str) -> Job | None: ...

    def transition(
        self,
        job_id: str,
        from_states: Iterable[JobState],
        to_state: JobState,
        *,
        error: str | None = None,
        at: datetime | None = None,
    ) -> bool:
        """Move the job to `to_state` if it is in one of `from_states`; False otherwise.
        `at` stamps started_at (SPLITTING) or completed_at (terminal states)."""
        ...

    def claim_split(self, job_id: str, now: float, lease_until: float) -> bool:
        """Take the job's split lease (RECEIVED/SPLITTING, no live lease) and move it to
        SPLITTING. False while another splitter holds the lease or the job is past splitting.
        Times are epoch seconds."""
        ...

    def save_split_cursor(self, job_id: str, rows_split: int, lease_until: float) -> None:
        """Remember that input rows 1..rows_split have been handed on, and renew
        (or, with lease_until=0, release) the split lease."""
        ...

    def split_cursor(self, job_id: str) -> int: ...

    def finish_split(self, job_id: str, total: int) -> bool:
        """Record the total row count and move SPLITTING → PROCESSING."""
        ...

    def put_results(self, job_id: str, results: Sequence[ResultRow]) -> None:
        """Store final row results; idempotent (a row written twice holds the last value)."""
        ...

    def get_results(self, job_id: str, rows: Sequence[int]) -> dict[int, ResultRow]:
        """The stored results among `rows`, strongly consistent."""
        ...

    def count_chunk(self, job_id: str, chunk_id: str, tally: OutcomeTally) -> bool:
        """Add a finished chunk's tally to the job counters exactly once per chunk_id.
        False when that chunk was counted before, or the job no longer accepts rows."""
        ...

    def try_begin_aggregation(self, job_id: str) -> bool:
        """PROCESSING → AGGREGATING when every row is done; True for exactly one caller."""
        ...

    def list_active_jobs(self) -> list[Job]:
        """Every job not yet in a terminal state (for the sweeper)."""
        ...

    def reopen_split(self, job_id: str) -> bool:
        """Split an unfinished job again from its first row (queued chunks were lost or
        stalled). Chunk ids and stored results make the second pass idempotent."""
        ...

    def force_aggregation(self, job_id: str) -> bool:
        """Last resort for a job that stopped making progress: SPLITTING/PROCESSING →
        AGGREGATING; the rows without a result become failed, retryable lines."""
        ...

    def iter_results(self, job_id: str) -> Iterator[ResultRow]:
        """Every stored result of the job, in row order, streaming."""
        ...
