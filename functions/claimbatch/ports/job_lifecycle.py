"""A job's record and its state machine: created once, moved only from the states
a caller expects, closed by the stages (and by retry and cancel)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from claimbatch.domain.job import Job, JobCounts, JobState


class JobLifecycle(Protocol):
    """Jobs by id, and their guarded state moves."""

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

    def try_begin_aggregation(self, job_id: str) -> bool:
        """PROCESSING → AGGREGATING when every row is done; True for exactly one caller."""
        ...

    def reopen_split(self, job_id: str) -> bool:
        """Split an unfinished job again from its first row (queued chunks were lost or
        stalled). Chunk ids and stored results make the second pass idempotent."""
        ...

    def force_aggregation(self, job_id: str) -> bool:
        """Last resort for a job that stopped making progress: SPLITTING/PROCESSING →
        AGGREGATING; the rows without a result become failed, retryable lines."""
        ...

    def reopen_for_retry(self, job_id: str) -> int | None:
        """COMPLETED → PROCESSING for a retry; the retry's number (1, 2, …), or None
        when the job was not COMPLETED (another caller won, or it never was)."""
        ...

    def record_counts(self, job_id: str, counts: JobCounts, state: JobState) -> bool:
        """Set the counters to what a terminal job's results file holds (a cancelled
        job's rows that were never looked up); only while the job is in `state`."""
        ...
