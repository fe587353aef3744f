"""Where jobs, their counters and the per-row results live (DynamoDB, SQLite)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from claimbatch.domain.job import Job, JobCounts, JobState, OutcomeTally
from claimbatch.domain.result_row import ResultRow


@dataclass(frozen=True)
class JobPage:
    """One page of a tenant's jobs, newest first. `next_after` is the position to go
    on from (opaque to callers: `<created_at>#<job_id>` of the last job), None at the end."""

    jobs: list[Job]
    next_after: str | None


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

    # -- the job API ----------------------------------------------------------------

    def list_tenant_jobs(
        self, tenant: str, *, state: JobState | None = None, limit: int = 20, after: str | None = None
    ) -> JobPage:
        """The tenant's jobs newest first, `limit` at most, starting after the position `after`."""
        ...

    def find_job_by_source(self, tenant: str, key: str, created_since: datetime) -> Job | None:
        """The newest job of the tenant made from object `key` since `created_since`."""
        ...

    def uncount_chunk(self, job_id: str, chunk_id: str, tally: OutcomeTally) -> bool:
        """Undo the counting of a chunk of a job reopened for a retry (PROCESSING): remove
        its marker and take `tally` off the counters, atomically, only if the marker was there."""
        ...

    def delete_results(self, job_id: str, rows: Sequence[int]) -> None:
        """Forget the stored results of `rows` (so a worker looks them up again)."""
        ...

    def reopen_for_retry(self, job_id: str) -> int | None:
        """COMPLETED → PROCESSING for a retry; the retry's number (1, 2, …), or None
        when the job was not COMPLETED (another caller won, or it never was)."""
        ...

    def record_counts(self, job_id: str, counts: JobCounts, state: JobState) -> bool:
        """Set the counters to what a terminal job's results file holds (a cancelled
        job's rows that were never looked up); only while the job is in `state`."""
        ...
