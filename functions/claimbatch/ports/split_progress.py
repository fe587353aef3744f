"""How far a job's input has been split: the lease one splitter holds at a time,
and the cursor a continuing (or restarted) splitter resumes from."""

from __future__ import annotations

from typing import Protocol

from claimbatch.domain.job import SplitPlan


class SplitProgress(Protocol):
    """The split lease and cursor of a job."""

    def claim_split(self, job_id: str, now: float, lease_until: float, plan: SplitPlan) -> SplitPlan | None:
        """Take the job's split lease (RECEIVED/SPLITTING, no live lease) and move it to
        SPLITTING; record `plan` if the job has none yet. Returns the job's plan (this one
        at the first split, the first split's ever after); None while another splitter
        holds the lease or the job is past splitting. Times are epoch seconds."""
        ...

    def save_split_cursor(self, job_id: str, rows_split: int, lease_until: float) -> None:
        """Remember that input rows 1..rows_split have been handed on, and renew
        (or, with lease_until=0, release) the split lease."""
        ...

    def split_cursor(self, job_id: str) -> int: ...

    def finish_split(self, job_id: str, total: int) -> bool:
        """Record the total row count and move SPLITTING → PROCESSING."""
        ...
